package model_test

import (
	"bufio"
	"bytes"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dmitryikh/leaves"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/model/boost"
	"github.com/flowlens/ntc/model/forest"
	"github.com/flowlens/ntc/train"
)

// vectors returns a labelled training set and a second, unseen set of vectors to predict on.
func vectors(t testing.TB, trainFile string) (*train.Dataset, [][]float64) {
	t.Helper()
	ds, err := train.LoadDataset(radcom.Path(t, trainFile))
	if err != nil {
		t.Fatal(err)
	}
	x := append([][]float64(nil), ds.X...)
	x = append(x, unlabeledVectors(t)...)
	return ds, x
}

func unlabeledVectors(t testing.TB) [][]float64 {
	t.Helper()
	r, err := features.NewReader(bytes.NewReader(radcom.Read(t, radcom.AttUnlabeled)))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		out = append(out, features.Extract(rec, nil))
	}
	if len(out) != 6249 {
		t.Fatalf("read %d unlabeled rows", len(out))
	}
	return out
}

func bundleFor(t testing.TB, f *forest.Forest, labels []string, encoding string) *model.Bundle {
	t.Helper()
	text, err := model.WriteLightGBM(f, features.FeatureNames, encoding)
	if err != nil {
		t.Fatal(err)
	}
	return &model.Bundle{Format: model.BundleFormat, Task: model.TaskApp, Version: "test", Labels: labels,
		FeatureNames: features.FeatureNames, Encoding: encoding, LightGBM: string(text)}
}

// sameProba fails the test unless a bundle's probabilities for vector i are the trainer's, to 1e-12.
// bothEngines makes b's predictor through the flat walker (what the product runs) and through leaves.
func bothEngines(t *testing.T, b *model.Bundle) (flat, viaLeaves *model.Predictor) {
	t.Helper()
	flat, err := model.NewPredictor(b)
	if err != nil {
		t.Fatal(err)
	}
	if viaLeaves, err = model.NewLeavesPredictor(b); err != nil {
		t.Fatal(err)
	}
	return flat, viaLeaves
}

// sameProbaOnEngines checks that each predictor, with a fresh Scratch, gives want for vector i, v.
func sameProbaOnEngines(t *testing.T, i int, labels []string, v, want []float64, preds ...*model.Predictor) {
	t.Helper()
	for _, pred := range preds {
		var s model.Scratch
		got, err := pred.Proba(v, &s)
		if err != nil {
			t.Fatal(err)
		}
		sameProba(t, i, labels, got, want)
	}
}

func sameProba(t *testing.T, i int, labels []string, got, want []float64) {
	t.Helper()
	for c := range want {
		if math.Abs(got[c]-want[c]) > 1e-12 {
			t.Fatalf("vector %d class %s: bundle %v, trainer %v", i, labels[c], got[c], want[c])
		}
	}
}

// TestParityWithTrainer checks that the LightGBM text read back predicts exactly what the trainer's
// in-memory forest predicts, on the training rows and on 6,249 rows it never saw.
func TestParityWithTrainer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		file     string
		vote     forest.Vote
		encoding string
	}{
		{"app forest, class per leaf, flat walker", radcom.AppTrain, forest.HardVote, model.EncodingClassPerLeaf},
		{"att forest, class per leaf, leaves", radcom.AttTrain, forest.HardVote, model.EncodingClassPerLeaf},
		{"att forest, LightGBM multiclass, leaves", radcom.AttTrain, forest.SoftVote, model.EncodingMulticlass},
		{"app forest, LightGBM multiclass, leaves", radcom.AppTrain, forest.SoftVote, model.EncodingMulticlass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, x := vectors(t, tc.file)
			p := forest.DefaultParams()
			p.Trees, p.Vote = 20, tc.vote
			if tc.encoding == model.EncodingMulticlass && len(ds.Labels) > 5 {
				p.Trees = 3 // 128 trees a round: keep the file small
			}
			f := forest.Fit(ds.X, ds.Y, len(ds.Labels), p)
			pred, err := model.NewPredictor(bundleFor(t, f, ds.Labels, tc.encoding))
			if err != nil {
				t.Fatal(err)
			}
			var s model.Scratch
			for i, v := range x {
				want := f.PredictProba(v, nil)
				got, err := pred.Proba(v, &s)
				if err != nil {
					t.Fatal(err)
				}
				sameProba(t, i, ds.Labels, got, want)
			}
		})
	}
}

// TestFlatWalkerMatchesLeaves checks the flat walker against leaves itself on the embedded app bundle: the
// same LightGBM text, leaves' leaf indexes mapped to classes, the same votes.
func TestFlatWalkerMatchesLeaves(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	b := c.App.Bundle
	ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(strings.NewReader(b.LightGBM)), false)
	if err != nil {
		t.Fatal(err)
	}
	leafEns := ens.EnsembleWithLeafPredictions()
	leafClass := leafValues(t, b.LightGBM)
	leafIdx := make([]float64, leafEns.NEstimators())
	var s model.Scratch
	for i, v := range unlabeledVectors(t)[:2000] {
		if err := leafEns.Predict(v, 0, leafIdx); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, len(b.Labels))
		for tree, l := range leafIdx {
			want[int(leafClass[tree][int(l)])]++
		}
		got, err := c.App.Votes(v, &s) // the forest's own votes, before the bundle's token table
		if err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if math.Round(got[k]*float64(len(leafIdx))) != want[k] {
				t.Fatalf("row %d class %s: flat %v, leaves %v votes", i, b.Labels[k], got[k], want[k])
			}
		}
	}
}

func leafValues(t *testing.T, text string) [][]float64 {
	var out [][]float64
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, "leaf_value="); ok {
			var row []float64
			for _, f := range strings.Fields(v) {
				x, err := strconv.ParseFloat(f, 64)
				if err != nil {
					t.Fatal(err)
				}
				row = append(row, x)
			}
			out = append(out, row)
		}
	}
	return out
}

func TestEmbeddedBundles(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		p      *model.Predictor
		task   string
		labels int
	}{{c.App, model.TaskApp, 128}, {c.Att, model.TaskAtt, 5}} {
		b := tc.p.Bundle
		if b.Task != tc.task || len(b.Labels) != tc.labels || !strings.HasPrefix(b.Version, tc.task+"-") {
			t.Errorf("%s bundle: task %s, %d labels, version %s", tc.task, b.Task, len(b.Labels), b.Version)
		}
		m := b.Metrics
		if m.Stratified.Accuracy <= 0 || m.Grouped.Accuracy <= 0 || m.Stratified.Repeats < 3 {
			t.Errorf("%s bundle carries no cross-validated metrics: %+v", tc.task, m)
		}
	}
}

// TestBoostedParityWithTrainer checks that a boosted model written as LightGBM multiclass text gives the
// trainer's probabilities, walked by the flat walker (what the product runs) and by leaves with its softmax.
func TestBoostedParityWithTrainer(t *testing.T) {
	ds, x := vectors(t, radcom.AttTrain)
	p := boost.DefaultParams()
	p.Rounds = 30
	m := boost.Fit(ds.X, ds.Y, len(ds.Labels), p)
	text, err := model.WriteLightGBMBoosted(m, features.FeatureNames)
	if err != nil {
		t.Fatal(err)
	}
	b := &model.Bundle{Format: model.BundleFormat, Task: model.TaskAtt, Version: "test",
		Labels: ds.Labels, FeatureNames: features.FeatureNames, Encoding: model.EncodingSoftmax, LightGBM: string(text)}
	flat, viaLeaves := bothEngines(t, b)
	for i, v := range x {
		raw := m.Raw(v, nil)
		if i%50 == 0 { // explanations add up to the raw class score
			for c, label := range ds.Labels {
				e, err := flat.Explain(v, label, 0)
				if err != nil {
					t.Fatal(err)
				}
				sum := e.Base
				for _, ct := range e.Contributions {
					sum += ct.Contribution
				}
				if math.Abs(sum-raw[c]) > 1e-9 || math.Abs(e.Score-raw[c]) > 1e-9 {
					t.Fatalf("vector %d class %s: base+contributions %v, score %v, raw %v", i, label, sum, e.Score, raw[c])
				}
			}
		}
		want := m.PredictProba(v, nil)
		sameProbaOnEngines(t, i, ds.Labels, v, want, flat, viaLeaves)
	}
}

// TestBlendParityWithTrainer checks a boosted model blended with extremely randomized trees (the attribution
// recipe's shape) against the trainer: the bundle, written as JSON and read back, gives (1 − w) · softmax +
// w · vote shares through the flat walker and through leaves; its explanation carries the forest's, whose
// base plus contributions is the forest's vote share.
func TestBlendParityWithTrainer(t *testing.T) {
	ds, x := vectors(t, radcom.AttTrain)
	bp := boost.DefaultParams()
	bp.Rounds = 30
	m := boost.Fit(ds.X, ds.Y, len(ds.Labels), bp)
	fp := forest.DefaultParams()
	fp.Trees, fp.ExtraTrees = 20, true
	f := forest.Fit(ds.X, ds.Y, len(ds.Labels), fp)
	text, err := model.WriteLightGBMBoosted(m, features.FeatureNames)
	if err != nil {
		t.Fatal(err)
	}
	ft, err := model.WriteLightGBM(f, features.FeatureNames, model.EncodingClassPerLeaf)
	if err != nil {
		t.Fatal(err)
	}
	const w = 0.6
	b := &model.Bundle{Format: model.BundleFormat, Task: model.TaskAtt, Version: "test", Labels: ds.Labels,
		FeatureNames: features.FeatureNames, Encoding: model.EncodingSoftmax, LightGBM: string(text),
		Blend: &model.Blend{Weight: w, Encoding: model.EncodingClassPerLeaf, Trees: len(f.Trees), LightGBM: string(ft)}}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if b, err = model.ReadBundle(&buf); err != nil {
		t.Fatal(err)
	}
	flat, viaLeaves := bothEngines(t, b)
	for i, v := range x {
		want := m.PredictProba(v, nil)
		shares := f.PredictProba(v, nil)
		for c := range want {
			want[c] = (1-w)*want[c] + w*shares[c]
		}
		sameProbaOnEngines(t, i, ds.Labels, v, want, flat, viaLeaves)
		if i%50 == 0 {
			for c, label := range ds.Labels {
				e, err := flat.Explain(v, label, 0)
				if err != nil {
					t.Fatal(err)
				}
				fe := e.Forest
				if fe == nil || e.ForestWeight != w {
					t.Fatalf("vector %d: no forest in the explanation", i)
				}
				sum := fe.Base
				for _, ct := range fe.Contributions {
					sum += ct.Contribution
				}
				if math.Abs(fe.Score-shares[c]) > 1e-12 || math.Abs(sum-fe.Score) > 1e-9 {
					t.Fatalf("vector %d class %s: forest score %v, base+contributions %v, trainer's share %v", i, label, fe.Score, sum, shares[c])
				}
			}
		}
	}
	bad := *b
	bad.Blend = &model.Blend{Weight: 1.5, Encoding: model.EncodingClassPerLeaf, LightGBM: string(ft)}
	if _, err := model.NewPredictor(&bad); err == nil || !strings.Contains(err.Error(), "blend weight") {
		t.Errorf("a blend weight of 1.5: %v", err)
	}
	// a blend on anything but a boosted model is refused by every constructor, the flat 128-class one too
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	forestWithBlend := *c.App.Bundle
	forestWithBlend.Blend = b.Blend
	for name, newPredictor := range map[string]func(*model.Bundle) (*model.Predictor, error){"flat": model.NewPredictor, "leaves": model.NewLeavesPredictor} {
		if _, err := newPredictor(&forestWithBlend); err == nil || !strings.Contains(err.Error(), "a blend needs a boosted") {
			t.Errorf("%s: a forest bundle with a blend: %v", name, err)
		}
	}
}

// TestFlatBoostedMatchesLeaves checks the flat walker against leaves on the embedded attribution bundle and
// 6,249 rows it never saw: both add the leaf values in the same order and share the softmax's arithmetic, so
// they agree to the last bits (the walker's exponential is internal/xmath's, the same on every platform;
// leaves' is the platform's math.Exp).
func TestFlatBoostedMatchesLeaves(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	viaLeaves, err := model.NewLeavesPredictor(c.Att.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	var s1, s2 model.Scratch
	for i, v := range unlabeledVectors(t) {
		got, err := c.Att.Proba(v, &s1)
		if err != nil {
			t.Fatal(err)
		}
		want, err := viaLeaves.Proba(v, &s2)
		if err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if math.Abs(got[k]-want[k]) > 1e-15 {
				t.Fatalf("row %d: flat %v, leaves %v", i+1, got, want)
			}
		}
	}
}

// TestTokenTableParityWithTrainer checks that a bundle with a token table, written as JSON and read back,
// predicts exactly what the trainer's cross-validation scores: forest votes combined with token scores.
func TestTokenTableParityWithTrainer(t *testing.T) {
	ds, x := vectors(t, radcom.AppTrain)
	p := forest.DefaultParams()
	p.Trees = 20
	f := forest.Fit(ds.X, ds.Y, len(ds.Labels), p)
	tt := train.FitTokens(ds.X, ds.Y, len(ds.Labels), train.DefaultTokenParams())
	b := bundleFor(t, f, ds.Labels, model.EncodingClassPerLeaf)
	b.Tokens = tt
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	b, err := model.ReadBundle(&buf)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := model.NewPredictor(b)
	if err != nil {
		t.Fatal(err)
	}
	var s model.Scratch
	scores := make([]float64, len(ds.Labels))
	for i, v := range x {
		scores, _ = tt.Scores(v, scores, nil)
		want := tt.Combine(f.PredictProba(v, nil), scores)
		got, err := pred.Proba(v, &s)
		if err != nil {
			t.Fatal(err)
		}
		sameProba(t, i, ds.Labels, got, want)
	}
}

// TestCalibratedTokensMatchReference checks the predictor's calibrated path for a forest with a token table
// (products of precomputed factors, no exponential per class) against the definition: the bundle's
// calibration applied to the combined probabilities, on the embedded app bundle and 2,000 unseen rows.
func TestCalibratedTokensMatchReference(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	b := c.App.Bundle
	if b.Tokens == nil || b.Calibration == nil || b.Calibration.Smoothing != 0 {
		t.Fatal("the app bundle no longer has a token table calibrated with smoothing 0: this test checks nothing")
	}
	var s1, s2 model.Scratch
	for i, v := range unlabeledVectors(t)[:2000] {
		got, err := c.App.Predict(v, false, &s1)
		if err != nil {
			t.Fatal(err)
		}
		proba, err := c.App.Proba(v, &s2)
		if err != nil {
			t.Fatal(err)
		}
		ref := b.Calibration.Apply(slices.Clone(proba))
		want := c.App.Rank(ref)
		// the same probabilities to 1e-9; classes tied in exact arithmetic may come in either order
		for k, r := range got.TopK {
			class := slices.Index(b.Labels, r.Label)
			if math.Abs(ref[class]-r.Probability) > 1e-9 || math.Abs(want.TopK[k].Probability-r.Probability) > 1e-9 {
				t.Fatalf("row %d: %+v, reference %+v", i+1, got.TopK, want.TopK)
			}
		}
	}
}

// TestLeavesPredictorReadsTokenTable checks that a bundle read from its file gives the same combined
// probabilities through leaves as through the flat walker: the token table's index is built when the
// bundle is read, whichever predictor is made from it.
func TestLeavesPredictorReadsTokenTable(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	b, err := model.ReadBundle(bytes.NewReader(model.EmbeddedBundle(model.TaskApp)))
	if err != nil {
		t.Fatal(err)
	}
	viaLeaves, err := model.NewLeavesPredictor(b)
	if err != nil {
		t.Fatal(err)
	}
	var s1, s2 model.Scratch
	for i, v := range unlabeledVectors(t)[:500] {
		got, err := viaLeaves.Proba(v, &s1)
		if err != nil {
			t.Fatal(err)
		}
		want, err := c.App.Proba(v, &s2)
		if err != nil {
			t.Fatal(err)
		}
		sameProba(t, i, b.Labels, got, want)
		// and the calibrated prediction, which reads vote counts from whichever engine walks the forest
		gotPred, err := viaLeaves.Predict(v, true, &s1)
		if err != nil {
			t.Fatal(err)
		}
		wantPred, err := c.App.Predict(v, true, &s2)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotPred, wantPred) {
			t.Fatalf("row %d: leaves predicts %+v, the flat walker %+v", i, gotPred, wantPred)
		}
	}
}

// TestVectorStorageDoesNotMatter checks that both shipped models give the same probabilities for a vector
// whatever lies past its end: the zero features.Extract leaves there (walked in place), no room at all, and
// room holding another value (both copied).
func TestVectorStorageDoesNotMatter(t *testing.T) {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	xs := unlabeledVectors(t)[:500]
	for _, p := range []*model.Predictor{c.App, c.Att} {
		var s model.Scratch
		for i, x := range xs {
			if cap(x) <= len(x) || x[:len(x)+1][len(x)] != 0 {
				t.Fatalf("row %d: Extract left no zero past the vector", i)
			}
			want, err := p.Predict(x, false, &s)
			if err != nil {
				t.Fatal(err)
			}
			tight := slices.Clip(slices.Clone(x))
			other := append(slices.Clone(x), 7)[:len(x)]
			for name, y := range map[string][]float64{"no room": tight, "a value past the end": other} {
				got, err := p.Predict(y, false, &s)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s row %d, %s: %+v, want %+v", p.Bundle.Task, i, name, got, want)
				}
			}
		}
	}
}
