package train

import (
	"math"
	"testing"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
)

// TestTokenScoresMatchDense checks the table's sparse scores against the naive Bayes written out densely, on
// a training set that leaves some classes without rows (they score as a class holding none of the tokens),
// with and without IDF. With IDF a token of inverse class frequency s scores
// (1 − s)·log(α / (n_c + 2α)) + s·log((n_ct + α) / (n_c + 2α)): between a class that never showed it and the
// naive Bayes rate.
func TestTokenScoresMatchDense(t *testing.T) {
	ds, err := LoadDataset(radcom.Path(t, radcom.AppTrain))
	if err != nil {
		t.Fatal(err)
	}
	for _, idf := range []bool{false, true} {
		p := DefaultTokenParams()
		p.IDF = idf
		checkTokenScoresDense(t, ds, p)
	}
}

func checkTokenScoresDense(t *testing.T, ds *Dataset, p TokenParams) {
	t.Helper()
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
					s := 1.0
					if p.IDF {
						held := 0
						for _, n := range c {
							if n > 0 {
								held++
							}
						}
						s = math.Log(float64(len(c))/float64(held)) / math.Log(float64(len(c)))
					}
					want += (1-s)*math.Log(p.Alpha/(classN[k]+2*p.Alpha)) + s*math.Log((c[k]+p.Alpha)/(classN[k]+2*p.Alpha))
				}
			}
			if math.Abs(got[k]-want) > 1e-9 {
				t.Fatalf("idf %v, class %d: sparse %v, dense %v", p.IDF, k, got[k], want)
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
