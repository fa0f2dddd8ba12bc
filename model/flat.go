package model

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// FlatForest is a class-per-leaf forest laid out for speed: one array of 16-byte nodes, leaves included, a
// node's two children side by side, each tree's nodes together in depth-first order so that a walk touches
// few cache lines. It is built from the same LightGBM text leaves reads and gives the same votes (see the
// parity tests).
type FlatForest struct {
	nodes  []flatNode
	roots  []int32
	nClass int
}

// flatNode is an internal node (feature >= 0: go to next, or next+1 when x[feature] > threshold) or a leaf
// (feature < 0: next is the class it votes for).
type flatNode struct {
	threshold float64
	feature   int32
	next      int32
}

// NTrees returns the number of trees.
func (f *FlatForest) NTrees() int { return len(f.roots) }

// Votes adds one vote per tree for the class its leaf names into votes (len = number of classes).
func (f *FlatForest) Votes(x []float64, votes []float64) {
	nodes, roots := f.nodes, f.roots
	// Walk four trees side by side: their node loads miss the cache independently, so the CPU overlaps them
	// instead of waiting for each in turn. A finished walk parks on its leaf (a leaf steps to itself).
	t := 0
	for ; t+4 <= len(roots); t += 4 {
		a, b, c, d := roots[t], roots[t+1], roots[t+2], roots[t+3]
		for {
			na, nb, nc, nd := &nodes[a], &nodes[b], &nodes[c], &nodes[d]
			if na.feature < 0 && nb.feature < 0 && nc.feature < 0 && nd.feature < 0 {
				votes[na.next]++
				votes[nb.next]++
				votes[nc.next]++
				votes[nd.next]++
				break
			}
			a, b, c, d = step(na, a, x), step(nb, b, x), step(nc, c, x), step(nd, d, x)
		}
	}
	for ; t < len(roots); t++ {
		i := roots[t]
		for nodes[i].feature >= 0 {
			i = step(&nodes[i], i, x)
		}
		votes[nodes[i].next]++
	}
}

// step returns the node after n (at index i) for vector x; a leaf stays where it is.
func step(n *flatNode, i int32, x []float64) int32 {
	if n.feature < 0 {
		return i
	}
	next := n.next
	if x[n.feature] > n.threshold {
		next++
	}
	return next
}

// parseFlatForest reads class-per-leaf LightGBM text into a FlatForest.
func parseFlatForest(text string, nClass, nFeatures int) (*FlatForest, error) {
	f := &FlatForest{nClass: nClass}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	tree := map[string]string{}
	flush := func() error {
		if len(tree) == 0 {
			return nil
		}
		defer clear(tree)
		return f.addTree(tree, nFeatures)
	}
	inTree := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "Tree="):
			if err := flush(); err != nil {
				return nil, err
			}
			inTree = true
		case line == "end of trees":
			inTree = false
		case inTree && line != "":
			k, v, _ := strings.Cut(line, "=")
			tree[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(f.roots) == 0 {
		return nil, fmt.Errorf("no trees")
	}
	return f, nil
}

func (f *FlatForest) addTree(kv map[string]string, nFeatures int) error {
	t := len(f.roots)
	ints := func(key string) ([]int32, error) {
		var out []int32
		for _, s := range strings.Fields(kv[key]) {
			v, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("tree %d %s: %w", t, key, err)
			}
			out = append(out, int32(v))
		}
		return out, nil
	}
	leafVals := strings.Fields(kv["leaf_value"])
	leafClass := make([]int32, len(leafVals))
	for i, s := range leafVals {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v != float64(int32(v)) || v < 0 || int(v) >= f.nClass {
			return fmt.Errorf("tree %d: leaf %d votes for %q, not a class id below %d", t, i, s, f.nClass)
		}
		leafClass[i] = int32(v)
	}
	if len(leafClass) == 0 {
		return fmt.Errorf("tree %d has no leaves", t)
	}
	if len(leafClass) == 1 {
		f.roots = append(f.roots, int32(len(f.nodes)))
		f.nodes = append(f.nodes, flatNode{feature: -1, next: leafClass[0]})
		return nil
	}
	feat, err := ints("split_feature")
	if err != nil {
		return err
	}
	left, err := ints("left_child")
	if err != nil {
		return err
	}
	right, err := ints("right_child")
	if err != nil {
		return err
	}
	var thr []float64
	for _, s := range strings.Fields(kv["threshold"]) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("tree %d threshold: %w", t, err)
		}
		thr = append(thr, v)
	}
	n := len(leafClass) - 1
	if len(feat) != n || len(thr) != n || len(left) != n || len(right) != n {
		return fmt.Errorf("tree %d: %d leaves but %d/%d/%d/%d split fields", t, len(leafClass), len(feat), len(thr), len(left), len(right))
	}
	for i := 0; i < n; i++ {
		if feat[i] < 0 || int(feat[i]) >= nFeatures {
			return fmt.Errorf("tree %d: split on feature %d of %d", t, feat[i], nFeatures)
		}
		for _, c := range [2]int32{left[i], right[i]} {
			if (c < 0 && int(^c) >= len(leafClass)) || (c >= 0 && (int(c) >= n || int(c) <= i)) {
				// LightGBM numbers a node's children after it; anything else could loop forever
				return fmt.Errorf("tree %d: node %d has an invalid child %d", t, i, c)
			}
		}
	}
	root := int32(len(f.nodes))
	f.nodes = append(f.nodes, flatNode{})
	// place writes LightGBM node c (>= 0 internal, < 0 leaf) into slot and its subtree after it.
	var place func(c, slot int32)
	place = func(c, slot int32) {
		if c < 0 {
			f.nodes[slot] = flatNode{feature: -1, next: leafClass[^c]}
			return
		}
		kids := int32(len(f.nodes))
		f.nodes = append(f.nodes, flatNode{}, flatNode{})
		f.nodes[slot] = flatNode{threshold: thr[c], feature: feat[c], next: kids}
		place(left[c], kids)
		place(right[c], kids+1)
	}
	place(0, root)
	f.roots = append(f.roots, root)
	return nil
}
