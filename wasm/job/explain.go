package job

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/protocol"
)

// ExplainTop is how many contributions an explanation lists; the rest are summed.
const ExplainTop = 10

// Explain explains one row of a run: header and line are the output's header line and the row's line, as the
// page holds them (the download's bytes at protocol.Progress.HeaderBytes and RowView.Off/Len). The output's
// own columns are dropped, the input's fields go through the core's reader, and for each task the row is
// classified (classify.Classify, what the run did) and explained (classify.Explain: contributions towards the
// most probable class, also when the label is unknown). top contributions are listed, the others summed.
func Explain(c *model.Classifier, header, line string, tasks model.Tasks, top int) ([]protocol.TaskExplanation, error) {
	head, err := inputFields(header)
	if err != nil {
		return nil, fmt.Errorf("the header: %w", err)
	}
	fields, err := inputFields(line)
	if err != nil {
		return nil, fmt.Errorf("the row: %w", err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(head)
	w.Write(fields)
	w.Flush()
	rd, err := features.NewReader(&buf)
	if err != nil {
		return nil, err
	}
	rec, err := rd.Read()
	if err != nil {
		return nil, err // a bad row: its error is in the table already
	}
	var s classify.Scratch
	row := classify.Classify(c, rec, nil, tasks, &s)
	if row.Err != nil {
		return nil, row.Err
	}
	all, err := classify.Explain(c, rec, tasks, 0)
	if err != nil {
		return nil, err
	}
	var out []protocol.TaskExplanation
	for _, t := range []struct {
		task, title string
		p           *model.Predictor
		pred        *model.Prediction
		e           *model.Explanation
	}{{model.TaskApp, "Application", c.App, row.Result.App, all.App}, {model.TaskAtt, "Attribution", c.Att, row.Result.Att, all.Att}} {
		if t.pred == nil || t.e == nil {
			continue
		}
		te := protocol.TaskExplanation{Task: t.task, Title: t.title, Label: t.pred.Label, Confidence: t.pred.Confidence,
			Class: t.e.Label, Score: t.e.Score, Base: t.e.Base, Boosted: t.e.Boosted}
		for _, r := range t.pred.TopK {
			te.Top = append(te.Top, protocol.Ranked{Label: r.Label, P: r.Probability})
		}
		if cal := t.p.Bundle.Calibration; cal != nil {
			te.Threshold = cal.UnknownThreshold
		}
		te.Contributions, te.Rest, te.RestN = shown(t.e.Contributions, top)
		if f := t.e.Forest; f != nil {
			fp := &protocol.ForestPart{Weight: t.e.ForestWeight, Score: f.Score, Base: f.Base}
			fp.Contributions, fp.Rest, fp.RestN = shown(f.Contributions, top)
			te.Forest = fp
		}
		for i, tm := range t.e.Tokens {
			if top > 0 && i >= top {
				break
			}
			te.Tokens = append(te.Tokens, protocol.TokenMatch{Token: tm.Token, Contribution: tm.Contribution})
		}
		out = append(out, te)
	}
	return out, nil
}

// shown keeps the top largest contributions (all when top is 0) and sums the others.
func shown(cs []model.Contribution, top int) (kept []protocol.Contribution, rest float64, restN int) {
	for i, ct := range cs {
		if top > 0 && i >= top {
			rest += ct.Contribution
			restN++
			continue
		}
		kept = append(kept, protocol.Contribution{Feature: ct.Feature, Value: ct.Value, Contribution: ct.Contribution})
	}
	return kept, rest, restN
}

// inputFields reads one CSV record of the output and drops the columns classify appends.
func inputFields(s string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("nothing to read")
	}
	if err != nil {
		return nil, err
	}
	n := len(classify.OutputColumns)
	if len(rec) <= n {
		return nil, fmt.Errorf("%d fields, fewer than the output's own %d columns", len(rec), n)
	}
	return rec[:len(rec)-n], nil
}
