package model

import (
	"bytes"
	"encoding/json"
	"reflect"
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
