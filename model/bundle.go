// Package model holds the model bundles (tree ensembles in LightGBM text format with their labels, feature
// names, training settings and cross-validated metrics) and predicts with them through
// github.com/dmitryikh/leaves. It is the only package that knows what a model is.
package model

import "encoding/json"

// BundleFormat identifies the bundle file layout; a reader refuses any other.
const BundleFormat = "ntc-bundle/1"

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
	Encoding     string   `json:"encoding"` // EncodingMulticlass or EncodingClassPerLeaf
	LightGBM     string   `json:"lightgbm"` // the ensemble, LightGBM text model format
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
