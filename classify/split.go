package classify

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Chunk is a piece of a flow CSV that can be classified on its own: the file's header, then whole records.
type Chunk struct {
	Body       []byte // header line + records, each line ending in a newline
	Rows       int    // records in the chunk
	RowsBefore int    // records before it in the file
	FirstLine  int    // file line of its first record
}

// Splitter cuts a flow CSV into chunks of whole records, for sending a big file to the API in parallel.
// It tells records apart the way encoding/csv does: a newline inside double quotes belongs to the field, and
// empty lines are no records.
type Splitter struct {
	r      *bufio.Reader
	header []byte
	line   int // lines consumed so far
	rows   int // records consumed so far
	max    int
	eof    bool
}

// NewSplitter reads the header line from r; chunks will hold at most rowsPerChunk records.
func NewSplitter(r io.Reader, rowsPerChunk int) (*Splitter, error) {
	s := &Splitter{r: bufio.NewReaderSize(r, 1<<16), max: max(rowsPerChunk, 1)}
	h, err := s.record()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	s.header = h
	return s, nil
}

// Header returns the header line, newline included.
func (s *Splitter) Header() []byte { return s.header }

// Next returns the next chunk, or io.EOF after the last one. A file with a header and no rows yields one
// chunk with no rows, so the header still reaches the server.
func (s *Splitter) Next() (*Chunk, error) {
	if s.eof {
		return nil, io.EOF
	}
	c := &Chunk{RowsBefore: s.rows, Body: append([]byte(nil), s.header...)}
	for c.Rows < s.max {
		start := s.line + 1
		rec, err := s.record()
		if len(bytes.TrimRight(rec, "\r\n")) > 0 {
			if c.Rows == 0 {
				c.FirstLine = start
			}
			c.Body = append(c.Body, rec...)
			c.Rows++
			s.rows++
		}
		if errors.Is(err, io.EOF) {
			s.eof = true
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if c.Rows == 0 && c.RowsBefore > 0 {
		return nil, io.EOF
	}
	if c.FirstLine == 0 {
		c.FirstLine = 2
	}
	return c, nil
}

// record reads one record's lines, ending it with a newline if the file did not.
func (s *Splitter) record() ([]byte, error) {
	var rec []byte
	quotes := 0
	for {
		line, err := s.r.ReadBytes('\n')
		if len(line) > 0 {
			s.line++
			rec = append(rec, line...)
			quotes += bytes.Count(line, []byte{'"'})
		}
		if err != nil {
			if len(rec) > 0 && rec[len(rec)-1] != '\n' {
				rec = append(rec, '\n')
			}
			return rec, err
		}
		if quotes%2 == 0 {
			return rec, nil
		}
	}
}
