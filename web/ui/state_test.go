package ui

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/flowlens/ntc/wasm/protocol"
)

func msg(t *testing.T, m protocol.Envelope) string {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPageRun(t *testing.T) {
	p := NewPage(nil)
	p.Choose(p.file, "flows.csv", 100) // chosen while the models load: starts when they are ready
	if p.State != StateLoading {
		t.Fatal(p.State)
	}
	ready(t, p)
	if p.State != StateRunning {
		t.Fatal(p.State)
	}
	rows := []protocol.RowView{
		{Row: 1, App: "vk", AppConf: 0.5, Att: "VOD", AttConf: 0.9},
		{Row: 2, Err: "row 2 (line 3): malformed"},
		{Row: 3, App: "google", AppConf: 0.9, Att: "VOD", AttConf: 0.2},
		{Row: 4, App: "vk", AppConf: 0.1, Att: "unknown", AttConf: 0.5},
	}
	sum := protocol.Summary{App: &protocol.TaskSummary{Counts: map[string]int{"vk": 2, "google": 1}}, Att: &protocol.TaskSummary{Counts: map[string]int{"VOD": 2, "unknown": 1}}}
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindProgress, Progress: &protocol.Progress{Rows: 2, Bad: 1, NewRows: rows[:2], Summary: sum}}))
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 4, Bad: 1, NewRows: rows[2:], Summary: sum,
		NewErrors: []protocol.RowError{{Row: 2, Line: 3, Reason: "malformed"}}}}))
	if got := p.Status(); got != "done: 4 rows" {
		t.Fatal(got)
	}
	if len(p.Rows) != 4 || len(p.Errors) != 1 {
		t.Fatalf("%d rows, %d errors", len(p.Rows), len(p.Errors))
	}
	order := func() (out []int) {
		for _, c := range p.PageRows() {
			out = append(out, c.Row)
		}
		return out
	}
	check := func(what string, want ...int) {
		t.Helper()
		got := order()
		if len(got) != len(want) {
			t.Fatalf("%s: rows %v, want %v", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: rows %v, want %v", what, got, want)
			}
		}
	}
	check("file order", 1, 2, 3, 4)
	p.ToggleSort("app")
	check("app confidence, high first", 3, 1, 4, 2)
	p.ToggleSort("app")
	check("app confidence, low first", 4, 1, 3, 2)
	p.ToggleSort("att")
	check("att confidence", 1, 4, 3, 2)
	p.SetFilter("app:vk")
	check("app vk", 1, 4)
	p.SetFilter(filterErrors)
	check("errors", 2)
	// a late message from an old run changes nothing
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindProgress, Progress: &protocol.Progress{Rows: 99}}))
	if p.P.Rows != 4 {
		t.Fatal(p.P.Rows)
	}
}

func TestFormatting(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := Count(in); got != want {
			t.Errorf("Count(%d) = %q, want %q", in, got, want)
		}
	}
	if got := TopText("google:0.8667|jpost:0.0233|x:0.0200"); got != "jpost 0.02 · x 0.02" {
		t.Error(got)
	}
	c := chart("app", "Application", &protocol.TaskSummary{Counts: map[string]int{"a": 5, "b": 3}, Hist: [protocol.HistBins]int{19: 8}})
	if len(c.Bars) != 2 || c.Bars[0].Label != "a" || c.Bars[0].Width != "100.0" || c.Mean != "0.97" || c.Low != "0.0%" {
		t.Errorf("%+v", c)
	}
}

// A file with a label column gets an agreement tile per task compared; answers withheld as unknown are
// counted apart in its note, since they are not wrong labels.
func TestAgreementTiles(t *testing.T) {
	p := NewPage(nil)
	p.P.Summary = protocol.Summary{LabelColumn: "attribution",
		App: &protocol.TaskSummary{Counts: map[string]int{}},
		Att: &protocol.TaskSummary{Counts: map[string]int{}, Labelled: 400, Agree: 296, LabelledUnknown: 86}}
	tiles := p.Tiles()
	last := tiles[len(tiles)-1]
	if len(tiles) != 4 || last.Label != "Agreement with file's attribution" || last.Value != "74.0%" ||
		last.Note != "296 of 400 attribution labels · 86 called unknown" {
		t.Fatalf("%+v", tiles)
	}
	p.P.Summary.Att.LabelledUnknown = 0
	if note := p.Tiles()[3].Note; note != "296 of 400 attribution labels" {
		t.Fatal(note)
	}
}

// The page learns when helper workers are up, and says how many workers classified a file split among them.
func TestHelpersAndWorkers(t *testing.T) {
	p := NewPage(nil)
	ready(t, p)
	if p.HelpersAttr() != "0" || p.WorkersAttr() != "1" {
		t.Fatalf("before the helpers: %s helpers, %s workers", p.HelpersAttr(), p.WorkersAttr())
	}
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindHelpers, Helpers: 2}))
	p.Choose(p.file, "big.csv", 5<<20)
	for _, tc := range []struct {
		workers      int
		attr, suffix string
	}{
		{1, "1", "· 1.50 s"},
		{2, "2", "· 1.50 s · 2 workers"},
	} {
		p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindProgress, Progress: &protocol.Progress{Rows: 10, Total: 5 << 20, ElapsedMs: 1500, Workers: tc.workers}}))
		if p.HelpersAttr() != "2" || p.WorkersAttr() != tc.attr || !strings.HasSuffix(p.ProgressLine(), tc.suffix) {
			t.Fatalf("%d workers: helpers %s, workers %s, %q", tc.workers, p.HelpersAttr(), p.WorkersAttr(), p.ProgressLine())
		}
		if note := p.Tiles()[2].Note; !strings.HasSuffix(note, strings.TrimPrefix(tc.suffix, "· 1.50 s")) {
			t.Fatalf("%d workers: speed tile %q", tc.workers, note)
		}
	}
}

// During a run the page redraws progress at most once in a while (Listen); any other message is drawn at once.
func TestDrawNow(t *testing.T) {
	p := NewPage(nil)
	ready(t, p)
	p.Choose(p.file, "big.csv", 5<<20)
	for _, tc := range []struct {
		m    protocol.Envelope
		want bool
	}{
		{protocol.Envelope{Kind: protocol.KindProgress, Progress: &protocol.Progress{Rows: 10}}, false},
		{protocol.Envelope{Kind: protocol.KindExplained, Explained: &protocol.Explained{ID: 1}}, true},
		{protocol.Envelope{Kind: protocol.KindHelpers, Helpers: 2}, true},
		{protocol.Envelope{Kind: protocol.KindProgress, Progress: &protocol.Progress{Rows: 20}}, false},
		{protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 30}}, true},
	} {
		if err := p.Apply(msg(t, tc.m)); err != nil || p.drawNow != tc.want {
			t.Fatalf("%s: drawNow %v, want %v (%v)", tc.m.Kind, p.drawNow, tc.want, err)
		}
	}
}

// A file chosen during a run replaces it: the run is cancelled, and the new file starts (under its own name,
// which the download takes) only once the old run has stopped, however it stops.
func TestChoosingDuringARun(t *testing.T) {
	for _, end := range []protocol.Envelope{
		{Kind: protocol.KindCancelled, Progress: &protocol.Progress{Rows: 5}},
		{Kind: protocol.KindCancelled}, // the glue stopped a worker that did not answer
		{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 9}},
		{Kind: protocol.KindFailed, Failure: &protocol.Failure{Error: "reading the file: gone"}},
	} {
		b := &fakeBridge{}
		p := NewPage(b)
		ready(t, p)
		p.Choose(p.file, "first.csv", 100)
		p.Choose(p.file, "second.csv", 200)
		if b.started != 1 || b.cancelled != 1 || p.FileName != "first.csv" || p.State != StateRunning {
			t.Fatalf("%s: while the first runs: %d started, %d cancelled, file %q, %s", end.Kind, b.started, b.cancelled, p.FileName, p.State)
		}
		p.Apply(msg(t, end))
		if b.started != 2 || p.FileName != "second.csv" || p.FileSize != 200 || p.State != StateRunning || p.OutputName() != "second.classified.csv" {
			t.Fatalf("%s: after the first stopped: %d started, file %q (%d bytes), %s, output %q", end.Kind, b.started, p.FileName, p.FileSize, p.State, p.OutputName())
		}
	}
	// the same when the run was an upload to the server's API that ends as the file is chosen
	b := &fakeBridge{}
	p := NewPage(b)
	ready(t, p)
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindAPI, API: &protocol.API{Available: true}}))
	p.Remote = true
	p.Choose(p.file, "first.csv", 100)
	p.Choose(p.file, "second.csv", 200)
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindRemoteDone, Remote: &protocol.Remote{Total: 100}}))
	if b.uploaded != 2 || b.cancelled != 1 || p.FileName != "second.csv" || p.State != StateRunning {
		t.Fatalf("upload: %d uploaded, %d cancels, %q, %s", b.uploaded, b.cancelled, p.FileName, p.State)
	}
}

// Several files chosen during a run ask the worker to stop once and the latest one follows; the user's
// Cancel stops the run and drops the file that was to follow.
func TestChoosingTwiceAndCancelling(t *testing.T) {
	b := &fakeBridge{}
	p := NewPage(b)
	ready(t, p)
	p.Choose(p.file, "first.csv", 100)
	p.Choose(p.file, "second.csv", 200)
	p.Choose(p.file, "third.csv", 300)
	p.Cancel() // the button, while the run stops
	if b.cancelled != 1 {
		t.Fatalf("%d cancels sent", b.cancelled)
	}
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindCancelled, Progress: &protocol.Progress{Rows: 5}}))
	if b.started != 1 || p.State != StateCancelled || p.FileName != "first.csv" {
		t.Fatalf("after Cancel: %d started, %s, %q", b.started, p.State, p.FileName)
	}
	p.Run() // Run again
	p.Choose(p.file, "second.csv", 200)
	p.Choose(p.file, "third.csv", 300)
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 9}}))
	if b.started != 3 || b.cancelled != 2 || p.FileName != "third.csv" || p.State != StateRunning {
		t.Fatalf("two choices: %d started, %d cancels, %q, %s", b.started, b.cancelled, p.FileName, p.State)
	}
}

// TestErrorsFilterFollowsTheFile checks that the errors filter a run keeps from the run before (so that
// running a file again keeps the view) is a choice of the filter while it is in force, and gives way when the
// new file has no bad row: the table used to stay empty, with the filter showing "All rows".
func TestErrorsFilterFollowsTheFile(t *testing.T) {
	p := NewPage(nil)
	ready(t, p)
	good := protocol.RowView{Row: 1, App: "vk", AppConf: 0.5, Att: "VOD", AttConf: 0.9}
	p.Choose(p.file, "bad.csv", 100)
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 2, Bad: 1,
		NewRows: []protocol.RowView{good, {Row: 2, Err: "row 2 (line 3): malformed"}}}}))
	p.SetFilter(filterErrors)
	if rows := p.PageRows(); len(rows) != 1 || rows[0].Row != 2 {
		t.Fatalf("errors filter: %d rows", len(rows))
	}
	p.Choose(p.file, "good.csv", 100)
	if p.Filter != filterErrors || !slices.ContainsFunc(p.FilterOptions(), func(o FilterOption) bool { return o.Value == filterErrors }) {
		t.Fatalf("during the run: filter %q, options %v: the filter in force must be one of them", p.Filter, p.FilterOptions())
	}
	good2 := good
	good2.Row = 2
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 2, NewRows: []protocol.RowView{good, good2}}}))
	if p.Filter != "" || len(p.PageRows()) != 2 {
		t.Fatalf("a file without bad rows: filter %q, %d rows shown, want every row", p.Filter, len(p.PageRows()))
	}
}

// TestChoosingWithoutATaskSaysSo checks that a file chosen with both tasks off is not silently ignored, and
// the download's name.
func TestChoosingWithoutATaskSaysSo(t *testing.T) {
	p := NewPage(nil)
	ready(t, p)
	p.Choose(p.file, "first.csv", 100)
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 1,
		NewRows: []protocol.RowView{{Row: 1, App: "vk", AppConf: 0.5}}}}))
	p.TaskApp, p.TaskAtt = false, false
	p.Choose(p.file, "second.csv", 100)
	if p.State != StateIdle || p.P.Rows != 0 || len(p.Rows) != 0 || !strings.Contains(p.Status(), "choose Application, Attribution or both to classify second.csv") {
		t.Fatalf("state %s, %d rows left, status %q", p.State, len(p.Rows), p.Status())
	}
	p.TaskAtt = true
	p.Run()
	if p.State != StateRunning {
		t.Fatalf("with a task again, Run: %s", p.State)
	}
	// a file chosen during the run, with the tasks turned off meanwhile: the run stops, then the status says
	// what is missing (it used to leave the old run's rows under the new file's name)
	p.Choose(p.file, "third.csv", 100)
	p.TaskApp, p.TaskAtt = false, false
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindCancelled, Progress: &protocol.Progress{Rows: 3,
		NewRows: []protocol.RowView{{Row: 1}, {Row: 2}, {Row: 3}}}}))
	if p.State != StateIdle || len(p.Rows) != 0 || !strings.Contains(p.Status(), "to classify third.csv") {
		t.Fatalf("after the run: state %s, %d rows left, status %q", p.State, len(p.Rows), p.Status())
	}
	for name, want := range map[string]string{"flows.csv": "flows.classified.csv", "Flows.CSV": "Flows.classified.csv",
		"x.tsv": "x.tsv.classified.csv", ".csv": "flows.classified.csv", "a.b.csv": "a.b.classified.csv"} {
		p.FileName = name
		if got := p.OutputName(); got != want {
			t.Errorf("%s: download named %s, want %s", name, got, want)
		}
	}
}
