package model

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/flowlens/ntc/model/boost"
	"github.com/flowlens/ntc/model/forest"
)

// The ways a bundle's LightGBM text encodes an ensemble.
const (
	// EncodingMulticlass is LightGBM's own random-forest layout: K trees per round (one per class, same
	// splits), each leaf holding that class's share, averaged over rounds. Fine for 5 classes; for 128 it is
	// 128 times the trees (see the README's figures).
	EncodingMulticlass = "lightgbm-rf-multiclass"
	// EncodingClassPerLeaf is one tree per round whose leaf value is the class id that leaf votes for. leaves
	// walks the trees and returns leaf indexes; the bundle maps them to classes and counts votes.
	EncodingClassPerLeaf = "lightgbm-rf-class-per-leaf"
	// EncodingSoftmax is gradient boosting in LightGBM's own multiclass layout: K trees a round whose leaf
	// values add up to raw class scores, turned into probabilities by softmax (leaves applies it).
	EncodingSoftmax = "lightgbm-gbdt-multiclass"
)

// WriteLightGBM renders f in LightGBM's text model format (version v3, average_output) with the given encoding.
func WriteLightGBM(f *forest.Forest, featureNames []string, encoding string) ([]byte, error) {
	perRound := 1
	switch encoding {
	case EncodingMulticlass:
		perRound = f.NClasses
	case EncodingClassPerLeaf:
		if f.Vote != forest.HardVote {
			return nil, fmt.Errorf("encoding %s needs a hard-vote forest", encoding)
		}
	default:
		return nil, fmt.Errorf("unknown encoding %q", encoding)
	}
	if len(featureNames) != f.NFeatures {
		return nil, fmt.Errorf("forest has %d features, %d names given", f.NFeatures, len(featureNames))
	}
	var trees [][]byte
	for t := range f.Trees {
		for k := 0; k < perRound; k++ {
			trees = append(trees, treeBlock(len(trees), &f.Trees[t], func(leaf *forest.Node) float64 {
				if encoding == EncodingClassPerLeaf {
					return float64(leaf.Class)
				}
				return leaf.Dist[k]
			}))
		}
	}
	objective := "regression"
	if encoding == EncodingMulticlass {
		objective = fmt.Sprintf("multiclass num_class:%d", perRound)
	}
	return modelText(trees, perRound, featureNames, objective, true), nil
}

// WriteLightGBMBoosted renders a boosted model in LightGBM's multiclass text layout (EncodingSoftmax).
func WriteLightGBMBoosted(m *boost.Model, featureNames []string) ([]byte, error) {
	if len(featureNames) != m.NFeatures {
		return nil, fmt.Errorf("model has %d features, %d names given", m.NFeatures, len(featureNames))
	}
	var trees [][]byte
	for _, round := range m.Rounds {
		for k := range round {
			trees = append(trees, treeBlock(len(trees), &round[k], func(leaf *forest.Node) float64 { return leaf.Value }))
		}
	}
	return modelText(trees, m.NClasses, featureNames, fmt.Sprintf("multiclass num_class:%d", m.NClasses), false), nil
}

func treeBlock(index int, t *forest.Tree, leafValue func(*forest.Node) float64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Tree=%d\n", index)
	writeTree(&b, t, leafValue)
	b.WriteString("\n\n")
	return b.Bytes()
}

// modelText puts the header (version v3) in front of the tree blocks.
func modelText(trees [][]byte, perRound int, featureNames []string, objective string, average bool) []byte {
	var out bytes.Buffer
	out.WriteString("tree\nversion=v3\n")
	fmt.Fprintf(&out, "num_class=%d\nnum_tree_per_iteration=%d\nlabel_index=0\nmax_feature_idx=%d\n",
		perRound, perRound, len(featureNames)-1)
	out.WriteString("objective=" + objective + "\n")
	if average {
		out.WriteString("average_output\n")
	}
	out.WriteString("feature_names=" + strings.Join(featureNames, " ") + "\n")
	sizes := make([]string, len(trees))
	for i, t := range trees {
		sizes[i] = strconv.Itoa(len(t))
	}
	out.WriteString("tree_sizes=" + strings.Join(sizes, " ") + "\n\n")
	for _, t := range trees {
		out.Write(t)
	}
	out.WriteString("end of trees\n")
	return out.Bytes()
}

// writeTree writes one tree block. LightGBM numbers internal nodes and leaves separately, both in the order a
// depth-first walk meets them (the forest's node order); a child reference to leaf i is written as ^i.
func writeTree(b *bytes.Buffer, t *forest.Tree, leafValue func(*forest.Node) float64) {
	internal := make([]int32, len(t.Nodes))
	var nInternal int32
	for i, n := range t.Nodes {
		if n.Feature >= 0 {
			internal[i] = nInternal
			nInternal++
		}
	}
	ref := func(child int32) string {
		if n := &t.Nodes[child]; n.Feature < 0 {
			return strconv.Itoa(int(^n.Leaf))
		}
		return strconv.Itoa(int(internal[child]))
	}
	leaves := make([]string, t.NLeaves)
	counts := make([]string, t.NLeaves)
	var feat, thr, dec, left, right []string
	for i := range t.Nodes {
		n := &t.Nodes[i]
		if n.Feature < 0 {
			leaves[n.Leaf] = strconv.FormatFloat(leafValue(n), 'g', -1, 64)
			counts[n.Leaf] = strconv.Itoa(int(n.Count))
			continue
		}
		feat = append(feat, strconv.Itoa(int(n.Feature)))
		thr = append(thr, strconv.FormatFloat(n.Threshold, 'g', -1, 64))
		dec = append(dec, "2") // numerical, default left, no missing-value handling
		left = append(left, ref(n.Left))
		right = append(right, ref(n.Right))
	}
	fmt.Fprintf(b, "num_leaves=%d\nnum_cat=0\n", t.NLeaves)
	if nInternal > 0 {
		b.WriteString("split_feature=" + strings.Join(feat, " ") + "\n")
		b.WriteString("threshold=" + strings.Join(thr, " ") + "\n")
		b.WriteString("decision_type=" + strings.Join(dec, " ") + "\n")
		b.WriteString("left_child=" + strings.Join(left, " ") + "\n")
		b.WriteString("right_child=" + strings.Join(right, " ") + "\n")
	}
	b.WriteString("leaf_value=" + strings.Join(leaves, " ") + "\n")
	b.WriteString("leaf_count=" + strings.Join(counts, " ") + "\n")
	b.WriteString("shrinkage=1")
}

// readLeafValues returns every tree's leaf values from LightGBM text, in tree order: what leaves does not
// expose and the class-per-leaf encoding needs.
func readLeafValues(text string) ([][]float64, error) {
	var out [][]float64
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "leaf_value=")
		if !ok {
			continue
		}
		fields := strings.Fields(line)
		vals := make([]float64, len(fields))
		for i, s := range fields {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("tree %d: leaf value %q: %w", len(out), s, err)
			}
			vals[i] = v
		}
		out = append(out, vals)
	}
	return out, sc.Err()
}
