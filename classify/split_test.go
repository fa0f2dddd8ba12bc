package classify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

func TestSplitterKeepsRecordsWhole(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		per         int
		want        []Chunk // Body without the header
	}{
		{"plain", "h\n1\n2\n3\n", 2, []Chunk{{Body: []byte("1\n2\n"), Rows: 2, RowsBefore: 0, FirstLine: 2}, {Body: []byte("3\n"), Rows: 1, RowsBefore: 2, FirstLine: 4}}},
		{"no final newline", "h\n1\n2", 5, []Chunk{{Body: []byte("1\n2"), Rows: 2, FirstLine: 2}}},
		{"a bare quote ends its record on its line", "h\na\"b\n2\n3\n", 1, []Chunk{{Body: []byte("a\"b\n"), Rows: 1, FirstLine: 2}, {Body: []byte("2\n"), Rows: 1, RowsBefore: 1, FirstLine: 3}, {Body: []byte("3\n"), Rows: 1, RowsBefore: 2, FirstLine: 4}}},
		{"a quote never closed runs to the end", "h\n1\n\"a\n2\n3\n", 1, []Chunk{{Body: []byte("1\n"), Rows: 1, FirstLine: 2}, {Body: []byte("\"a\n2\n3\n"), Rows: 1, RowsBefore: 1, FirstLine: 3}}},
		{"blank lines between records stay", "h\n1\n\n\r\n2\n\n3\n", 2, []Chunk{{Body: []byte("1\n\n\r\n2\n"), Rows: 2, FirstLine: 2}, {Body: []byte("3\n"), Rows: 1, RowsBefore: 2, FirstLine: 7}}},
		{"a lone CR is no blank line", "h\n\r\r\n1\n", 1, []Chunk{{Body: []byte("\r\r\n"), Rows: 1, FirstLine: 2}, {Body: []byte("1\n"), Rows: 1, RowsBefore: 1, FirstLine: 3}}},
		{"CRLF", "h\r\n1\r\n2\r\n", 1, []Chunk{{Body: []byte("1\r\n"), Rows: 1, FirstLine: 2}, {Body: []byte("2\r\n"), Rows: 1, RowsBefore: 1, FirstLine: 3}}},
		{"quoted newline stays in its record", "h\n\"a\nb\",1\n2\n", 1, []Chunk{{Body: []byte("\"a\nb\",1\n"), Rows: 1, FirstLine: 2}, {Body: []byte("2\n"), Rows: 1, RowsBefore: 1, FirstLine: 4}}},
		{"blank lines are no records", "h\n\n1\n\n2\n", 1, []Chunk{{Body: []byte("1\n"), Rows: 1, FirstLine: 3}, {Body: []byte("2\n"), Rows: 1, RowsBefore: 1, FirstLine: 5}}},
		{"header only", "h\n", 3, []Chunk{{Body: []byte(""), Rows: 0, FirstLine: 2}}},
		{"header without a line end", "h", 3, []Chunk{{Body: []byte(""), Rows: 0, FirstLine: 2}}},
		{"empty", "", 3, []Chunk{{Body: []byte(""), Rows: 0, FirstLine: 2}}},
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

// TestChunksClassifyAsTheWholeFile is what the splitter is for: each chunk classified on its own (numbered
// with RowsBefore and FirstLine) gives, once its header line is cut, exactly the whole file's output — rows,
// row numbers, line numbers and errors — for real rows among every kind of record boundary the reader knows.
func TestChunksClassifyAsTheWholeFile(t *testing.T) {
	lines := strings.Split(strings.TrimRight(string(radcom.Read(t, radcom.AttUnlabeled)), "\r\n"), "\n")
	header, rows := lines[0], lines[1:40]
	row := func(i int) string { return strings.TrimRight(rows[i], "\r") }
	mixed := []string{"\ufeff" + header}
	for i := range 30 {
		r := row(i)
		switch i {
		case 3: // a bare quote in a number: an error that ends its record on its line
			r = strings.Replace(r, ",0,", `,0"1,`, 1)
		case 5: // a quoted field with a line break and a comma: one record over two lines
			r = `"10.0.0.1` + "\n" + `x,y"` + r[strings.IndexByte(r, ','):]
		case 8:
			r += "\r" // CRLF
		case 11:
			r = "" // a blank line
		case 12:
			r = "\r" // a blank CRLF line
		case 14: // text where a number belongs
			r = strings.Replace(r, ",0,", ",zero,", 1)
		case 17: // ragged
			r += ",extra"
		case 20: // escaped quotes
			r = `"a""b"` + r[strings.IndexByte(r, ','):]
		}
		mixed = append(mixed, r)
	}
	inputs := map[string]string{
		"mixed":                 strings.Join(mixed, "\n") + "\n",
		"no final newline":      strings.Join(mixed, "\n"),
		"unclosed quote at end": strings.Join(mixed, "\n") + "\n" + `"10.0.0.9,` + "\n" + row(31) + "\n" + row(32),
		"header only":           header + "\n",
		"blank lines only":      header + "\n\n\r\n",
		"blank lines before a header the reader checks":    "\n\r\n" + header + ",Zeit f\xfcr\n" + row(0) + ",1\n" + row(1) + ",2\n",
		"an unclosed quote in a header without a line end": header + `,"x`,
	}
	stream := func(in []byte, opts Options) ([]byte, string) {
		var out bytes.Buffer
		opts.Tasks = model.Both
		if _, err := Stream(context.Background(), classifier(t), bytes.NewReader(in), &out, opts); err != nil {
			return nil, err.Error()
		}
		return out.Bytes(), ""
	}
	for name, in := range inputs {
		whole, wholeErr := stream([]byte(in), Options{})
		for _, per := range []int{1, 2, 7, 1000} {
			sp, err := NewSplitter(strings.NewReader(in), per)
			if err != nil {
				t.Fatal(err)
			}
			var joined []byte
			for n := 0; ; n++ {
				c, err := sp.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				out, chunkErr := stream(c.Body, Options{RowsBefore: c.RowsBefore, FirstLine: c.FirstLine})
				if chunkErr != wholeErr {
					t.Fatalf("%s, %d rows a chunk: chunk %d fails with %q, the whole file with %q", name, per, n, chunkErr, wholeErr)
				}
				if n > 0 {
					out = out[bytes.IndexByte(out, '\n')+1:]
				}
				joined = append(joined, out...)
			}
			if !bytes.Equal(joined, whole) {
				t.Errorf("%s, %d rows a chunk: the chunks' output differs from the whole file's:\n%s\nwant\n%s", name, per, joined, whole)
			}
		}
	}
}
