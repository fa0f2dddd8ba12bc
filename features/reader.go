package features

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// MaxAbsValue bounds every numeric cell: flow counters, sizes and times from a real probe stay far below it, so
// a larger value is a broken exporter, not traffic.
const MaxAbsValue = 1e12

// Protocol is a flow's transport protocol.
type Protocol uint8

// The transport protocols a flow row can name.
const (
	TCP Protocol = iota
	UDP
)

// FlowRecord is one row of the flow CSV.
type FlowRecord struct {
	Row      int      // 1-based data row number; the header is row 0
	Line     int      // line of the file where the row starts
	Fields   []string // every field as read, in input order, for passing the row through
	Protocol Protocol
	Numeric  [NumNumericInput]float64 // NumericColumns, in that order
	Label    string                   // the label column's value, if the file has one
	// SourceIP and DestinationIP are kept for grouping only; they are never model inputs.
	SourceIP, DestinationIP string
}

// RowError is a row that could not be read. The reader goes on with the next row.
type RowError struct {
	Row    int    // 1-based data row number
	Line   int    // line of the file where the row starts
	Column string // the offending column's name; empty when the row as a whole is malformed
	Reason string
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d (line %d): %s", e.Row, e.Line, e.Reason)
	}
	return fmt.Sprintf("row %d (line %d), column %q: %s", e.Row, e.Line, e.Column, e.Reason)
}

// MissingColumnsError says which required columns the header lacks, all of them at once.
type MissingColumnsError struct {
	Columns []string
}

func (e *MissingColumnsError) Error() string {
	return fmt.Sprintf("header is missing %d required column(s): %s", len(e.Columns), strings.Join(e.Columns, ", "))
}

// HeaderError is a header that cannot be used at all: empty input, or a column named twice.
type HeaderError struct {
	Reason string
}

func (e *HeaderError) Error() string { return "bad header: " + e.Reason }

// Reader reads flow records from a CSV one at a time, in constant memory. Columns are matched by header name
// (whitespace trimmed, any order); columns it does not know are kept in FlowRecord.Fields.
type Reader struct {
	csv       *csv.Reader
	header    []string
	numericAt [NumNumericInput]int // field index of each numeric column
	protoAt   int
	labelAt   int // -1 without a label column
	labelName string
	srcIPAt   int
	dstIPAt   int
	row       int
	lineShift int // added to line numbers: see Continue
}

// NewReader reads the header from r and returns a Reader positioned at the first row. The label column is
// optional; when the file has one, its name (one of LabelColumns) is LabelColumn().
func NewReader(r io.Reader) (*Reader, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.FieldsPerRecord = -1 // ragged rows become RowErrors, not a stopped read
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &HeaderError{Reason: "the file is empty"}
	}
	if err != nil {
		return nil, &HeaderError{Reason: err.Error()}
	}
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	rd := &Reader{csv: cr, header: header, labelAt: -1, srcIPAt: -1, dstIPAt: -1, protoAt: -1}
	if err := rd.mapColumns(); err != nil {
		return nil, err
	}
	return rd, nil
}

func (rd *Reader) mapColumns() error {
	at := make(map[string]int, len(rd.header))
	for i, name := range rd.header {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if j, dup := at[name]; dup {
			return &HeaderError{Reason: fmt.Sprintf("column %q appears twice (fields %d and %d)", name, j+1, i+1)}
		}
		at[name] = i
	}
	var missing []string
	for c, name := range NumericColumns {
		i, ok := at[name]
		if !ok {
			missing = append(missing, name)
		}
		rd.numericAt[c] = i
	}
	if i, ok := at[ProtocolColumn]; ok {
		rd.protoAt = i
	} else {
		missing = append(missing, ProtocolColumn)
	}
	if len(missing) > 0 {
		return &MissingColumnsError{Columns: missing}
	}
	for _, name := range LabelColumns {
		if i, ok := at[name]; ok {
			rd.labelAt, rd.labelName = i, name
			break
		}
	}
	if i, ok := at["Source_IP"]; ok {
		rd.srcIPAt = i
	}
	if i, ok := at["Destination_IP"]; ok {
		rd.dstIPAt = i
	}
	return nil
}

// Continue makes the reader number its rows and lines as the continuation of a larger file: the first row read
// becomes row rowsBefore+1, and line numbers shift so that this input's line 2 (its first row, after the
// header) is line firstLine. A client that sends a file in chunks, each with the header repeated, gets the
// same row errors as for the whole file.
func (rd *Reader) Continue(rowsBefore, firstLine int) {
	rd.row = rowsBefore
	rd.lineShift = firstLine - 2
}

// Header returns the header as read (a leading UTF-8 BOM removed, names otherwise untouched).
func (rd *Reader) Header() []string { return rd.header }

// LabelColumn returns the name of the file's label column, or "" when it has none.
func (rd *Reader) LabelColumn() string { return rd.labelName }

// Read returns the next record. At the end of input it returns io.EOF. A bad row returns a record whose
// Row, Line and Fields are set together with a *RowError; reading can go on after it.
func (rd *Reader) Read() (*FlowRecord, error) {
	fields, err := rd.csv.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	rd.row++
	line, _ := rd.csv.FieldPos(0)
	line += rd.lineShift
	rec := &FlowRecord{Row: rd.row, Line: line}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rec.Line = pe.StartLine + rd.lineShift
			return rec, &RowError{Row: rd.row, Line: rec.Line, Reason: "malformed CSV: " + pe.Err.Error()}
		}
		return nil, fmt.Errorf("reading row %d: %w", rd.row, err)
	}
	rec.Fields = append(make([]string, 0, len(fields)), fields...)
	if len(fields) != len(rd.header) {
		return rec, &RowError{Row: rd.row, Line: line,
			Reason: fmt.Sprintf("has %d fields, the header has %d", len(fields), len(rd.header))}
	}
	if err := rd.fill(rec); err != nil {
		return rec, err
	}
	return rec, nil
}

func (rd *Reader) fill(rec *FlowRecord) error {
	f := rec.Fields
	switch p := strings.TrimSpace(f[rd.protoAt]); {
	case strings.EqualFold(p, "tcp"):
		rec.Protocol = TCP
	case strings.EqualFold(p, "udp"):
		rec.Protocol = UDP
	default:
		return rd.cellError(rec, ProtocolColumn, fmt.Sprintf("want tcp or udp, got %q", clip(p)))
	}
	for c, i := range rd.numericAt {
		v, err := parseCell(f[i], signedColumn(c))
		if err != nil {
			return rd.cellError(rec, NumericColumns[c], err.Error())
		}
		rec.Numeric[c] = v
	}
	if rd.labelAt >= 0 {
		rec.Label = strings.TrimSpace(f[rd.labelAt])
	}
	if rd.srcIPAt >= 0 {
		rec.SourceIP = f[rd.srcIPAt]
	}
	if rd.dstIPAt >= 0 {
		rec.DestinationIP = f[rd.dstIPAt]
	}
	return nil
}

func (rd *Reader) cellError(rec *FlowRecord, column, reason string) *RowError {
	return &RowError{Row: rec.Row, Line: rec.Line, Column: column, Reason: reason}
}

// parseCell parses one numeric cell and checks it is a plausible measurement.
func parseCell(s string, signed bool) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty cell")
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return 0, fmt.Errorf("value %q is out of range", clip(t))
		}
		return 0, fmt.Errorf("not a number: %q", clip(t))
	}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("not a finite number: %q", clip(t))
	case math.Abs(v) > MaxAbsValue:
		return 0, fmt.Errorf("value %s is implausibly large (limit %g)", clip(t), MaxAbsValue)
	case v < 0 && !signed:
		return 0, fmt.Errorf("negative value %s in a column that cannot be negative", clip(t))
	}
	return v, nil
}

// clip shortens a cell quoted in an error so a 10 MB junk field does not become a 10 MB message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
