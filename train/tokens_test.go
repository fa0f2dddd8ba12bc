package train

import (
	"math"
	"testing"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
)

// TestTokenScoresMatchDense checks the table's sparse scores against the naive Bayes written out densely, on
// a training set that leaves some classes without rows (they score as a class holding none of the tokens).
func TestTokenScoresMatchDense(t *testing.T) {
	ds, err := LoadDataset(radcom.Path(t, radcom.AppTrain))
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultTokenParams()
	m := FitTokens(ds.X[:500], ds.Y[:500], len(ds.Labels), p)
	counts := map[uint64][]float64{}
	classN := make([]float64, len(ds.Labels))
	for i, v := range ds.X[:500] {
		classN[ds.Y[i]]++
		for _, tok := range features.SizeTokens(v, nil) {
			if counts[tok] == nil {
				counts[tok] = make([]float64, len(ds.Labels))
			}
			counts[tok][ds.Y[i]]++
		}
	}
	lowest := 0.0
	for _, n := range classN {
		if n > 0 {
			lowest = min(lowest, math.Log(p.Alpha/(n+2*p.Alpha)))
		}
	}
	out := make([]float64, len(ds.Labels))
	for _, v := range ds.X[500:] {
		got, _ := m.Scores(v, out, nil)
		for k := range got {
			var want float64
			for _, tok := range features.SizeTokens(v, nil) {
				c, ok := counts[tok]
				switch {
				case !ok:
				case classN[k] == 0:
					want += lowest
				default:
					want += math.Log((c[k] + p.Alpha) / (classN[k] + 2*p.Alpha))
				}
			}
			if math.Abs(got[k]-want) > 1e-9 {
				t.Fatalf("class %d: sparse %v, dense %v", k, got[k], want)
			}
		}
	}
}

func BenchmarkTokenScores(b *testing.B) {
	ds, err := LoadDataset(radcom.Path(b, radcom.AppTrain))
	if err != nil {
		b.Fatal(err)
	}
	m := FitTokens(ds.X, ds.Y, len(ds.Labels), DefaultTokenParams())
	out := make([]float64, len(ds.Labels))
	var toks []uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, toks = m.Scores(ds.X[i%len(ds.X)], out, toks)
	}
}
