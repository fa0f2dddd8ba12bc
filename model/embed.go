package model

import (
	"bytes"
	_ "embed"
	"sync"
)

// The default bundles, retrained by `make model` from the competition data.
var (
	//go:embed bundles/app.json
	embeddedApp []byte
	//go:embed bundles/att.json
	embeddedAtt []byte
)

// Default returns the classifier built from the embedded bundles, loading them on first use only.
var Default = sync.OnceValues(func() (*Classifier, error) {
	app, err := ReadBundle(bytes.NewReader(embeddedApp))
	if err != nil {
		return nil, err
	}
	att, err := ReadBundle(bytes.NewReader(embeddedAtt))
	if err != nil {
		return nil, err
	}
	return NewClassifier(app, att)
})

// EmbeddedBundle returns the raw bytes of an embedded bundle, for serving or inspecting it.
func EmbeddedBundle(task string) []byte {
	if task == TaskAtt {
		return embeddedAtt
	}
	return embeddedApp
}
