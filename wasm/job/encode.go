package job

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/flowlens/ntc/wasm/protocol"
)

// Encode writes a message as protocol.Envelope JSON. Progress messages carry up to thousands of rows a second, so
// their rows are written by hand (reflection-driven encoding/json cost the worker several percent of its speed
// in WebAssembly); everything else goes through encoding/json. The page decodes both with encoding/json.
func Encode(m *protocol.Envelope) ([]byte, error) {
	if m.Progress == nil || len(m.Progress.NewRows) == 0 || m.Ready != nil || m.Failure != nil || m.Explained != nil || m.Remote != nil || m.API != nil {
		return json.Marshal(m)
	}
	p := *m.Progress
	rows := p.NewRows
	p.NewRows = nil
	body, err := json.Marshal(&p)
	if err != nil {
		return nil, err
	}
	kind, _ := json.Marshal(m.Kind)
	out := make([]byte, 0, len(body)+len(rows)*200+64)
	out = append(out, `{"kind":`...)
	out = append(out, kind...)
	out = append(out, `,"progress":`...)
	out = append(out, body[:len(body)-1]...) // without its closing brace
	out = append(out, `,"new_rows":[`...)
	for i := range rows {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendRow(out, &rows[i])
	}
	return append(out, "]}}"...), nil
}

// appendRow writes a RowView as encoding/json would (same keys, omitempty), confidences with the CSV's four
// decimals.
func appendRow(b []byte, r *protocol.RowView) []byte {
	b = append(b, `{"r":`...)
	b = strconv.AppendInt(b, int64(r.Row), 10)
	b = appendField(b, "s", r.Src)
	b = appendField(b, "d", r.Dst)
	b = appendField(b, "p", r.Proto)
	b = appendField(b, "l", r.Label)
	b = appendField(b, "a", r.App)
	if r.AppConf != 0 {
		b = append(b, `,"ac":`...)
		b = strconv.AppendFloat(b, r.AppConf, 'f', 4, 64)
	}
	b = appendField(b, "at", r.AppTop)
	b = appendField(b, "t", r.Att)
	if r.AttConf != 0 {
		b = append(b, `,"tc":`...)
		b = strconv.AppendFloat(b, r.AttConf, 'f', 4, 64)
	}
	b = appendField(b, "e", r.Err)
	if r.Off != 0 {
		b = append(b, `,"o":`...)
		b = strconv.AppendInt(b, r.Off, 10)
	}
	if r.Len != 0 {
		b = append(b, `,"n":`...)
		b = strconv.AppendInt(b, int64(r.Len), 10)
	}
	return append(b, '}')
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
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
