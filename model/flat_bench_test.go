package model

import (
	"bytes"
	"testing"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
)

func benchVectors(b testing.TB) [][]float64 {
	r, err := features.NewReader(bytes.NewReader(radcom.Read(b, radcom.AttUnlabeled)))
	if err != nil {
		b.Fatal(err)
	}
	var xs [][]float64
	for len(xs) < 256 {
		rec, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		xs = append(xs, features.Extract(rec, nil))
	}
	return xs
}

func BenchmarkFlatRowByRow(b *testing.B) {
	c, _ := Default()
	xs := benchVectors(b)
	votes := make([]float64, 128)
	for i, x := range xs {
		xs[i] = append(x, 0)
	}
	for b.Loop() {
		for _, x := range xs {
			c.App.flat.Votes(x, votes)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/row")
}
