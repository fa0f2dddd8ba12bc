package model_test

import (
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/model/forest"
	"github.com/flowlens/ntc/train"
)

// BenchmarkAppForestEncodings measures the 128-class app forest in the two LightGBM layouts, per tree, so
// the README's decision can quote model size and prediction time for 300 trees:
//   - multiclass: LightGBM's own random-forest layout, 128 trees a round, leaves' Predict;
//   - class-per-leaf-leaves: one tree a round, leaves' leaf indexes mapped to classes;
//   - class-per-leaf-flat: the same text walked by model.FlatForest.
//
// Reported metrics: bytes/tree (LightGBM text per round) and ns/row/tree.
func BenchmarkAppForestEncodings(b *testing.B) {
	ds, err := train.LoadDataset(radcom.Path(b, radcom.AppTrain))
	if err != nil {
		b.Fatal(err)
	}
	const trees = 10
	x := unlabeledVectors(b)
	for _, tc := range []struct {
		name     string
		vote     forest.Vote
		encoding string
		leaves   bool
	}{
		{"multiclass", forest.SoftVote, model.EncodingMulticlass, true},
		{"class-per-leaf-leaves", forest.HardVote, model.EncodingClassPerLeaf, true},
		{"class-per-leaf-flat", forest.HardVote, model.EncodingClassPerLeaf, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			p := forest.DefaultParams()
			p.Trees, p.Vote = trees, tc.vote
			f := forest.Fit(ds.X, ds.Y, len(ds.Labels), p)
			bundle := bundleFor(b, f, ds.Labels, tc.encoding)
			newPredictor := model.NewPredictor
			if tc.leaves {
				newPredictor = model.NewLeavesPredictor
			}
			pred, err := newPredictor(bundle)
			if err != nil {
				b.Fatal(err)
			}
			var s model.Scratch
			b.ResetTimer()
			i := 0
			for b.Loop() {
				if _, err := pred.Proba(x[i%len(x)], &s); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/trees, "ns/row/tree")
			b.ReportMetric(float64(len(bundle.LightGBM))/trees, "bytes/tree")
		})
	}
}

// BenchmarkShippedModels times each embedded bundle's prediction per row, through the walker the product
// uses (model.NewPredictor) and through leaves (model.NewLeavesPredictor), on the unlabeled rows: the
// README's figures for keeping leaves or not, per model.
func BenchmarkShippedModels(b *testing.B) {
	c, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	x := unlabeledVectors(b)
	for _, m := range []struct {
		task   string
		bundle *model.Bundle
	}{{model.TaskApp, c.App.Bundle}, {model.TaskAtt, c.Att.Bundle}} {
		for _, engine := range []string{"flat", "leaves"} {
			b.Run(m.task+"-"+engine, func(b *testing.B) {
				newPredictor := model.NewPredictor
				if engine == "leaves" {
					newPredictor = model.NewLeavesPredictor
				}
				pred, err := newPredictor(m.bundle)
				if err != nil {
					b.Fatal(err)
				}
				var s model.Scratch
				i := 0
				for b.Loop() {
					if _, err := pred.Proba(x[i%len(x)], &s); err != nil {
						b.Fatal(err)
					}
					i++
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/row")
			})
		}
	}
}
