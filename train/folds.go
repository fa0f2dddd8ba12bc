package train

import (
	"math/rand/v2"
	"slices"
)

// StratifiedFolds splits rows into k folds with each class spread as evenly as possible, shuffled by seed.
// It returns the fold of every row.
func StratifiedFolds(y []int, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0x5f0d5))
	fold := make([]int, len(y))
	byClass := map[int][]int{}
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
	}
	classes := make([]int, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	// Deal each class's rows round-robin, continuing where the previous class stopped, so folds stay the
	// same size when classes are smaller than k.
	next := 0
	for _, c := range classes {
		rows := byClass[c]
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, r := range rows {
			fold[r] = next % k
			next++
		}
	}
	return fold
}

// GroupedFolds splits rows into k folds so that all rows of a group land in one fold: the "new network" split,
// where a test flow's IP pair was never seen in training. Groups are shuffled by seed and dealt to the fold
// with the fewest rows so far.
func GroupedFolds(groups []string, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 0x9a0f))
	members := map[string][]int{}
	var names []string
	for i, g := range groups {
		if _, ok := members[g]; !ok {
			names = append(names, g)
		}
		members[g] = append(members[g], i)
	}
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	// Larger groups first (stable, so the shuffle breaks ties), each to the smallest fold.
	slices.SortStableFunc(names, func(a, b string) int { return len(members[b]) - len(members[a]) })
	size := make([]int, k)
	fold := make([]int, len(groups))
	for _, g := range names {
		f := 0
		for j := range size {
			if size[j] < size[f] {
				f = j
			}
		}
		for _, r := range members[g] {
			fold[r] = f
		}
		size[f] += len(members[g])
	}
	return fold
}
