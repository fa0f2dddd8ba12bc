package classify

import (
	"errors"
	"io"

	"github.com/flowlens/ntc/features"
)

// Chunk is a piece of a flow CSV that can be classified on its own: the file's header, then whole records.
type Chunk struct {
	Body       []byte // header + records (and the blank lines between them), as they stand in the file
	Rows       int    // records in the chunk
	RowsBefore int    // records before it in the file
	FirstLine  int    // file line of its first record
}

// Splitter cuts a flow CSV into chunks of whole records, for classifying a big file in parallel (the API's
// clients, the page's workers). It delimits records as features.Reader does (features.RecordScanner), so each
// chunk, read on its own with Reader.Continue, gives exactly the rows, line numbers and row errors of the
// whole file, and the chunks' outputs, each without its header record, add up to the whole file's output.
type Splitter struct {
	sc     *features.RecordScanner
	header []byte
	rows   int // records consumed so far
	max    int
	done   bool // the input has ended: the chunk handed out last was the last one
}

// NewSplitter reads the header from r; chunks will hold at most rowsPerChunk records.
func NewSplitter(r io.Reader, rowsPerChunk int) (*Splitter, error) {
	s := &Splitter{sc: features.NewRecordScanner(r), max: max(rowsPerChunk, 1)}
	for {
		text, _, blank, err := s.sc.Next()
		if errors.Is(err, io.EOF) {
			return s, nil // no header: one chunk of what there was, for whoever classifies it to say so
		}
		if err != nil {
			return nil, err
		}
		// Blank lines before the header stay with it: the reader's checks of the file's first line (is it
		// text, how do its lines end) then see in every chunk what they see in the file.
		s.header = append(s.header, text...)
		if !blank {
			return s, nil
		}
	}
}

// Header returns the file's lines up to the end of its header record, as they stand (blank lines before the
// header included; no line end if the file has none after it, and then no records).
func (s *Splitter) Header() []byte { return s.header }

// Next returns the next chunk, or io.EOF after the last one. A file with a header and no rows yields one
// chunk with no rows, so the header still reaches whoever classifies it.
func (s *Splitter) Next() (*Chunk, error) {
	if s.done {
		return nil, io.EOF
	}
	c := &Chunk{RowsBefore: s.rows, Body: append([]byte(nil), s.header...)}
	for c.Rows < s.max {
		text, line, blank, err := s.sc.Next()
		if errors.Is(err, io.EOF) {
			s.done = true
			break
		}
		if err != nil {
			return nil, err
		}
		if blank {
			if c.Rows > 0 { // kept between records, so that the chunk's line numbers stay the file's
				c.Body = append(c.Body, text...)
			}
			continue
		}
		if c.Rows == 0 {
			c.FirstLine = line
		}
		c.Body = append(c.Body, text...) // the file's last record may lack a line end: it is the chunk's last too
		c.Rows++
		s.rows++
	}
	if c.Rows == 0 && c.RowsBefore > 0 {
		return nil, io.EOF
	}
	if c.FirstLine == 0 {
		c.FirstLine = 2
	}
	return c, nil
}
