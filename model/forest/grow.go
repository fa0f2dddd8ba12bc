package forest

import (
	"cmp"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
)

// Criterion is the impurity a split minimises.
type Criterion uint8

// The impurities a tree can be grown on.
const (
	Gini Criterion = iota
	Entropy
)

// Params are a forest's training settings. The zero value is not useful; start from DefaultParams.
type Params struct {
	Trees       int       `json:"trees"`
	MaxFeatures int       `json:"max_features"` // features tried per split; 0 = sqrt of the candidates
	MinLeaf     int       `json:"min_leaf"`     // rows a leaf must keep
	MaxDepth    int       `json:"max_depth"`    // 0 = grow until pure
	Criterion   Criterion `json:"criterion"`
	Bootstrap   bool      `json:"bootstrap"`   // resample rows per tree (class-balanced)
	ExtraTrees  bool      `json:"extra_trees"` // one random threshold per tried feature
	Vote        Vote      `json:"vote"`
	Seed        uint64    `json:"seed"`
	// Features restricts splits to these feature indexes; nil means every feature. Trees still read full
	// vectors, so a model trained on a selection keeps the bundle's feature list.
	Features []int `json:"features,omitempty"`
	Workers  int   `json:"-"` // goroutines; 0 = GOMAXPROCS
}

// DefaultParams are the settings the trainer starts from.
func DefaultParams() Params {
	return Params{Trees: 300, MinLeaf: 1, Criterion: Entropy, Vote: HardVote, Seed: 1}
}

// Fit grows a forest on rows x (each of the same length) with class ids y in [0, nClasses). The result
// depends only on the inputs and p.Seed, not on p.Workers.
func Fit(x [][]float64, y []int, nClasses int, p Params) *Forest {
	nFeat := len(x[0])
	cands := p.Features
	if cands == nil {
		cands = make([]int, nFeat)
		for i := range cands {
			cands[i] = i
		}
	}
	mtry := p.MaxFeatures
	if mtry <= 0 {
		mtry = int(math.Round(math.Sqrt(float64(len(cands)))))
	}
	mtry = min(max(mtry, 1), len(cands))
	f := &Forest{Trees: make([]Tree, p.Trees), NClasses: nClasses, NFeatures: nFeat, Vote: p.Vote}
	importance := make([][]float64, p.Trees)
	Parallel(p.Trees, p.Workers, func() func(int) {
		g := newGrower(x, y, nClasses, p, cands, mtry)
		return func(t int) {
			g.rng = rand.New(rand.NewPCG(p.Seed, uint64(t)*0x9E3779B97F4A7C15+1))
			f.Trees[t], importance[t] = g.grow()
		}
	})
	f.Importance = make([]float64, nFeat)
	var total float64
	for _, imp := range importance {
		for j, v := range imp {
			f.Importance[j] += v
			total += v
		}
	}
	if total > 0 {
		for j := range f.Importance {
			f.Importance[j] /= total
		}
	}
	return f
}

// grower holds one worker's scratch space; it grows one tree at a time.
type grower struct {
	x          [][]float64
	y          []int
	k          int
	p          Params
	cands      []int
	mtry       int
	rng        *rand.Rand
	xlogx      []float64 // c*ln(c) for the entropy criterion
	left       []float64
	right      []float64
	pairs      []valueClass
	featOrder  []int
	importance []float64
	nodes      []Node
	nLeaves    int
}

type valueClass struct {
	v float64
	c int
}

func newGrower(x [][]float64, y []int, k int, p Params, cands []int, mtry int) *grower {
	g := &grower{x: x, y: y, k: k, p: p, cands: cands, mtry: mtry,
		left: make([]float64, k), right: make([]float64, k), featOrder: slices.Clone(cands)}
	n := len(y) + k // a class-balanced bootstrap can draw up to k-1 rows more than len(y)
	g.xlogx = make([]float64, n+1)
	for c := 1; c <= n; c++ {
		g.xlogx[c] = float64(c) * math.Log(float64(c))
	}
	return g
}

func (g *grower) grow() (Tree, []float64) {
	g.nodes = nil
	g.nLeaves = 0
	g.importance = make([]float64, len(g.x[0]))
	copy(g.featOrder, g.cands) // shuffles below start from the same order in every tree: results can't depend on scheduling
	rows := g.sampleRows()
	g.split(rows, 0)
	return Tree{Nodes: g.nodes, NLeaves: g.nLeaves}, g.importance
}

// sampleRows draws the rows a tree is grown on: all of them, or a class-balanced bootstrap that draws the
// same number of rows from every class so that no application outvotes another.
func (g *grower) sampleRows() []int {
	n := len(g.y)
	if !g.p.Bootstrap {
		rows := make([]int, n)
		for i := range rows {
			rows[i] = i
		}
		return rows
	}
	byClass := make([][]int, g.k)
	for i, c := range g.y {
		byClass[c] = append(byClass[c], i)
	}
	per := (n + g.k - 1) / g.k
	rows := make([]int, 0, per*g.k)
	for _, members := range byClass {
		if len(members) == 0 {
			continue
		}
		for j := 0; j < per; j++ {
			rows = append(rows, members[g.rng.IntN(len(members))])
		}
	}
	return rows
}

// split grows the subtree over rows and returns its node index.
func (g *grower) split(rows []int, depth int) int32 {
	id := int32(len(g.nodes))
	g.nodes = append(g.nodes, Node{Feature: -1, Leaf: -1})
	counts := make([]float64, g.k)
	for _, r := range rows {
		counts[g.y[r]]++
	}
	pure := slices.Max(counts) == float64(len(rows))
	if pure || len(rows) < 2*g.p.MinLeaf || (g.p.MaxDepth > 0 && depth >= g.p.MaxDepth) {
		g.makeLeaf(id, counts, len(rows))
		return id
	}
	feat, thr, gain := g.bestSplit(rows, counts)
	if feat < 0 {
		g.makeLeaf(id, counts, len(rows))
		return id
	}
	g.importance[feat] += gain
	lo, hi := Partition(g.x, rows, feat, thr)
	l := g.split(lo, depth+1)
	r := g.split(hi, depth+1)
	g.nodes[id] = Node{Feature: int32(feat), Threshold: thr, Left: l, Right: r, Leaf: -1}
	return id
}

func (g *grower) makeLeaf(id int32, counts []float64, n int) {
	dist := make([]float64, g.k)
	best := 0
	for c, v := range counts {
		dist[c] = v / float64(n)
		if v > counts[best] {
			best = c
		}
	}
	g.nodes[id] = Node{Feature: -1, Leaf: int32(g.nLeaves), Dist: dist, Class: int32(best), Count: int32(n)}
	g.nLeaves++
}

// bestSplit tries mtry random candidate features (more while none of them can split, as scikit-learn does)
// and returns the best feature, threshold and weighted impurity decrease, or feature -1.
func (g *grower) bestSplit(rows []int, counts []float64) (int, float64, float64) {
	n := float64(len(rows))
	parent := g.score(counts, n)
	bestFeat, bestThr, bestScore := -1, 0.0, math.Inf(-1)
	order := g.featOrder
	tried := 0
	for i := 0; i < len(order); i++ {
		j := i + g.rng.IntN(len(order)-i)
		order[i], order[j] = order[j], order[i]
		feat := order[i]
		score, thr, ok := g.evalFeature(rows, counts, feat)
		if !ok {
			continue
		}
		tried++
		if score > bestScore {
			bestFeat, bestThr, bestScore = feat, thr, score
		}
		if tried >= g.mtry {
			break
		}
	}
	if bestFeat < 0 {
		return -1, 0, 0
	}
	return bestFeat, bestThr, math.Max(bestScore-parent, 0)
}

// score is the negated impurity of a node with these class counts times its size: higher is purer. Summed
// over two children it is what a split maximises.
func (g *grower) score(counts []float64, n float64) float64 {
	if n == 0 {
		return 0
	}
	if g.p.Criterion == Entropy {
		var s float64
		for _, c := range counts {
			s += g.xlogx[int(c)]
		}
		return s - g.xlogx[int(n)]
	}
	var sq float64
	for _, c := range counts {
		sq += c * c
	}
	return sq/n - n
}

// evalFeature finds the best threshold of one feature over rows. ok is false when the feature is constant
// there or no threshold leaves MinLeaf rows on both sides.
func (g *grower) evalFeature(rows []int, counts []float64, feat int) (score, thr float64, ok bool) {
	pairs := g.pairs[:0]
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rows {
		v := g.x[r][feat]
		pairs = append(pairs, valueClass{v, g.y[r]})
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	g.pairs = pairs
	if lo == hi {
		return 0, 0, false
	}
	if g.p.ExtraTrees {
		return g.evalRandomThreshold(pairs, lo, hi)
	}
	slices.SortFunc(pairs, func(a, b valueClass) int { return cmp.Compare(a.v, b.v) })
	left, right := g.left, g.right
	clear(left)
	copy(right, counts)
	n := float64(len(pairs))
	minLeaf := g.p.MinLeaf
	best := math.Inf(-1)
	for i := 0; i < len(pairs)-1; i++ {
		c := pairs[i].c
		left[c]++
		right[c]--
		if pairs[i].v == pairs[i+1].v || i+1 < minLeaf || len(pairs)-i-1 < minLeaf {
			continue
		}
		nl := float64(i + 1)
		s := g.score(left, nl) + g.score(right, n-nl)
		if s > best {
			best, thr, ok = s, Midpoint(pairs[i].v, pairs[i+1].v), true
		}
	}
	return best, thr, ok
}

// evalRandomThreshold scores one uniformly drawn threshold in [lo, hi), the extremely randomized trees split.
func (g *grower) evalRandomThreshold(pairs []valueClass, lo, hi float64) (float64, float64, bool) {
	thr := shortThreshold(lo+g.rng.Float64()*(hi-lo), lo, hi)
	left, right := g.left, g.right
	clear(left)
	clear(right)
	nl := 0
	for _, p := range pairs {
		if p.v <= thr {
			left[p.c]++
			nl++
		} else {
			right[p.c]++
		}
	}
	if nl < g.p.MinLeaf || len(pairs)-nl < g.p.MinLeaf {
		return 0, 0, false
	}
	return g.score(left, float64(nl)) + g.score(right, float64(len(pairs)-nl)), thr, true
}

// Midpoint returns a threshold between two neighbouring training values a < b, in the middle half of the gap
// so that unseen values between them are split as fairly as a true midpoint would, written with as few
// digits as that allows.
func Midpoint(a, b float64) float64 {
	q := (b - a) / 4
	t := shortThreshold(a+(b-a)/2, a+q, b-q)
	if t >= b {
		// a and b are a few ulps apart, so b-q rounded back to b: a threshold of b would send every row left.
		return a
	}
	return t
}

// shortThreshold returns the decimal with the fewest significant digits near t that still lies in [lo, hi],
// or lo when t's neighbourhood is too narrow for any.
// A short decimal keeps the model file small, and since it prints and parses back exactly, every model format
// compares vectors against the very same number.
func shortThreshold(t, lo, hi float64) float64 {
	for prec := 1; prec <= 17; prec++ {
		d, err := strconv.ParseFloat(strconv.FormatFloat(t, 'g', prec, 64), 64)
		if err == nil && lo <= d && d <= hi {
			return d
		}
	}
	return lo
}

// Partition splits rows into those a split on feature feat at thr sends left (x <= thr) and right, keeping
// their order.
func Partition[R int | int32](x [][]float64, rows []R, feat int, thr float64) (lo, hi []R) {
	for _, r := range rows {
		if x[r][feat] <= thr {
			lo = append(lo, r)
		} else {
			hi = append(hi, r)
		}
	}
	return lo, hi
}

// Parallel calls do(i) for every i in [0, n) on workers goroutines (0 = GOMAXPROCS). Each goroutine gets its
// do from newWorker, so it can own scratch space; the trainers keep results independent of scheduling by
// seeding and storing per i.
func Parallel(n, workers int, newWorker func() func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do := newWorker()
			for i := range next {
				do(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
