package ui

import (
	"strings"
	"testing"

	"github.com/flowlens/ntc/wasm/protocol"
	"github.com/vugu/vugu/js"
)

// fakeBridge records what the page asks of its glue.
type fakeBridge struct {
	started, uploaded, cancelled int
	explained                    []int // request ids
	args                         []int64
}

func (b *fakeBridge) Start(js.Value, bool, bool)  { b.started++ }
func (b *fakeBridge) Cancel()                     { b.cancelled++ }
func (b *fakeBridge) ResultURL(string) string     { return "blob:x" }
func (b *fakeBridge) Upload(js.Value, bool, bool) { b.uploaded++ }
func (b *fakeBridge) Explain(id, row int, off int64, n int, header int64, app, att bool) {
	b.explained = append(b.explained, id)
	b.args = append(b.args, int64(row), off, int64(n), header)
}

func ready(t *testing.T, p *Page) {
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindReady, Ready: &protocol.Ready{}}))
}

// Sending to the server needs the API on the page's origin and the user's say-so; the badge follows.
func TestRemote(t *testing.T) {
	b := &fakeBridge{}
	p := NewPage(b)
	ready(t, p)
	p.SetRemote(true) // no API seen: nothing to send to
	if p.Remote || p.SendsToServer() || p.BadgeClass() != "badge" {
		t.Fatal("remote without an API")
	}
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindAPI, API: &protocol.API{Available: true, Origin: "http://h:1"}}))
	if !p.APIAvailable || p.SendsToServer() {
		t.Fatal("the option must be off by default")
	}
	p.SetRemote(true)
	if !strings.Contains(p.Status(), "send it to the server") {
		t.Fatal(p.Status())
	}
	p.SetRemote(false)
	p.Choose(js.Value{}, "f.csv", 100)
	if b.started != 1 || b.uploaded != 0 || p.RemoteRun {
		t.Fatalf("off: started %d, uploaded %d", b.started, b.uploaded)
	}
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 1}}))
	p.SetRemote(true)
	if !p.SendsToServer() || p.BadgeClass() != "badge remote" {
		t.Fatal("on: badge", p.BadgeClass())
	}
	p.Run()
	if b.uploaded != 1 || !p.RemoteRun || p.HasResults() || !p.ShowProgress() {
		t.Fatalf("on: uploaded %d, remote run %v", b.uploaded, p.RemoteRun)
	}
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindRemote, Remote: &protocol.Remote{Sent: 50, Total: 100}}))
	if p.Percent() != 50 || !strings.HasPrefix(p.Status(), "sending the file to the server") {
		t.Fatal(p.Percent(), p.Status())
	}
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindRemoteDone, Remote: &protocol.Remote{Sent: 100, Total: 100, Received: 2048}}))
	if p.State != StateDone || p.ResultURL != "blob:x" || p.Status() != "done on the server: 2 kB of predictions" {
		t.Fatal(p.State, p.ResultURL, p.Status())
	}
	// a late message from the finished upload changes nothing
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindRemote, Remote: &protocol.Remote{Sent: 1}}))
	if p.R.Sent != 100 {
		t.Fatal(p.R)
	}
	// the API gone (another message says so): the option is off
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindAPI, API: &protocol.API{}}))
	if p.Remote || p.SendsToServer() {
		t.Fatal("remote without an API")
	}
}

// A clicked row asks the worker with its line's place in the output; only the answer to the latest request
// is shown, and bad rows say why without asking.
func TestWhy(t *testing.T) {
	b := &fakeBridge{}
	p := NewPage(b)
	ready(t, p)
	p.Choose(js.Value{}, "f.csv", 100)
	p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindDone, Progress: &protocol.Progress{Rows: 2, HeaderBytes: 40,
		Summary: protocol.Summary{App: &protocol.TaskSummary{}, Att: &protocol.TaskSummary{}},
		NewRows: []protocol.RowView{{Row: 1, App: "vk", Off: 40, Len: 30}, {Row: 2, Err: "row 2: malformed"}}}}))
	p.Explain(p.Rows[0])
	if !p.WhyOpen || p.Why != nil || len(b.explained) != 1 || b.args[1] != 40 || b.args[2] != 30 || b.args[3] != 40 {
		t.Fatalf("request %v %v", b.explained, b.args)
	}
	if !strings.Contains(p.RowClass(p.Rows[0]), "sel") || strings.Contains(p.RowClass(p.Rows[1]), "sel") {
		t.Fatal("selection")
	}
	first := b.explained[0]
	p.Explain(p.Rows[0]) // asked again before the answer
	answer := func(id int) {
		p.Apply(msg(t, protocol.Envelope{Kind: protocol.KindExplained, Explained: &protocol.Explained{ID: id, Row: 1, Tasks: []protocol.TaskExplanation{{
			Task: "app", Title: "Application", Label: "unknown", Confidence: 0.2, Class: "vk", Score: 0.3, Base: 0.05, Rest: 0.05, RestN: 90, Threshold: 0.29,
			Top:           []protocol.Ranked{{Label: "vk", P: 0.2}, {Label: "ok", P: 0.1}},
			Contributions: []protocol.Contribution{{Feature: "a", Value: 7421.00001, Contribution: 0.25}, {Feature: "b", Value: 0.5, Contribution: -0.05}},
		}}}}))
	}
	answer(first)
	if p.Why != nil {
		t.Fatal("a stale answer was shown")
	}
	answer(b.explained[1])
	tasks := p.WhyTasks()
	if len(tasks) != 1 {
		t.Fatal(tasks)
	}
	w := tasks[0]
	if !w.Unknown || w.Explained != "vk" || w.Score != "0.300" || w.Base != "0.050" || len(w.Bars) != 2 || len(w.Top) != 2 || w.Threshold != "0.29" {
		t.Fatalf("%+v", w)
	}
	if a := w.Bars[0]; a.Class != "pos" || a.X != "50" || a.W != "50.0" || a.Contribution != "+0.250" || a.Value != "7421" {
		t.Fatalf("%+v", a)
	}
	if c := w.Bars[1]; c.Class != "neg" || c.X != "40.0" || c.W != "10.0" || c.Contribution != "−0.050" || c.Value != "0.5" {
		t.Fatalf("%+v", c)
	}
	p.CloseWhy()
	if p.WhyOpen || len(p.WhyTasks()) != 0 {
		t.Fatal("closed")
	}
	p.Explain(p.Rows[1])
	if len(b.explained) != 2 || p.Why == nil || !strings.Contains(p.Why.Error, "malformed") {
		t.Fatalf("bad row: %v %+v", b.explained, p.Why)
	}
	p.Run() // a new run closes the drawer
	if p.WhyOpen {
		t.Fatal("open after a new run")
	}
}

func TestFeatureValue(t *testing.T) {
	for in, want := range map[float64]string{0: "0", -4514: "-4514", 0.14990: "0.1499", 7421.00001: "7421", 1e-7: "1e-07", 2.5e12: "2500000000000", 45.77781: "45.7778"} {
		if got := FeatureValue(in); got != want {
			t.Errorf("FeatureValue(%v) = %q, want %q", in, got, want)
		}
	}
}
