package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// ReadBundle decodes a bundle and checks it is complete.
func ReadBundle(r io.Reader) (*Bundle, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading bundle: %w", err)
	}
	var b Bundle
	// The LightGBM text is nearly all of a bundle (2.5 MB for the app forest), and encoding/json scans it a
	// byte at a time: 25 ms natively, over half a second in the browser's WebAssembly on a cold start. Write
	// puts it last; when it is there, as a plain string, it is cut out and unescaped directly and
	// encoding/json decodes the rest. Anything else takes encoding/json's path for the whole file.
	rest, text, ok := cutLightGBM(data)
	if !ok {
		rest = data
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("decoding bundle: %w", err)
	}
	if ok {
		b.LightGBM = text
	}
	switch b.Format {
	case BundleFormat:
		if b.Tokens != nil && b.Tokens.LegacyGain != nil {
			return nil, fmt.Errorf("bundle %s: a %s token table has gains, not gain", b.Version, BundleFormat)
		}
	case bundleFormatV1:
		b.Format = BundleFormat // its token table is rewritten as this format's by Prepare
	default:
		return nil, fmt.Errorf("bundle format %q, want %q", b.Format, BundleFormat)
	}
	if b.Task != TaskApp && b.Task != TaskAtt {
		return nil, fmt.Errorf("bundle task %q, want %q or %q", b.Task, TaskApp, TaskAtt)
	}
	if len(b.Labels) < 2 || len(b.FeatureNames) == 0 || b.LightGBM == "" {
		return nil, fmt.Errorf("bundle %s is incomplete (labels, feature names or model missing)", b.Version)
	}
	if b.Tokens != nil { // decoded as JSON: its index is built here, once, for every predictor
		if err := b.Tokens.Prepare(len(b.Labels)); err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.Version, err)
		}
	}
	return &b, nil
}

// lightgbmMember is the start of the last member of a bundle as Write writes it.
const lightgbmMember = `"lightgbm": "`

// cutLightGBM finds the bundle's last member, "lightgbm", holding a JSON string that closes the top-level
// object, and returns the bundle with that string emptied and the string's value. It reports false for
// anything it does not recognise, including escapes other than \n, \t, \", \\ and \/ (encoding/json then
// decodes the whole bundle, as it always may).
func cutLightGBM(data []byte) (rest []byte, text string, ok bool) {
	// The first occurrence: the text after it is checked to end the bundle, so an earlier one (a nested
	// member, a duplicate) leaves the fast path. LastIndex would hash its way back through the whole text.
	at := bytes.Index(data, []byte(lightgbmMember))
	if at < 0 {
		return nil, "", false
	}
	start := at + len(lightgbmMember)
	var sb strings.Builder
	sb.Grow(len(data) - start)
	i, from := start, start
	for ; i < len(data); i++ {
		c := data[i]
		if c == '"' {
			break
		}
		if c < 0x20 { // a raw control character: not JSON
			return nil, "", false
		}
		if c != '\\' {
			continue
		}
		if i+1 >= len(data) {
			return nil, "", false
		}
		var unescaped byte
		switch data[i+1] {
		case 'n':
			unescaped = '\n'
		case 't':
			unescaped = '\t'
		case '"', '\\', '/':
			unescaped = data[i+1]
		default:
			return nil, "", false
		}
		sb.Write(data[from:i])
		sb.WriteByte(unescaped)
		i++
		from = i + 1
	}
	if i >= len(data) {
		return nil, "", false
	}
	sb.Write(data[from:i])
	if !utf8.ValidString(sb.String()) { // encoding/json would replace invalid bytes
		return nil, "", false
	}
	if tail := bytes.TrimSpace(data[i+1:]); len(tail) != 1 || tail[0] != '}' {
		return nil, "", false
	}
	rest = append(append(append([]byte(nil), data[:start]...), '"'), data[i+1:]...)
	return rest, sb.String(), true
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
