package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/train"
)

// taskFlags are the flags every model command shares.
type taskFlags struct {
	task, data, algo string
	seed             uint64
}

func (t *taskFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.task, "task", model.TaskApp, "task: app or att")
	fs.StringVar(&t.data, "data", "", "labelled flow CSV (label column `label` for app, `attribution` for att)")
	fs.Uint64Var(&t.seed, "seed", 1, "random seed; the same seed gives the same model and folds")
	fs.StringVar(&t.algo, "algo", "", "learner: rf (random forest) or gbdt (gradient boosting); default: the task's (rf for app, gbdt for att)")
}

func (t *taskFlags) check() error {
	if t.task != model.TaskApp && t.task != model.TaskAtt {
		return usageError{fmt.Errorf("-task %q: want app or att", t.task)}
	}
	if t.data == "" {
		return usageError{fmt.Errorf("-data is required")}
	}
	if t.algo != "" && t.algo != train.AlgoForest && t.algo != train.AlgoBoost {
		return usageError{fmt.Errorf("-algo %q: want rf or gbdt", t.algo)}
	}
	return nil
}

// options builds the trainer's options.
func (t *taskFlags) options(folds, repeats int) train.Options {
	r := train.DefaultRecipe(t.task, t.seed)
	if t.algo != "" {
		r = r.WithAlgorithm(t.algo)
	}
	return train.Options{Task: t.task, Data: t.data, Seed: t.seed, Folds: folds, Repeats: repeats, Recipe: r}
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var tf taskFlags
	tf.register(fs)
	out := fs.String("out", "", "bundle file to write")
	folds := fs.Int("folds", 5, "cross-validation folds for the bundle's metrics")
	repeats := fs.Int("repeats", 3, "cross-validation repeats for the bundle's metrics")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := tf.check(); err != nil {
		return err
	}
	if *out == "" {
		return usageError{fmt.Errorf("-out is required")}
	}
	b, err := train.Train(tf.options(*folds, *repeats))
	if err != nil {
		return err
	}
	if err := b.Save(*out); err != nil {
		return err
	}
	m := b.Metrics
	fmt.Fprintf(stdout, "wrote %s (%s, %d trees, %d nodes)\n", *out, b.Version, b.Training.Trees, b.Training.Nodes)
	fmt.Fprintf(stdout, "stratified CV: accuracy=%.4f±%.4f macro_f1=%.4f\n", m.Stratified.Accuracy, m.Stratified.AccuracyStd, m.Stratified.MacroF1)
	fmt.Fprintf(stdout, "grouped CV:    accuracy=%.4f±%.4f macro_f1=%.4f\n", m.Grouped.Accuracy, m.Grouped.AccuracyStd, m.Grouped.MacroF1)
	return nil
}

func runCV(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cv", flag.ContinueOnError)
	var tf taskFlags
	tf.register(fs)
	folds := fs.Int("folds", 5, "folds")
	repeats := fs.Int("repeats", 3, "repeats, each with its own shuffle")
	grouped := fs.Bool("grouped", false, "keep each (Source_IP, Destination_IP) pair in one fold: the new-network figure")
	tokens := fs.Bool("tokens", true, "forest only: combine the votes with the exact-size token naive Bayes (train.TokenParams); the app recipe's default")
	trees := fs.Int("trees", 0, "forest trees, the blend forest's for gbdt (0 = the recipe's)")
	blend := fs.Float64("blend-forest", -1, "gbdt only: the weight of the forest's vote shares averaged with the boosted softmax (-1 = the recipe's, 0.6 for att; 0 = boosting alone)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := tf.check(); err != nil {
		return err
	}
	o := tf.options(*folds, *repeats)
	if !*tokens || o.Recipe.Algorithm == train.AlgoBoost {
		o.Recipe.Tokens = nil
	}
	if *blend != -1 {
		if !(*blend >= 0 && *blend <= 1) { // NaN too
			return usageError{fmt.Errorf("-blend-forest %v: want 0 to 1, or -1 for the recipe's", *blend)}
		}
		switch {
		case *blend == 0:
			o.Recipe.Blend = nil
		case o.Recipe.Algorithm != train.AlgoBoost:
			return usageError{fmt.Errorf("-blend-forest needs the gbdt learner")}
		case o.Recipe.Blend == nil: // the app recipe switched to gbdt: blend its forest
			o.Recipe.Blend = &train.BlendParams{Weight: *blend, Forest: o.Recipe.Forest}
		default: // the recipe is this run's own (train.DefaultRecipe)
			o.Recipe.Blend.Weight = *blend
		}
	}
	if *trees > 0 {
		o.Recipe.Forest.Trees = *trees
		if o.Recipe.Blend != nil {
			o.Recipe.Blend.Forest.Trees = *trees
		}
	}
	ds, err := train.LoadDataset(o.Data)
	if err != nil {
		return err
	}
	scheme := train.Stratified
	if *grouped {
		scheme = train.Grouped
	}
	res := train.CrossValidate(ds, scheme, *folds, *repeats, tf.seed, o.Recipe.FitFunc(len(ds.Labels)))
	writeReport(stdout, res.Last, 10)
	fmt.Fprintf(stdout, "cv: %s, %d folds x %d repeats, top3_accuracy=%.4f\n", scheme, *folds, *repeats, res.Top3)
	fmt.Fprintf(stdout, "spread: accuracy_std=%.4f macro_f1_std=%.4f repeats=%d\n", res.AccuracyStd, res.MacroF1Std, *repeats)
	fmt.Fprintf(stdout, "accuracy=%.4f macro_f1=%.4f n=%d\n", res.Accuracy, res.MacroF1, res.N)
	return nil
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	var tf taskFlags
	tf.register(fs)
	bundlePath := fs.String("model", "", "bundle to evaluate (default: the embedded one for -task)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := tf.check(); err != nil {
		return err
	}
	var p *model.Predictor
	if *bundlePath != "" {
		b, err := model.LoadBundle(*bundlePath)
		if err != nil {
			return err
		}
		if b.Task != tf.task {
			return fmt.Errorf("%s is a %s bundle, not %s", *bundlePath, b.Task, tf.task)
		}
		if p, err = model.NewPredictor(b); err != nil {
			return err
		}
	} else {
		c, err := model.Default()
		if err != nil {
			return fmt.Errorf("loading the embedded models: %w", err)
		}
		p = c.App
		if tf.task == model.TaskAtt {
			p = c.Att
		}
	}
	ds, err := train.LoadDataset(tf.data)
	if err != nil {
		return err
	}
	rep, err := train.EvaluatePredictor(p, ds)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "model %s on %s\n", p.Bundle.Version, tf.data)
	writeReport(stdout, rep, 10)
	if c := p.Bundle.Calibration; c != nil && rep.N > 0 {
		// the figures below score the most probable class; classify's labels say "unknown" under the threshold
		fmt.Fprintf(stdout, "ntc classify labels %d rows (%.1f%%) unknown (confidence under %.3f), %d of them right at top 1: "+
			"its labels score accuracy %.4f (--no-unknown gives the figure below)\n",
			rep.Unknown, 100*float64(rep.Unknown)/float64(rep.N), c.UnknownThreshold, rep.UnknownWereRight, rep.AccuracyWithUnknown())
	}
	fmt.Fprintf(stdout, "accuracy=%.4f macro_f1=%.4f n=%d\n", rep.Accuracy, rep.MacroF1, rep.N)
	return nil
}

// writeReport prints the per-class table and the most frequent confusions.
func writeReport(w io.Writer, r train.Report, confusions int) {
	fmt.Fprintf(w, "%-28s %9s %9s %9s %7s\n", "class", "precision", "recall", "f1", "support")
	for _, c := range r.PerClass {
		fmt.Fprintf(w, "%-28s %9.3f %9.3f %9.3f %7d\n", c.Label, c.Precision, c.Recall, c.F1, c.Support)
	}
	if len(r.Confusions) > 0 {
		n := min(confusions, len(r.Confusions))
		fmt.Fprintf(w, "most frequent confusions (%d of %d pairs):\n", n, len(r.Confusions))
		for _, c := range r.Confusions[:n] {
			fmt.Fprintf(w, "  %4d  %s -> %s\n", c.Count, c.True, c.Pred)
		}
	}
}

func runFolds(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("folds", flag.ContinueOnError)
	var tf taskFlags
	tf.register(fs)
	folds := fs.Int("folds", 5, "folds")
	repeats := fs.Int("repeats", 3, "repeats")
	grouped := fs.Bool("grouped", false, "group by (Source_IP, Destination_IP)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := tf.check(); err != nil {
		return err
	}
	ds, err := train.LoadDataset(tf.data)
	if err != nil {
		return err
	}
	cols := []string{"row"}
	var assign [][]int
	for r := 0; r < *repeats; r++ {
		cols = append(cols, fmt.Sprintf("r%d", r))
		if *grouped {
			assign = append(assign, train.GroupedFolds(ds.Groups, *folds, tf.seed+uint64(r)))
		} else {
			assign = append(assign, train.StratifiedFolds(ds.Y, *folds, tf.seed+uint64(r)))
		}
	}
	fmt.Fprintln(stdout, strings.Join(cols, ","))
	for i := range ds.Y {
		fmt.Fprint(stdout, i)
		for _, a := range assign {
			fmt.Fprintf(stdout, ",%d", a[i])
		}
		fmt.Fprintln(stdout)
	}
	return nil
}
