package classify

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// BenchmarkEncode times the CSV output stage alone: classified rows of att_unlabeled.csv encoded as
// `ntc classify` writes them (tools/bench's BenchmarkStages times the other stages).
func BenchmarkEncode(b *testing.B) {
	rd, err := features.NewReader(bytes.NewReader(radcom.Read(b, radcom.AttUnlabeled)))
	if err != nil {
		b.Fatal(err)
	}
	c := classifier(b)
	var s Scratch
	var rows []Row
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		rows = append(rows, Classify(c, rec, err, model.Both, &s))
	}
	enc := newEncoder(CSV, rd.Header())
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		enc.begin(&buf)
		for i := range rows {
			enc.encode(&rows[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}
