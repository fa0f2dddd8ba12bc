package protocol

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// rowsMember is where the worker's encoder (wasm/job.Encode) puts a progress message's rows: last, so the
// message ends with the array and "]}}".
const rowsMember = `,"new_rows":[`

// Decode reads a message as encoding/json reads an Envelope. A progress message carries up to thousands of
// rows; encoding/json's reflection took 42 ms for 1,500 of them in the page's WebAssembly, on the thread that
// also draws the page, so a fast run made the page sluggish. Those rows are parsed by hand here (the
// encoder's shape: flat objects of short keys with string and number values) and the rest by encoding/json;
// anything unexpected goes to encoding/json whole.
func Decode(msg string) (Envelope, error) {
	var m Envelope
	// The first match is the member: before it stand only the progress fields, where a quote inside a string
	// is escaped, so the member's text cannot occur there.
	if i := strings.Index(msg, rowsMember); i >= 0 && strings.HasSuffix(msg, "]}}") {
		if rows, ok := decodeRows(msg[i+len(rowsMember) : len(msg)-len("]}}")]); ok {
			if err := json.Unmarshal([]byte(msg[:i]+"}}"), &m); err == nil && m.Progress != nil && m.Progress.NewRows == nil {
				m.Progress.NewRows = rows
				return m, nil
			}
			m = Envelope{}
		}
	}
	err := json.Unmarshal([]byte(msg), &m)
	return m, err
}

// decodeRows parses the inside of a JSON array of RowView objects, reporting false on anything that is not
// the plain shape the encoder writes (the caller then uses encoding/json).
func decodeRows(s string) ([]RowView, bool) {
	rows := []RowView{}
	if s == "" {
		return rows, true
	}
	d := rowDecoder{s: s}
	for {
		r, ok := d.row()
		if !ok {
			return nil, false
		}
		rows = append(rows, r)
		if d.i == len(s) {
			return rows, true
		}
		if !d.eat(',') {
			return nil, false
		}
	}
}

type rowDecoder struct {
	s string
	i int
}

func (d *rowDecoder) eat(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *rowDecoder) row() (RowView, bool) {
	var r RowView
	if !d.eat('{') {
		return r, false
	}
	for first := true; ; first = false {
		if d.eat('}') && !first {
			return r, true
		}
		if !first && !d.eat(',') {
			return r, false
		}
		key, ok := d.str()
		if !ok || !d.eat(':') {
			return r, false
		}
		switch key {
		case "r", "o", "n":
			v, ok := d.number()
			if !ok {
				return r, false
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r, false
			}
			switch key {
			case "r":
				r.Row = int(n)
			case "o":
				r.Off = n
			default:
				r.Len = int(n)
			}
		case "ac", "tc":
			v, ok := d.number()
			if !ok {
				return r, false
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return r, false
			}
			if key == "ac" {
				r.AppConf = f
			} else {
				r.AttConf = f
			}
		default:
			field := r.stringField(key)
			if field == nil {
				return r, false
			}
			if *field, ok = d.str(); !ok {
				return r, false
			}
		}
	}
}

// stringField returns where the string member key goes, nil for a key RowView does not have.
func (r *RowView) stringField(key string) *string {
	switch key {
	case "s":
		return &r.Src
	case "d":
		return &r.Dst
	case "p":
		return &r.Proto
	case "l":
		return &r.Label
	case "a":
		return &r.App
	case "at":
		return &r.AppTop
	case "t":
		return &r.Att
	case "e":
		return &r.Err
	}
	return nil
}

// number returns the JSON number at the cursor (digits, sign, point, exponent).
func (d *rowDecoder) number() (string, bool) {
	start := d.i
	for d.i < len(d.s) && strings.IndexByte("-+.eE0123456789", d.s[d.i]) >= 0 {
		d.i++
	}
	return d.s[start:d.i], d.i > start
}

// str returns the JSON string at the cursor, unescaped: a string without escapes as it stands, one with
// escapes through encoding/json.
func (d *rowDecoder) str() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start, escaped := d.i, false
	for ; d.i < len(d.s); d.i++ {
		switch c := d.s[d.i]; {
		case c == '"':
			d.i++
			v := d.s[start : d.i-1]
			if !escaped {
				return v, utf8.ValidString(v) // encoding/json would replace invalid bytes
			}
			var out string
			if err := json.Unmarshal([]byte(d.s[start-1:d.i]), &out); err != nil {
				return "", false
			}
			return out, true
		case c == '\\':
			escaped = true
			d.i++ // the escaped character cannot end the string
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}
