package features

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// csvEvent is what one read returned: a record and where it starts, or an error.
type csvEvent struct {
	Fields []string
	Line   int
	Err    string
}

// events drains a record source: read returns a record's fields and starting line, or an error.
func events(read func() ([]string, int, error)) []csvEvent {
	var out []csvEvent
	for {
		fields, line, err := read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out = append(out, csvEvent{Err: err.Error()})
			continue
		}
		out = append(out, csvEvent{Fields: slices.Clone(fields), Line: line})
	}
}

// eventsByStdlib reads data with encoding/csv configured as the Reader needs it: the reference.
func eventsByStdlib(data []byte) []csvEvent {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	return events(func() ([]string, int, error) {
		fields, err := cr.Read()
		if err != nil {
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		return fields, line, nil
	})
}

// eventsByRecordReader reads data with recordReader, through a small buffer so long lines are assembled, and
// checks each plain record's text is its fields joined by commas.
func eventsByRecordReader(data []byte) []csvEvent {
	r := &recordReader{br: bufio.NewReaderSize(bytes.NewReader(data), 16)}
	return events(func() ([]string, int, error) {
		rec, err := r.read(nil)
		if err == nil && rec.plain != "" && rec.plain != strings.Join(rec.fields, ",") {
			err = fmt.Errorf("plain text %q is not the fields joined", rec.plain)
		}
		return rec.fields, rec.line, err
	})
}

func sameEvents(t *testing.T, data []byte) {
	t.Helper()
	want, got := eventsByStdlib(data), eventsByRecordReader(data)
	for i := range max(len(want), len(got)) {
		if i >= len(want) || i >= len(got) || !slices.Equal(want[i].Fields, got[i].Fields) ||
			want[i].Line != got[i].Line || want[i].Err != got[i].Err {
			w, g := "(none)", "(none)"
			if i < len(want) {
				w = fmt.Sprintf("%+v", want[i])
			}
			if i < len(got) {
				g = fmt.Sprintf("%+v", got[i])
			}
			t.Fatalf("input %q, read %d:\nencoding/csv %s\nours         %s", data, i+1, w, g)
		}
	}
}

// TestRecordsMatchEncodingCSV checks the record splitter against encoding/csv, record by record (fields,
// starting lines and error messages), on quoting and line-end cases; FuzzRecords does it on any input, and
// the bad-input catalogue (tools/ntc) runs through the whole reader.
func TestRecordsMatchEncodingCSV(t *testing.T) {
	for _, in := range []string{
		"", "\n", "\n\n", "a", "a\n", "a,b\nc,d", "a,b\r\nc,d\r\n", "a,b\rc\n", "a,b\r", "a,\n,b\n,\n",
		"x\n\n\ny\n", "\"a\",b\n", "\"a,b\",\"c\"\"d\"\n", "\"multi\nline\",x\ny\n", "\"multi\r\nline\"\r\nz\r\n",
		"a,b\"c\nd\n", "\"a\"b,c\nd\n", "\"open,x\ny\nz", "\"open\n\n\nq\"\nr\n", "a,\"\n\"\nb\n", "\"\"\n",
		"a,\"b\"\"\"\"\",c\n", "\"a\"\r\n\"b\"\r", " a, b\n", "a,\"b\" \nc\n", "\"a\n", "x\n\"", "\"\n\"\"\n",
	} {
		sameEvents(t, []byte(in))
	}
}

// FuzzRecords checks the record splitter against encoding/csv on arbitrary input.
func FuzzRecords(f *testing.F) {
	headers, rows := fuzzSeedLines(f, 2)
	for i, h := range headers {
		f.Add([]byte(h + "\n" + strings.Join(rows[i], "\r\n")))
	}
	for _, s := range []string{"\"a,b\",\"c\"\"d\"\n", "\"multi\nline\",x\ny\n", "a,b\"c\nd\n", "\"a\"b,c\nd\n",
		"\"open,x\ny\nz", "a,\"\n\"\nb\n", "\"a\"\r\n\"b\"\r", "x\n\n\"y\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameEvents(t, data) })
}
