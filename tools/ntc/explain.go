package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
)

func runExplain(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	in := fs.String("in", "-", "flow CSV (- for stdin)")
	row := fs.Int("row", 1, "data row to explain (1 = the first row after the header)")
	tasksFlag := fs.String("tasks", "app,att", "tasks to explain")
	top := fs.Int("top", 10, "features to list per task")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	tasks, err := model.ParseTasks(*tasksFlag)
	if err != nil {
		return usageError{err}
	}
	if *row < 1 {
		return usageError{fmt.Errorf("-row must be 1 or more")}
	}
	c, err := model.Default()
	if err != nil {
		return fmt.Errorf("loading the embedded models: %w", err)
	}
	r, err := openIn(*in)
	if err != nil {
		return err
	}
	defer r.Close()
	rd, err := features.NewReader(r)
	if err != nil {
		return err
	}
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("the file has no row %d", *row)
		}
		if rec == nil || rec.Row != *row {
			if err != nil && !features.IsRowError(err) {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot explain it: %w", err)
		}
		var s classify.Scratch
		classified := classify.Classify(c, rec, nil, tasks, &s)
		e, err := classify.Explain(c, rec, tasks, *top)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"row": *row, "prediction": classified.Result, "explain": e})
		}
		printExplanation(stdout, "application", classified.Result.App, e.App)
		printExplanation(stdout, "attribution", classified.Result.Att, e.Att)
		return nil
	}
}

func printExplanation(w io.Writer, task string, p *model.Prediction, e *model.Explanation) {
	if p == nil || e == nil {
		return
	}
	fmt.Fprintf(w, "%s: %s (confidence %.4f; top 3 %s)\n", task, p.Label, p.Confidence, classify.FormatTop(p.TopK))
	score := "vote share"
	if e.Boosted {
		score = "raw score (before softmax)"
	}
	fmt.Fprintf(w, "  why %q: %s %.4f = base %.4f + the contributions below (and smaller ones)\n", e.Label, score, e.Score, e.Base)
	printContributions(w, e.Contributions)
	if f := e.Forest; f != nil {
		fmt.Fprintf(w, "  and the forest averaged in with weight %.2f: vote share %.4f = base %.4f + the contributions below\n", e.ForestWeight, f.Score, f.Base)
		printContributions(w, f.Contributions)
	}
	if len(e.Tokens) > 0 {
		fmt.Fprintf(w, "  exact sizes the token table holds for %q (each adds to its log-probability, beyond the votes):\n", e.Label)
		for _, t := range e.Tokens {
			fmt.Fprintf(w, "  %-47s %+12.4f\n", t.Token, t.Contribution)
		}
	}
}

func printContributions(w io.Writer, cs []model.Contribution) {
	fmt.Fprintf(w, "  %-32s %14s %12s\n", "feature", "value", "contribution")
	for _, c := range cs {
		fmt.Fprintf(w, "  %-32s %14.6g %+12.4f\n", c.Feature, c.Value, c.Contribution)
	}
}
