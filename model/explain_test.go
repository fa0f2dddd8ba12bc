package model_test

import (
	"math"
	"testing"

	"github.com/flowlens/ntc/model"
)

// TestExplanationsAddUp checks, for both embedded models and 300 real rows, that the base value plus every
// contribution is the class's score (for the forest, its vote share), for the predicted class and another.
func TestExplanationsAddUp(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	xs := unlabeledVectors(t)
	for _, p := range []*model.Predictor{c.App, c.Att} {
		var s model.Scratch
		for i, x := range xs[:300] {
			raw, err := p.Votes(x, &s) // explanations are of the ensemble's votes, before any token table
			if err != nil {
				t.Fatal(err)
			}
			pred := p.Rank(raw)
			for _, label := range []string{pred.Label, p.Bundle.Labels[i%len(p.Bundle.Labels)]} {
				k := indexOf(p.Bundle.Labels, label)
				want := raw[k]
				e, err := p.Explain(x, label, 0)
				if err != nil {
					t.Fatal(err)
				}
				sum := e.Base
				for _, ct := range e.Contributions {
					sum += ct.Contribution
				}
				if e.Boosted != (p.Bundle.Encoding == model.EncodingSoftmax) {
					t.Fatalf("%s: Boosted %v for a %s model", p.Bundle.Task, e.Boosted, p.Bundle.Encoding)
				}
				if p.Bundle.Encoding == model.EncodingSoftmax {
					want = e.Score // a raw score before softmax: TestBoostedParityWithTrainer checks it against the trainer
				}
				if math.Abs(sum-want) > 1e-9 || math.Abs(e.Score-want) > 1e-9 {
					t.Fatalf("%s row %d class %s: base+contributions %v, score %v, vote share %v", p.Bundle.Task, i, label, sum, e.Score, want)
				}
			}
		}
		// the top 5 of the first row whose path meets five features (a boosted row may meet fewer: its
		// class's trees can all split on the same few)
		full := false
		for _, x := range xs {
			e, _ := p.Explain(x, p.Rank(mustProba(t, p, x)).Label, 5)
			if len(e.Contributions) < 5 {
				continue
			}
			full = true
			for j := 1; j < 5; j++ {
				if math.Abs(e.Contributions[j-1].Contribution) < math.Abs(e.Contributions[j].Contribution) {
					t.Errorf("%s: top 5 not sorted by size: %+v", p.Bundle.Task, e.Contributions)
				}
			}
			break
		}
		if !full {
			t.Errorf("%s: no row's explanation has five features", p.Bundle.Task)
		}
	}
}

func mustProba(t *testing.T, p *model.Predictor, x []float64) []float64 {
	var s model.Scratch
	raw, err := p.Proba(x, &s)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), raw...)
}

func indexOf(labels []string, l string) int {
	for i, x := range labels {
		if x == l {
			return i
		}
	}
	return -1
}

// TestCalibrationTableMatchesFormula checks the predictor's table look-up against Calibration.Apply.
func TestCalibrationTableMatchesFormula(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*model.Predictor{c.App, c.Att} {
		var s model.Scratch
		for _, x := range unlabeledVectors(t)[:200] {
			want := p.Bundle.Calibration.Apply(mustProba(t, p, x))
			pred, err := p.Predict(x, false, &s)
			if err != nil {
				t.Fatal(err)
			}
			if k := indexOf(p.Bundle.Labels, pred.Label); math.Abs(want[k]-pred.Confidence) > 1e-12 {
				t.Fatalf("%s: table gives %v, formula %v", p.Bundle.Task, pred.Confidence, want[k])
			}
		}
	}
}
