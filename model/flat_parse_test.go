package model

import (
	"fmt"
	"math"
	"slices"
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

// TestMergeAlike checks the merging of a boosted forest's like trees: trees of one class with the same
// splits and leaf counts become one whose leaves hold their sums; a tree differing in a threshold, a leaf
// count or its class stays apart; and every class's score is the sum of its trees' leaf values.
func TestMergeAlike(t *testing.T) {
	stump := func(threshold, count, v0, v1 string) string {
		return "num_leaves=2\nsplit_feature=0\nthreshold=" + threshold + "\nleft_child=-1\nright_child=-2\nleaf_value=" +
			v0 + " " + v1 + "\nleaf_count=" + count + " 2\n"
	}
	deep := "num_leaves=3\nsplit_feature=1 0\nthreshold=0.5 2\nleft_child=1 -1\nright_child=-2 -3\nleaf_value=0.25 -1 4\nleaf_count=3 1 1\n"
	// two classes (k = 2): tree t scores class t mod 2
	trees := []string{
		stump("1.5", "3", "0.5", "-0.5"),    // class 0
		deep,                                // class 1
		stump("1.5", "3", "0.125", "0.375"), // class 0, like tree 0: merged
		stump("1.5", "3", "1", "2"),         // class 1: a stump, not like tree 1
		stump("1.5", "3", "0.25", "0.25"),   // class 0, like tree 0: merged
		deep,                                // class 1, like tree 1: merged
		stump("2.5", "3", "8", "16"),        // class 0, another threshold
		stump("1.5", "3", "32", "64"),       // class 1, like tree 3: merged
		stump("1.5", "4", "100", "200"),     // class 0, another leaf count
		stump("1.5", "3", "0", "0"),         // class 1, like trees 3 and 7
	}
	var text strings.Builder
	text.WriteString("tree\nversion=v3\n\n")
	for i, tr := range trees {
		fmt.Fprintf(&text, "Tree=%d\n%s\n", i, tr)
	}
	text.WriteString("end of trees\n")
	f, err := parseFlatForest(text.String(), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	m := f.mergeAlike(2)
	// first appearances: trees 0 (with 2 and 4), 1 (with 5), 3 (with 7 and 9), 6, 8
	if want := []int32{0, 1, 1, 0, 0}; m.NTrees() != 5 || !slices.Equal(m.scored, want) {
		t.Fatalf("merged into %d trees scoring %v, want 5 scoring %v", m.NTrees(), m.scored, want)
	}
	for _, x := range [][]float64{{0, 0, 0}, {1.5, 0.5, 0}, {2, 1, 0}, {3, 0, 0}, {-1, 0.75, 0}} {
		want := make([]float64, 2)
		for t, root := range f.roots { // the unmerged forest, tree by tree
			want[t%2] += f.leafValue[f.walk(x, root)]
		}
		got := make([]float64, 2)
		m.Scores(x, got)
		for c := range want {
			if math.Abs(got[c]-want[c]) > 1e-12 {
				t.Errorf("x %v: scores %v, want %v", x, got, want)
			}
		}
	}
}
