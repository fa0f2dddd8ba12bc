package loadbench

import (
	"bytes"
	"testing"

	"github.com/flowlens/ntc/model"
)

func BenchmarkLoad(b *testing.B) {
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
