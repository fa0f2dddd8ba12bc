// Package job is one browser classification run: classify.Stream over the page's file, writing exactly what
// `ntc classify` writes, with what the page shows gathered on the side through classify.Options.OnRow — progress,
// the class mix, confidence histograms, a sample of rows for the table and the error rows. It has no syscall/js,
// so it is tested natively; wasm/worker wires it to the browser.
package job

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/protocol"
)

// Options tune a run.
type Options struct {
	Tasks      model.Tasks
	TotalBytes int64         // the file's size, for the progress bar
	KeepRows   int           // rows sent for the table at most
	KeepErrors int           // error rows sent at most (all are counted, and all are in the output's error column)
	Every      time.Duration // how often OnProgress is called during the run
	First      time.Duration // when it is called first: the first rows show sooner than Every
	// OnProgress sees the run's state; its EncodedRows and NewErrors are only those since the previous call, and
	// the Progress is not used again after the call returns.
	OnProgress func(*protocol.Progress)
	Now        func() time.Time // the clock, time.Now if nil
	// RowsBefore and FirstLine number the input as a chunk of a larger file (classify.Options); ChunkRows is
	// how many rows RunParallel puts in a chunk (ChunkRows if zero).
	RowsBefore, FirstLine, ChunkRows int
}

// Defaults for Options fields left zero.
const (
	DefaultKeepRows   = 100_000
	DefaultKeepErrors = 1_000
	DefaultEvery      = 500 * time.Millisecond
	DefaultFirst      = 100 * time.Millisecond
)

// Run classifies r into w with c and returns the final state. The error is classify.Stream's: a header problem
// before any output, context.Canceled when ctx was cancelled, or an I/O error.
func Run(ctx context.Context, c *model.Classifier, r io.Reader, w io.Writer, opts Options) (*protocol.Progress, error) {
	opts = opts.withDefaults()
	g := &gatherer{reporter: newReporter(opts, &recorder{r: r})}
	_, err := classify.Stream(ctx, c, g.in, w, classify.Options{Tasks: opts.Tasks, Workers: 1, OnHeader: g.findColumns, OnRow: g.onRow,
		RowsBefore: opts.RowsBefore, FirstLine: opts.FirstLine})
	g.stamp()
	return &g.p, err
}

// withDefaults fills the fields left zero.
func (opts Options) withDefaults() Options {
	if opts.KeepRows == 0 {
		opts.KeepRows = DefaultKeepRows
	}
	if opts.KeepErrors == 0 {
		opts.KeepErrors = DefaultKeepErrors
	}
	if opts.Every == 0 {
		opts.Every = DefaultEvery
	}
	if opts.First == 0 {
		opts.First = min(DefaultFirst, opts.Every)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ChunkRows == 0 {
		opts.ChunkRows = ChunkRows
	}
	return opts
}

// newProgress is a run's state before its first row.
func newProgress(opts Options) protocol.Progress {
	p := protocol.Progress{Total: opts.TotalBytes, Kept: max(opts.KeepRows, 0)}
	if opts.Tasks.App {
		p.Summary.App = &protocol.TaskSummary{Counts: map[string]int{}}
	}
	if opts.Tasks.Att {
		p.Summary.Att = &protocol.TaskSummary{Counts: map[string]int{}}
	}
	return p
}

// reporter is what both kinds of run (Run, RunParallel) keep for the page: the state, and when to send it.
type reporter struct {
	opts        Options
	in          *recorder
	p           protocol.Progress
	start, last time.Time
	reports     int // OnProgress calls so far
}

func newReporter(opts Options, in *recorder) reporter {
	now := opts.Now()
	return reporter{opts: opts, in: in, p: newProgress(opts), start: now, last: now}
}

// report hands the state to OnProgress when a message is due (the first after First, then every Every), and
// empties the rows and errors it carried.
func (r *reporter) report() {
	if r.opts.OnProgress == nil {
		return
	}
	every := r.opts.Every
	if r.reports == 0 {
		every = r.opts.First
	}
	if now := r.opts.Now(); now.Sub(r.last) >= every {
		r.last = now
		r.reports++
		r.stamp()
		r.opts.OnProgress(&r.p)
		r.p.EncodedRows, r.p.NewErrors = r.p.EncodedRows[:0], r.p.NewErrors[:0]
	}
}

// stamp brings the byte count and the rates up to date.
func (r *reporter) stamp() {
	r.p.Bytes = r.in.n.Load()
	el := r.opts.Now().Sub(r.start)
	r.p.ElapsedMs = float64(el) / float64(time.Millisecond)
	if el > 0 {
		r.p.RowsPerSec = float64(r.p.Rows) / el.Seconds()
	}
}

type gatherer struct {
	reporter
	// columns of the table, found in the header on the first row; -1 when absent
	cols     struct{ src, sport, dst, dport, proto, label int }
	labelFor *protocol.TaskSummary // the task the file's label column can be compared with
	labelApp bool
	seen     bool
}

func (g *gatherer) onRow(r *classify.Row) {
	if !g.seen {
		g.seen = true
		g.p.HeaderBytes = r.OutOffset // the first row's line follows the header's
	}
	p := &g.p
	p.Rows++
	if r.Err != nil {
		p.Bad++
		if len(p.NewErrors) < g.opts.KeepErrors && p.Bad <= g.opts.KeepErrors {
			p.NewErrors = append(p.NewErrors, rowError(r))
		}
	} else {
		countTask(p.Summary.App, r.Result.App)
		countTask(p.Summary.Att, r.Result.Att)
		if g.labelFor != nil {
			pred := r.Result.Att
			if g.labelApp {
				pred = r.Result.App
			}
			if l := strings.TrimSpace(g.field(r, g.cols.label)); l != "" && pred != nil {
				g.labelFor.Labelled++
				switch pred.Label {
				case l:
					g.labelFor.Agree++
				case model.Unknown:
					g.labelFor.LabelledUnknown++
				}
			}
		}
	}
	if p.Rows <= g.opts.KeepRows {
		if len(p.EncodedRows) > 0 {
			p.EncodedRows = append(p.EncodedRows, ',')
		}
		p.EncodedRows = g.appendRow(p.EncodedRows, r)
	}
	if p.Rows%64 == 0 {
		g.report()
	}
}

func countTask(s *protocol.TaskSummary, p *model.Prediction) {
	if s == nil || p == nil {
		return
	}
	s.Counts[p.Label]++
	bin := int(math.Floor(p.Confidence * protocol.HistBins))
	s.Hist[min(max(bin, 0), protocol.HistBins-1)]++
}

// findColumns finds the table's columns and the label column in the header (classify's OnHeader): a header of
// any length, as the run read it.
func (g *gatherer) findColumns(header []string, labelColumn string) {
	c := &g.cols
	c.src, c.sport, c.dst, c.dport, c.proto, c.label = -1, -1, -1, -1, -1, -1
	for i, name := range header {
		switch strings.TrimSpace(name) {
		case "Source_IP":
			c.src = i
		case "Source_port":
			c.sport = i
		case "Destination_IP":
			c.dst = i
		case "Destination_port":
			c.dport = i
		case features.ProtocolColumn:
			c.proto = i
		case labelColumn:
			if labelColumn != "" {
				c.label = i
			}
		}
	}
	g.p.Summary.LabelColumn = labelColumn
	switch labelColumn {
	case "label":
		g.labelFor, g.labelApp = g.p.Summary.App, true
	case "attribution":
		g.labelFor = g.p.Summary.Att
	}
}

func (g *gatherer) field(r *classify.Row, i int) string {
	if i < 0 || i >= len(r.Fields) {
		return ""
	}
	return r.Fields[i]
}

func rowError(r *classify.Row) protocol.RowError {
	var re *features.RowError
	if errors.As(r.Err, &re) {
		return protocol.RowError{Row: re.Row, Line: re.Line, Column: re.Column, Reason: re.Reason}
	}
	return protocol.RowError{Row: r.Row, Reason: r.Err.Error()}
}

// Failure describes a run's error for the page.
func Failure(err error, partial *protocol.Progress) *protocol.Failure {
	var cf *ChunkFailure
	if errors.As(err, &cf) { // a helper's description of the header problem every chunk shares
		f := *cf.Failure
		return &f
	}
	f := &protocol.Failure{Error: err.Error(), Partial: partial}
	var me *features.MissingColumnsError
	if errors.As(err, &me) {
		f.Missing = me.Columns
		f.Partial = nil
	}
	var he *features.HeaderError
	if errors.As(err, &he) {
		f.Partial = nil
	}
	return f
}

// Card is the model card of the classifier's bundles.
func Card(c *model.Classifier) *protocol.Ready {
	card := func(b *model.Bundle, title string) protocol.TaskCard {
		cv := func(s model.CVSummary) protocol.CV {
			return protocol.CV{Folds: s.Folds, Repeats: s.Repeats, Accuracy: s.Accuracy, AccuracyStd: s.AccuracyStd, MacroF1: s.MacroF1}
		}
		return protocol.TaskCard{
			Task: b.Task, Title: title, Version: b.Version, Labels: b.Labels,
			Trees: b.Training.Trees, TrainRows: b.Training.Rows, TrainData: b.Training.Data,
			Stratified: cv(b.Metrics.Stratified), Grouped: cv(b.Metrics.Grouped),
		}
	}
	return &protocol.Ready{Tasks: []protocol.TaskCard{
		card(c.App.Bundle, "Application"),
		card(c.Att.Bundle, "Attribution"),
	}}
}

// recorder counts the bytes read through it.
type recorder struct {
	r io.Reader
	n atomic.Int64
}

func (c *recorder) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
