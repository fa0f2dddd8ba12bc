package job

import (
	"bytes"
	"context"
	"testing"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/protocol"
)

func BenchmarkRunNoRows(b *testing.B) {
	c := classifier(b)
	in := readData(b, "att_unlabeled.csv")
	for b.Loop() {
		if _, err := Run(context.Background(), c, bytes.NewReader(in), &bytes.Buffer{}, Options{Tasks: model.Both, KeepRows: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(6249*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkAppendRow(b *testing.B) {
	c := classifier(b)
	in := readData(b, "att_unlabeled.csv")
	var rows []classify.Row
	g := &gatherer{}
	g.in = &recorder{r: bytes.NewReader(in), keep: 1 << 16}
	first := true
	if _, err := classify.Stream(context.Background(), c, g.in, &bytes.Buffer{}, classify.Options{Tasks: model.Both, Workers: 1, OnRow: func(r *classify.Row) {
		if first {
			first = false
			g.findColumns()
		}
		cp := *r
		cp.Fields = append([]string(nil), r.Fields...)
		rows = append(rows, cp)
	}}); err != nil {
		b.Fatal(err)
	}
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for i := range rows {
			buf = g.appendRow(buf, &rows[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

func BenchmarkRunFlushOften(b *testing.B) {
	c := classifier(b)
	in := readData(b, "att_unlabeled.csv")
	for b.Loop() {
		if _, err := Run(context.Background(), c, bytes.NewReader(in), &bytes.Buffer{}, Options{Tasks: model.Both, Every: 1, First: 1, OnProgress: func(p *protocol.Progress) {}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(6249*b.N)/b.Elapsed().Seconds(), "rows/s")
}
