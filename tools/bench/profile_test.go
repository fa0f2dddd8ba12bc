// Package bench holds the benchmarks behind BENCHMARKS.md (tools/bench/bench.sh runs them; `make bench`).
package bench

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/model"
)

// BenchmarkClassify is `ntc classify` without the process around it: a 20k-row flow CSV (att_unlabeled.csv's
// rows repeated) through classify.Stream on one worker, output discarded. bench.sh profiles it to split the
// time into parse / features / predict / write.
func BenchmarkClassify(b *testing.B) {
	const rows = 20000
	in := stageInput(b, rows)
	c, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := classify.Stream(context.Background(), c, bytes.NewReader(in), io.Discard,
			classify.Options{Tasks: model.Both, Workers: 1})
		if err != nil || st.Rows != rows {
			b.Fatalf("%d rows: %v", st.Rows, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
