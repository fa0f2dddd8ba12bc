package classify

import (
	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
)

// RowExplanation says, for each task asked, which features pushed the row's most probable class most.
type RowExplanation struct {
	App *model.Explanation `json:"app,omitempty"`
	Att *model.Explanation `json:"attribution,omitempty"`
}

// Explain explains a good row's predictions: for each task in tasks, the contributions towards the class the
// model finds most probable (also when its label became unknown), the top largest ones.
func Explain(c *model.Classifier, rec *features.FlowRecord, tasks model.Tasks, top int) (RowExplanation, error) {
	x := features.Extract(rec, nil)
	var out RowExplanation
	for _, t := range []struct {
		on   bool
		p    *model.Predictor
		dest **model.Explanation
	}{{tasks.App, c.App, &out.App}, {tasks.Att, c.Att, &out.Att}} {
		if !t.on {
			continue
		}
		var s model.Scratch
		pred, err := t.p.Predict(x, false, &s)
		if err != nil {
			return out, err
		}
		e, err := t.p.Explain(x, pred.Label, top)
		if err != nil {
			return out, err
		}
		*t.dest = &e
	}
	return out, nil
}
