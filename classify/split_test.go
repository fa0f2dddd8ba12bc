package classify

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestSplitterKeepsRecordsWhole(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		per         int
		want        []Chunk // Body without the header
	}{
		{"plain", "h\n1\n2\n3\n", 2, []Chunk{{Body: []byte("1\n2\n"), Rows: 2, RowsBefore: 0, FirstLine: 2}, {Body: []byte("3\n"), Rows: 1, RowsBefore: 2, FirstLine: 4}}},
		{"no final newline", "h\n1\n2", 5, []Chunk{{Body: []byte("1\n2\n"), Rows: 2, FirstLine: 2}}},
		{"CRLF", "h\r\n1\r\n2\r\n", 1, []Chunk{{Body: []byte("1\r\n"), Rows: 1, FirstLine: 2}, {Body: []byte("2\r\n"), Rows: 1, RowsBefore: 1, FirstLine: 3}}},
		{"quoted newline stays in its record", "h\n\"a\nb\",1\n2\n", 1, []Chunk{{Body: []byte("\"a\nb\",1\n"), Rows: 1, FirstLine: 2}, {Body: []byte("2\n"), Rows: 1, RowsBefore: 1, FirstLine: 4}}},
		{"blank lines are no records", "h\n\n1\n\n2\n", 1, []Chunk{{Body: []byte("1\n"), Rows: 1, FirstLine: 3}, {Body: []byte("2\n"), Rows: 1, RowsBefore: 1, FirstLine: 5}}},
		{"header only", "h\n", 3, []Chunk{{Body: []byte(""), Rows: 0, FirstLine: 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := NewSplitter(strings.NewReader(tc.input), tc.per)
			if err != nil {
				t.Fatal(err)
			}
			var got []*Chunk
			for {
				c, err := sp.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, c)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d chunks, want %d", len(got), len(tc.want))
			}
			header := string(sp.Header())
			for i, w := range tc.want {
				g := got[i]
				if string(g.Body) != header+string(w.Body) || g.Rows != w.Rows || g.RowsBefore != w.RowsBefore || g.FirstLine != w.FirstLine {
					t.Errorf("chunk %d: %q rows %d before %d line %d; want %q rows %d before %d line %d", i,
						g.Body, g.Rows, g.RowsBefore, g.FirstLine, header+string(w.Body), w.Rows, w.RowsBefore, w.FirstLine)
				}
			}
		})
	}
}
