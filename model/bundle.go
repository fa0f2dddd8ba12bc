// Package model holds the model bundles (tree ensembles in LightGBM text format with their labels, feature
// names, training settings and cross-validated metrics) and predicts with them through
// github.com/dmitryikh/leaves. It is the only package that knows what a model is.
package model

import (
	"encoding/json"
	"slices"

	"github.com/flowlens/ntc/internal/xmath"
)

// BundleFormat identifies the bundle file layout; a reader refuses any other but ntc-bundle/1, which
// differs only in how a token table writes its gains (TokenTable.LegacyGain).
const BundleFormat = "ntc-bundle/2"

// bundleFormatV1 is the previous layout, still read.
const bundleFormatV1 = "ntc-bundle/1"

// The tasks a bundle can serve.
const (
	TaskApp = "app" // the application, 128 classes
	TaskAtt = "att" // the attribution, 5 classes
)

// Bundle is one task's trained model and everything needed to use and judge it.
type Bundle struct {
	Format       string   `json:"format"`
	Task         string   `json:"task"`
	Version      string   `json:"version"`       // task and a digest of the model text: equal versions are equal models
	FeatureNames []string `json:"feature_names"` // the vector the ensemble reads: features.FeatureNames
	Labels       []string `json:"labels"`
	Training     Training `json:"training"`
	Metrics      Metrics  `json:"metrics"`
	// Calibration turns vote shares into probabilities and sets the unknown threshold; nil leaves both off.
	Calibration *Calibration `json:"calibration,omitempty"`
	Encoding    string       `json:"encoding"` // EncodingMulticlass or EncodingClassPerLeaf
	// Tokens, for a forest, is the exact-size naive Bayes its vote shares are combined with; nil for none.
	Tokens *TokenTable `json:"tokens,omitempty"`
	// Blend, for a boosted model, is a forest whose vote shares are averaged with the boosted softmax; nil for
	// none.
	Blend *Blend `json:"blend,omitempty"`
	// LightGBM is the ensemble, LightGBM text model format. It stays the last member: ReadBundle reads it
	// without encoding/json when it is.
	LightGBM string `json:"lightgbm"`
}

// Blend is a second ensemble a boosted bundle's probabilities are averaged with: (1 − Weight) · softmax +
// Weight · the forest's vote shares, before calibration. The two fail on different flows (the attribution
// model's boosting and extremely randomized trees; README, model card).
type Blend struct {
	Weight   float64 `json:"weight"`   // the forest's share, in (0, 1]
	Encoding string  `json:"encoding"` // EncodingClassPerLeaf
	Trees    int     `json:"trees"`
	// LightGBM is the forest in LightGBM text format (the member is not named "lightgbm": ReadBundle finds
	// the bundle's own by that name).
	LightGBM string `json:"lightgbm_text"`
}

// bundle returns the blend's forest as a bundle of its own, sharing b's labels and features.
func (bl *Blend) bundle(b *Bundle) *Bundle {
	return &Bundle{Format: b.Format, Task: b.Task, Version: b.Version + "/blend", FeatureNames: b.FeatureNames,
		Labels: b.Labels, Encoding: bl.Encoding, LightGBM: bl.LightGBM}
}

// Training records how a bundle was made, enough to make it again.
type Training struct {
	Data       string          `json:"data"`        // training file name
	DataSHA256 string          `json:"data_sha256"` // of its bytes
	Rows       int             `json:"rows"`
	Seed       uint64          `json:"seed"`
	Recipe     json.RawMessage `json:"recipe"` // the trainer's settings
	Trees      int             `json:"trees"`
	Nodes      int             `json:"nodes"`
}

// Metrics are a bundle's cross-validated scores on its training file.
type Metrics struct {
	Stratified CVSummary `json:"stratified"`
	// Grouped keeps every (Source_IP, Destination_IP) pair on one side of each split: the figure to expect on
	// a network the model has never seen.
	Grouped CVSummary `json:"grouped"`
	// OpenSet is how the model treats applications it has never seen (classes held out of training).
	OpenSet *OpenSet `json:"open_set,omitempty"`
}

// OpenSet is the open-set check: whole classes held out of training, their rows predicted.
type OpenSet struct {
	Splits                   int     `json:"splits"`
	HeldOutClasses           int     `json:"held_out_classes"` // per split
	UnseenRows               int     `json:"unseen_rows"`
	UnseenCalledUnknown      float64 `json:"unseen_called_unknown"`       // share of held-out rows labelled unknown
	UnseenGivenKnownLabel    float64 `json:"unseen_given_known_label"`    // share wrongly given a known label
	KnownAccuracy            float64 `json:"known_accuracy"`              // on known classes, unknown off
	KnownAccuracyWithUnknown float64 `json:"known_accuracy_with_unknown"` // correct and not called unknown
}

// Calibration maps a forest's vote shares p to probabilities q, q_c ∝ (p_c + Smoothing)^Power, fitted on
// out-of-fold predictions, and says when a label is too unsure to give.
type Calibration struct {
	Power     float64 `json:"power"`
	Smoothing float64 `json:"smoothing"`
	// UnknownThreshold: a top-1 calibrated probability under it makes the label "unknown".
	UnknownThreshold float64 `json:"unknown_threshold"`
	// UnknownCatchesWrong is the share of wrong out-of-fold answers the threshold turns into unknown; by
	// construction it keeps 90% of the right ones.
	UnknownCatchesWrong float64          `json:"unknown_catches_wrong"`
	NLL                 float64          `json:"nll"`        // mean negative log-likelihood after calibration
	ECEBefore           float64          `json:"ece_before"` // expected calibration error of the raw vote shares
	ECEAfter            float64          `json:"ece_after"`
	Reliability         []ReliabilityBin `json:"reliability"` // after calibration
}

// ReliabilityBin is one confidence bin of a reliability table.
type ReliabilityBin struct {
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	N          int     `json:"n"`
	Confidence float64 `json:"confidence"` // mean top-1 probability in the bin
	Accuracy   float64 `json:"accuracy"`   // share of those top-1 labels that were right
}

// Apply calibrates vote shares in place and returns them.
func (c *Calibration) Apply(p []float64) []float64 {
	var sum float64
	pow := memo{f: func(v float64) float64 { return xmath.Pow(v+c.Smoothing, c.Power) }}
	pow.prime(slices.Min(p)) // the classes without votes or matching tokens, most of them
	for i, v := range p {
		p[i] = pow.get(v)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// CVSummary is one repeated k-fold cross-validation.
type CVSummary struct {
	Scheme      string  `json:"scheme"`
	Folds       int     `json:"folds"`
	Repeats     int     `json:"repeats"`
	N           int     `json:"n"`
	Accuracy    float64 `json:"accuracy"`
	AccuracyStd float64 `json:"accuracy_std"`
	MacroF1     float64 `json:"macro_f1"`
	MacroF1Std  float64 `json:"macro_f1_std"`
	Top3        float64 `json:"top3_accuracy"`
}

// memo caches f for two inputs: most of a 128-class row's values are one and the same (no votes, no
// matching tokens), so a row needs a handful of calls to f, not one per class. prime fixes the first input,
// that common value; the second slot holds the latest other one.
type memo struct {
	f         func(float64) float64
	in0, out0 float64
	in1, out1 float64
	has1      bool
}

func (m *memo) prime(v float64) {
	m.in0, m.out0 = v, m.f(v)
}

func (m *memo) get(v float64) float64 {
	switch {
	case v == m.in0:
		return m.out0
	case m.has1 && v == m.in1:
		return m.out1
	}
	m.in1, m.out1, m.has1 = v, m.f(v), true
	return m.out1
}
