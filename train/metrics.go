package train

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flowlens/ntc/model"
)

// ClassStats are one class's precision, recall and F1 on a labelled set.
type ClassStats struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Confusion counts rows of class True predicted as Pred.
type Confusion struct {
	True  string `json:"true"`
	Pred  string `json:"pred"`
	Count int    `json:"count"`
}

// Report is how well predictions match the truth.
type Report struct {
	N          int          `json:"n"`
	Accuracy   float64      `json:"accuracy"`
	MacroF1    float64      `json:"macro_f1"`
	PerClass   []ClassStats `json:"per_class"`
	Confusions []Confusion  `json:"confusions"` // off-diagonal pairs, most frequent first
	// Unknown is how many rows a bundle's predictor would label "unknown" (top calibrated probability under
	// its threshold), as ntc classify, the page and the API do by default; UnknownWereRight how many of them
	// Accuracy counts as right. Only EvaluatePredictor fills them.
	Unknown          int `json:"unknown,omitempty"`
	UnknownWereRight int `json:"unknown_were_right,omitempty"`
}

// AccuracyWithUnknown is the share of rows labelled right when "unknown" is given, as a wrong answer, to the
// rows under the bundle's threshold: what the labels ntc classify writes would score.
func (r Report) AccuracyWithUnknown() float64 {
	if r.N == 0 {
		return 0
	}
	return r.Accuracy - float64(r.UnknownWereRight)/float64(r.N)
}

// Evaluate compares predicted with true class ids. Macro F1 averages over every class that occurs in either,
// as scikit-learn's f1_score(average="macro") does.
func Evaluate(yTrue, yPred []int, labels []string) Report {
	k := len(labels)
	tp := make([]int, k)
	support := make([]int, k)
	predicted := make([]int, k)
	pairs := map[[2]int]int{}
	correct := 0
	for i, t := range yTrue {
		p := yPred[i]
		support[t]++
		predicted[p]++
		if t == p {
			tp[t]++
			correct++
		} else {
			pairs[[2]int{t, p}]++
		}
	}
	r := Report{N: len(yTrue)}
	if r.N > 0 {
		r.Accuracy = float64(correct) / float64(r.N)
	}
	var f1Sum float64
	var present int
	for c := 0; c < k; c++ {
		if support[c] == 0 && predicted[c] == 0 {
			continue
		}
		s := ClassStats{Label: labels[c], Support: support[c],
			Precision: safeDiv(tp[c], predicted[c]), Recall: safeDiv(tp[c], support[c])}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		f1Sum += s.F1
		present++
		r.PerClass = append(r.PerClass, s)
	}
	if present > 0 {
		r.MacroF1 = f1Sum / float64(present)
	}
	for pc, n := range pairs {
		r.Confusions = append(r.Confusions, Confusion{True: labels[pc[0]], Pred: labels[pc[1]], Count: n})
	}
	slices.SortFunc(r.Confusions, func(a, b Confusion) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.True != b.True {
			return strings.Compare(a.True, b.True)
		}
		return strings.Compare(a.Pred, b.Pred)
	})
	return r
}

func safeDiv(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// argmax returns the index of the largest value, the lowest index on ties.
func argmax(p []float64) int {
	best := 0
	for i, v := range p {
		if v > p[best] {
			best = i
		}
	}
	return best
}

// inTopK reports whether class c is among the k most probable in p (ties broken towards lower index).
func inTopK(p []float64, c, k int) bool {
	better := 0
	for i, v := range p {
		if v > p[c] || (v == p[c] && i < c) {
			better++
		}
	}
	return better < k
}

// EvaluatePredictor scores a bundle's predictor on a prepared dataset, matching classes by label name: a row
// whose label the model does not know counts as wrong. Accuracy is the most probable class's; the rows the
// predictor would call unknown are counted apart (Report.Unknown).
func EvaluatePredictor(p *model.Predictor, d *Dataset) (Report, error) {
	labels := p.Bundle.Labels
	index := make(map[string]int, len(labels))
	for i, l := range labels {
		index[l] = i
	}
	all := slices.Clone(labels)
	yTrue := make([]int, len(d.Y))
	yPred := make([]int, len(d.Y))
	var s model.Scratch
	unknown, unknownRight := 0, 0
	for i, x := range d.X {
		name := d.Labels[d.Y[i]]
		c, ok := index[name]
		if !ok {
			c = len(all)
			index[name] = c
			all = append(all, name)
		}
		yTrue[i] = c
		proba, err := p.Proba(x, &s)
		if err != nil {
			return Report{}, fmt.Errorf("row %d: %w", i+1, err)
		}
		yPred[i] = argmax(proba)
		right := yPred[i] == c
		pred, err := p.Predict(x, true, &s)
		if err != nil {
			return Report{}, fmt.Errorf("row %d: %w", i+1, err)
		}
		if pred.Label == model.Unknown {
			unknown++
			if right {
				unknownRight++
			}
		}
	}
	r := Evaluate(yTrue, yPred, all)
	r.Unknown, r.UnknownWereRight = unknown, unknownRight
	return r, nil
}
