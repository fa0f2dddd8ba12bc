// Package boost is the trainer's gradient-boosted trees: multiclass softmax boosting with depth-limited
// regression trees, written out by the model package in LightGBM's own multiclass layout and predicted by
// leaves. It exists to be compared with the random forests on the same folds (README, model card).
package boost

import (
	"math"

	"github.com/flowlens/ntc/model/forest"
)

// Model is a boosted multiclass ensemble: Rounds[r][k] adds to class k's raw score in round r. Trees are
// forest.Trees whose leaves carry a Value (the raw score they add) instead of a class.
type Model struct {
	Rounds    [][]forest.Tree
	NClasses  int
	NFeatures int
}

// Raw returns the raw class scores for x.
func (m *Model) Raw(x []float64, out []float64) []float64 {
	if cap(out) < m.NClasses {
		out = make([]float64, m.NClasses)
	}
	out = out[:m.NClasses]
	clear(out)
	for _, round := range m.Rounds {
		for k := range round {
			out[k] += round[k].Leaf(x).Value
		}
	}
	return out
}

// PredictProba returns the softmax of the raw scores.
func (m *Model) PredictProba(x []float64, out []float64) []float64 {
	return softmax(m.Raw(x, out))
}

func softmax(z []float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = math.Max(mx, v)
	}
	var sum float64
	for i, v := range z {
		z[i] = math.Exp(v - mx)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
	return z
}
