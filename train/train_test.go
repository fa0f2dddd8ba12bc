package train

import (
	"bytes"
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/model/forest"
)

func load(t *testing.T, name string) *Dataset {
	t.Helper()
	ds, err := LoadDataset(radcom.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestStratifiedFoldsBalanceClasses(t *testing.T) {
	ds := load(t, radcom.AppTrain)
	fold := StratifiedFolds(ds.Y, 5, 7)
	perFold := map[[2]int]int{}
	size := make([]int, 5)
	for i, f := range fold {
		perFold[[2]int{ds.Y[i], f}]++
		size[f]++
	}
	for k, n := range perFold {
		if n != 1 { // 5 rows a class, 5 folds: one each
			t.Fatalf("class %s has %d rows in fold %d", ds.Labels[k[0]], n, k[1])
		}
	}
	for f, n := range size {
		if n != 128 {
			t.Errorf("fold %d has %d rows", f, n)
		}
	}
}

func TestGroupedFoldsKeepPairsTogether(t *testing.T) {
	ds := load(t, radcom.AppTrain)
	fold := GroupedFolds(ds.Groups, 5, 3)
	at := map[string]int{}
	size := make([]int, 5)
	for i, g := range ds.Groups {
		if f, ok := at[g]; ok && f != fold[i] {
			t.Fatalf("pair %s is split across folds %d and %d", g, f, fold[i])
		}
		at[g] = fold[i]
		size[fold[i]]++
	}
	for f, n := range size {
		if n < 100 || n > 160 {
			t.Errorf("fold %d has %d rows: folds should be near 128", f, n)
		}
	}
}

// TestCrossValidationFloors guards the accuracy the product ships with. The floors sit a few points under
// what the default recipes measure (README model card), with fewer trees and repeats to keep the test quick.
func TestCrossValidationFloors(t *testing.T) {
	for _, tc := range []struct {
		task, file     string
		trees, repeats int
		scheme         Scheme
		floor          float64
	}{
		{model.TaskApp, radcom.AppTrain, 100, 1, Stratified, 0.42},
		{model.TaskApp, radcom.AppTrain, 100, 1, Grouped, 0.13},
		{model.TaskAtt, radcom.AttTrain, 100, 10, Stratified, 0.72},
		{model.TaskAtt, radcom.AttTrain, 100, 10, Grouped, 0.60},
	} {
		t.Run(tc.task+" "+string(tc.scheme), func(t *testing.T) {
			ds := load(t, tc.file)
			r := DefaultRecipe(tc.task, 1)
			r.Forest.Trees = tc.trees
			res := CrossValidate(ds, tc.scheme, 5, tc.repeats, 1, r.FitFunc(len(ds.Labels)))
			t.Logf("accuracy=%.4f macro_f1=%.4f top3=%.4f", res.Accuracy, res.MacroF1, res.Top3)
			if res.Accuracy < tc.floor {
				t.Errorf("CV accuracy %.4f under the floor %.2f", res.Accuracy, tc.floor)
			}
			if res.Last.N != len(ds.Y)*tc.repeats {
				t.Errorf("report covers %d predictions, want %d", res.Last.N, len(ds.Y)*tc.repeats)
			}
		})
	}
}

func TestTrainingIsDeterministic(t *testing.T) {
	ds := load(t, radcom.AttTrain)
	text := func(workers int) []byte {
		p := forest.DefaultParams()
		p.Trees, p.Seed, p.Workers = 30, 42, workers
		f := forest.Fit(ds.X, ds.Y, len(ds.Labels), p)
		b, err := model.WriteLightGBM(f, mustNames(t, f.NFeatures), model.EncodingClassPerLeaf)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if a, b := text(1), text(4); !bytes.Equal(a, b) {
		t.Fatal("the same seed gave different models with 1 and 4 workers")
	}
}

// TestNoEmptyLeaves grows a full app forest and checks that every split kept rows on both sides.
func TestNoEmptyLeaves(t *testing.T) {
	ds := load(t, radcom.AppTrain)
	p := forest.DefaultParams()
	p.Trees = 40
	f := forest.Fit(ds.X, ds.Y, len(ds.Labels), p)
	for i, tr := range f.Trees {
		for _, n := range tr.Nodes {
			if n.Feature < 0 && n.Count == 0 {
				t.Fatalf("tree %d has an empty leaf", i)
			}
		}
	}
}

func mustNames(t *testing.T, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "f" + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
	}
	return names
}

func TestEvaluate(t *testing.T) {
	labels := []string{"a", "b", "c"}
	r := Evaluate([]int{0, 0, 1, 1, 2}, []int{0, 1, 1, 1, 0}, labels)
	if r.Accuracy != 0.6 {
		t.Errorf("accuracy %v", r.Accuracy)
	}
	// a: P=1/2 R=1/2 F=.5; b: P=2/3 R=1 F=.8; c: P=0 R=0 F=0 -> macro .4333
	if d := r.MacroF1 - 1.3/3; d > 1e-12 || d < -1e-12 {
		t.Errorf("macro F1 %v", r.MacroF1)
	}
	if len(r.Confusions) != 2 || r.Confusions[0].Count != 1 {
		t.Errorf("confusions %+v", r.Confusions)
	}
}
