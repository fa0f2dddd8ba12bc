package boost

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowlens/ntc/model/forest"
)

// Params are the boosting settings.
type Params struct {
	Rounds       int     `json:"rounds"`
	LearningRate float64 `json:"learning_rate"`
	MaxDepth     int     `json:"max_depth"`
	MinLeaf      int     `json:"min_leaf"`         // rows a leaf must keep
	Lambda       float64 `json:"lambda"`           // L2 penalty on leaf values
	FeatureShare float64 `json:"feature_fraction"` // share of features each tree may split on
	Seed         uint64  `json:"seed"`
	Features     []int   `json:"features,omitempty"` // allowed split features; nil = all
	Workers      int     `json:"-"`
}

// DefaultParams are shallow, slow-learning trees: the setting that suits a few rows per class.
func DefaultParams() Params {
	return Params{Rounds: 100, LearningRate: 0.1, MaxDepth: 3, MinLeaf: 2, Lambda: 1, FeatureShare: 0.5, Seed: 1}
}

// Fit boosts a softmax model on rows x with class ids y. Deterministic for p.Seed whatever p.Workers.
func Fit(x [][]float64, y []int, nClasses int, p Params) *Model {
	n, nFeat := len(x), len(x[0])
	cands := p.Features
	if cands == nil {
		cands = make([]int, nFeat)
		for i := range cands {
			cands[i] = i
		}
	}
	// Rows in ascending order of each candidate feature, computed once: a node's best split is then one
	// pass over the presorted rows that belong to it.
	order := make(map[int][]int32, len(cands))
	for _, f := range cands {
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(x[a][f], x[b][f]) })
		order[f] = idx
	}
	m := &Model{NClasses: nClasses, NFeatures: nFeat}
	score := make([][]float64, n)
	for i := range score {
		score[i] = make([]float64, nClasses)
	}
	// Start from the class priors: folded into round 0's leaves, as LightGBM's boost_from_average does.
	prior := make([]float64, nClasses)
	for _, c := range y {
		prior[c]++
	}
	for k := range prior {
		prior[k] = math.Log((prior[k] + 1) / float64(n+nClasses))
		for i := range score {
			score[i][k] = prior[k]
		}
	}
	rng := rand.New(rand.NewPCG(p.Seed, 0xb005))
	k := nClasses
	grad, hess := make([][]float64, k), make([][]float64, k)
	for c := 0; c < k; c++ {
		grad[c], hess[c] = make([]float64, n), make([]float64, n)
	}
	prob := make([]float64, k)
	for r := 0; r < p.Rounds; r++ {
		for i := 0; i < n; i++ {
			copy(prob, score[i])
			softmax(prob)
			for c := 0; c < k; c++ {
				t := 0.0
				if y[i] == c {
					t = 1
				}
				grad[c][i] = prob[c] - t
				hess[c][i] = math.Max(prob[c]*(1-prob[c]), 1e-6)
			}
		}
		// each class's tree sees its own feature sample, drawn in class order so workers can't reorder it
		feats := make([][]int, k)
		for c := range feats {
			feats[c] = sampleFeatures(rng, cands, p.FeatureShare)
		}
		round := make([]forest.Tree, k)
		forest.Parallel(k, p.Workers, func() func(int) {
			return func(c int) {
				g := &grower{x: x, grad: grad[c], hess: hess[c], p: p, order: order, feats: feats[c], in: make([]bool, n)}
				round[c] = g.grow(n)
			}
		})
		if r == 0 {
			for c := range round {
				for i := range round[c].Nodes {
					if round[c].Nodes[i].Feature < 0 {
						round[c].Nodes[i].Value += prior[c]
					}
				}
			}
		}
		for i := 0; i < n; i++ {
			for c := 0; c < k; c++ {
				v := round[c].Leaf(x[i]).Value
				if r == 0 {
					v -= prior[c] // already in the starting score
				}
				score[i][c] += v
			}
		}
		m.Rounds = append(m.Rounds, round)
	}
	return m
}

func sampleFeatures(rng *rand.Rand, cands []int, share float64) []int {
	if share <= 0 || share >= 1 {
		return cands
	}
	s := slices.Clone(cands)
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	s = s[:max(1, int(math.Round(share*float64(len(s)))))]
	slices.Sort(s)
	return s
}

type grower struct {
	x          [][]float64
	grad, hess []float64
	p          Params
	order      map[int][]int32
	feats      []int
	in         []bool
	nodes      []forest.Node
	nLeaves    int
}

func (g *grower) grow(n int) forest.Tree {
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = int32(i)
	}
	g.split(rows, 0)
	return forest.Tree{Nodes: g.nodes, NLeaves: g.nLeaves}
}

func (g *grower) leafValue(G, H float64) float64 {
	return -g.p.LearningRate * G / (H + g.p.Lambda)
}

func (g *grower) split(rows []int32, depth int) int32 {
	id := int32(len(g.nodes))
	g.nodes = append(g.nodes, forest.Node{Feature: -1, Leaf: -1})
	var G, H float64
	for _, r := range rows {
		G += g.grad[r]
		H += g.hess[r]
	}
	leaf := func() int32 {
		g.nodes[id] = forest.Node{Feature: -1, Leaf: int32(g.nLeaves), Value: g.leafValue(G, H), Count: int32(len(rows))}
		g.nLeaves++
		return id
	}
	if depth >= g.p.MaxDepth || len(rows) < 2*g.p.MinLeaf {
		return leaf()
	}
	for _, r := range rows {
		g.in[r] = true
	}
	parent := G * G / (H + g.p.Lambda)
	bestGain, bestFeat, bestThr := 1e-9, -1, 0.0
	for _, f := range g.feats {
		var gl, hl float64
		nl := 0
		prev := int32(-1)
		for _, r := range g.order[f] {
			if !g.in[r] {
				continue
			}
			if prev >= 0 && nl >= g.p.MinLeaf && len(rows)-nl >= g.p.MinLeaf && g.x[r][f] != g.x[prev][f] {
				gr, hr := G-gl, H-hl
				gain := gl*gl/(hl+g.p.Lambda) + gr*gr/(hr+g.p.Lambda) - parent
				if gain > bestGain {
					bestGain, bestFeat, bestThr = gain, f, forest.Midpoint(g.x[prev][f], g.x[r][f])
				}
			}
			gl += g.grad[r]
			hl += g.hess[r]
			nl++
			prev = r
		}
	}
	for _, r := range rows {
		g.in[r] = false
	}
	if bestFeat < 0 {
		return leaf()
	}
	lo, hi := forest.Partition(g.x, rows, bestFeat, bestThr)
	l := g.split(lo, depth+1)
	rt := g.split(hi, depth+1)
	g.nodes[id] = forest.Node{Feature: int32(bestFeat), Threshold: bestThr, Left: l, Right: rt, Leaf: -1}
	return id
}
