// Package classify is the product's one pipeline: a flow CSV in, the same CSV with predictions out. The CLI,
// the browser worker and the HTTP API all call it, so they produce byte-identical output for the same input.
package classify

import (
	"math"
	"strconv"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
)

// OutputColumns are appended, in this order, to every input row. A task not asked for leaves its columns
// empty; error is empty for a good row and says row, column and reason for a bad one.
var OutputColumns = []string{"app", "app_confidence", "app_top3", "attribution", "attribution_confidence", "error"}

// OutputHeader is the output's header for an input header.
func OutputHeader(input []string) []string {
	return append(append(make([]string, 0, len(input)+len(OutputColumns)), input...), OutputColumns...)
}

// Row is one classified input row.
type Row struct {
	Row    int // 1-based data row number
	Fields []string
	Text   string // the input row's text when it had no quotes (features.FlowRecord.Text), else empty
	Result model.Result
	Err    error // the reason the row could not be classified, nil for a good row
	// OutOffset and OutLen locate the row's line (or NDJSON object) in Stream's output: bytes
	// [OutOffset, OutOffset+OutLen), its newline included. Set by Stream before OnRow sees the row.
	OutOffset int64
	OutLen    int
	// Explain is set for good rows when Options.Explain asks for it.
	Explain *RowExplanation
}

// Classify turns what the reader returned for one row into a Row. A read error becomes the row's Err;
// only good rows reach the models.
func Classify(c *model.Classifier, rec *features.FlowRecord, readErr error, tasks model.Tasks, s *Scratch) Row {
	r := Row{Row: rec.Row, Fields: rec.Fields, Text: rec.Text, Err: readErr}
	if readErr != nil {
		return r
	}
	s.vec = features.Extract(rec, s.vec)
	res, err := c.Classify(s.vec, tasks, &s.model)
	if err != nil {
		r.Err = &features.RowError{Row: rec.Row, Line: rec.Line, Reason: err.Error()}
		return r
	}
	r.Result = res
	return r
}

// Scratch is one goroutine's working memory for Classify.
type Scratch struct {
	vec   features.FeatureVector
	model model.ClassifierScratch
}

// AppendRecord appends the row's output fields to dst: its input fields (padded or cut to width, the input
// header's length, so the output stays rectangular) and then OutputColumns.
func (r *Row) AppendRecord(dst []string, width int) []string {
	n := min(len(r.Fields), width)
	dst = append(dst, r.Fields[:n]...)
	for i := n; i < width; i++ {
		dst = append(dst, "")
	}
	return r.appendOutputs(dst)
}

// appendOutputs appends the row's OutputColumns fields to dst.
func (r *Row) appendOutputs(dst []string) []string {
	dst = appendPrediction(dst, r.Result.App, true)
	dst = appendPrediction(dst, r.Result.Att, false)
	if r.Err != nil {
		return append(dst, r.Err.Error())
	}
	return append(dst, "")
}

func appendPrediction(dst []string, p *model.Prediction, withTop bool) []string {
	if p == nil {
		dst = append(dst, "", "")
		if withTop {
			dst = append(dst, "")
		}
		return dst
	}
	dst = append(dst, p.Label, FormatProbability(p.Confidence))
	if withTop {
		dst = append(dst, FormatTop(p.TopK))
	}
	return dst
}

// FormatProbability writes a probability with four decimals.
func FormatProbability(p float64) string {
	return string(AppendProbability(nil, p))
}

// AppendProbability appends p as the output writes it: strconv.FormatFloat(p, 'f', 4, 64), which was a fifth
// of the output stage's time, computed directly for a p in [0, 1] whose scaled value is not near a rounding
// tie (p·10⁴ carries an error below 10⁻¹¹, so away from a tie both round the same way); strconv does the rest.
func AppendProbability(dst []byte, p float64) []byte {
	v := p * 10000
	if !(p >= 0 && p <= 1) || math.Abs(v-math.Floor(v)-0.5) < 1e-6 {
		return strconv.AppendFloat(dst, p, 'f', 4, 64)
	}
	n := int(math.Round(v))
	dst = append(dst, byte('0'+n/10000), '.')
	n %= 10000
	return append(dst, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

// FormatTop writes ranked labels as "label:0.8200|label:0.1000|label:0.0300".
func FormatTop(top []model.Ranked) string {
	return string(AppendTop(nil, top))
}

// AppendTop appends FormatTop's text to dst.
func AppendTop(dst []byte, top []model.Ranked) []byte {
	for i, r := range top {
		if i > 0 {
			dst = append(dst, '|')
		}
		dst = append(append(dst, r.Label...), ':')
		dst = AppendProbability(dst, r.Probability)
	}
	return dst
}
