package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// ReadBundle decodes a bundle and checks it is complete.
func ReadBundle(r io.Reader) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("decoding bundle: %w", err)
	}
	if b.Format != BundleFormat {
		return nil, fmt.Errorf("bundle format %q, want %q", b.Format, BundleFormat)
	}
	if b.Task != TaskApp && b.Task != TaskAtt {
		return nil, fmt.Errorf("bundle task %q, want %q or %q", b.Task, TaskApp, TaskAtt)
	}
	if len(b.Labels) < 2 || len(b.FeatureNames) == 0 || b.LightGBM == "" {
		return nil, fmt.Errorf("bundle %s is incomplete (labels, feature names or model missing)", b.Version)
	}
	return &b, nil
}

// LoadBundle reads a bundle file.
func LoadBundle(path string) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := ReadBundle(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// Write encodes the bundle as indented JSON. The encoding is deterministic: the same bundle gives the same bytes.
func (b *Bundle) Write(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		return fmt.Errorf("encoding bundle: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Save writes the bundle to path.
func (b *Bundle) Save(path string) error {
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
