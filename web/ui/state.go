// Package ui is the page's Vugu component tree: the drop zone, task toggles, progress, charts, the results
// table, error rows, download and the model card. It renders what the classifier's worker reports
// (wasm/protocol) and computes nothing about flows itself. The .vugu files are the templates; vugugen turns them
// into 0_components_gen.go (committed; `make web-gen` regenerates it).
package ui

import (
	"cmp"
	"fmt"
	"math"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/flowlens/ntc/wasm/protocol"
	"github.com/vugu/vugu/js"
)

// Run states.
const (
	StateLoading   = "loading" // the worker is loading the models
	StateIdle      = "idle"
	StateRunning   = "running"
	StateDone      = "done"
	StateCancelled = "cancelled"
	StateFailed    = "failed"
)

// PageSize is the table's rows per page.
const PageSize = 50

// Sort orders of the table.
const (
	SortRow      = ""
	SortAppDesc  = "app-desc"
	SortAppAsc   = "app-asc"
	SortAttDesc  = "att-desc"
	SortAttAsc   = "att-asc"
	filterErrors = "!errors"
)

// Page is the state behind the page. The worker's messages (Apply) and the user's actions change it; the
// templates only read it.
type Page struct {
	State    string
	Card     *protocol.Ready
	TaskApp  bool
	TaskAtt  bool
	FileName string
	FileSize int64
	file     js.Value

	P         protocol.Progress // the latest progress; its NewRows and NewErrors are moved to Rows and Errors
	Rows      []protocol.RowView
	Errors    []protocol.RowError
	Failure   *protocol.Failure
	ResultURL string // the classified CSV, once done
	Dragging  bool

	Filter string // "", filterErrors, "app:<label>" or "att:<label>"
	Sort   string
	PageNo int // 0-based

	// ClassesOpen says, by task, whether the model card's list of every class is open. The page draws the
	// list only then (128 chips fewer in every redraw during a run), and keeps it open across redraws:
	// Vugu's renderer removes any attribute the template does not set, the browser's own "open" included.
	ClassesOpen map[string]bool

	view      []int // indexes into Rows after filter and sort
	viewDirty bool

	// The HTTP API on the page's own origin (GET /healthz answered 200), and whether to send files there.
	APIAvailable bool
	APIOrigin    string
	Remote       bool            // the user's choice, off by default
	RemoteRun    bool            // the current (or last) run went to the server
	R            protocol.Remote // that run's upload and answer so far

	// The row explanation drawer.
	WhyOpen  bool
	WhyRow   protocol.RowView // the row asked about
	Why      *protocol.Explained
	whyID    int
	whyTasks struct{ app, att bool }

	// Helpers is how many helper workers the classifier has started (0 until they are up): a big file is
	// split among them.
	Helpers int

	// drawNow says the last message applied is one to show at once (not a run's progress): Listen's throttle
	// lets it through.
	drawNow bool
	// next is a file chosen during a run: it starts when that run has stopped (Choose).
	next *chosenFile

	// Bridge is the page's JS glue (web/static/app.js); nil in tests.
	Bridge Bridge
}

// Bridge is what the page asks of its JS glue.
type Bridge interface {
	Start(file js.Value, app, att bool)
	Cancel()
	ResultURL(name string) string // a blob: URL of the output chunks received so far
	Upload(file js.Value, app, att bool)
	Explain(id, row int, off int64, n int, header int64, app, att bool)
}

// NewPage returns the page before the worker is ready.
func NewPage(b Bridge) *Page {
	return &Page{State: StateLoading, TaskApp: true, TaskAtt: true, Bridge: b}
}

// Apply takes one worker message (protocol.Envelope JSON).
func (p *Page) Apply(msg string) error {
	held := len(p.Rows)
	m, rows, err := protocol.DecodeAppend(msg, p.Rows) // a progress message's rows go straight into Rows
	if err != nil {
		return err
	}
	p.drawNow = m.Kind != protocol.KindProgress
	defer p.startNext()             // whatever ended the run, a file chosen during it follows
	defer p.dropEmptyErrorsFilter() // whatever ended it (runs first: the next file starts without it)
	switch m.Kind {
	case protocol.KindReady:
		p.Card = m.Ready
		if p.State == StateLoading {
			p.State = StateIdle
			if p.FileName != "" { // chosen while the models loaded
				p.Run()
			}
		}
	case protocol.KindAPI, protocol.KindRemote, protocol.KindRemoteDone, protocol.KindExplained, protocol.KindHelpers:
		p.applyExtra(&m)
	case protocol.KindProgress, protocol.KindDone, protocol.KindCancelled:
		if p.State != StateRunning {
			return nil // a late message from a run the page has moved on from
		}
		if m.Progress == nil { // the glue stopped a worker that did not answer
			if m.Kind == protocol.KindCancelled {
				p.State = StateCancelled
			}
			return nil
		}
		if len(rows) > held { // decoded into Rows' own array
			p.Rows, p.viewDirty = rows, true
		}
		p.take(m.Progress)
		switch m.Kind {
		case protocol.KindDone:
			p.State = StateDone
			if p.Bridge != nil {
				p.ResultURL = p.Bridge.ResultURL(p.OutputName())
			}
		case protocol.KindCancelled:
			p.State = StateCancelled
		}
	case protocol.KindFailed:
		p.Failure = m.Failure
		if m.Failure != nil && m.Failure.Partial != nil {
			p.take(m.Failure.Partial)
		}
		p.State = StateFailed
	}
	return nil
}

// dropEmptyErrorsFilter shows every row when a run kept the errors filter of the run before (Run does, so
// that running a file again keeps the view) but ended without a bad row: the table would stay empty. Apply
// calls it after every message; during a run it does nothing.
func (p *Page) dropEmptyErrorsFilter() {
	if p.Filter == filterErrors && p.P.Bad == 0 && p.State != StateRunning {
		p.Filter, p.PageNo, p.viewDirty = "", 0, true
	}
}

func (p *Page) take(pr *protocol.Progress) {
	if len(pr.NewRows) > 0 {
		p.Rows = append(p.Rows, pr.NewRows...)
		p.viewDirty = true
	}
	p.Errors = append(p.Errors, pr.NewErrors...)
	p.P = *pr
	p.P.NewRows, p.P.NewErrors = nil, nil
}

// rowsFor is an empty table with room for the rows a file of size bytes sends (a flow row is about 500
// bytes; the worker sends 100,000 at most), so that they are not copied again and again as they arrive.
func rowsFor(size int64) []protocol.RowView {
	return make([]protocol.RowView, 0, min(size/400+16, 100_000))
}

// Choose starts a run over a file the user picked or dropped.
// A file chosen during a run replaces it: the run is cancelled, and the new file starts once the run has
// said it stopped (its last output and messages come before that, so none of them mix with the new run's).
func (p *Page) Choose(file js.Value, name string, size int64) {
	if p.State == StateRunning {
		if p.next == nil && p.Bridge != nil {
			p.Bridge.Cancel()
		}
		p.next = &chosenFile{file, name, size} // the latest choice wins
		return
	}
	p.choose(&chosenFile{file, name, size})
}

// chosenFile is a file the user picked.
type chosenFile struct {
	file js.Value
	name string
	size int64
}

// startNext starts the file chosen during a run once that run has ended, if there is one.
func (p *Page) startNext() {
	if n := p.next; n != nil && p.State != StateRunning {
		p.next = nil
		p.choose(n)
	}
}

// choose makes n the chosen file and runs it, or, with no task chosen, says so and clears the last results.
func (p *Page) choose(n *chosenFile) {
	p.file, p.FileName, p.FileSize = n.file, n.name, n.size
	if !p.TaskApp && !p.TaskAtt && p.State != StateLoading {
		p.P, p.Rows, p.Errors, p.Failure, p.ResultURL = protocol.Progress{}, nil, nil, nil, ""
		p.R, p.RemoteRun = protocol.Remote{}, false
		p.view, p.viewDirty, p.State = nil, true, StateIdle
		p.CloseWhy()
		return
	}
	p.Run()
}

// CanRun says whether a run can start now.
func (p *Page) CanRun() bool {
	return p.State != StateLoading && p.State != StateRunning && p.FileName != "" && (p.TaskApp || p.TaskAtt)
}

// Run (re)starts the run over the chosen file with the chosen tasks.
func (p *Page) Run() {
	if !p.CanRun() {
		return
	}
	p.P = protocol.Progress{Total: p.FileSize}
	p.Rows, p.Errors, p.Failure, p.ResultURL = rowsFor(p.FileSize), nil, nil, ""
	p.view, p.viewDirty, p.PageNo = nil, true, 0
	if p.Filter != filterErrors {
		p.Filter = ""
	}
	p.CloseWhy()
	p.State = StateRunning
	p.RemoteRun = p.SendsToServer()
	p.R = protocol.Remote{Total: p.FileSize, Origin: p.APIOrigin}
	if p.Bridge == nil {
		return
	}
	if p.RemoteRun {
		p.Bridge.Upload(p.file, p.TaskApp, p.TaskAtt)
		return
	}
	p.Bridge.Start(p.file, p.TaskApp, p.TaskAtt)
}

// Cancel asks the worker (or the upload) to stop, and drops a file chosen to follow the run.
func (p *Page) Cancel() {
	if p.State != StateRunning {
		return
	}
	cancelling := p.next != nil // a file chosen during the run has already asked
	p.next = nil                // the user's Cancel stops that file too
	if !cancelling && p.Bridge != nil {
		p.Bridge.Cancel()
	}
}

// Status is the status line (data-testid="status"); "done: N rows" when a run finished.
func (p *Page) Status() string {
	switch p.State {
	case StateLoading:
		if p.FileName != "" {
			return "loading the models… the file starts as soon as they are ready"
		}
		return "loading the models…"
	case StateIdle:
		if p.FileName != "" && !p.TaskApp && !p.TaskAtt {
			return "choose Application, Attribution or both to classify " + p.FileName
		}
		if p.SendsToServer() {
			return "ready: drop a flow CSV to send it to the server"
		}
		return "ready: drop a flow CSV to classify it"
	case StateRunning:
		if p.RemoteRun {
			return p.remoteStatus()
		}
		return fmt.Sprintf("classifying: %d rows", p.P.Rows)
	case StateDone:
		if p.RemoteRun {
			return "done on the server: " + Bytes(p.R.Received) + " of predictions"
		}
		return fmt.Sprintf("done: %d rows", p.P.Rows)
	case StateCancelled:
		if p.RemoteRun {
			return "cancelled: the upload was stopped"
		}
		return fmt.Sprintf("cancelled after %d rows", p.P.Rows)
	case StateFailed:
		if p.Failure != nil {
			return "failed: " + p.Failure.Error
		}
		return "failed"
	}
	return p.State
}

// RowsPerSecAttr and ElapsedAttr are the worker's figures for scripts (web/e2e/bench.mjs).
func (p *Page) RowsPerSecAttr() string { return strconv.FormatFloat(p.P.RowsPerSec, 'f', 1, 64) }
func (p *Page) ElapsedAttr() string    { return strconv.FormatFloat(p.P.ElapsedMs, 'f', 1, 64) }

// Busy says whether a run is under way.
func (p *Page) Busy() bool { return p.State == StateRunning }

// HasResults says whether there is anything to show below the controls: the worker's tables and charts.
func (p *Page) HasResults() bool { return !p.RemoteRun && (p.P.Rows > 0 || p.Busy()) }

// ShowProgress says whether the progress bar shows: a run under way or over, here or on the server.
func (p *Page) ShowProgress() bool {
	return p.HasResults() || p.State == StateFailed || (p.RemoteRun && p.State != StateIdle && p.State != StateLoading)
}

// OutputName is the download's file name.
func (p *Page) OutputName() string {
	base := p.FileName
	if ext := path.Ext(base); strings.EqualFold(ext, ".csv") {
		base = strings.TrimSuffix(base, ext) // Flows.CSV → Flows.classified.csv
	}
	if base == "" {
		base = "flows"
	}
	return base + ".classified.csv"
}

// Percent is the share of the file read, 0–100.
func (p *Page) Percent() float64 {
	switch {
	case p.State == StateDone:
		return 100
	case p.RemoteRun:
		if p.R.Total <= 0 {
			return 0
		}
		return math.Min(100, 100*float64(p.R.Sent)/float64(p.R.Total))
	case p.P.Total <= 0:
		return 0
	}
	return math.Min(100, 100*float64(p.P.Bytes)/float64(p.P.Total))
}

// PercentText is Percent for people.
func (p *Page) PercentText() string { return strconv.Itoa(int(p.Percent())) + "%" }

// ProgressLine says how far the run is.
func (p *Page) ProgressLine() string {
	if p.RemoteRun {
		return "sent " + Bytes(p.R.Sent) + " of " + Bytes(p.R.Total) + " · received " + Bytes(p.R.Received) + " of predictions"
	}
	s := Bytes(p.P.Bytes) + " of " + Bytes(p.P.Total) + " · " + Count(p.P.Rows) + " rows · " + Count(int(math.Round(p.P.RowsPerSec))) + " rows/s"
	if p.P.ElapsedMs > 0 {
		s += " · " + Seconds(p.P.ElapsedMs)
	}
	return s + p.workersNote()
}

// workersNote says, when a file is split among helper workers, how many.
func (p *Page) workersNote() string {
	if p.P.Workers > 1 {
		return " · " + strconv.Itoa(p.P.Workers) + " workers"
	}
	return ""
}

// WorkersAttr is the number of workers classifying the current (or last) file, and HelpersAttr the number
// of helper workers up, for scripts (web/e2e).
func (p *Page) WorkersAttr() string { return strconv.Itoa(max(p.P.Workers, 1)) }

// HelpersAttr: see WorkersAttr.
func (p *Page) HelpersAttr() string { return strconv.Itoa(p.Helpers) }

// ---- summary tiles

// Tile is one figure of the summary strip.
type Tile struct {
	Label, Value, Note string
	Class              string
}

// Tiles are the run's headline figures.
func (p *Page) Tiles() []Tile {
	t := []Tile{
		{Label: "Flows classified", Value: Count(p.P.Rows - p.P.Bad), Note: "of " + Count(p.P.Rows) + " rows"},
		{Label: "Rows with errors", Value: Count(p.P.Bad), Note: pct(p.P.Bad, p.P.Rows) + " of rows", Class: map[bool]string{true: "warn"}[p.P.Bad > 0]},
		{Label: "Speed", Value: Count(int(math.Round(p.P.RowsPerSec))), Note: "rows/s · " + Seconds(p.P.ElapsedMs) + p.workersNote()},
	}
	for _, ts := range []struct {
		s    *protocol.TaskSummary
		name string
	}{{p.P.Summary.App, "application"}, {p.P.Summary.Att, "attribution"}} {
		if ts.s != nil && ts.s.Labelled > 0 {
			note := Count(ts.s.Agree) + " of " + Count(ts.s.Labelled) + " " + ts.name + " labels"
			if ts.s.LabelledUnknown > 0 { // withheld answers, not wrong labels: say how many
				note += " · " + Count(ts.s.LabelledUnknown) + " called unknown"
			}
			t = append(t, Tile{Label: "Agreement with file's " + p.P.Summary.LabelColumn, Value: pct(ts.s.Agree, ts.s.Labelled),
				Note: note, Class: "good"})
		}
	}
	return t
}

// ---- charts

// Bar is one bar of the class-mix chart.
type Bar struct {
	Label  string
	Count  int
	Width  string // of the bar, 0–100 in the chart's viewBox
	Share  string
	Filter string // the table filter the bar selects
	Other  bool
}

// Chart is one task's class mix and confidence histogram.
type Chart struct {
	Task, Title string
	Bars        []Bar
	Classes     int
	Hist        []HistBin
	Mean        string
	Low         string // share of predictions below 0.5 confidence
}

// HistBin is one column of the confidence histogram.
type HistBin struct {
	X, Y, H, W string // in the chart's 0 0 200 100 viewBox
	Class      string
	Title      string
}

// MaxBars is how many classes the class-mix chart shows before lumping the rest into "other".
const MaxBars = 12

// Charts are the charts of the tasks in the run.
func (p *Page) Charts() []Chart {
	var out []Chart
	if s := p.P.Summary.App; s != nil {
		out = append(out, chart("app", "Application", s))
	}
	if s := p.P.Summary.Att; s != nil {
		out = append(out, chart("att", "Attribution", s))
	}
	return out
}

func chart(task, title string, s *protocol.TaskSummary) Chart {
	type kv struct {
		k string
		v int
	}
	var all []kv
	total := 0
	for k, v := range s.Counts {
		all = append(all, kv{k, v})
		total += v
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return strings.Compare(a.k, b.k)
	})
	c := Chart{Task: task, Title: title, Classes: len(all)}
	top := 0
	if len(all) > 0 {
		top = all[0].v
	}
	shown := all
	if len(all) > MaxBars {
		shown = all[:MaxBars-1]
	}
	rest := total
	for _, e := range shown {
		c.Bars = append(c.Bars, Bar{Label: e.k, Count: e.v, Width: width(e.v, top), Share: pct(e.v, total), Filter: task + ":" + e.k})
		rest -= e.v
	}
	if len(shown) < len(all) {
		c.Bars = append(c.Bars, Bar{Label: fmt.Sprintf("%d other classes", len(all)-len(shown)), Count: rest,
			Width: width(rest, max(top, rest)), Share: pct(rest, total), Other: true})
	}
	peak := 0
	for _, h := range s.Hist {
		peak = max(peak, h)
	}
	var sum float64
	low := 0
	for i, h := range s.Hist {
		mid := (float64(i) + 0.5) / protocol.HistBins
		sum += mid * float64(h)
		if mid < 0.5 {
			low += h
		}
		hh := 0.0
		if peak > 0 {
			hh = 96 * float64(h) / float64(peak)
		}
		if h > 0 && hh < 1.5 {
			hh = 1.5
		}
		lo := float64(i) / protocol.HistBins
		c.Hist = append(c.Hist, HistBin{
			X: ftoa(float64(i)*10 + 1), W: "8", Y: ftoa(100 - hh), H: ftoa(hh),
			Class: "h" + strconv.Itoa(i*5/protocol.HistBins),
			Title: fmt.Sprintf("confidence %.2f–%.2f: %s predictions", lo, lo+1.0/protocol.HistBins, Count(h)),
		})
	}
	if total > 0 {
		c.Mean = strconv.FormatFloat(sum/float64(total), 'f', 2, 64)
		c.Low = pct(low, total)
	}
	return c
}

// ---- the table

// FilterOption is one choice of the table's filter.
type FilterOption struct {
	Value, Text string
}

// FilterOptions are the table filter's choices: every predicted label with its count.
func (p *Page) FilterOptions() []FilterOption {
	opts := []FilterOption{{"", "All rows"}}
	if p.P.Bad > 0 || p.Filter == filterErrors { // the filter in force is always one of the choices
		opts = append(opts, FilterOption{filterErrors, fmt.Sprintf("Rows with errors (%s)", Count(p.P.Bad))})
	}
	for _, t := range []struct {
		s          *protocol.TaskSummary
		key, title string
	}{{p.P.Summary.App, "app", "App"}, {p.P.Summary.Att, "att", "Attribution"}} {
		if t.s == nil {
			continue
		}
		labels := make([]string, 0, len(t.s.Counts))
		for l := range t.s.Counts {
			labels = append(labels, l)
		}
		sort.Strings(labels)
		for _, l := range labels {
			opts = append(opts, FilterOption{t.key + ":" + l, fmt.Sprintf("%s: %s (%s)", t.title, l, Count(t.s.Counts[l]))})
		}
	}
	return opts
}

// SetFilter filters the table.
func (p *Page) SetFilter(f string) {
	p.Filter, p.PageNo, p.viewDirty = f, 0, true
}

// ToggleSort cycles a confidence column through descending, ascending and file order.
func (p *Page) ToggleSort(task string) {
	switch p.Sort {
	case task + "-desc":
		p.Sort = task + "-asc"
	case task + "-asc":
		p.Sort = SortRow
	default:
		p.Sort = task + "-desc"
	}
	p.PageNo, p.viewDirty = 0, true
}

// SortMark is the arrow on a confidence column's header.
func (p *Page) SortMark(task string) string {
	switch p.Sort {
	case task + "-desc":
		return "▼"
	case task + "-asc":
		return "▲"
	}
	return "↕"
}

func (p *Page) refresh() {
	if !p.viewDirty {
		return
	}
	p.viewDirty = false
	p.view = p.view[:0]
	kind, label, _ := strings.Cut(p.Filter, ":")
	for i := range p.Rows {
		r := &p.Rows[i]
		switch {
		case p.Filter == "":
		case p.Filter == filterErrors:
			if r.Err == "" {
				continue
			}
		case kind == "app":
			if r.App != label || r.Err != "" {
				continue
			}
		case kind == "att":
			if r.Att != label || r.Err != "" {
				continue
			}
		}
		p.view = append(p.view, i)
	}
	if p.Sort == SortRow {
		return
	}
	task, dir, _ := strings.Cut(p.Sort, "-")
	conf := func(i int) float64 {
		r := &p.Rows[i]
		if r.Err != "" {
			return -1 // errors last whatever the direction
		}
		if task == "app" {
			return r.AppConf
		}
		return r.AttConf
	}
	slices.SortStableFunc(p.view, func(a, b int) int {
		ca, cb := conf(a), conf(b)
		if ca < 0 || cb < 0 {
			return cmp.Compare(cb, ca)
		}
		if dir == "asc" {
			return cmp.Compare(ca, cb)
		}
		return cmp.Compare(cb, ca)
	})
}

// Matching is how many table rows pass the filter.
func (p *Page) Matching() int {
	p.refresh()
	return len(p.view)
}

// Pages is the table's page count.
func (p *Page) Pages() int { return max(1, (p.Matching()+PageSize-1)/PageSize) }

// Turn moves the table by d pages.
func (p *Page) Turn(d int) {
	p.PageNo = min(max(p.PageNo+d, 0), p.Pages()-1)
}

// PageLine says where the table is.
func (p *Page) PageLine() string {
	n := p.Matching()
	if n == 0 {
		return "no rows"
	}
	from := p.PageNo*PageSize + 1
	return fmt.Sprintf("rows %s–%s of %s · page %d of %d", Count(from), Count(min(from+PageSize-1, n)), Count(n), p.PageNo+1, p.Pages())
}

// Truncated says whether the table holds fewer rows than the file (the download has all).
func (p *Page) Truncated() bool { return p.P.Kept > 0 && p.P.Rows > p.P.Kept }

// Cell is one table row as the template shows it.
type Cell struct {
	protocol.RowView
	AppConfText, AttConfText string
	AppW, AttW               string // confidence bar widths
	AppClass, AttClass       string
	LabelMark                string // ✓ or ✗ against the file's own label
	LabelClass               string
}

// PageRows are the rows of the table's current page.
func (p *Page) PageRows() []Cell {
	p.refresh()
	p.PageNo = min(p.PageNo, p.Pages()-1)
	from := p.PageNo * PageSize
	to := min(from+PageSize, len(p.view))
	out := make([]Cell, 0, max(0, to-from))
	appLabels := p.P.Summary.LabelColumn == "label"
	for _, i := range p.view[from:to] {
		r := p.Rows[i]
		c := Cell{RowView: r}
		if r.Err == "" {
			if r.App != "" {
				c.AppConfText, c.AppW, c.AppClass = conf(r.AppConf)
			}
			if r.Att != "" {
				c.AttConfText, c.AttW, c.AttClass = conf(r.AttConf)
			}
			if r.Label != "" {
				pred := r.Att
				if appLabels {
					pred = r.App
				}
				if pred != "" {
					c.LabelMark, c.LabelClass = "✗", "miss"
					if pred == r.Label {
						c.LabelMark, c.LabelClass = "✓", "hit"
					}
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// ShowLabel says whether the table has the file's label column.
func (p *Page) ShowLabel() bool { return p.P.Summary.LabelColumn != "" }

// ShowApp and ShowAtt say which task columns the table has.
func (p *Page) ShowApp() bool { return p.P.Summary.App != nil }
func (p *Page) ShowAtt() bool { return p.P.Summary.Att != nil }

// ErrorsShown is the error list's note.
func (p *Page) ErrorsNote() string {
	if len(p.Errors) < p.P.Bad {
		return fmt.Sprintf("The first %s of %s are listed; the download's error column has every one.", Count(len(p.Errors)), Count(p.P.Bad))
	}
	return "These rows are in the download too, with the reason in its error column; every other row was classified."
}

// ---- model card

// CardTask is one model's card as the template shows it.
type CardTask struct {
	protocol.TaskCard
	Classes                  string
	StratAcc, GroupAcc       string
	StratF1, GroupF1         string
	StratScheme, GroupScheme string
	StratW, GroupW           string
}

// SetClassesOpen records that the user opened or closed a task's list of classes.
func (p *Page) SetClassesOpen(task string, open bool) {
	if p.ClassesOpen == nil {
		p.ClassesOpen = map[string]bool{}
	}
	p.ClassesOpen[task] = open
}

// CardTasks are the model card's entries.
func (p *Page) CardTasks() []CardTask {
	if p.Card == nil {
		return nil
	}
	var out []CardTask
	for _, t := range p.Card.Tasks {
		out = append(out, CardTask{
			TaskCard: t,
			Classes:  Count(len(t.Labels)),
			StratAcc: accText(t.Stratified), GroupAcc: accText(t.Grouped),
			StratF1: f2(t.Stratified.MacroF1), GroupF1: f2(t.Grouped.MacroF1),
			StratScheme: scheme(t.Stratified), GroupScheme: scheme(t.Grouped),
			StratW: ftoa(100 * t.Stratified.Accuracy), GroupW: ftoa(100 * t.Grouped.Accuracy),
		})
	}
	return out
}

func accText(cv protocol.CV) string {
	return fmt.Sprintf("%.1f%% ± %.1f", 100*cv.Accuracy, 100*cv.AccuracyStd)
}

func scheme(cv protocol.CV) string {
	if cv.Repeats > 1 {
		return fmt.Sprintf("%d-fold × %d", cv.Folds, cv.Repeats)
	}
	return fmt.Sprintf("%d-fold", cv.Folds)
}

// ClassNote says how many classes a task's model knows, once the card has arrived.
func (p *Page) ClassNote(task, what string) string {
	if p.Card != nil {
		for _, t := range p.Card.Tasks {
			if t.Task == task {
				return Count(len(t.Labels)) + " " + what
			}
		}
	}
	return ""
}

// ---- formatting

// Count writes n with thousands separators.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Bytes writes a byte count for people.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 2, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// Seconds writes a duration in milliseconds as seconds.
func Seconds(ms float64) string {
	if ms < 10000 {
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(ms/1000, 'f', 0, 64) + " s"
}

func pct(a, b int) string {
	if b == 0 {
		return "0%"
	}
	v := 100 * float64(a) / float64(b)
	if v > 0 && v < 0.1 {
		return "<0.1%"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + "%"
}

func width(v, top int) string {
	if top == 0 {
		return "0"
	}
	return ftoa(math.Max(0.5, 100*float64(v)/float64(top)))
}

func conf(c float64) (text, w, class string) {
	class = "lo"
	switch {
	case c >= 0.8:
		class = "hi"
	case c >= 0.5:
		class = "mid"
	}
	return strconv.FormatFloat(c, 'f', 4, 64), ftoa(100 * c), class
}

func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// ErrSpan is how many columns an error row's message spans: the prediction columns.
func (p *Page) ErrSpan() int {
	n := 0
	if p.ShowApp() {
		n += 2
	}
	if p.ShowAtt() {
		n++
	}
	return max(n, 1)
}

// Short writes a confidence with two decimals for the table; the CSV and the cell's tooltip have four.
func Short(c float64) string { return strconv.FormatFloat(c, 'f', 2, 64) }

// TopText shows an app_top3 cell ("a:0.8200|b:0.1000|c:0.0300") without the leader: "b 0.10 · c 0.03".
func TopText(top string) string {
	parts := strings.Split(top, "|")
	if len(parts) <= 1 {
		return ""
	}
	var out []string
	for _, p := range parts[1:] {
		l, v, ok := strings.Cut(p, ":")
		if f, err := strconv.ParseFloat(v, 64); ok && err == nil {
			v = strconv.FormatFloat(f, 'f', 2, 64)
		}
		out = append(out, l+" "+v)
	}
	return strings.Join(out, " · ")
}
