package model

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/xmath"
)

// TokenTable is a forest bundle's second view: a naive Bayes over the flow's exact wire sizes
// (features.SizeTokens) that counts only the tokens a flow has. Class c scores Σ log((n_ct + α) / (n_c + 2α))
// over the flow's tokens seen in training, stored sparsely: Base[c] = log(α / (n_c + 2α)) is what every
// matched token adds to c, a token's gains what it adds on top to the classes that hold it. With IDF, a token's
// gains are scaled by log(K / k_t) / log K, k_t the classes holding it of K: a size every other site shares
// (a bare TLS alert, a common HTTP/2 settings frame) says little about which site it is. The forest's vote
// shares and the scores combine as q_c ∝ (share_c + Floor) · exp(Weight · score_c).
type TokenTable struct {
	Alpha  float64   `json:"alpha"`
	Weight float64   `json:"weight"`
	Floor  float64   `json:"floor"`
	IDF    bool      `json:"idf,omitempty"` // gains were scaled by the token's inverse class frequency (already in them)
	Base   []float64 `json:"base"`
	// Weights are the table's distinct gains, ascending, and Gains its tokens, ascending, one string each:
	// "token class:i class:i …", i indexing Weights. Gains take a few hundred values (a function of a class's
	// count of the token and of how many classes hold it), so this is a sixth of the size of an object per
	// entry, and reading it is a fraction of the time encoding/json took over those objects on every load.
	Weights []float64 `json:"weights"`
	Gains   []string  `json:"gains"`
	// LegacyGain is ntc-bundle/1's form of the gains (token → entries), read for old bundles and never written.
	LegacyGain map[string][]TokenGain `json:"gain,omitempty"`

	gain map[uint64][]TokenGain // by token: what Gains say, parsed (by Prepare) or built (by NewTokenTable)
}

// TokenGain is one class's entry of a token.
type TokenGain struct {
	Class  int32   `json:"c"`
	Weight float64 `json:"w"`
}

// NewTokenTable builds a table from training tokens per row, one set per row, and class ids.
func NewTokenTable(tokens [][]uint64, y []int, nClasses int, alpha, weight, floor float64, idf bool) *TokenTable {
	t := &TokenTable{Alpha: alpha, Weight: weight, Floor: floor, IDF: idf, Base: make([]float64, nClasses),
		gain: map[uint64][]TokenGain{}}
	classN := make([]float64, nClasses)
	counts := map[uint64][]float64{}
	for i, toks := range tokens {
		classN[y[i]]++
		for _, tok := range toks {
			c := counts[tok]
			if c == nil {
				c = make([]float64, nClasses)
				counts[tok] = c
			}
			c[y[i]]++
		}
	}
	for tok, c := range counts {
		scale := 1.0
		if idf && nClasses > 1 {
			held := 0
			for _, n := range c {
				if n > 0 {
					held++
				}
			}
			scale = math.Log(float64(nClasses)/float64(held)) / math.Log(float64(nClasses))
		}
		var g []TokenGain
		for k, n := range c {
			if n > 0 {
				g = append(g, TokenGain{int32(k), scale * math.Log((n+alpha)/alpha)})
			}
		}
		t.gain[tok] = g
	}
	lowest := 0.0
	for k, n := range classN {
		t.Base[k] = math.Log(alpha / (n + 2*alpha))
		if n > 0 {
			lowest = min(lowest, t.Base[k])
		}
	}
	// A class without training rows (in the open-set check, or a CV fold) would score log(1/2) on every
	// token, far above any class that has rows but not the token, and take the probability the forest gives
	// it none of: it scores as a class that holds none of the flow's tokens instead.
	for k, n := range classN {
		if n == 0 {
			t.Base[k] = lowest
		}
	}
	t.encodeGains()
	return t
}

// encodeGains writes gain as Weights and Gains.
func (t *TokenTable) encodeGains() {
	t.Weights, t.Gains = nil, nil
	for _, g := range t.gain {
		for _, e := range g {
			t.Weights = append(t.Weights, e.Weight)
		}
	}
	slices.Sort(t.Weights)
	t.Weights = slices.Compact(t.Weights)
	for _, tok := range slices.Sorted(maps.Keys(t.gain)) {
		line := strconv.AppendUint(nil, tok, 10)
		for _, e := range t.gain[tok] {
			i, _ := slices.BinarySearch(t.Weights, e.Weight)
			line = append(strconv.AppendInt(append(line, ' '), int64(e.Class), 10), ':')
			line = strconv.AppendInt(line, int64(i), 10)
		}
		t.Gains = append(t.Gains, string(line))
	}
}

// Prepare parses Gains (or an ntc-bundle/1 table's LegacyGain, which it then rewrites as Weights and Gains)
// and checks classes against nClasses: ReadBundle calls it for a bundle read from JSON (a table built by
// NewTokenTable is ready as it is).
func (t *TokenTable) Prepare(nClasses int) error {
	if len(t.Base) != nClasses {
		return fmt.Errorf("token table has %d classes, bundle %d", len(t.Base), nClasses)
	}
	t.gain = make(map[uint64][]TokenGain, max(len(t.Gains), len(t.LegacyGain)))
	checkClass := func(tok string, c int32) error {
		if c < 0 || int(c) >= nClasses {
			return fmt.Errorf("token table: token %s names class %d of %d", tok, c, nClasses)
		}
		return nil
	}
	if t.LegacyGain != nil {
		for s, g := range t.LegacyGain {
			tok, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return fmt.Errorf("token table: token %q: %v", s, err)
			}
			if len(g) == 0 {
				return fmt.Errorf("token table: token %s has no entries", s)
			}
			for _, e := range g {
				if err := checkClass(s, e.Class); err != nil {
					return err
				}
			}
			t.gain[tok] = g
		}
		t.LegacyGain = nil
		t.encodeGains()
		return nil
	}
	entries := make([]TokenGain, 0, len(t.Gains)*3)
	for _, line := range t.Gains {
		field, rest := nextField(line)
		tok, err := strconv.ParseUint(field, 10, 64)
		if err != nil {
			return fmt.Errorf("token table: token %q: %v", field, err)
		}
		if _, dup := t.gain[tok]; dup {
			return fmt.Errorf("token table: token %s is listed twice", field)
		}
		tokText, start := field, len(entries)
		for {
			field, rest = nextField(rest)
			if field == "" {
				break
			}
			cs, is, ok := strings.Cut(field, ":")
			c, okC := smallInt(cs)
			i, okI := smallInt(is)
			if !ok || !okC || !okI || i < 0 || int(i) >= len(t.Weights) {
				return fmt.Errorf("token table: token %d: entry %q is not class:weight index (of %d weights)", tok, field, len(t.Weights))
			}
			if err := checkClass(tokText, c); err != nil {
				return err
			}
			entries = append(entries, TokenGain{Class: c, Weight: t.Weights[i]})
		}
		if len(entries) == start {
			return fmt.Errorf("token table: token %d has no entries", tok)
		}
		t.gain[tok] = entries[start:len(entries):len(entries)]
	}
	return nil
}

// Scores writes x's per-class token scores into out (len(Base)), using toks as scratch, and returns both.
func (t *TokenTable) Scores(x []float64, out []float64, toks []uint64) ([]float64, []uint64) {
	out = out[:len(t.Base)]
	clear(out)
	toks = features.SizeTokens(x, toks)
	matched := 0.0
	for _, tok := range toks {
		g, ok := t.gain[tok]
		if !ok {
			continue
		}
		matched++
		for _, e := range g {
			out[e.Class] += e.Weight
		}
	}
	for k, b := range t.Base {
		out[k] += matched * b
	}
	return out, toks
}

// Combine turns vote shares into the combined probabilities, in place, given the token scores:
// (share_c + Floor) · exp(Weight · (score_c − min score)), normalised. Classes without matching tokens share
// the lowest score, so a row needs an exponential only for the few classes its tokens name.
func (t *TokenTable) Combine(share, scores []float64) []float64 {
	exp := memo{f: func(v float64) float64 { return xmath.Exp(t.Weight * v) }}
	low := slices.Min(scores)
	exp.prime(0)
	var z float64
	for k := range share {
		share[k] = (share[k] + t.Floor) * exp.get(scores[k]-low)
		z += share[k]
	}
	for k := range share {
		share[k] /= z
	}
	return share
}

// calibratedFactors precomputes, for a calibration of power a and smoothing 0, each entry's
// exp(a·Weight·gain), the factor by which a matched token multiplies its classes' calibrated probability, in
// an open-addressing index by token, and exp(a·Weight·m·Base_c) for every count m of matched tokens up to
// maxMatched (classes with as many training rows share one Base, so there are few distinct ones).
func (t *TokenTable) calibratedFactors(power float64) *tokenFactors {
	tf := &tokenFactors{power: power, weight: t.Weight, baseOf: make([]int32, len(t.Base))}
	slots := 1
	for slots < 2*len(t.gain) {
		slots *= 2
	}
	tf.slots = make([]tokenSlot, slots)
	tf.shift = uint(64 - bits.TrailingZeros(uint(slots)))
	toks := slices.Sorted(maps.Keys(t.gain)) // a layout independent of map order
	for _, tok := range toks {
		g := t.gain[tok]
		i := tf.slot(tok)
		for tf.slots[i].n != 0 {
			i = (i + 1) & (len(tf.slots) - 1)
		}
		tf.slots[i] = tokenSlot{key: tok, start: uint32(len(tf.factors)), n: uint32(len(g))}
		for _, e := range g {
			tf.factors = append(tf.factors, tokenFactor{class: e.Class, f: xmath.Exp(power * t.Weight * e.Weight)})
		}
	}
	for k, b := range t.Base {
		i := slices.Index(tf.bases, b)
		if i < 0 {
			i = len(tf.bases)
			tf.bases = append(tf.bases, b)
		}
		tf.baseOf[k] = int32(i)
	}
	for m := range maxMatched + 1 {
		tf.baseExp = append(tf.baseExp, tf.baseFactors(float64(m), nil))
	}
	return tf
}

// maxMatched is the largest count of matched tokens whose base factors are precomputed; a row matching more
// (none of the competition files' rows does) computes its own.
const maxMatched = 64

// tokenFactors are a token table's gains as factors of probabilities calibrated with power.
type tokenFactors struct {
	power, weight float64
	slots         []tokenSlot // open addressing by token, linear probing; n == 0 is an empty slot
	shift         uint        // a token's home slot is its Fibonacci hash's top bits
	factors       []tokenFactor
	bases         []float64   // the distinct values of the table's Base
	baseOf        []int32     // class → its Base's index in bases
	baseExp       [][]float64 // [m][i]: baseFactors(m)
}

// tokenSlot is a token's run of entries in factors.
type tokenSlot struct {
	key      uint64
	start, n uint32
}

// tokenFactor is a token entry's gain as a factor of the calibrated probability.
type tokenFactor struct {
	class int32
	f     float64
}

func (tf *tokenFactors) slot(tok uint64) int {
	return int((tok * 0x9E3779B97F4A7C15) >> tf.shift)
}

// lookup returns tok's factors, none when the table does not hold it.
func (tf *tokenFactors) lookup(tok uint64) []tokenFactor {
	for i := tf.slot(tok); ; i = (i + 1) & (len(tf.slots) - 1) {
		s := &tf.slots[i]
		if s.n == 0 {
			return nil
		}
		if s.key == tok {
			return tf.factors[s.start : s.start+s.n]
		}
	}
}

// baseFactors appends exp(a·Weight·matched·b) for each distinct Base b to dst.
func (tf *tokenFactors) baseFactors(matched float64, dst []float64) []float64 {
	for _, b := range tf.bases {
		dst = append(dst, xmath.Exp(tf.power*tf.weight*matched*b))
	}
	return dst
}

// calibrated writes into out the calibrated probabilities for x: Calibration{Power: a, Smoothing: 0} applied
// to Combine's, q_c ∝ (share_c + Floor)^a · exp(a·Weight·score_c), with (share + Floor)^a read from pow by
// the class's vote count, counts[c] (powTable), and exp(a·Weight·score_c) built as a product,
// exp(a·Weight·Base_c)^matched times each matched token's factor: no exponential per class (in the
// browser's wasm, an exponential per class was a tenth of classify's time). tf holds the factors for a
// (calibratedFactors); toks is scratch, returned.
func (t *TokenTable) calibrated(tf *tokenFactors, x, counts, pow []float64, out []float64, toks []uint64) ([]float64, []uint64) {
	out = out[:len(counts)]
	for k := range out {
		out[k] = 1
	}
	toks = features.SizeTokens(x, toks)
	matched := 0
	for _, tok := range toks {
		fs := tf.lookup(tok)
		if fs == nil {
			continue
		}
		matched++
		for _, e := range fs {
			out[e.class] *= e.f
		}
	}
	var base []float64
	if matched <= maxMatched {
		base = tf.baseExp[matched]
	} else {
		base = tf.baseFactors(float64(matched), nil)
	}
	var z float64
	baseOf := tf.baseOf[:len(counts)]
	for k, v := range counts {
		out[k] *= pow[int(v)] * base[baseOf[k]]
		z += out[k]
	}
	for k := range out {
		out[k] /= z
	}
	return out, toks
}

// TokenMatch is one of a flow's exact sizes that the token table holds for a class.
type TokenMatch struct {
	Token        string  `json:"token"`        // what it is, in words (features.DescribeToken)
	Contribution float64 `json:"contribution"` // what it adds to the class's log-probability, before calibration
}

// Matches lists x's tokens that class held in training, largest contribution first: each adds
// Weight · log((n_ct + α) / α) to the class's log-probability over a class that never showed it.
func (t *TokenTable) Matches(x []float64, class int) []TokenMatch {
	var out []TokenMatch
	for _, tok := range features.SizeTokens(x, nil) {
		for _, e := range t.gain[tok] {
			if int(e.Class) == class {
				out = append(out, TokenMatch{Token: features.DescribeToken(tok), Contribution: t.Weight * e.Weight})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b TokenMatch) int { return cmp.Compare(b.Contribution, a.Contribution) })
	return out
}
