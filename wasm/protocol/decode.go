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
	m, rows, err := DecodeAppend(msg, nil)
	if err == nil && m.Progress != nil && m.Progress.NewRows == nil && rows != nil {
		m.Progress.NewRows = rows
	}
	return m, err
}

// DecodeAppend is Decode for the page, which keeps every row of a run in one slice: a progress message's
// rows, when they take the fast path, are appended to rows (and NewRows is left nil) instead of being
// gathered in a slice of their own and copied again. rows is returned as it was (its length) otherwise.
func DecodeAppend(msg string, rows []RowView) (Envelope, []RowView, error) {
	var m Envelope
	n := len(rows)
	// The first match is the member: before it stand only the progress fields, where a quote inside a string
	// is escaped, so the member's text cannot occur there.
	if i := strings.Index(msg, rowsMember); i >= 0 && strings.HasSuffix(msg, "]}}") {
		if more, ok := decodeRows(msg[i+len(rowsMember):len(msg)-len("]}}")], rows); ok {
			if err := json.Unmarshal([]byte(msg[:i]+"}}"), &m); err == nil && m.Progress != nil && m.Progress.NewRows == nil {
				if more == nil {
					more = []RowView{}
				}
				return m, more, nil
			}
			m = Envelope{}
		}
	}
	err := json.Unmarshal([]byte(msg), &m)
	return m, rows[:n], err
}

// decodeRows appends the rows of the inside of a JSON array of RowView objects to rows, reporting false on
// anything that is not the plain shape the encoder writes (the caller then uses encoding/json).
func decodeRows(s string, rows []RowView) ([]RowView, bool) {
	if s == "" {
		return rows, true
	}
	d := rowDecoder{s: s}
	for {
		rows = append(rows, RowView{})
		if !d.row(&rows[len(rows)-1]) {
			return nil, false
		}
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

// row decodes one row object into r (a zero RowView).
func (d *rowDecoder) row(r *RowView) bool {
	if !d.eat('{') {
		return false
	}
	for first := true; ; first = false {
		if d.eat('}') && !first {
			return true
		}
		if !first && !d.eat(',') {
			return false
		}
		key, ok := d.str()
		if !ok || !d.eat(':') {
			return false
		}
		switch key {
		case "r", "o", "n":
			v, ok := d.number()
			if !ok {
				return false
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return false
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
				return false
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return false
			}
			if key == "ac" {
				r.AppConf = f
			} else {
				r.AttConf = f
			}
		default:
			field := r.stringField(key)
			if field == nil {
				return false
			}
			if *field, ok = d.str(); !ok {
				return false
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
	for ; d.i < len(d.s); d.i++ {
		if c := d.s[d.i]; (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			break
		}
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
