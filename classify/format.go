package classify

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/flowlens/ntc/model"
)

// Format is an output encoding.
type Format uint8

// The output encodings.
const (
	// CSV is the input CSV with OutputColumns appended: what `ntc classify` writes.
	CSV Format = iota
	// NDJSON is one JSON object per input row (NDJSONRow), nothing before the first.
	NDJSON
)

// NDJSONRow is one line of NDJSON output.
type NDJSONRow struct {
	Row                   int               `json:"row"`
	Input                 map[string]string `json:"input"` // input header name → field
	App                   *string           `json:"app"`
	AppConfidence         *float64          `json:"app_confidence"`
	AppTop3               []model.Ranked    `json:"app_top3"`
	Attribution           *string           `json:"attribution"`
	AttributionConfidence *float64          `json:"attribution_confidence"`
	Error                 *string           `json:"error"` // null for a good row
	Explain               *RowExplanation   `json:"explain,omitempty"`
}

// writePreamble writes what comes before the first row, the CSV header, and returns its length in bytes.
func writePreamble(w io.Writer, f Format, header []string) (int64, error) {
	if f != CSV {
		return 0, nil
	}
	cw := &countingWriter{w: w}
	csvw := csv.NewWriter(cw)
	csvw.Write(OutputHeader(header))
	csvw.Flush()
	return cw.n, csvw.Error()
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// AppendRow appends r as Stream writes a row in format f for a file with header: a CSV line (input fields
// padded or cut to the header's width, then the prediction columns) or an NDJSON object, line end included.
// It is for a caller that must end Stream's output with a row of its own (the API's closing error row when a
// request body crosses the limit half way).
func AppendRow(dst []byte, f Format, header []string, r *Row) []byte {
	var buf bytes.Buffer
	e := newEncoder(f, header)
	e.begin(&buf)
	e.encode(r)
	return append(dst, buf.Bytes()...)
}

// encoder writes encoded rows into one batch's buffer at a time; each worker has its own. Its CSV is
// byte for byte what encoding/csv's Writer writes for Row.AppendRecord (tested), built without it: an input
// row that needs no quoting is copied through as it was read.
type encoder struct {
	format Format
	header []string
	fields []string
	line   []byte
	buf    *bytes.Buffer
}

func newEncoder(f Format, header []string) *encoder {
	return &encoder{format: f, header: header}
}

// begin directs the following rows into buf.
func (e *encoder) begin(buf *bytes.Buffer) {
	e.buf = buf
}

func (e *encoder) encode(r *Row) {
	if e.format == NDJSON {
		b, _ := json.Marshal(r.NDJSON(e.header)) // only strings, numbers and nil pointers: cannot fail
		e.buf.Write(b)
		e.buf.WriteByte('\n')
		return
	}
	line := e.line[:0]
	if width := len(e.header); len(r.Fields) == width && textPassesThrough(r.Text, r.Fields) {
		line = append(line, r.Text...)
	} else {
		for i := range width { // padded or cut to the header's width, as AppendRecord does
			if i > 0 {
				line = append(line, ',')
			}
			if i < len(r.Fields) {
				line = appendCSVField(line, r.Fields[i])
			}
		}
	}
	line = appendPredictionCSV(line, r.Result.App, true)
	line = appendPredictionCSV(line, r.Result.Att, false)
	line = append(line, ',')
	if r.Err != nil {
		line = appendCSVField(line, r.Err.Error())
	}
	e.line = append(line, '\n')
	e.buf.Write(e.line) // a bytes.Buffer cannot fail
}

// appendPredictionCSV appends a prediction's output fields, each after a comma, as AppendRecord lists them.
func appendPredictionCSV(line []byte, p *model.Prediction, withTop bool) []byte {
	if p == nil {
		if withTop {
			return append(line, ",,,"...)
		}
		return append(line, ",,"...)
	}
	line = appendCSVField(append(line, ','), p.Label)
	line = AppendProbability(append(line, ','), p.Confidence)
	if !withTop {
		return line
	}
	line = append(line, ',')
	for i, r := range p.TopK {
		if strings.ContainsAny(r.Label, ",\"\r\n") || (i == 0 && startsWithSpace(r.Label)) {
			return appendCSVField(line, FormatTop(p.TopK)) // a label that needs quoting: the general way
		}
	}
	return AppendTop(line, p.TopK)
}

// textPassesThrough reports whether a row's text (its fields joined by commas) is what encoding/csv's
// Writer would write for its fields: there is a text (the row had no quotes), and no field needs quoting.
func textPassesThrough(text string, fields []string) bool {
	if text == "" || strings.IndexByte(text, '\r') >= 0 {
		return false
	}
	for _, f := range fields {
		// a cheap first look: only a control or space byte, a non-ASCII one or a backslash can start trouble
		if len(f) > 0 && (f[0] <= ' ' || f[0] >= utf8.RuneSelf || f[0] == '\\') && (startsWithSpace(f) || f == `\.`) {
			return false
		}
	}
	return true
}

// appendCSVField appends one field as encoding/csv's Writer writes it (Comma ',', UseCRLF false).
func appendCSVField(dst []byte, f string) []byte {
	if !fieldNeedsQuotes(f) {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(f, '"')
		if i < 0 {
			break
		}
		dst = append(append(dst, f[:i+1]...), '"')
		f = f[i+1:]
	}
	return append(append(dst, f...), '"')
}

// fieldNeedsQuotes is encoding/csv's rule: a field is quoted when it holds a comma, a quote, a CR or a LF,
// starts with a space, or is the line `\.` (which ends input in PostgreSQL's COPY).
func fieldNeedsQuotes(f string) bool {
	return f != "" && (f == `\.` || strings.ContainsAny(f, ",\"\r\n") || startsWithSpace(f))
}

// startsWithSpace reports whether f's first character is white space by Unicode's definition.
func startsWithSpace(f string) bool {
	if f == "" {
		return false
	}
	if c := f[0]; c < utf8.RuneSelf {
		return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

// NDJSON returns the row as an NDJSON object; header names its input fields. A column without a name is
// listed as "_column_N" (N counting from 1), so that two of them do not overwrite each other; fields beyond
// the header (a ragged row) are listed under "_extra_N".
func (r *Row) NDJSON(header []string) NDJSONRow {
	o := NDJSONRow{Row: r.Row, Input: make(map[string]string, len(r.Fields))}
	for i, f := range r.Fields {
		name := "_extra_" + strconv.Itoa(i)
		if i < len(header) {
			name = header[i]
			if strings.TrimSpace(name) == "" {
				name = "_column_" + strconv.Itoa(i+1)
			}
		}
		o.Input[name] = f
	}
	if p := r.Result.App; p != nil {
		o.App, o.AppConfidence, o.AppTop3 = &p.Label, &p.Confidence, p.TopK
	}
	if p := r.Result.Att; p != nil {
		o.Attribution, o.AttributionConfidence = &p.Label, &p.Confidence
	}
	if r.Err != nil {
		msg := r.Err.Error()
		o.Error = &msg
	}
	o.Explain = r.Explain
	return o
}
