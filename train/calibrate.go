package train

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/flowlens/ntc/model"
)

// unknownKeepsCorrect is the share of correct out-of-fold answers the unknown threshold keeps: it is set at
// the confidence below which only the least sure 10% of right answers fall.
const unknownKeepsCorrect = 0.90

// reliabilityBins is the number of equal-width confidence bins in reliability tables and ECE.
const reliabilityBins = 10

// FitCalibration fits the bundle's calibration to out-of-fold probabilities (every repeat's, pooled): the
// power and smoothing that minimise the negative log-likelihood of the true class, then the unknown threshold
// on the calibrated confidences. smoothings are the smoothing values tried; none means the default grid. A
// forest combined with a token table is calibrated with smoothing 0 only, q_c ∝ p_c^a: that form lets the
// predictor calibrate from a table of vote counts and a few exponentials (model.Predictor.Predict).
func FitCalibration(cv CVResult, y []int, smoothings ...float64) *model.Calibration {
	if len(smoothings) == 0 {
		smoothings = []float64{0.001, 0.003, 0.01, 0.03, 0.1}
	}
	var raw [][]float64
	var truth []int
	for _, oof := range cv.OOF {
		for i, p := range oof {
			if p != nil {
				raw = append(raw, p)
				truth = append(truth, y[i])
			}
		}
	}
	// Vote shares are mostly zeros (combined with tokens, mostly one smallest value): keep each row's other
	// values and count those.
	type sparse struct {
		vals  []float64
		low   float64
		lows  int
		truth float64
	}
	rows := make([]sparse, len(raw))
	for i, p := range raw {
		low := slices.Min(p)
		rows[i].low = low
		for _, v := range p {
			if v == low {
				rows[i].lows++
			} else {
				rows[i].vals = append(rows[i].vals, v)
			}
		}
		rows[i].truth = p[truth[i]]
	}
	best := model.Calibration{Power: 1, Smoothing: 0}
	bestNLL := math.Inf(1)
	for _, eps := range smoothings {
		for a := 0.2; a <= 5.0001; a += 0.05 {
			var nll float64
			for _, r := range rows {
				sum := float64(r.lows) * math.Pow(r.low+eps, a)
				for _, v := range r.vals {
					sum += math.Pow(v+eps, a)
				}
				nll -= math.Log(math.Pow(r.truth+eps, a) / sum)
			}
			if nll < bestNLL {
				bestNLL, best = nll, model.Calibration{Power: math.Round(a*100) / 100, Smoothing: eps}
			}
		}
	}
	calibrated := make([][]float64, len(raw))
	for i, p := range raw {
		calibrated[i] = best.Apply(slices.Clone(p))
	}
	best.ECEBefore, _ = Reliability(raw, truth)
	best.ECEAfter, best.Reliability = Reliability(calibrated, truth)
	best.NLL = bestNLL / float64(len(raw))

	var correctConf []float64
	wrong, caught := 0, 0
	for i, q := range calibrated {
		top := argmax(q)
		if top == truth[i] {
			correctConf = append(correctConf, q[top])
		}
	}
	slices.Sort(correctConf)
	if len(correctConf) > 0 {
		best.UnknownThreshold = correctConf[int(math.Floor((1-unknownKeepsCorrect)*float64(len(correctConf))))]
	}
	for i, q := range calibrated {
		if top := argmax(q); top != truth[i] {
			wrong++
			if q[top] < best.UnknownThreshold {
				caught++
			}
		}
	}
	if wrong > 0 {
		best.UnknownCatchesWrong = float64(caught) / float64(wrong)
	}
	return &best
}

// Reliability bins top-1 confidences and returns the expected calibration error (the row-weighted mean gap
// between confidence and accuracy over the bins) with the table.
func Reliability(proba [][]float64, truth []int) (float64, []model.ReliabilityBin) {
	bins := make([]model.ReliabilityBin, reliabilityBins)
	for b := range bins {
		bins[b].Low = float64(b) / reliabilityBins
		bins[b].High = float64(b+1) / reliabilityBins
	}
	for i, p := range proba {
		top := argmax(p)
		b := min(int(p[top]*reliabilityBins), reliabilityBins-1)
		bins[b].N++
		bins[b].Confidence += p[top]
		if top == truth[i] {
			bins[b].Accuracy++
		}
	}
	var ece float64
	for b := range bins {
		if n := float64(bins[b].N); n > 0 {
			bins[b].Confidence /= n
			bins[b].Accuracy /= n
			ece += n / float64(len(proba)) * math.Abs(bins[b].Accuracy-bins[b].Confidence)
		}
	}
	return ece, bins
}

// OpenSetCheck measures what the model does with applications it has never seen. Each of the splits holds
// out a different share of the classes entirely, trains on one stratified part of the known classes' rows,
// and predicts both the known rows left out and every row of the held-out classes, with the bundle's
// calibration and unknown threshold.
func OpenSetCheck(d *Dataset, r Recipe, c *model.Calibration, splits int, seed uint64) model.OpenSet {
	rng := rand.New(rand.NewPCG(seed, 0x0be7))
	classes := make([]int, len(d.Labels))
	for i := range classes {
		classes[i] = i
	}
	rng.Shuffle(len(classes), func(i, j int) { classes[i], classes[j] = classes[j], classes[i] })
	fold := StratifiedFolds(d.Y, splits, seed)
	fit := r.FitFunc(len(d.Labels))
	res := model.OpenSet{Splits: splits}
	var unseen, unseenUnknown, known, knownRight, knownRightKept int
	for s := 0; s < splits; s++ {
		held := map[int]bool{}
		for i, c := range classes {
			if i%splits == s {
				held[c] = true
			}
		}
		var trainIdx, testIdx []int
		for i, y := range d.Y {
			switch {
			case held[y]:
				testIdx = append(testIdx, i)
			case fold[i] == s:
				testIdx = append(testIdx, i)
			default:
				trainIdx = append(trainIdx, i)
			}
		}
		tr := d.Subset(trainIdx)
		predict := fit(tr.X, tr.Y)
		for _, i := range testIdx {
			q := c.Apply(slices.Clone(predict(d.X[i])))
			top := argmax(q)
			isUnknown := q[top] < c.UnknownThreshold
			if held[d.Y[i]] {
				unseen++
				if isUnknown {
					unseenUnknown++
				}
				continue
			}
			known++
			if top == d.Y[i] {
				knownRight++
				if !isUnknown {
					knownRightKept++
				}
			}
		}
	}
	res.HeldOutClasses = len(d.Labels) / splits
	res.UnseenRows = unseen
	res.UnseenCalledUnknown = safeDiv(unseenUnknown, unseen)
	res.UnseenGivenKnownLabel = 1 - res.UnseenCalledUnknown
	res.KnownAccuracy = safeDiv(knownRight, known)
	res.KnownAccuracyWithUnknown = safeDiv(knownRightKept, known)
	return res
}
