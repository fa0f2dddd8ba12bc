package model_test

import (
	"testing"

	"github.com/flowlens/ntc/model"
)

// BenchmarkAppPredict is the embedded app model's Predict per row (votes, token table, calibration).
func BenchmarkAppPredict(b *testing.B) {
	c, err := model.Default()
	if err != nil {
		b.Fatal(err)
	}
	xs := unlabeledVectors(b)
	var s model.Scratch
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.App.Predict(xs[i%len(xs)], true, &s); err != nil {
			b.Fatal(err)
		}
	}
}
