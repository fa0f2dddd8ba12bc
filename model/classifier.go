package model

import (
	"fmt"
	"slices"

	"github.com/flowlens/ntc/features"
)

// StackedFeatureNames is the input list of a bundle stacked on another task: the base features followed by
// one probability per label of that task.
func StackedFeatureNames(base []string, onTask string, onLabels []string) []string {
	names := slices.Clone(base)
	for _, l := range onLabels {
		names = append(names, onTask+"_proba:"+l)
	}
	return names
}

// Tasks selects what to predict.
type Tasks struct {
	App bool
	Att bool
}

// Both selects both tasks.
var Both = Tasks{App: true, Att: true}

// Result is one flow's predictions; a task not asked for is nil.
type Result struct {
	App *Prediction
	Att *Prediction
}

// Classifier labels flows with the application and the attribution bundles. The attribution model reads the
// application model's probabilities, so the application model runs whenever either task is asked for.
type Classifier struct {
	App *Predictor
	Att *Predictor
}

// NewClassifier loads both bundles and checks they fit the feature code and each other.
func NewClassifier(app, att *Bundle) (*Classifier, error) {
	if app.Task != TaskApp || att.Task != TaskAtt {
		return nil, fmt.Errorf("want an %s and an %s bundle, got %s and %s", TaskApp, TaskAtt, app.Task, att.Task)
	}
	if !slices.Equal(app.FeatureNames, features.FeatureNames) {
		return nil, fmt.Errorf("bundle %s was trained on another feature list than this build computes; retrain it", app.Version)
	}
	want := StackedFeatureNames(features.FeatureNames, TaskApp, app.Labels)
	if att.StackedOn != TaskApp || !slices.Equal(att.FeatureNames, want) {
		return nil, fmt.Errorf("bundle %s is not stacked on %s; retrain it", att.Version, app.Version)
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
	stacked  []float64
}

// Classify predicts the asked tasks for one feature vector.
func (c *Classifier) Classify(x features.FeatureVector, tasks Tasks, s *ClassifierScratch) (Result, error) {
	var res Result
	if !tasks.App && !tasks.Att {
		return res, nil
	}
	appProba, err := c.App.Proba(x, &s.app)
	if err != nil {
		return res, fmt.Errorf("%s model: %w", TaskApp, err)
	}
	if tasks.App {
		p := c.App.Rank(appProba)
		res.App = &p
	}
	if tasks.Att {
		s.stacked = append(append(s.stacked[:0], x...), appProba...)
		attProba, err := c.Att.Proba(s.stacked, &s.att)
		if err != nil {
			return res, fmt.Errorf("%s model: %w", TaskAtt, err)
		}
		p := c.Att.Rank(attProba)
		res.Att = &p
	}
	return res, nil
}
