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
// contribution equals Score: for a forest the class's share of tree votes, for a boosted model its raw score
// before softmax; in both, before calibration. A forest with a token table also lists the exact sizes the
// table matched for the class (Tokens), which raise its probability beyond what its votes give.
type Explanation struct {
	Label         string         `json:"label"`
	Score         float64        `json:"score"` // the raw score: vote share (forest) or summed leaf values (boosted)
	Base          float64        `json:"base"`  // the score before any split: the roots' values
	Contributions []Contribution `json:"contributions"`
	// Tokens, for a forest with a token table, are the flow's exact sizes the table holds for the class:
	// the second view its probability combines with the votes (model.TokenTable), largest first.
	Tokens []TokenMatch `json:"tokens,omitempty"`
	// Forest, for a boosted model with a Blend, explains the blend forest's vote share for the class (its
	// Score); the probability before calibration is (1 − ForestWeight) · softmax + ForestWeight · that share.
	Forest       *Explanation `json:"forest,omitempty"`
	ForestWeight float64      `json:"forest_weight,omitempty"`
	// Boosted is set for a boosted model, whose Score is a raw score before softmax, not a vote share (for
	// the explaining code's readers; not in the JSON, whose form the API documents).
	Boosted bool `json:"-"`
}

// Explain attributes the raw score of class label for vector x to the features the trees split on (Saabas'
// method). A node's value is the leaf values below it averaged by training rows; a leaf's is, for a forest, 1
// if it votes for the class and 0 if not, and for a boosted model the raw score it adds to the class. Each
// step from a node to its child credits the change in value to the node's feature, so along every path the
// steps add up to leaf value minus root value: Base (the roots' values) plus all contributions is exactly
// Score (a forest's vote share, averaged over its trees; a boosted model's raw class score before softmax,
// summed over the class's trees). Contributions are sorted by size, largest first; top > 0 keeps that many.
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
	boosted := p.Bundle.Encoding == EncodingSoftmax
	// value[i]: node i's value for the class. Children come after their parent, so one backward pass works.
	value := make([]float64, len(f.nodes))
	for i := len(f.nodes) - 1; i >= 0; i-- {
		n := &f.nodes[i]
		switch {
		case int(n.feature) != f.nFeatures:
			l, r := n.next, n.next+1
			value[i] = (f.weight[l]*value[l] + f.weight[r]*value[r]) / f.weight[i]
		case boosted:
			value[i] = f.leafValue[i]
		case f.leafClass[i] == int32(class):
			value[i] = 1
		}
	}
	byFeature := make([]float64, len(names))
	var base, score float64
	trees := 0
	for t, i := range f.roots {
		if boosted && int(f.scored[t]) != class {
			continue // another class's tree
		}
		trees++
		base += value[i]
		for int(f.nodes[i].feature) != f.nFeatures {
			n := &f.nodes[i]
			next := n.next + goesRight(padded[n.feature], n.threshold)
			byFeature[n.feature] += value[next] - value[i]
			i = next
		}
		score += value[i]
	}
	scale := 1.0
	if !boosted {
		scale = 1 / float64(trees) // a forest averages its trees
	}
	e := Explanation{Label: label, Base: base * scale, Score: score * scale, Boosted: boosted}
	for j, c := range byFeature {
		if c != 0 {
			e.Contributions = append(e.Contributions, Contribution{Feature: names[j], Value: x[j], Contribution: c * scale})
		}
	}
	slices.SortStableFunc(e.Contributions, func(a, b Contribution) int {
		return cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution))
	})
	if top > 0 && len(e.Contributions) > top {
		e.Contributions = e.Contributions[:top]
	}
	if p.Bundle.Tokens != nil {
		e.Tokens = p.Bundle.Tokens.Matches(x, class)
		if top > 0 && len(e.Tokens) > top {
			e.Tokens = e.Tokens[:top]
		}
	}
	if p.blend != nil {
		fe, err := p.blend.Explain(x, label, top)
		if err != nil {
			return Explanation{}, fmt.Errorf("blend: %w", err)
		}
		e.Forest, e.ForestWeight = &fe, p.blendWeight
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
		switch p.Bundle.Encoding {
		case EncodingClassPerLeaf:
			p.explainFlat, p.explainErr = parseFlatForest(p.Bundle.LightGBM, len(p.Bundle.Labels), len(p.Bundle.FeatureNames))
		case EncodingSoftmax:
			var f *FlatForest
			if f, p.explainErr = parseFlatForest(p.Bundle.LightGBM, 0, len(p.Bundle.FeatureNames)); f != nil {
				p.explainFlat = f.mergeAlike(len(p.Bundle.Labels))
			}
		default:
			p.explainErr = fmt.Errorf("model %s: explanations need the %s or %s encoding", p.Bundle.Version, EncodingClassPerLeaf, EncodingSoftmax)
		}
	})
	return p.explainFlat, p.explainErr
}
