package features

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// recordReader splits CSV text into records exactly as encoding/csv does with the Reader's settings (comma
// separated, RFC 4180 quotes, no lazy quotes, empty lines skipped, "\r\n" read as "\n", a CR before the end
// of input dropped), without its copying: a record without any quote — every row a flow exporter writes —
// is one line, converted to a string once and split at its commas in place. A record with quotes is first
// delimited by the same rules (a quoted field may run over lines) and then parsed by encoding/csv on its own
// text, so quoting and its errors stay encoding/csv's, with line numbers shifted to the file's.
type recordReader struct {
	br      *bufio.Reader
	numLine int    // lines read so far
	long    []byte // a line longer than br's buffer, assembled
	quoted  []byte // a quoted record's lines
	width   int    // fields in the last record: the next one likely has as many
	// maxFields is how many fields a record keeps at least (0: maxHeaderFields; at most about twice as
	// many, splitCommas), the rest only counted. Reader sets it to one more than the header has once it
	// has read the header: a row that wide is wrong anyway, and a line of millions of commas must not
	// become millions of strings (16 bytes each, and a slice that doubles).
	maxFields int
}

// maxHeaderFields is the most fields a header keeps: a flow CSV's has 111.
const maxHeaderFields = 1 << 14

// csvRecord is one CSV record: its fields (a slice of its own, which the caller keeps), how many it has (more
// than len(fields) when it had more than the reader keeps), the line it starts on, and for a record without
// quotes its text, the fields joined by commas.
type csvRecord struct {
	fields []string
	width  int
	line   int
	plain  string
}

// read returns the next record, its fields appended to dst[:0] when the record has no quotes (a caller that
// reads into the same records again saves allocating them). At the end of input it returns io.EOF; a
// malformed record returns a *csv.ParseError with the file's line numbers, and its fields as encoding/csv
// reads them with lazy quotes (so a row with a stray quote still shows what it held); a failing input
// returns its error.
func (r *recordReader) read(dst []string) (csvRecord, error) {
	var line, body []byte
	for {
		var err error
		line, body, err = r.readLine()
		if err != nil {
			return csvRecord{}, err // io.EOF at the end
		}
		if len(body) > 0 {
			break
		}
		// an empty line: skipped
	}
	start := r.numLine
	if bytes.IndexByte(body, '"') < 0 {
		s := string(body)
		if cap(dst) == 0 {
			dst = make([]string, 0, r.width)
		}
		fields, width := splitCommas(dst[:0], s, r.fieldCap())
		r.width = len(fields)
		if width > len(fields) {
			s = "" // the text is no longer the fields joined
		}
		return csvRecord{fields: fields, width: width, line: start, plain: s}, nil
	}
	// encoding/csv gets the record's lines as they stand in the input, line ends included, so that it
	// normalises them itself, exactly as it would have in the whole file
	if err := r.readQuoted(line, body); err != nil {
		return csvRecord{}, err
	}
	text, width := r.quoted, 0
	if bytes.Count(text, []byte{','}) >= r.fieldCap() {
		text, width = cutFields(text, r.fieldCap())
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	fields, err := cr.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		shifted := *pe
		shifted.StartLine += start - 1
		shifted.Line += start - 1
		err = &shifted
		// The cells are for show, and lazy quotes read a bare quote as text, so they would split every
		// comma after it (cutFields, toggling on the quote, did not cut): a record is cut at a comma far
		// enough on to keep a quoted field that swallowed a few lines whole, whatever the quotes.
		shown := text
		if i := nthComma(shown, min(64*r.fieldCap(), 1<<16)); i >= 0 {
			shown = shown[:i]
		}
		lazy := csv.NewReader(bytes.NewReader(shown))
		lazy.FieldsPerRecord, lazy.LazyQuotes = -1, true
		if f, lerr := lazy.Read(); lerr == nil {
			fields = f
		}
	}
	if width < len(fields) {
		width = len(fields)
	}
	return csvRecord{fields: fields, width: width, line: start}, err
}

// readQuoted gathers into r.quoted the lines of a record with quotes that starts with line (its content body):
// a quoted field's line breaks stay in the record, a bare quote ends it on its line, and a quote never closed
// runs to the end of the input (encoding/csv then reports it).
func (r *recordReader) readQuoted(line, body []byte) error {
	r.quoted = append(r.quoted[:0], line...)
	for open := quoteOpenAtEnd(body, false); open; {
		next, nextBody, err := r.readLine()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		r.quoted = append(r.quoted, next...)
		open = quoteOpenAtEnd(nextBody, true)
	}
	return nil
}

// fieldCap is the most fields a record keeps.
func (r *recordReader) fieldCap() int {
	if r.maxFields > 0 {
		return r.maxFields
	}
	return maxHeaderFields
}

// nthComma returns the index of text's n-th comma, -1 when it has fewer.
func nthComma(text []byte, n int) int {
	at := -1
	for ; n > 0; n-- {
		i := bytes.IndexByte(text[at+1:], ',')
		if i < 0 {
			return -1
		}
		at += i + 1
	}
	return at
}

// cutFields returns the start of a quoted record's text holding its first max fields, and how many fields it
// has, counting the commas outside quotes (a doubled quote inside a quoted field toggles twice).
func cutFields(text []byte, max int) ([]byte, int) {
	width, cut := 1, len(text)
	quoted := false
	for i, c := range text {
		switch {
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			if width == max {
				cut = i
			}
			width++
		}
	}
	return text[:cut], width
}

// RecordScanner delimits the records of a CSV exactly as Reader does — a quoted field's line breaks stay in
// its record, a bare quote ends its record on its line, a quote never closed runs to the end of the input —
// without parsing them. It is for cutting a flow CSV into chunks that, each read with the header before it
// (Reader.Continue), give the rows, line numbers and errors of the whole file (classify.Splitter).
type RecordScanner struct {
	r recordReader
}

// NewRecordScanner scans r from its first line (the header is a record like any other).
func NewRecordScanner(r io.Reader) *RecordScanner {
	return &RecordScanner{r: recordReader{br: bufio.NewReaderSize(r, 1<<16)}}
}

// Next returns the next record's text as it stands in the input (its lines, line ends included), the file
// line it starts on, and whether it is a blank line, which Reader skips (no record). The text is valid until
// the next call. At the end of input it returns io.EOF.
func (s *RecordScanner) Next() (text []byte, line int, blank bool, err error) {
	first, body, err := s.r.readLine()
	if err != nil {
		return nil, 0, false, err
	}
	start := s.r.numLine
	if len(body) == 0 {
		return first, start, true, nil
	}
	if bytes.IndexByte(body, '"') < 0 {
		return first, start, false, nil
	}
	if err := s.r.readQuoted(first, body); err != nil { // as read delimits a quoted record
		return nil, 0, false, err
	}
	return s.r.quoted, start, false, nil
}

// readLine reads one line: as it stands in the input (line end included), and its content as encoding/csv's
// readLine sees it, without the line end ("\n" or "\r\n"; for a last line without one, a trailing CR). It
// returns io.EOF only when no byte is left.
func (r *recordReader) readLine() (line, body []byte, err error) {
	line, err = r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if len(line) > 0 && errors.Is(err, io.EOF) {
		err = nil
	}
	if err != nil {
		return nil, nil, err
	}
	r.numLine++
	body = line
	switch n := len(line); {
	case n >= 2 && line[n-2] == '\r' && line[n-1] == '\n':
		body = line[:n-2]
	case line[n-1] == '\n':
		body = line[:n-1]
	case line[n-1] == '\r': // the input's last line, without a line end
		body = line[:n-1]
	}
	return line, body, nil
}

// splitCommas appends the comma-separated fields of s to dst, as substrings of s, and returns them with how
// many s has. Once dst holds max fields or more, it stops at its next growth and only counts the rest, so it
// keeps max fields and at most about twice as many. A flow row's fields are a few bytes each, too short for
// strings.IndexByte's vector search to pay for its call: a plain loop is faster.
func splitCommas(dst []string, s string, max int) ([]string, int) {
	base, start := len(dst), 0
	last := base + max - 1 // when dst holds this many, the next comma ends the max-th field
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			// checked only when dst must grow: a reused dst as wide as the rows never does, so a row
			// costs no more than the append's own check
			if len(dst) == cap(dst) && len(dst) >= last {
				dst = append(dst, s[start:i])
				return dst, len(dst) - base + 1 + strings.Count(s[i+1:], ",")
			}
			dst = append(dst, s[start:i])
			start = i + 1
		}
	}
	dst = append(dst, s[start:])
	return dst, len(dst) - base
}

// quoteOpenAtEnd scans the content of one line of a record (readLine's body) by encoding/csv's quoting rules,
// starting inside a quoted field when quoted is set, and reports whether a quoted field is still open at the
// end of the line: then the record goes on on the next line. A quote error ends the record on this line, as
// it does in encoding/csv.
func quoteOpenAtEnd(body []byte, quoted bool) bool {
	i := 0
	for {
		if !quoted {
			if i < len(body) && body[i] == '"' {
				quoted = true
				i++
				continue
			}
			field := body[i:]
			j := bytes.IndexByte(field, ',')
			if j >= 0 {
				field = field[:j]
			}
			if j < 0 || bytes.IndexByte(field, '"') >= 0 {
				return false // the last field, or a bare quote (an error that ends the record)
			}
			i += j + 1
			continue
		}
		j := bytes.IndexByte(body[i:], '"')
		if j < 0 {
			return true
		}
		i += j + 1
		switch {
		case i < len(body) && body[i] == '"': // an escaped quote
			i++
		case i < len(body) && body[i] == ',': // the quoted field ends, another follows
			i++
			quoted = false
		default: // the field ends the line, or an extraneous quote ends the record in error
			return false
		}
	}
}
