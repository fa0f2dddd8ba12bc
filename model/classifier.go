package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flowlens/ntc/features"
)

// Tasks selects what to predict.
type Tasks struct {
	App bool
	Att bool
	// NoUnknown gives the most probable label even when the model is too unsure to: no "unknown".
	NoUnknown bool
}

// Both selects both tasks.
var Both = Tasks{App: true, Att: true}

// ParseTasks reads a comma-separated task list: "app", "att" (or "attribution"), or both.
func ParseTasks(s string) (Tasks, error) {
	var t Tasks
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case TaskApp:
			t.App = true
		case TaskAtt, "attribution":
			t.Att = true
		default:
			return t, fmt.Errorf("unknown task %q (want app, att or app,att)", name)
		}
	}
	return t, nil
}

// Result is one flow's predictions; a task not asked for is nil.
type Result struct {
	App *Prediction
	Att *Prediction
}

// Classifier labels flows with the application and the attribution bundles.
type Classifier struct {
	App *Predictor
	Att *Predictor
}

// NewClassifier loads both bundles and checks they fit the feature code and each other.
func NewClassifier(app, att *Bundle) (*Classifier, error) {
	if app.Task != TaskApp || att.Task != TaskAtt {
		return nil, fmt.Errorf("want an %s and an %s bundle, got %s and %s", TaskApp, TaskAtt, app.Task, att.Task)
	}
	for _, b := range []*Bundle{app, att} {
		if !slices.Equal(b.FeatureNames, features.FeatureNames) {
			return nil, fmt.Errorf("bundle %s was trained on another feature list than this build computes; retrain it", b.Version)
		}
	}
	ap, err := NewPredictor(app)
	if err != nil {
		return nil, err
	}
	tp, err := NewPredictor(att)
	if err != nil {
		return nil, err
	}
	return &Classifier{App: ap, Att: tp}, nil
}

// ClassifierScratch is one goroutine's working memory for a Classifier.
type ClassifierScratch struct {
	app, att Scratch
}

// Classify predicts the asked tasks for one feature vector.
func (c *Classifier) Classify(x features.FeatureVector, tasks Tasks, s *ClassifierScratch) (Result, error) {
	var res Result
	if !tasks.App && !tasks.Att {
		return res, nil
	}
	r := new(predictions) // one allocation for the row's answers, not four
	if tasks.App {
		p, err := c.App.predict(x, !tasks.NoUnknown, &s.app, r.appTop[:0])
		if err != nil {
			return res, fmt.Errorf("%s model: %w", TaskApp, err)
		}
		r.app = p
		res.App = &r.app
	}
	if tasks.Att {
		p, err := c.Att.predict(x, !tasks.NoUnknown, &s.att, r.attTop[:0])
		if err != nil {
			return res, fmt.Errorf("%s model: %w", TaskAtt, err)
		}
		r.att = p
		res.Att = &r.att
	}
	return res, nil
}

// predictions holds one row's Result: both tasks' predictions and their TopK lists.
type predictions struct {
	app, att       Prediction
	appTop, attTop [TopK]Ranked
}
