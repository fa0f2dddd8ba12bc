package features

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flowlens/ntc/internal/decimal"
)

// MaxAbsValue bounds every numeric cell: flow counters, sizes and times from a real probe stay far below it, so
// a larger value is a broken exporter, not traffic.
const MaxAbsValue = 1e12

// MinAbsValue bounds every non-zero numeric cell from below: the finest real measurement is a microsecond-scale
// time (the competition files' smallest is 6e-7), so 1e-300 is a broken exporter too, and with both bounds
// every ratio the features take stays finite (1e12 / 1e-12 is far from overflow).
const MinAbsValue = 1e-12

// Protocol is a flow's transport protocol.
type Protocol uint8

// The transport protocols a flow row can name.
const (
	TCP Protocol = iota
	UDP
)

// FlowRecord is one row of the flow CSV.
type FlowRecord struct {
	Row    int      // 1-based data row number; the header is row 0
	Line   int      // line of the file where the row starts
	Fields []string // every field as read, in input order, for passing the row through
	// Text is the row as it stood in the file (without its line end) when it had no quotes: Fields joined by
	// commas. Empty for a quoted row. Writers pass it through instead of joining Fields again.
	Text     string
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

// HeaderError is a header that cannot be used at all: empty input, input that is not CSV text (compressed,
// binary, UTF-16, bare-CR line ends), or a column named twice.
type HeaderError struct {
	Reason string
}

func (e *HeaderError) Error() string { return "bad header: " + e.Reason }

// Reader reads flow records from a CSV one at a time, in constant memory. Columns are matched by header name
// (whitespace trimmed, any order); columns it does not know are kept in FlowRecord.Fields.
type Reader struct {
	records   *recordReader
	header    []string
	numericAt [NumNumericInput]int // field index of each numeric column
	protoAt   int
	labelAt   int // -1 without a label column
	labelName string
	srcIPAt   int
	dstIPAt   int
	row       int
	lineShift int // added to line numbers: see Continue
	headerEnd int // the input line the header ends on
}

// NewReader reads the header from r and returns a Reader positioned at the first row. The label column is
// optional; when the file has one, its name (one of LabelColumns) is LabelColumn().
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if err := sniff(br); err != nil {
		return nil, err
	}
	records := &recordReader{br: br}
	first, err := records.read(nil)
	if errors.Is(err, io.EOF) {
		return nil, &HeaderError{Reason: "the file is empty"}
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) { // the input failed, not the header (a body over the API's limit, say)
			return nil, fmt.Errorf("reading the header: %w", err)
		}
		return nil, &HeaderError{Reason: err.Error()}
	}
	header := first.fields
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	if first.width > maxHeaderFields {
		return nil, &HeaderError{Reason: fmt.Sprintf("the header has %d fields, more than %d: not a flow CSV's header", first.width, maxHeaderFields)}
	}
	records.maxFields = len(header) + 1
	rd := &Reader{records: records, header: header, labelAt: -1, srcIPAt: -1, dstIPAt: -1, protoAt: -1, headerEnd: records.numLine}
	if err := rd.mapColumns(); err != nil {
		return nil, err
	}
	return rd, nil
}

// sniffLen is how much of the input sniff looks at: enough for a whole header line of the flow CSV (2 kB).
const sniffLen = 8 << 10

// magics are the signatures of files people hand over by mistake, with what to do instead.
var magics = []struct {
	prefix, what string
}{
	{"\x1f\x8b", "gzip-compressed data (decompress it first, e.g. gunzip)"},
	{"PK\x03\x04", "a ZIP archive or an .xlsx workbook (extract or export the CSV first)"},
	{"\xfd7zXZ\x00", "xz-compressed data (decompress it first, e.g. unxz)"},
	{"(\xb5/\xfd", "zstd-compressed data (decompress it first, e.g. unzstd)"},
	{"\xff\xfe", "UTF-16 text (save it as UTF-8)"},
	{"\xfe\xff", "UTF-16 text (save it as UTF-8)"},
	{"%PDF-", "a PDF document"},
}

// sniff looks at the start of the input for things that are not a CSV at all, so they get a message that
// says what they are instead of a CSV parse error or a list of every column as missing.
func sniff(br *bufio.Reader) error {
	head, _ := br.Peek(sniffLen) // a shorter input returns what there is
	if len(head) == 0 {
		return nil // NewReader reports the empty file
	}
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return &HeaderError{Reason: "the input is not CSV text: it looks like " + m.what}
		}
	}
	if len(head) >= 10 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9' && string(head[4:10]) == "1AY&SY" {
		return &HeaderError{Reason: "the input is not CSV text: it looks like bzip2-compressed data (decompress it first, e.g. bunzip2)"}
	}
	check := head // the header line, as far as the window reaches; later lines' problems are row errors
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		check = head[:i]
	}
	if i := bytes.IndexByte(check, 0); i >= 0 {
		return &HeaderError{Reason: fmt.Sprintf("the input is not CSV text: it looks like binary data (a NUL byte at offset %d)", i)}
	}
	for n := 0; n < utf8.UTFMax-1 && len(check) == sniffLen && !utf8.Valid(check); n++ {
		check = check[:len(check)-1] // a character cut at the end of the window
	}
	if !utf8.Valid(check) {
		return &HeaderError{Reason: "the input is not UTF-8 text: the header has invalid UTF-8 (binary data, or another encoding: save it as UTF-8)"}
	}
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 && head[i] == '\r' && i+1 < len(head) && head[i+1] != '\n' {
		return &HeaderError{Reason: "lines end in a bare CR (classic Mac line ends): convert them to LF or CRLF"}
	}
	return nil
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
// becomes row rowsBefore+1, and line numbers shift so that this input's first line after the header (line 2,
// unless the header spans lines) is line firstLine. A client that sends a file in chunks, each with the header
// repeated (classify.Splitter), gets the same row errors as for the whole file.
func (rd *Reader) Continue(rowsBefore, firstLine int) {
	rd.row = rowsBefore
	rd.lineShift = firstLine - (rd.headerEnd + 1)
}

// Header returns the header as read (a leading UTF-8 BOM removed, names otherwise untouched).
func (rd *Reader) Header() []string { return rd.header }

// LabelColumn returns the name of the file's label column, or "" when it has none.
func (rd *Reader) LabelColumn() string { return rd.labelName }

// Read returns the next record. At the end of input it returns io.EOF. A bad row returns a record whose
// Row, Line and Fields are set together with a *RowError; reading can go on after it.
func (rd *Reader) Read() (*FlowRecord, error) {
	rec := new(FlowRecord)
	err := rd.ReadInto(rec)
	if err != nil && !IsRowError(err) {
		return nil, err
	}
	return rec, err
}

// ReadInto is Read into a record the caller provides (a batch's array, say), which it overwrites, reusing
// the array behind rec.Fields for the new fields: at the end of input it returns io.EOF, for a bad row a
// *RowError with rec's Row, Line and Fields set, and another error when the input fails.
func (rd *Reader) ReadInto(rec *FlowRecord) error {
	r, err := rd.records.read(rec.Fields)
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	rd.row++
	*rec = FlowRecord{Row: rd.row}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rec.Line = pe.StartLine + rd.lineShift
			rec.Fields = r.fields // as read with lazy quotes: the output still shows the row's cells
			reason := "malformed CSV: " + pe.Err.Error()
			if errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine {
				reason += fmt.Sprintf(" (a quoted field opened on line %d is still open on line %d: lines %d to %d are read as this one row)",
					rec.Line, pe.Line+rd.lineShift, rec.Line, pe.Line+rd.lineShift)
			}
			return &RowError{Row: rd.row, Line: rec.Line, Reason: reason}
		}
		return fmt.Errorf("reading row %d: %w", rd.row, err)
	}
	line := r.line + rd.lineShift
	rec.Line = line
	rec.Fields = r.fields
	rec.Text = r.plain
	if r.width != len(rd.header) {
		reason := fmt.Sprintf("has %d fields, the header has %d", r.width, len(rd.header))
		if bareCR(r.fields) {
			reason += "; it holds a bare CR (a classic Mac line end), so it may be several rows run together: convert line ends to LF or CRLF"
		}
		return &RowError{Row: rd.row, Line: line, Reason: reason}
	}
	return rd.fill(rec)
}

// bareCR reports whether a field holds a CR not followed by LF.
func bareCR(fields []string) bool {
	for _, f := range fields {
		for i := strings.IndexByte(f, '\r'); i >= 0; i = strings.IndexByte(f, '\r') {
			if i+1 == len(f) || f[i+1] != '\n' {
				return true
			}
			f = f[i+1:]
		}
	}
	return false
}

// IsRowError reports whether err is a per-row problem (the row is reported and reading goes on) rather than
// one that stops the whole input.
func IsRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
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
		// a single digit, 44% of a flow row's cells (42% are "0"), without a call: calls are dear in
		// WebAssembly, where this loop was a tenth of the page worker's time
		if cell := f[i]; len(cell) == 1 && cell[0]-'0' <= 9 {
			rec.Numeric[c] = float64(cell[0] - '0')
			continue
		}
		// the common cell, a plain in-range decimal, without parseCell's trimming and messages
		if v, ok := decimal.Parse(f[i]); ok && plausible(v, signedColumn(c)) {
			rec.Numeric[c] = v
			continue
		}
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
	v, ok := decimal.Parse(t)
	var err error
	switch {
	case ok:
	case strings.ContainsAny(t, "_xXpP"):
		// Go's syntax beyond plain decimals (1_000, 0x1p4), which ParseFloat takes: an exporter writes none
		return 0, fmt.Errorf("not a number: %q", clip(t))
	default:
		v, err = strconv.ParseFloat(t, 64)
	}
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
	case v != 0 && math.Abs(v) < MinAbsValue:
		return 0, fmt.Errorf("value %s is implausibly small (non-zero values must be at least %g)", clip(t), MinAbsValue)
	case v < 0 && !signed:
		return 0, fmt.Errorf("negative value %s in a column that cannot be negative", clip(t))
	}
	return v, nil
}

// plausible reports whether a finite value passes parseCell's range checks.
func plausible(v float64, signed bool) bool {
	a := math.Abs(v)
	return a <= MaxAbsValue && (a >= MinAbsValue || v == 0) && (v >= 0 || signed)
}

// clip shortens a cell quoted in an error so a 10 MB junk field does not become a 10 MB message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for back := 0; back < utf8.UTFMax-1 && !utf8.RuneStart(s[cut]); back++ {
		cut-- // not inside a character (invalid UTF-8 is cut where it is)
	}
	return s[:cut] + "…"
}
