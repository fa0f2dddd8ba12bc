// Package bench holds the benchmarks behind BENCHMARKS.md (tools/bench/bench.sh runs them; `make bench`).
package bench

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// BenchmarkClassify is `ntc classify` without the process around it: a 20k-row flow CSV (att_unlabeled.csv's
// rows repeated) through classify.Stream on one worker, output discarded. bench.sh profiles it to split the
// time into parse / features / predict / write.
func BenchmarkClassify(b *testing.B) {
	const rows = 20000
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(radcom.Read(b, radcom.AttUnlabeled)), "\r", ""), "\n"), "\n")
	var in bytes.Buffer
	in.WriteString(lines[0] + "\n")
	for i := 0; i < rows; i++ {
		in.WriteString(lines[1+i%(len(lines)-1)] + "\n")
	}
	c, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(in.Len()))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := classify.Stream(context.Background(), c, bytes.NewReader(in.Bytes()), io.Discard,
			classify.Options{Tasks: model.Both, Workers: 1})
		if err != nil || st.Rows != rows {
			b.Fatalf("%d rows: %v", st.Rows, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
