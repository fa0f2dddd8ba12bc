package model

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/flowlens/ntc/internal/decimal"
)

// FlatForest is a class-per-leaf forest laid out for speed: one array of 16-byte nodes, leaves included, a
// node's two children side by side, each tree's nodes together in depth-first order. A step is branch-free,
// and eight trees are walked side by side so that their dependent loads overlap (walkLanes). It is built from the same
// LightGBM text leaves reads and gives the same votes (see the parity tests).
type FlatForest struct {
	nodes     []flatNode
	leafClass []int32   // per node: the class a leaf votes for (class-per-leaf forests)
	leafValue []float64 // per node: a leaf's value as written (the raw score a boosted tree's leaf adds)
	weight    []float64 // per node: training rows below it (LightGBM's leaf_count; 1 a leaf when absent)
	roots     []int32
	depth     []int32 // per tree: the most splits from its root to a leaf
	scored    []int32 // per tree of a boosted forest made by mergeAlike: the class its leaf values score
	nClass    int
	nFeatures int // vectors are read with one extra value, 0, at this index: where leaves point
}

// flatNode sends a row to next, or to next+1 when x[feature] > threshold. A leaf reads the extra zero at
// index nFeatures, points at itself, and holds in threshold a value that is never negative (so the zero
// never goes right): a finished walk can keep stepping in place. In a class-per-leaf forest that value is
// the leaf's class id, so a vote reads the node the walk ended on and nothing else.
type flatNode struct {
	threshold float64
	feature   int32
	next      int32
}

// NTrees returns the number of trees.
func (f *FlatForest) NTrees() int { return len(f.roots) }

// Votes adds one vote per tree for the class its leaf names into votes (len = number of classes). x must
// hold nFeatures+1 values, the last one 0 (Predictor.Proba provides that).
func (f *FlatForest) Votes(x []float64, votes []float64) {
	t := 0
	for ; t+lanes <= len(f.roots); t += lanes {
		for _, i := range f.walkLanes(x, f.roots[t:t+lanes]) {
			votes[int(f.nodes[i].threshold)]++
		}
	}
	for _, root := range f.roots[t:] {
		votes[int(f.nodes[f.walk(x, root)].threshold)]++
	}
}

// Scores adds each tree's leaf value to the raw score of the class it scores. The forest is a boosted model's
// after mergeAlike, which gives each tree its class; x is padded as for Votes.
//
// A boosted model's trees are shallow (the attribution model's have 1 to 3 splits), so each is walked for
// exactly its depth, with no leaf checks, instead of in walkLanes' groups, which check for leaves at every
// step and wait for the deepest of eight: the attribution model's prediction took 2.9-3.4 instead of
// 3.6-3.9 us a row natively, 7.9-8.5 instead of 8.3-9.1 in node's wasm (alternating runs). A deep forest is
// the other way round: the app forest walked so took twice as long as in lanes.
func (f *FlatForest) Scores(x []float64, scores []float64) {
	leaf := int32(f.nFeatures)
	_ = x[leaf]
	depth, scored := f.depth[:len(f.roots)], f.scored[:len(f.roots)]
	nodes, xs := unsafe.Pointer(unsafe.SliceData(f.nodes)), unsafe.Pointer(unsafe.SliceData(x))
	for t, i := range f.roots {
		for d := depth[t]; d > 0; d-- { // a walk that reaches a leaf early steps in place on it
			n := nodeAt(nodes, i)
			i = n.next + goesRight(valueAt(xs, n.feature), n.threshold)
		}
		scores[scored[t]] += f.leafValue[i]
	}
}

// mergeAlike returns boosted forest f, whose tree t scores class t mod k (LightGBM's multiclass layout), with
// the trees of a class that split alike (the same features, thresholds, shape and leaf counts) made one tree, in the
// place of the first, whose leaves hold the sums of theirs, added in f's order.
//
// Boosting with every feature open to every tree picks the same split round after round: the attribution
// model's 500 trees are 31 distinct ones (all 100 trees of two of its classes are one split each), so its
// prediction walks 31 trees instead of 500. A class's score is then a sum of the same leaf values in
// another order; it can differ from leaves' in the last bit (TestFlatBoostedMatchesLeaves: within 1e-15),
// and it is the same on every platform.
func (f *FlatForest) mergeAlike(k int) *FlatForest {
	m := &FlatForest{nClass: f.nClass, nFeatures: f.nFeatures}
	first := map[string]int{} // class and shape → the merged tree
	var key []byte
	for t, root := range f.roots {
		end := int32(len(f.nodes))
		if t+1 < len(f.roots) {
			end = f.roots[t+1] // a tree's nodes lie together, from its root on (place)
		}
		key = binary.LittleEndian.AppendUint32(key[:0], uint32(t%k))
		for i := root; i < end; i++ {
			n := f.nodes[i]
			key = binary.LittleEndian.AppendUint64(key, math.Float64bits(n.threshold))
			key = binary.LittleEndian.AppendUint32(key, uint32(n.feature))
			key = binary.LittleEndian.AppendUint32(key, uint32(n.next-root))
			key = binary.LittleEndian.AppendUint64(key, math.Float64bits(f.weight[i])) // what Explain reads
		}
		if j, ok := first[string(key)]; ok {
			for i, at := root, m.roots[j]; i < end; i, at = i+1, at+1 {
				m.leafValue[at] += f.leafValue[i] // 0 + 0 on splits
			}
			continue
		}
		first[string(key)] = len(m.roots)
		at := int32(len(m.nodes))
		for i := root; i < end; i++ {
			n := f.nodes[i]
			n.next += at - root
			m.nodes = append(m.nodes, n)
		}
		m.leafClass = append(m.leafClass, f.leafClass[root:end]...)
		m.leafValue = append(m.leafValue, f.leafValue[root:end]...)
		m.weight = append(m.weight, f.weight[root:end]...)
		m.roots = append(m.roots, at)
		m.depth = append(m.depth, f.depth[t])
		m.scored = append(m.scored, int32(t%k))
	}
	return m
}

// lanes is how many trees walkLanes walks side by side.
const lanes = 8

// walkLanes walks the trees at roots (lanes of them) side by side and returns the leaves x reaches: eight
// dependent chains of loads overlap instead of waiting on each other. A lane whose walk has ended steps in
// place on its leaf until the longest of the eight is done (about 11% extra steps on the application forest).
//
// The loop reads nodes and x without bounds checks: every node's feature is below nFeatures or is the leaf
// index nFeatures, and every next points into nodes (parseFlatForest checks both, and nothing changes
// nodes afterwards), and x is checked once to hold nFeatures+1 values. The checks cost 8% of the walk
// natively and 23% in the browser's WebAssembly, where the page's speed budget is tightest.
func (f *FlatForest) walkLanes(x []float64, roots []int32) [lanes]int32 {
	leaf := int32(f.nFeatures)
	_ = x[leaf]
	_ = roots[lanes-1]
	nodes, xs := unsafe.Pointer(unsafe.SliceData(f.nodes)), unsafe.Pointer(unsafe.SliceData(x))
	w0, w1, w2, w3, w4, w5, w6, w7 := roots[0], roots[1], roots[2], roots[3], roots[4], roots[5], roots[6], roots[7]
	for {
		n0, n1, n2, n3 := nodeAt(nodes, w0), nodeAt(nodes, w1), nodeAt(nodes, w2), nodeAt(nodes, w3)
		n4, n5, n6, n7 := nodeAt(nodes, w4), nodeAt(nodes, w5), nodeAt(nodes, w6), nodeAt(nodes, w7)
		if n0.feature == leaf && n1.feature == leaf && n2.feature == leaf && n3.feature == leaf &&
			n4.feature == leaf && n5.feature == leaf && n6.feature == leaf && n7.feature == leaf {
			return [lanes]int32{w0, w1, w2, w3, w4, w5, w6, w7}
		}
		w0 = n0.next + goesRight(valueAt(xs, n0.feature), n0.threshold)
		w1 = n1.next + goesRight(valueAt(xs, n1.feature), n1.threshold)
		w2 = n2.next + goesRight(valueAt(xs, n2.feature), n2.threshold)
		w3 = n3.next + goesRight(valueAt(xs, n3.feature), n3.threshold)
		w4 = n4.next + goesRight(valueAt(xs, n4.feature), n4.threshold)
		w5 = n5.next + goesRight(valueAt(xs, n5.feature), n5.threshold)
		w6 = n6.next + goesRight(valueAt(xs, n6.feature), n6.threshold)
		w7 = n7.next + goesRight(valueAt(xs, n7.feature), n7.threshold)
	}
}

// nodeAt is &nodes[i] without a bounds check (walkLanes says why that is safe); a function the compiler
// inlines, where a closure it did not was 5% of classify's time.
func nodeAt(nodes unsafe.Pointer, i int32) *flatNode {
	return (*flatNode)(unsafe.Add(nodes, uintptr(i)*unsafe.Sizeof(flatNode{})))
}

// valueAt is x[j] without a bounds check.
func valueAt(x unsafe.Pointer, j int32) float64 {
	return *(*float64)(unsafe.Add(x, uintptr(j)*8))
}

// walk walks one tree from root and returns the leaf x reaches.
func (f *FlatForest) walk(x []float64, root int32) int32 {
	nodes, leaf := f.nodes, int32(f.nFeatures)
	i := root
	for nodes[i].feature != leaf {
		n := &nodes[i]
		i = n.next + goesRight(x[n.feature], n.threshold)
	}
	return i
}

// goesRight is 1 when x > threshold and 0 otherwise, computed without a branch: which way a random forest's
// split sends a row is a coin toss to the branch predictor, and the mispredictions, not memory, were what a
// walk cost. For finite operands the sign of threshold-x is exactly the comparison (a negative difference
// never rounds to +0, and x == threshold gives +0); thresholds are never -0 (parseFlatForest makes sure).
func goesRight(x, threshold float64) int32 {
	return int32(math.Float64bits(threshold-x) >> 63)
}

// parseFlatForest reads LightGBM text into a FlatForest. With nClass > 0 the leaf values must be class ids
// (a class-per-leaf forest, which Votes walks); with nClass 0 they are kept as values only (for Explain).
//
// It reads the text in one pass, a tree's lines as they come, its numbers straight out of the text: every
// edge request and every page load starts by loading the models, and the general way (a map of each tree's
// lines, strings.Fields, a closure per tree) was over half of that.
func parseFlatForest(text string, nClass, nFeatures int) (*FlatForest, error) {
	f := &FlatForest{nClass: nClass, nFeatures: nFeatures}
	// Size the node arrays once: a tree of n leaves has 2n-1 nodes. Growing them row by row cost more
	// memory than the forest itself, which matters where each request loads the model (the edge).
	total := 0
	for rest := text; ; {
		i := strings.Index(rest, "num_leaves=")
		if i < 0 {
			break
		}
		rest = rest[i+len("num_leaves="):]
		line, _, _ := strings.Cut(rest, "\n")
		// a leaf takes at least two bytes of text: a larger claim is not believed (and would size the arrays)
		if n, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && n > 0 && n <= len(text)/2 {
			total += 2*n - 1
		}
	}
	f.nodes = make([]flatNode, 0, total)
	f.leafClass = make([]int32, 0, total)
	f.leafValue = make([]float64, 0, total)
	f.weight = make([]float64, 0, total)
	var t treeText
	inTree := false
	for rest := text; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "Tree="):
			if err := f.addTree(&t); err != nil {
				return nil, err
			}
			t.reset()
			inTree = true
		case line == "end of trees":
			inTree = false
		case inTree && line != "":
			key, value, _ := strings.Cut(line, "=")
			t.set(key, value)
		}
	}
	if err := f.addTree(&t); err != nil {
		return nil, err
	}
	if len(f.roots) == 0 {
		return nil, fmt.Errorf("no trees")
	}
	return f, nil
}

// treeText is one tree's lines of LightGBM text that the walker reads, with scratch for their numbers.
type treeText struct {
	seen                                                  bool
	feature, threshold, left, right, leafValue, leafCount string

	ints           [3][]int32 // split_feature, left_child, right_child
	values, counts []float64  // leaf values and counts
	thresholds     []float64
}

func (t *treeText) reset() {
	t.seen = false
	t.feature, t.threshold, t.left, t.right, t.leafValue, t.leafCount = "", "", "", "", "", ""
}

func (t *treeText) set(key, value string) {
	t.seen = true
	switch key {
	case "split_feature":
		t.feature = value
	case "threshold":
		t.threshold = value
	case "left_child":
		t.left = value
	case "right_child":
		t.right = value
	case "leaf_value":
		t.leafValue = value
	case "leaf_count":
		t.leafCount = value
	}
}

// nextField returns the first space-separated field of s and what follows it.
func nextField(s string) (field, rest string) {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' {
		j++
	}
	return s[i:j], s[j:]
}

// parseInts appends the integers of a space-separated list to dst: optionally signed, up to nine digits. It
// reads the text a byte at a time without cutting fields first (a function call per number is dear in
// WebAssembly, and a forest has hundreds of thousands of them).
func parseInts(s string, dst []int32) ([]int32, error) {
	for i := 0; ; {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return dst, nil
		}
		start, neg := i, s[i] == '-'
		if neg {
			i++
		}
		v, digits := int32(0), 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			v = v*10 + int32(s[i]-'0')
			digits++
		}
		if digits == 0 || digits > 9 || (i < len(s) && s[i] != ' ') {
			end := i
			for end < len(s) && s[end] != ' ' {
				end++
			}
			return dst, fmt.Errorf("%q is not an integer", s[start:end])
		}
		if neg {
			v = -v
		}
		dst = append(dst, v)
	}
}

// smallInt parses an optionally signed decimal integer of up to nine digits.
func smallInt(s string) (int32, bool) {
	neg := s != "" && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if s == "" || len(s) > 9 {
		return 0, false
	}
	v := int32(0)
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int32(s[i]-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseFloats appends the numbers of a space-separated list to dst.
func parseFloats(s string, dst []float64) ([]float64, error) {
	for {
		var field string
		field, s = nextField(s)
		if field == "" {
			return dst, nil
		}
		v, err := parseNumber(field)
		if err != nil {
			return dst, fmt.Errorf("%q: %w", field, err)
		}
		dst = append(dst, v)
	}
}

// addTree appends the tree t holds, if any.
func (f *FlatForest) addTree(t *treeText) error {
	if !t.seen {
		return nil
	}
	n := len(f.roots)
	var err error
	if t.values, err = parseFloats(t.leafValue, t.values[:0]); err != nil {
		return fmt.Errorf("tree %d: leaf value %w", n, err)
	}
	values := t.values
	if len(values) == 0 {
		return fmt.Errorf("tree %d has no leaves", n)
	}
	if f.nClass > 0 { // a class-per-leaf forest: the values are class ids
		for i, v := range values {
			if v != float64(int32(v)) || v < 0 || int(v) >= f.nClass {
				return fmt.Errorf("tree %d: leaf %d votes for %v, not a class id below %d", n, i, v, f.nClass)
			}
		}
	}
	// leaf counts: training rows per leaf, 1 each when absent or unusable
	counts, err := parseFloats(t.leafCount, t.counts[:0])
	t.counts = counts
	if err != nil || len(counts) != len(values) {
		counts = counts[:0]
		for range values {
			counts = append(counts, 1)
		}
		t.counts = counts
	}
	for i, c := range counts {
		if !(c > 0) {
			counts[i] = 1
		}
	}
	if len(values) == 1 {
		f.roots = append(f.roots, f.addLeaf(f.leafClassOf(values[0]), values[0], counts[0]))
		f.depth = append(f.depth, 0)
		return nil
	}
	for i, list := range [3]string{t.feature, t.left, t.right} {
		if t.ints[i], err = parseInts(list, t.ints[i][:0]); err != nil {
			return fmt.Errorf("tree %d %s: %w", n, [3]string{"split_feature", "left_child", "right_child"}[i], err)
		}
	}
	if t.thresholds, err = parseFloats(t.threshold, t.thresholds[:0]); err != nil {
		return fmt.Errorf("tree %d threshold: %w", n, err)
	}
	feat, left, right, thr := t.ints[0], t.ints[1], t.ints[2], t.thresholds
	splits := len(values) - 1
	if len(feat) != splits || len(thr) != splits || len(left) != splits || len(right) != splits {
		return fmt.Errorf("tree %d: %d leaves but %d/%d/%d/%d split fields", n, len(values), len(feat), len(thr), len(left), len(right))
	}
	for i := 0; i < splits; i++ {
		if feat[i] < 0 || int(feat[i]) >= f.nFeatures {
			return fmt.Errorf("tree %d: split on feature %d of %d", n, feat[i], f.nFeatures)
		}
		for _, c := range [2]int32{left[i], right[i]} {
			if (c < 0 && int(^c) >= len(values)) || (c >= 0 && (int(c) >= splits || int(c) <= i)) {
				// LightGBM numbers a node's children after it; anything else could loop forever
				return fmt.Errorf("tree %d: node %d has an invalid child %d", n, i, c)
			}
		}
	}
	root := f.grow(1)
	f.depth = append(f.depth, f.place(t, 0, root))
	f.roots = append(f.roots, root)
	return nil
}

// place writes LightGBM node c of t (>= 0 internal, < 0 leaf) into slot and its subtree after it, and
// returns the subtree's depth.
func (f *FlatForest) place(t *treeText, c, slot int32) int32 {
	if c < 0 {
		v := t.values[^c]
		f.setLeaf(slot, f.leafClassOf(v), v, t.counts[^c])
		return 0
	}
	kids := f.grow(2)
	f.nodes[slot] = flatNode{threshold: t.thresholds[c] + 0, feature: t.ints[0][c], next: kids} // + 0 turns -0 into +0
	dl := f.place(t, t.ints[1][c], kids)
	dr := f.place(t, t.ints[2][c], kids+1)
	f.weight[slot] = f.weight[kids] + f.weight[kids+1]
	return 1 + max(dl, dr)
}

// leafClassOf is the class a leaf of value v votes for: v in a class-per-leaf forest (checked), 0 otherwise.
func (f *FlatForest) leafClassOf(v float64) int32 {
	if f.nClass > 0 {
		return int32(v)
	}
	return 0
}

// parseNumber is strconv.ParseFloat with a fast path for the short decimals LightGBM text is mostly made of
// (class ids, counts, the trainer's shortest thresholds): loading the models is what every edge request and
// every page load pays first.
func parseNumber(s string) (float64, error) {
	if v, ok := decimal.Parse(s); ok {
		return v, nil
	}
	return strconv.ParseFloat(s, 64)
}

// grow appends n empty nodes and returns the index of the first.
func (f *FlatForest) grow(n int) int32 {
	i := int32(len(f.nodes))
	for range n {
		f.nodes = append(f.nodes, flatNode{})
		f.leafClass = append(f.leafClass, -1)
		f.leafValue = append(f.leafValue, 0)
		f.weight = append(f.weight, 0)
	}
	return i
}

// addLeaf appends a leaf voting for class and returns its index.
func (f *FlatForest) addLeaf(class int32, value, weight float64) int32 {
	i := f.grow(1)
	f.setLeaf(i, class, value, weight)
	return i
}

// setLeaf makes node i a leaf: it reads the extra zero against its class id (0 in a forest of values) and
// steps onto itself.
func (f *FlatForest) setLeaf(i, class int32, value, weight float64) {
	f.nodes[i] = flatNode{threshold: float64(max(class, 0)), feature: int32(f.nFeatures), next: i}
	f.leafClass[i] = class
	f.leafValue[i] = value
	f.weight[i] = weight
}
