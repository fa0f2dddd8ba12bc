package model

import (
	"strings"
	"testing"
)

// TestParseFlatForestRejects checks that malformed LightGBM text is refused with a reason, not walked: a walk
// over a bad child index could loop forever or read out of bounds.
func TestParseFlatForestRejects(t *testing.T) {
	tree := func(lines ...string) string {
		return "tree\nversion=v3\n\nTree=0\n" + strings.Join(lines, "\n") + "\n\nend of trees\n"
	}
	good := []string{"num_leaves=3", "split_feature=1 0", "threshold=0.5 2", "left_child=1 -1", "right_child=-2 -3", "leaf_value=0 1 2", "leaf_count=3 1 1"}
	with := func(key, value string) string {
		out := append([]string(nil), good...)
		for i, l := range out {
			if strings.HasPrefix(l, key+"=") {
				out[i] = key + "=" + value
			}
		}
		return tree(out...)
	}
	f, err := parseFlatForest(tree(good...), 3, 2)
	if err != nil || f.NTrees() != 1 {
		t.Fatalf("the good tree: %v", err)
	}
	// num_leaves only sizes the arrays: an absurd claim neither fails nor allocates for it
	if _, err := parseFlatForest(with("num_leaves", "99999999999"), 3, 2); err != nil {
		t.Fatalf("a tree claiming 99999999999 leaves: %v", err)
	}
	votes := make([]float64, 3)
	f.Votes([]float64{0, 1, 0}, votes) // feature 1 = 1 > 0.5: right, leaf 1
	if votes[1] != 1 {
		t.Fatalf("votes %v, want one for class 1", votes)
	}
	for _, c := range []struct{ name, text, want string }{
		{"no trees", "tree\nversion=v3\n", "no trees"},
		{"no leaves", with("leaf_value", ""), "has no leaves"},
		{"child pointing back", with("left_child", "1 0"), "invalid child 0"},
		{"leaf beyond the leaves", with("right_child", "-2 -4"), "invalid child -4"},
		{"feature out of range", with("split_feature", "1 2"), "split on feature 2 of 2"},
		{"not an integer", with("left_child", "1 x"), `"x" is not an integer`},
		{"class id out of range", with("leaf_value", "0 1 3"), "not a class id below 3"},
		{"missing split fields", with("threshold", "0.5"), "3 leaves but 2/1/2/2 split fields"},
		{"bad threshold", with("threshold", "0.5 abc"), `threshold: "abc"`},
	} {
		if _, err := parseFlatForest(c.text, 3, 2); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}
