package classify

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

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

// writePreamble writes what comes before the first row: the CSV header.
func writePreamble(w io.Writer, f Format, header []string) error {
	if f != CSV {
		return nil
	}
	cw := csv.NewWriter(w)
	cw.Write(OutputHeader(header))
	cw.Flush()
	return cw.Error()
}

// encoder writes encoded rows into one batch's buffer at a time; each worker has its own.
type encoder struct {
	format Format
	header []string
	fields []string
	buf    *bytes.Buffer
	csv    *csv.Writer
}

func newEncoder(f Format, header []string) *encoder {
	return &encoder{format: f, header: header}
}

// begin directs the following rows into buf.
func (e *encoder) begin(buf *bytes.Buffer) {
	e.buf = buf
	if e.format == CSV {
		e.csv = csv.NewWriter(buf)
	}
}

func (e *encoder) encode(r *Row) {
	if e.format == NDJSON {
		b, _ := json.Marshal(r.NDJSON(e.header)) // only strings, numbers and nil pointers: cannot fail
		e.buf.Write(b)
		e.buf.WriteByte('\n')
		return
	}
	e.fields = r.AppendRecord(e.fields[:0], len(e.header))
	e.csv.Write(e.fields) // a bytes.Buffer cannot fail
}

// end completes the batch.
func (e *encoder) end() {
	if e.csv != nil {
		e.csv.Flush()
	}
}

// NDJSON returns the row as an NDJSON object; header names its input fields. Fields beyond the header (a
// ragged row) are listed under "_extra_N".
func (r *Row) NDJSON(header []string) NDJSONRow {
	o := NDJSONRow{Row: r.Row, Input: make(map[string]string, len(r.Fields))}
	for i, f := range r.Fields {
		name := "_extra_" + strconv.Itoa(i)
		if i < len(header) {
			name = header[i]
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
