package model_test

import (
	"bytes"
	"testing"

	"github.com/flowlens/ntc/model"
)

// BenchmarkLoadEmbedded is what every edge request that classifies and every page load pays first: reading
// both embedded bundles and building their predictors.
func BenchmarkLoadEmbedded(b *testing.B) {
	for b.Loop() {
		app, err := model.ReadBundle(bytes.NewReader(model.EmbeddedBundle(model.TaskApp)))
		if err != nil {
			b.Fatal(err)
		}
		att, err := model.ReadBundle(bytes.NewReader(model.EmbeddedBundle(model.TaskAtt)))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := model.NewClassifier(app, att); err != nil {
			b.Fatal(err)
		}
	}
}
