package job

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/wasm/protocol"
)

// Encode writes a message as protocol.Envelope JSON. A progress message carries up to thousands of rows a
// second; Run writes them as it gathers them (Progress.EncodedRows), and Encode puts those bytes in the
// message as they are (a failure's partial progress carries its own as NewRows). Everything else goes through
// encoding/json. The page decodes both with protocol.Decode.
func Encode(m *protocol.Envelope) ([]byte, error) {
	if f := m.Failure; f != nil && f.Partial != nil && len(f.Partial.EncodedRows) > 0 {
		// A failure goes through encoding/json whole, which does not write EncodedRows: the rows gathered
		// since the last progress message travel as NewRows (a failure is rare; decoding them is cheap).
		var rows []protocol.RowView
		if err := json.Unmarshal(append(append([]byte{'['}, f.Partial.EncodedRows...), ']'), &rows); err != nil {
			return nil, err
		}
		partial := *f.Partial
		partial.NewRows, partial.EncodedRows = append(slices.Clip(partial.NewRows), rows...), nil
		failure, msg := *f, *m
		failure.Partial, msg.Failure = &partial, &failure
		return json.Marshal(&msg)
	}
	if m.Progress == nil || len(m.Progress.EncodedRows) == 0 || len(m.Progress.NewRows) > 0 || m.Ready != nil ||
		m.Failure != nil || m.Explained != nil || m.Remote != nil || m.API != nil {
		return json.Marshal(m)
	}
	p := *m.Progress
	rows := p.EncodedRows
	p.EncodedRows = nil
	body, err := json.Marshal(&p)
	if err != nil {
		return nil, err
	}
	kind, _ := json.Marshal(m.Kind)
	out := make([]byte, 0, len(body)+len(rows)+64)
	out = append(out, `{"kind":`...)
	out = append(out, kind...)
	out = append(out, `,"progress":`...)
	out = append(out, body[:len(body)-1]...) // without its closing brace
	out = append(out, `,"new_rows":[`...)
	out = append(out, rows...)
	return append(out, "]}}"...), nil
}

// appendRow writes r's table row as encoding/json writes its protocol.RowView (same keys, omitempty),
// straight from the row's fields and predictions: building RowView strings first (endpoints, top 3) and
// encoding them afterwards cost the worker several percent of its speed in WebAssembly.
func (g *gatherer) appendRow(b []byte, r *classify.Row) []byte {
	b = append(b, `{"r":`...)
	b = strconv.AppendInt(b, int64(r.Row), 10)
	b = g.appendEndpoint(b, "s", r, g.cols.src, g.cols.sport)
	b = g.appendEndpoint(b, "d", r, g.cols.dst, g.cols.dport)
	b = appendField(b, "p", strings.ToLower(strings.TrimSpace(g.field(r, g.cols.proto))))
	b = appendField(b, "l", strings.TrimSpace(g.field(r, g.cols.label)))
	if r.Err != nil {
		b = appendField(b, "e", r.Err.Error())
	} else {
		if p := r.Result.App; p != nil {
			b = appendField(b, "a", p.Label)
			b = appendConfidence(b, "ac", p.Confidence)
			if len(p.TopK) > 0 {
				start := len(b)
				b = append(b, `,"at":"`...)
				b = classify.AppendTop(b, p.TopK)
				if !plain(b[start+len(`,"at":"`):]) { // a label that needs escaping
					b = appendField(b[:start], "at", classify.FormatTop(p.TopK))
				} else {
					b = append(b, '"')
				}
			}
		}
		if p := r.Result.Att; p != nil {
			b = appendField(b, "t", p.Label)
			b = appendConfidence(b, "tc", p.Confidence)
		}
	}
	if r.OutOffset != 0 {
		b = append(b, `,"o":`...)
		b = strconv.AppendInt(b, r.OutOffset, 10)
	}
	if r.OutLen != 0 {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, int64(r.OutLen), 10)
	}
	return append(b, '}')
}

// appendEndpoint writes the "ip:port" of columns ip and port ("[ip]:port" for IPv6; either alone when the
// other is empty).
func (g *gatherer) appendEndpoint(b []byte, key string, r *classify.Row, ip, port int) []byte {
	a, p := g.field(r, ip), g.field(r, port)
	switch {
	case a == "":
		return appendField(b, key, p)
	case p == "":
		return appendField(b, key, a)
	case !plain(a) || !plain(p):
		return appendField(b, key, endpoint(a, p))
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":"`...)
	if strings.Contains(a, ":") { // IPv6
		b = append(append(append(b, '['), a...), ']')
	} else {
		b = append(b, a...)
	}
	return append(append(append(b, ':'), p...), '"')
}

// endpoint is appendEndpoint's text as a string.
func endpoint(a, p string) string {
	if strings.Contains(a, ":") {
		return "[" + a + "]:" + p
	}
	return a + ":" + p
}

// appendConfidence writes a confidence with the CSV's four decimals; zero is omitted, as omitempty does.
func appendConfidence(b []byte, key string, v float64) []byte {
	if v == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return classify.AppendProbability(b, v)
}

func appendField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

// appendString quotes s for JSON: plain printable ASCII as is, anything else through encoding/json.
func appendString(b []byte, s string) []byte {
	if !plain(s) {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// plain reports whether s goes into a JSON string as it is: printable ASCII that encoding/json leaves alone.
func plain[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
