package train

import (
	"cmp"
	"math"
	"slices"

	"github.com/flowlens/ntc/model/boost"
	"github.com/flowlens/ntc/model/forest"
)

// Recipe is how a model is grown from a training set: the learner (a random forest or gradient boosting) and
// its settings, and optionally a feature selection made on the training rows alone (inside each fold during
// cross-validation; forests only).
type Recipe struct {
	// Algorithm is AlgoForest (the default) or AlgoBoost.
	Algorithm string        `json:"algorithm,omitempty"`
	Forest    forest.Params `json:"forest"`
	SelectTop int           `json:"select_top,omitempty"` // keep the N most important features; 0 keeps all
	// Boost holds the boosting settings when Algorithm is AlgoBoost; it splits on Forest.Features too.
	Boost *boost.Params `json:"boost,omitempty"`
	// Tokens, when set, adds a naive Bayes over exact wire sizes to a forest's votes (TokenParams).
	Tokens *TokenParams `json:"tokens,omitempty"`
	// Blend, for AlgoBoost, averages the boosted softmax with the vote shares of a forest grown on the same
	// rows: (1 − Weight) · boost + Weight · forest (model.Blend); nil for none.
	Blend *BlendParams `json:"blend,omitempty"`
}

// BlendParams are a blended forest's settings and weight.
type BlendParams struct {
	Weight float64       `json:"weight"`
	Forest forest.Params `json:"forest"` // hard votes
}

// FitBlend grows the recipe's blend forest.
func (r Recipe) FitBlend(x [][]float64, y []int, nClasses int) *forest.Forest {
	return forest.Fit(x, y, nClasses, r.Blend.Forest)
}

// tokened reports whether the recipe combines a forest's votes with a token table.
func (r Recipe) tokened() bool { return r.Algorithm != AlgoBoost && r.Tokens != nil }

// blended reports whether the recipe averages a forest into a boosted model.
func (r Recipe) blended() bool {
	return r.Algorithm == AlgoBoost && r.Blend != nil && r.Blend.Weight > 0
}

// The learning algorithms a Recipe can name.
const (
	AlgoForest = "rf"
	AlgoBoost  = "gbdt"
)

// Fit grows the recipe's forest on x, y.
// FitBoost boosts the recipe's model on x, y (Algorithm AlgoBoost).
func (r Recipe) FitBoost(x [][]float64, y []int, nClasses int) *boost.Model {
	p := boost.DefaultParams()
	if r.Boost != nil {
		p = *r.Boost
	}
	if p.Features == nil {
		p.Features = r.Forest.Features
	}
	return boost.Fit(x, y, nClasses, p)
}

// Fit grows the recipe's forest on x, y (Algorithm AlgoForest).
func (r Recipe) Fit(x [][]float64, y []int, nClasses int) *forest.Forest {
	p := r.Forest
	if r.SelectTop > 0 && r.SelectTop < len(x[0]) {
		probe := p
		probe.Trees = min(p.Trees, 200)
		probe.Seed = p.Seed ^ 0xfeed
		imp := forest.Fit(x, y, nClasses, probe).Importance
		p.Features = topFeatures(imp, r.SelectTop)
	}
	return forest.Fit(x, y, nClasses, p)
}

// topFeatures returns the indexes of the n largest importances, in index order.
func topFeatures(imp []float64, n int) []int {
	idx := make([]int, len(imp))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(imp[b], imp[a]) })
	idx = idx[:n]
	slices.Sort(idx)
	return idx
}

// Scheme names how cross-validation folds are drawn.
type Scheme string

// The fold schemes.
const (
	Stratified Scheme = "stratified"
	Grouped    Scheme = "grouped by (Source_IP, Destination_IP)"
)

// CVResult is a repeated k-fold cross-validation: means over repeats and their spread.
type CVResult struct {
	Scheme      Scheme  `json:"scheme"`
	Folds       int     `json:"folds"`
	Repeats     int     `json:"repeats"`
	N           int     `json:"n"`
	Accuracy    float64 `json:"accuracy"`
	AccuracyStd float64 `json:"accuracy_std"` // across repeats
	MacroF1     float64 `json:"macro_f1"`
	MacroF1Std  float64 `json:"macro_f1_std"`
	Top3        float64 `json:"top3_accuracy"`
	// Last is the per-class report pooled over all repeats' out-of-fold predictions.
	Last Report `json:"-"`
	// OOF holds each repeat's out-of-fold class probabilities, row by row.
	OOF [][][]float64 `json:"-"`
}

// FitFunc trains on x, y and returns a function giving class probabilities for a vector.
type FitFunc func(x [][]float64, y []int) func(x []float64) []float64

// CrossValidate runs repeats × folds-fold cross-validation of fit on d. Repeat r draws its folds with seed+r,
// so results are deterministic and every recipe compared with the same seed sees the same folds.
func CrossValidate(d *Dataset, scheme Scheme, folds, repeats int, seed uint64, fit FitFunc) CVResult {
	res := CVResult{Scheme: scheme, Folds: folds, Repeats: repeats, N: len(d.Y)}
	var accs, f1s []float64
	var allTrue, allPred []int
	top3 := 0
	for rep := 0; rep < repeats; rep++ {
		var fold []int
		if scheme == Grouped {
			fold = GroupedFolds(d.Groups, folds, seed+uint64(rep))
		} else {
			fold = StratifiedFolds(d.Y, folds, seed+uint64(rep))
		}
		oof := make([][]float64, len(d.Y))
		for f := 0; f < folds; f++ {
			var trainIdx, testIdx []int
			for i, fi := range fold {
				if fi == f {
					testIdx = append(testIdx, i)
				} else {
					trainIdx = append(trainIdx, i)
				}
			}
			if len(testIdx) == 0 {
				continue
			}
			tr := d.Subset(trainIdx)
			predict := fit(tr.X, tr.Y)
			for _, i := range testIdx {
				oof[i] = predict(d.X[i])
			}
		}
		pred := make([]int, len(oof))
		for i, p := range oof {
			pred[i] = argmax(p)
			if inTopK(p, d.Y[i], 3) {
				top3++
			}
		}
		rep := Evaluate(d.Y, pred, d.Labels)
		accs = append(accs, rep.Accuracy)
		f1s = append(f1s, rep.MacroF1)
		allTrue = append(allTrue, d.Y...)
		allPred = append(allPred, pred...)
		res.OOF = append(res.OOF, oof)
	}
	res.Accuracy, res.AccuracyStd = meanStd(accs)
	res.MacroF1, res.MacroF1Std = meanStd(f1s)
	res.Top3 = float64(top3) / float64(len(d.Y)*repeats)
	res.Last = Evaluate(allTrue, allPred, d.Labels)
	return res
}

func meanStd(v []float64) (float64, float64) {
	var s float64
	for _, x := range v {
		s += x
	}
	m := s / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(v)))
}
