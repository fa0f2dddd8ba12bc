// Package forest is the trainer's tree ensemble: random forests and extremely randomized trees grown for
// classification, held in memory as plain node arrays. The model package writes a Forest out in LightGBM text
// format and predicts from that; this package is what produces it and what the trainer evaluates with.
package forest

// Node is one node of a Tree. An internal node sends a vector left when vector[Feature] <= Threshold, as
// LightGBM does. A leaf has Feature < 0 and holds its class distribution.
type Node struct {
	Feature   int32
	Threshold float64
	Left      int32
	Right     int32
	Leaf      int32     // index of this leaf among the tree's leaves, in node order; -1 for internal nodes
	Dist      []float64 // leaf only: class shares of the training rows that reached it, summing to 1
	Class     int32     // leaf only: the majority class (lowest index on ties)
	Count     int32     // leaf only: training rows that reached it
	Value     float64   // leaf only, boosted trees (package boost): the raw score the leaf adds
}

// Tree is a decision tree; its root is Nodes[0].
type Tree struct {
	Nodes   []Node
	NLeaves int
}

// Vote selects how a Forest combines its trees.
type Vote uint8

const (
	// HardVote counts each tree's majority class: probabilities are vote shares. A leaf then needs only a
	// class id, which keeps a 128-class forest small.
	HardVote Vote = iota
	// SoftVote averages the leaves' class distributions, as a LightGBM random forest does.
	SoftVote
)

// Forest is an ensemble of classification trees over a fixed feature vector.
type Forest struct {
	Trees      []Tree
	NClasses   int
	NFeatures  int
	Vote       Vote
	Importance []float64 // total impurity decrease per feature, normalised to sum 1
}

// Leaf returns the leaf a vector reaches in t.
func (t *Tree) Leaf(x []float64) *Node {
	n := &t.Nodes[0]
	for n.Feature >= 0 {
		if x[n.Feature] <= n.Threshold {
			n = &t.Nodes[n.Left]
		} else {
			n = &t.Nodes[n.Right]
		}
	}
	return n
}

// PredictProba writes the class probabilities for x into out (len NClasses) and returns it.
func (f *Forest) PredictProba(x []float64, out []float64) []float64 {
	if cap(out) < f.NClasses {
		out = make([]float64, f.NClasses)
	}
	out = out[:f.NClasses]
	clear(out)
	for i := range f.Trees {
		leaf := f.Trees[i].Leaf(x)
		if f.Vote == HardVote {
			out[leaf.Class]++
			continue
		}
		for c, p := range leaf.Dist {
			out[c] += p
		}
	}
	inv := 1 / float64(len(f.Trees))
	for c := range out {
		out[c] *= inv
	}
	return out
}

// NNodes returns the total node count, leaves included.
func (f *Forest) NNodes() int {
	n := 0
	for i := range f.Trees {
		n += len(f.Trees[i].Nodes)
	}
	return n
}
