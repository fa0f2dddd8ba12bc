package model

import (
	"bufio"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/dmitryikh/leaves"

	"github.com/flowlens/ntc/internal/xmath"
)

// Ranked is a label with its probability.
type Ranked struct {
	Label       string  `json:"label"`
	Probability float64 `json:"probability"`
}

// Prediction is a model's answer for one flow.
type Prediction struct {
	Label      string   `json:"label"`
	Confidence float64  `json:"confidence"` // the probability of Label
	TopK       []Ranked `json:"top"`        // the most probable labels, best first
}

// TopK is how many ranked labels a Prediction carries.
const TopK = 3

// flatMinClasses is the class count from which a class-per-leaf forest is walked by FlatForest rather than
// leaves: leaves holds a K-class forest as K trees a round, and even as one tree a round with a class id per
// leaf it walks the application forest's 300 deep trees too slowly for the speed budget (README, "Model
// format").
const flatMinClasses = 16

// Predictor computes class probabilities with one bundle's ensemble. The shipped bundles are walked by a
// FlatForest read from the bundle's LightGBM text: the 128-class forest as votes, the boosted attribution
// model as raw scores and leaves' softmax. Other encodings (LightGBM's multiclass forest, a class-per-leaf
// forest of few classes) go through leaves, which is also the reference the flat walker is tested against.
// It is safe for concurrent use; each goroutine passes its own Scratch.
type Predictor struct {
	Bundle *Bundle
	ens    *leaves.Ensemble
	// leafClass[t][leaf] is the class a leaf votes for, for EncodingClassPerLeaf through leaves.
	leafClass [][]int32
	flat      *FlatForest
	boosted   bool // flat holds a boosted model: raw scores, then softmax
	// blend, for a boosted bundle with a Blend, is its forest; its vote shares are averaged in with
	// blendWeight.
	blend       *Predictor
	blendWeight float64
	calTable    []float64 // calibrationTable for a hard-vote forest, nil otherwise
	// tokPow[k] is (k/trees + Tokens.Floor)^Power, for a hard-vote forest with a token table calibrated with
	// smoothing 0; nil otherwise.
	tokPow     []float64
	tokFactors *tokenFactors // the token table's gains as factors of the calibrated probabilities, with tokPow

	explainOnce sync.Once // parses explainFlat for a leaves-walked bundle on the first Explain
	explainFlat *FlatForest
	explainErr  error
}

// NewPredictor reads a bundle's ensemble and checks it fits the bundle's labels and features: into a
// FlatForest for a many-class class-per-leaf forest and for a boosted model, through leaves otherwise.
func NewPredictor(b *Bundle) (*Predictor, error) {
	switch {
	case b.Encoding == EncodingClassPerLeaf && len(b.Labels) >= flatMinClasses:
		flat, err := parseFlatForest(b.LightGBM, len(b.Labels), len(b.FeatureNames))
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.Version, err)
		}
		p := &Predictor{Bundle: b, flat: flat}
		p.setCalibration(flat.NTrees())
		return p, p.setBlend(newFlatVoter)
	case b.Encoding == EncodingSoftmax:
		flat, err := parseFlatForest(b.LightGBM, 0, len(b.FeatureNames))
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.Version, err)
		}
		if len(b.Labels) == 0 || flat.NTrees()%len(b.Labels) != 0 {
			return nil, fmt.Errorf("bundle %s: %d trees is not a whole number of rounds of %d classes", b.Version, flat.NTrees(), len(b.Labels))
		}
		p := &Predictor{Bundle: b, flat: flat.mergeAlike(len(b.Labels)), boosted: true}
		return p, p.setBlend(newFlatVoter)
	}
	return NewLeavesPredictor(b)
}

// newFlatVoter reads a class-per-leaf forest into a FlatForest whatever its class count (a blend's forest).
func newFlatVoter(b *Bundle) (*Predictor, error) {
	f, err := parseFlatForest(b.LightGBM, len(b.Labels), len(b.FeatureNames))
	if err != nil {
		return nil, err
	}
	return &Predictor{Bundle: b, flat: f}, nil
}

// setBlend loads the bundle's Blend, if any, with load; every constructor calls it, so a blend is refused
// wherever it does not belong.
func (p *Predictor) setBlend(load func(*Bundle) (*Predictor, error)) error {
	bl := p.Bundle.Blend
	if bl == nil {
		return nil
	}
	if p.Bundle.Encoding != EncodingSoftmax {
		return fmt.Errorf("bundle %s: a blend needs a boosted (%s) model, not %s", p.Bundle.Version, EncodingSoftmax, p.Bundle.Encoding)
	}
	if !(bl.Weight > 0 && bl.Weight <= 1) || bl.Encoding != EncodingClassPerLeaf {
		return fmt.Errorf("bundle %s: blend weight %v and encoding %q: want a weight in (0, 1] and %s", p.Bundle.Version, bl.Weight, bl.Encoding, EncodingClassPerLeaf)
	}
	f, err := load(bl.bundle(p.Bundle))
	if err != nil {
		return fmt.Errorf("bundle %s blend: %w", p.Bundle.Version, err)
	}
	p.blend, p.blendWeight = f, bl.Weight
	return nil
}

// mixBlend averages the blend's vote shares for x into the boosted probabilities out, as the trainer does.
func (p *Predictor) mixBlend(x, out []float64, s *Scratch) ([]float64, error) {
	if p.blend == nil {
		return out, nil
	}
	if s.blend == nil {
		s.blend = new(Scratch)
	}
	q, err := p.blend.Votes(x, s.blend)
	if err != nil {
		return nil, err
	}
	w := p.blendWeight
	for c := range out {
		out[c] = (1-w)*out[c] + w*q[c]
	}
	return out, nil
}

// calibrationTable precomputes the calibration's (k/trees + ε)^a for every possible vote count k of a
// hard-vote forest: a row's calibration is then table look-ups, not 128 calls to a power function.
func calibrationTable(c *Calibration, trees int) []float64 {
	if c == nil || trees == 0 {
		return nil
	}
	return powTable(trees, c.Smoothing, c.Power)
}

// powTable is (k/trees + add)^power for every vote count k from 0 to trees.
func powTable(trees int, add, power float64) []float64 {
	t := make([]float64, trees+1)
	for k := range t {
		t[k] = xmath.Pow(float64(k)/float64(trees)+add, power)
	}
	return t
}

// setCalibration precomputes the calibration tables of a hard-vote forest of trees trees.
func (p *Predictor) setCalibration(trees int) {
	b := p.Bundle
	switch {
	case b.Tokens == nil:
		p.calTable = calibrationTable(b.Calibration, trees)
	case b.Calibration != nil && b.Calibration.Smoothing == 0 && trees > 0:
		p.tokPow = powTable(trees, b.Tokens.Floor, b.Calibration.Power)
		p.tokFactors = b.Tokens.calibratedFactors(b.Calibration.Power)
	}
}

// NewLeavesPredictor loads the bundle's ensemble with leaves whatever its encoding: the reference the flat
// walker is tested and measured against.
func NewLeavesPredictor(b *Bundle) (*Predictor, error) {
	// A boosted model's raw scores need leaves' softmax; forests average votes or shares as they are.
	ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(strings.NewReader(b.LightGBM)), b.Encoding == EncodingSoftmax)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: loading ensemble: %w", b.Version, err)
	}
	if ens.NFeatures() > len(b.FeatureNames) {
		return nil, fmt.Errorf("bundle %s: ensemble reads %d features, bundle names %d", b.Version, ens.NFeatures(), len(b.FeatureNames))
	}
	p := &Predictor{Bundle: b}
	switch b.Encoding {
	case EncodingMulticlass, EncodingSoftmax:
		if ens.NOutputGroups() != len(b.Labels) {
			return nil, fmt.Errorf("bundle %s: ensemble has %d classes, bundle %d labels", b.Version, ens.NOutputGroups(), len(b.Labels))
		}
		p.ens = ens
	case EncodingClassPerLeaf:
		values, err := readLeafValues(b.LightGBM)
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.Version, err)
		}
		if len(values) != ens.NEstimators() {
			return nil, fmt.Errorf("bundle %s: %d leaf value lines for %d trees", b.Version, len(values), ens.NEstimators())
		}
		p.leafClass = make([][]int32, len(values))
		for t, vals := range values {
			p.leafClass[t] = make([]int32, len(vals))
			for i, v := range vals {
				if v != float64(int32(v)) || int(v) < 0 || int(v) >= len(b.Labels) {
					return nil, fmt.Errorf("bundle %s: tree %d leaf %d votes for class %v of %d", b.Version, t, i, v, len(b.Labels))
				}
				p.leafClass[t][i] = int32(v)
			}
		}
		p.ens = ens.EnsembleWithLeafPredictions()
		p.setCalibration(len(p.leafClass))
	default:
		return nil, fmt.Errorf("bundle %s: unknown encoding %q", b.Version, b.Encoding)
	}
	return p, p.setBlend(NewLeavesPredictor)
}

// Scratch is one goroutine's working memory for a Predictor.
type Scratch struct {
	leaf   []float64
	proba  []float64
	padded []float64
	scores []float64
	toks   []uint64
	blend  *Scratch // the blend forest's
}

// NClasses returns the number of labels.
func (p *Predictor) NClasses() int { return len(p.Bundle.Labels) }

// Proba returns the raw class probabilities for feature vector x in the order of Bundle.Labels (Predict
// calibrates them): a forest's share of tree votes, combined with the bundle's token scores when it has a
// token table; a boosted model's softmax. The slice is owned by s and valid until its next use.
func (p *Predictor) Proba(x []float64, s *Scratch) ([]float64, error) {
	out, err := p.Votes(x, s)
	if err != nil || p.Bundle.Tokens == nil {
		return out, err
	}
	if cap(s.scores) < len(out) {
		s.scores = make([]float64, len(out))
	}
	s.scores, s.toks = p.Bundle.Tokens.Scores(x, s.scores[:len(out)], s.toks)
	return p.Bundle.Tokens.Combine(out, s.scores), nil
}

// Votes returns the ensemble's own output for x: a forest's vote shares (before any token table), a boosted
// model's probabilities (averaged with its Blend's vote shares when it has one). The slice is owned by s and
// valid until its next use.
func (p *Predictor) Votes(x []float64, s *Scratch) ([]float64, error) {
	switch {
	case p.boosted:
		out, err := p.flatRaw(x, s)
		if err != nil {
			return nil, err
		}
		return p.mixBlend(x, softmax(out), s)
	case p.flat != nil || p.leafClass != nil: // a class-per-leaf forest
		counts, trees, err := p.voteCounts(x, s)
		if err != nil {
			return nil, err
		}
		return normalize(counts, trees), nil
	}
	out := p.out(s)
	if err := p.checkLen(x); err != nil {
		return nil, err
	}
	if err := p.ens.Predict(x, 0, out); err != nil { // LightGBM's multiclass forest, through leaves
		return nil, err
	}
	return p.mixBlend(x, out, s)
}

// voteCounts returns a class-per-leaf forest's vote counts for x, owned by s, and its number of trees,
// whichever engine walks it.
func (p *Predictor) voteCounts(x []float64, s *Scratch) ([]float64, int, error) {
	if p.flat != nil {
		counts, err := p.flatRaw(x, s)
		return counts, p.flat.NTrees(), err
	}
	out := p.out(s)
	if err := p.checkLen(x); err != nil {
		return nil, 0, err
	}
	nTrees := len(p.leafClass)
	if cap(s.leaf) < nTrees {
		s.leaf = make([]float64, nTrees)
	}
	leaf := s.leaf[:nTrees]
	if err := p.ens.Predict(x, 0, leaf); err != nil {
		return nil, 0, err
	}
	clear(out)
	for t, l := range leaf {
		out[p.leafClass[t][int(l)]]++
	}
	return out, nTrees, nil
}

// out returns s's class-sized output slice.
func (p *Predictor) out(s *Scratch) []float64 {
	k := p.NClasses()
	if cap(s.proba) < k {
		s.proba = make([]float64, k)
	}
	return s.proba[:k]
}

// flatRaw returns the flat forest's own sums for x, owned by s: a boosted model's raw scores, a
// class-per-leaf forest's vote counts.
func (p *Predictor) flatRaw(x []float64, s *Scratch) ([]float64, error) {
	if err := p.checkLen(x); err != nil {
		return nil, err
	}
	out := p.out(s)
	padded := p.padded(x, s)
	clear(out)
	if p.boosted {
		p.flat.Scores(padded, out)
	} else {
		p.flat.Votes(padded, out)
	}
	return out, nil
}

// padded returns x's first n features followed by the zero a FlatForest's leaves read, n the bundle's
// feature count: x itself when that zero is already there (features.Extract leaves it in the vector's
// spare capacity), a copy in s otherwise. Copying the vector cost ~0.15 us a row for each model walked.
func (p *Predictor) padded(x []float64, s *Scratch) []float64 {
	n := len(p.Bundle.FeatureNames)
	if cap(x) > n {
		if y := x[:n+1]; y[n] == 0 {
			return y
		}
	}
	s.padded = append(append(s.padded[:0], x[:n]...), 0)
	return s.padded
}

// checkLen refuses a feature vector shorter than the model reads.
func (p *Predictor) checkLen(x []float64) error {
	if len(x) < len(p.Bundle.FeatureNames) {
		return fmt.Errorf("feature vector has %d values, model reads %d", len(x), len(p.Bundle.FeatureNames))
	}
	return nil
}

// softmax turns raw scores into probabilities in place, with the arithmetic of leaves' softmax
// (util.SoftmaxFloat64Slice) but internal/xmath's exponential, the same on every platform: leaves' math.Exp
// can differ from it in the last bit on amd64, and the browser and the edge must write the very bytes the
// command line writes.
func softmax(v []float64) []float64 {
	sum := 0.0
	for i, x := range v {
		e := xmath.Exp(x)
		v[i] = e
		sum += e
	}
	if sum != 0 {
		inv := 1 / sum
		for i := range v {
			v[i] *= inv
		}
	}
	return v
}

// normalize turns vote counts over n trees into shares.
func normalize(votes []float64, n int) []float64 {
	inv := 1 / float64(n)
	for c := range votes {
		votes[c] *= inv
	}
	return votes
}

// Unknown is the label given when the calibrated top probability is under the bundle's unknown threshold.
const Unknown = "unknown"

// Predict calibrates x's class probabilities and ranks them. x must not change during the call, nor, when its
// capacity reaches past its end, the value just past it (see padded). With unknown set, a top probability under the
// bundle's threshold makes the label Unknown; TopK still names the most probable classes.
func (p *Predictor) Predict(x []float64, unknown bool, s *Scratch) (Prediction, error) {
	return p.predict(x, unknown, s, nil)
}

// predict is Predict with the TopK list written into top's array when it holds TopK entries (allocated
// otherwise).
func (p *Predictor) predict(x []float64, unknown bool, s *Scratch, top []Ranked) (Prediction, error) {
	proba, err := p.calibrated(x, s)
	if err != nil {
		return Prediction{}, err
	}
	pred := p.rank(proba, top)
	if c := p.Bundle.Calibration; c != nil && unknown && pred.Confidence < c.UnknownThreshold {
		pred.Label = Unknown
	}
	return pred, nil
}

// calibrated returns x's calibrated class probabilities (Proba's when the bundle has no calibration), owned
// by s.
func (p *Predictor) calibrated(x []float64, s *Scratch) ([]float64, error) {
	if p.tokPow != nil {
		counts, _, err := p.voteCounts(x, s)
		if err != nil {
			return nil, err
		}
		if cap(s.scores) < len(counts) {
			s.scores = make([]float64, len(counts))
		}
		var proba []float64
		proba, s.toks = p.Bundle.Tokens.calibrated(p.tokFactors, x, counts, p.tokPow, s.scores, s.toks)
		return proba, nil
	}
	proba, err := p.Proba(x, s)
	c := p.Bundle.Calibration
	if err != nil || c == nil {
		return proba, err
	}
	if p.calTable != nil {
		trees := float64(len(p.calTable) - 1)
		var sum float64
		for i, v := range proba {
			proba[i] = p.calTable[int(math.Round(v*trees))]
			sum += proba[i]
		}
		for i := range proba {
			proba[i] /= sum
		}
	} else {
		c.Apply(proba)
	}
	return proba, nil
}

// Rank turns probabilities into a Prediction: the most probable label (the first in label order on ties) and
// the TopK best.
func (p *Predictor) Rank(proba []float64) Prediction { return p.rank(proba, nil) }

// rank is Rank writing TopK into top's array when it has room for TopK entries.
//
// Once the list is full, a class enters it only when its probability beats the last entry's, kept in cut:
// with 128 classes nearly every class fails that one comparison, where walking the list for each class and
// shifting it with copy (a call to memmove) was a tenth of the app model's prediction.
func (p *Predictor) rank(proba []float64, top []Ranked) Prediction {
	var best [TopK]int
	n := 0
	cut := 0.0 // proba[best[TopK-1]] once n == TopK
	for c, v := range proba {
		if n == TopK && !(v > cut) { // later classes lose ties
			continue
		}
		// insert c into the sorted top list
		pos := n
		for pos > 0 && v > proba[best[pos-1]] {
			pos--
		}
		if pos >= TopK {
			continue
		}
		if n < TopK {
			n++
		}
		for i := n - 1; i > pos; i-- {
			best[i] = best[i-1]
		}
		best[pos] = c
		if n == TopK {
			cut = proba[best[TopK-1]]
		}
	}
	if cap(top) < TopK {
		top = make([]Ranked, 0, n)
	}
	pred := Prediction{Label: p.Bundle.Labels[best[0]], Confidence: proba[best[0]], TopK: top[:n]}
	for i := 0; i < n; i++ {
		pred.TopK[i] = Ranked{Label: p.Bundle.Labels[best[i]], Probability: proba[best[i]]}
	}
	return pred
}
