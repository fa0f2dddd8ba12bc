package model

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// decodeWithJSON is ReadBundle's decoding done by encoding/json alone (then the token table's index, as
// ReadBundle builds it): the reference for its fast path.
func decodeWithJSON(data []byte) (*Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, err
	}
	if b.Tokens != nil {
		if err := b.Tokens.Prepare(len(b.Labels)); err != nil {
			return nil, err
		}
	}
	return &b, nil
}

// TestReadBundleMatchesEncodingJSON checks that cutting the LightGBM text out of a bundle gives what
// encoding/json gives, on the embedded bundles and on variants that must leave the fast path or fail.
func TestReadBundleMatchesEncodingJSON(t *testing.T) {
	att := string(embeddedAtt)
	at := strings.LastIndex(att, lightgbmMember) + len(lightgbmMember)
	withText := func(s string) string { return att[:at] + s + att[strings.Index(att[at:], `"`)+at:] }
	cases := map[string]string{
		"app":                  string(embeddedApp),
		"att":                  att,
		"compact":              strings.Replace(att, lightgbmMember, `"lightgbm":"`, 1),
		"unicode escape":       withText(`tree\u003d1\n`),
		"CR escape":            withText(`a\r\nb`),
		"escaped quote":        withText(`a \"quoted\" \\ \/ b`),
		"invalid UTF-8":        withText("a\xffb"),
		"raw newline":          withText("a\nb"),
		"not last":             strings.Replace(att, `"format":`, `"lightgbm": "x", "format":`, 1),
		"trailing junk":        att + "x",
		"two objects":          att + att,
		"unterminated":         att[:at+10],
		"nested member":        strings.Replace(att, `"format":`, `"training2": {"lightgbm": "x"}, "format":`, 1),
		"duplicate, last wins": strings.Replace(att, `"format":`, `"lightgbm": "first", "format":`, 1),
	}
	for _, b := range [][]byte{embeddedApp, embeddedAtt} {
		if _, _, ok := cutLightGBM(b); !ok {
			t.Fatal("an embedded bundle does not take the fast path")
		}
	}
	for name, data := range cases {
		want, wantErr := decodeWithJSON([]byte(data))
		got, gotErr := ReadBundle(strings.NewReader(data))
		switch {
		case wantErr != nil:
			if gotErr == nil {
				t.Errorf("%s: encoding/json fails (%v), ReadBundle does not", name, wantErr)
			}
		case gotErr != nil:
			if want.LightGBM != "" && want.Format == BundleFormat { // a complete bundle must read
				t.Errorf("%s: ReadBundle fails: %v", name, gotErr)
			}
		case !reflect.DeepEqual(got, want):
			t.Errorf("%s: ReadBundle and encoding/json differ (lightgbm %q… vs %q…)", name, clip(got.LightGBM), clip(want.LightGBM))
		}
	}
}

func clip(s string) string { return s[:min(len(s), 40)] }

// TestTokenTableForms checks the token table's forms: a bundle written and read back gives the same table; an
// ntc-bundle/1 bundle, with its gains as an object per entry, reads as the same model (and is written in
// the current form); malformed gains are refused with their reason.
func TestTokenTableForms(t *testing.T) {
	app, err := ReadBundle(bytes.NewReader(embeddedApp))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := app.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), embeddedApp) {
		t.Fatal("writing the embedded app bundle back gives other bytes")
	}

	// the same bundle as ntc-bundle/1 wrote it
	var doc map[string]any
	if err := json.Unmarshal(embeddedApp, &doc); err != nil {
		t.Fatal(err)
	}
	legacy := map[string][]TokenGain{}
	for tok, g := range app.Tokens.gain {
		legacy[strconv.FormatUint(tok, 10)] = g
	}
	tokens := doc["tokens"].(map[string]any)
	delete(tokens, "weights")
	delete(tokens, "gains")
	tokens["gain"] = legacy
	doc["format"] = "ntc-bundle/1"
	v1, _ := json.Marshal(doc)
	old, err := ReadBundle(bytes.NewReader(v1))
	if err != nil {
		t.Fatalf("reading an ntc-bundle/1 bundle: %v", err)
	}
	if !reflect.DeepEqual(old.Tokens, app.Tokens) || old.Format != BundleFormat {
		t.Fatal("an ntc-bundle/1 bundle reads as another token table")
	}
	doc["format"] = BundleFormat
	mixed, _ := json.Marshal(doc)
	if _, err := ReadBundle(bytes.NewReader(mixed)); err == nil || !strings.Contains(err.Error(), "has gains, not gain") {
		t.Errorf("an %s bundle with the old gains: %v", BundleFormat, err)
	}

	tt := func(gains ...string) *TokenTable {
		return &TokenTable{Base: make([]float64, 3), Weights: []float64{0.5, 1}, Gains: gains}
	}
	if err := tt("7 0:1 2:0", "9 1:1").Prepare(3); err != nil {
		t.Fatalf("a good table: %v", err)
	}
	for _, c := range []struct {
		name string
		t    *TokenTable
		want string
	}{
		{"class out of range", tt("7 3:0"), "names class 3 of 3"},
		{"weight index out of range", tt("7 0:2"), `entry "0:2" is not class:weight index (of 2 weights)`},
		{"no colon", tt("7 0"), `entry "0" is not class:weight index`},
		{"bad token", tt("x 0:1"), `token "x"`},
		{"token twice", tt("7 0:1", "7 1:1"), "token 7 is listed twice"},
		{"no entries", tt("7"), "token 7 has no entries"},
		{"ntc-bundle/2 with the old form", &TokenTable{Base: make([]float64, 3), LegacyGain: map[string][]TokenGain{"7": {{Class: 9}}}}, "names class 9 of 3"},
		{"the old form, a token without entries", &TokenTable{Base: make([]float64, 3), LegacyGain: map[string][]TokenGain{"7": {}}}, "token 7 has no entries"},
	} {
		if err := c.t.Prepare(3); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}
