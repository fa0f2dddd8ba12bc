package model

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Contribution is how much one feature moved a class's score for one flow.
type Contribution struct {
	Feature      string  `json:"feature"`
	Value        float64 `json:"value"`        // the flow's value of the feature
	Contribution float64 `json:"contribution"` // change in the class's vote share, summed over the trees
}

// Explanation says why a model gave a class the score it did for one flow. Base plus the sum of every
// contribution equals Score: the class's share of tree votes, before calibration.
type Explanation struct {
	Label         string         `json:"label"`
	Score         float64        `json:"score"` // raw vote share
	Base          float64        `json:"base"`  // the class's share of the training rows: the score before any split
	Contributions []Contribution `json:"contributions"`
}

// Explain attributes the raw score of class label for vector x to the features the trees split on. Each tree
// walks from its root, whose value for the class is the class's share of the training rows under it, to a
// leaf, whose value is 1 if the leaf votes for the class and 0 if not; each step's change in that value is
// credited to the step's feature (Saabas' method). Averaged over trees the steps add up exactly to the vote
// share minus the base. Contributions are sorted by size, largest first; top > 0 keeps that many.
func (p *Predictor) Explain(x []float64, label string, top int) (Explanation, error) {
	class := slices.Index(p.Bundle.Labels, label)
	if class < 0 {
		return Explanation{}, fmt.Errorf("model %s has no class %q", p.Bundle.Version, label)
	}
	f, err := p.explainForest()
	if err != nil {
		return Explanation{}, err
	}
	names := p.Bundle.FeatureNames
	if len(x) < len(names) {
		return Explanation{}, fmt.Errorf("feature vector has %d values, model reads %d", len(x), len(names))
	}
	padded := append(slices.Clone(x[:len(names)]), 0)
	// share[i]: the training rows of the class below node i, as a share of all rows below it
	share := make([]float64, len(f.nodes))
	own := make([]float64, len(f.nodes))
	for i := len(f.nodes) - 1; i >= 0; i-- {
		n := &f.nodes[i]
		if int(n.feature) == f.nFeatures {
			if f.leafClass[i] == int32(class) {
				own[i] = f.weight[i]
				share[i] = 1
			}
			continue
		}
		own[i] = own[n.next] + own[n.next+1]
		share[i] = own[i] / f.weight[i]
	}
	byFeature := make([]float64, len(names))
	var base, score float64
	for _, i := range f.roots {
		base += share[i]
		for int(f.nodes[i].feature) != f.nFeatures {
			n := &f.nodes[i]
			next := n.next + goesRight(padded[n.feature], n.threshold)
			byFeature[n.feature] += share[next] - share[i]
			i = next
		}
		score += share[i]
	}
	inv := 1 / float64(len(f.roots))
	e := Explanation{Label: label, Base: base * inv, Score: score * inv}
	for j, c := range byFeature {
		if c != 0 {
			e.Contributions = append(e.Contributions, Contribution{Feature: names[j], Value: x[j], Contribution: c * inv})
		}
	}
	slices.SortStableFunc(e.Contributions, func(a, b Contribution) int {
		return cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution))
	})
	if top > 0 && len(e.Contributions) > top {
		e.Contributions = e.Contributions[:top]
	}
	return e, nil
}

// explainForest returns the bundle's trees in flat form, parsing them on first use when prediction goes
// through leaves.
func (p *Predictor) explainForest() (*FlatForest, error) {
	if p.flat != nil {
		return p.flat, nil
	}
	p.explainOnce.Do(func() {
		if p.Bundle.Encoding != EncodingClassPerLeaf {
			p.explainErr = fmt.Errorf("model %s: explanations need the %s encoding", p.Bundle.Version, EncodingClassPerLeaf)
			return
		}
		p.explainFlat, p.explainErr = parseFlatForest(p.Bundle.LightGBM, len(p.Bundle.Labels), len(p.Bundle.FeatureNames))
	})
	return p.explainFlat, p.explainErr
}
