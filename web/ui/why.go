package ui

import (
	"math"
	"strconv"
	"strings"

	"github.com/flowlens/ntc/wasm/protocol"
)

// ---- messages that are not a run's progress

func (p *Page) applyExtra(m *protocol.Envelope) {
	switch m.Kind {
	case protocol.KindAPI:
		if m.API != nil {
			p.APIAvailable, p.APIOrigin = m.API.Available, m.API.Origin
		}
		if !p.APIAvailable {
			p.Remote = false
		}
	case protocol.KindRemote, protocol.KindRemoteDone:
		if p.State != StateRunning || !p.RemoteRun || m.Remote == nil {
			return // a late message from an upload the page has moved on from
		}
		p.R = *m.Remote
		if m.Kind == protocol.KindRemoteDone {
			p.State = StateDone
			if p.Bridge != nil {
				p.ResultURL = p.Bridge.ResultURL(p.OutputName())
			}
		}
	case protocol.KindExplained:
		if m.Explained != nil && p.WhyOpen && m.Explained.ID == p.whyID {
			p.Why = m.Explained
		}
	case protocol.KindHelpers:
		p.Helpers = m.Helpers
	}
}

// ---- sending the file to the server's API

// SendsToServer says whether a run now would send the file to the page's own server.
func (p *Page) SendsToServer() bool { return p.Remote && p.APIAvailable }

// SetRemote turns sending to the server on or off; the next run follows it.
func (p *Page) SetRemote(on bool) { p.Remote = on && p.APIAvailable }

// Origin is where the file goes when it is sent to the server.
func (p *Page) Origin() string {
	if p.APIOrigin == "" {
		return "this page's server"
	}
	return p.APIOrigin
}

// BadgeClass is the privacy badge's class: it turns to a warning while files go to the server.
func (p *Page) BadgeClass() string {
	if p.SendsToServer() {
		return "badge remote"
	}
	return "badge"
}

func (p *Page) remoteStatus() string {
	if p.R.Total > 0 && p.R.Sent < p.R.Total {
		return "sending the file to the server: " + Bytes(p.R.Sent) + " of " + Bytes(p.R.Total)
	}
	return "classifying on the server: " + Bytes(p.R.Received) + " of predictions received"
}

// ---- why: the row explanation drawer

// Explain opens the drawer for a table row and asks the worker why it was classified as it was.
func (p *Page) Explain(r protocol.RowView) {
	p.whyID++
	p.WhyOpen, p.WhyRow, p.Why = true, r, nil
	switch {
	case r.Err != "":
		p.Why = &protocol.Explained{ID: p.whyID, Row: r.Row, Error: "This row could not be classified: " + r.Err}
		return
	case r.Len == 0 || p.P.HeaderBytes == 0:
		p.Why = &protocol.Explained{ID: p.whyID, Row: r.Row, Error: "This row's line in the output is not known, so it cannot be explained."}
		return
	}
	if p.Bridge != nil {
		p.Bridge.Explain(p.whyID, r.Row, r.Off, r.Len, p.P.HeaderBytes, p.ShowApp(), p.ShowAtt())
	}
}

// CloseWhy closes the drawer.
func (p *Page) CloseWhy() {
	p.WhyOpen, p.Why = false, nil
	p.whyID++ // an answer still on its way is for a closed drawer
}

// RowClass is a table row's class: bad rows are red, the row the drawer explains is marked.
func (p *Page) RowClass(r protocol.RowView) string {
	c := "row"
	if r.Err != "" {
		c += " bad"
	}
	if p.WhyOpen && p.WhyRow.Row == r.Row {
		c += " sel"
	}
	return c
}

// LabelClass is a predicted label's class in the table: "unknown" is greyed.
func LabelClass(base, label string) string {
	if label == "unknown" {
		return base + " unknown"
	}
	return base
}

// WhyFlow is the drawer's line about the flow.
func (p *Page) WhyFlow() string {
	r := p.WhyRow
	s := r.Src + " → " + r.Dst
	if r.Proto != "" {
		s = r.Proto + " " + s
	}
	if r.Label != "" {
		s += " · file " + p.P.Summary.LabelColumn + ": " + r.Label
	}
	return s
}

// WhyTask is one task's explanation as the drawer shows it.
type WhyTask struct {
	Task, Title  string
	Label        string
	Unknown      bool
	Conf         string
	ConfW, Class string // confidence bar width and colour
	Threshold    string
	Top          []WhyTop
	Explained    string // the class explained: the most probable one
	Score, Base  string
	Boosted      bool   // a gradient-boosted model: Score is a raw score, not a vote share
	ScoreName    string // "vote share" or "raw score"
	// full-precision figures for scripts: base + Σ contributions + rest = score
	ScoreAttr, BaseAttr, RestAttr string
	Bars                          []WhyBar
	Rest                          string // the contributions not listed, summed
	RestN                         int
	Listed                        string // the listed contributions, summed
	Tokens                        []WhyToken
	Forest                        *WhyForest // the forest a boosted model is averaged with, if any
}

// WhyForest is the forest part of a boosted model's explanation.
type WhyForest struct {
	Weight, Score, Base           string
	ScoreAttr, BaseAttr, RestAttr string
	Bars                          []WhyBar
	Rest                          string
	RestN                         int
}

// WhyToken is one exact size the token table matched for the explained class.
type WhyToken struct {
	Token, Contribution string
}

// WhyTop is one of the three most probable labels.
type WhyTop struct {
	Label, P, W string
	First       bool
}

// WhyBar is one feature's contribution: a bar either side of a centre line.
type WhyBar struct {
	Feature, Value, Contribution, Attr string
	X, W                               string // in the bar's 0 0 100 10 viewBox; the centre is at 50
	Class                              string // "pos" or "neg"
}

// WhyTasks are the explanation's tasks as the drawer shows them.
func (p *Page) WhyTasks() []WhyTask {
	if p.Why == nil {
		return nil
	}
	var out []WhyTask
	for _, e := range p.Why.Tasks {
		t := WhyTask{Task: e.Task, Title: e.Title, Label: e.Label, Unknown: e.Label == "unknown", Explained: e.Class,
			Score: f3(e.Score), Base: f3(e.Base), RestN: e.RestN, Rest: signed(e.Rest),
			ScoreAttr: full(e.Score), BaseAttr: full(e.Base), RestAttr: full(e.Rest), Boosted: e.Boosted, ScoreName: "vote share"}
		if e.Boosted {
			t.ScoreName = "raw score"
		}
		t.Conf, t.ConfW, t.Class = conf(e.Confidence)
		if e.Threshold > 0 {
			t.Threshold = f2(e.Threshold)
		}
		for i, r := range e.Top {
			t.Top = append(t.Top, WhyTop{Label: r.Label, P: f2(r.P), W: ftoa(100 * r.P), First: i == 0})
		}
		var listed float64
		t.Bars, listed = bars(e.Contributions)
		t.Listed = signed(listed)
		if f := e.Forest; f != nil {
			wf := &WhyForest{Weight: f2(f.Weight), Score: f3(f.Score), Base: f3(f.Base), Rest: signed(f.Rest), RestN: f.RestN,
				ScoreAttr: full(f.Score), BaseAttr: full(f.Base), RestAttr: full(f.Rest)}
			wf.Bars, _ = bars(f.Contributions)
			t.Forest = wf
		}
		for _, tm := range e.Tokens {
			t.Tokens = append(t.Tokens, WhyToken{Token: tm.Token, Contribution: signed(tm.Contribution)})
		}
		out = append(out, t)
	}
	return out
}

// bars draws contributions as bars scaled to the largest, and sums them.
func bars(cs []protocol.Contribution) ([]WhyBar, float64) {
	peak, listed := 0.0, 0.0
	for _, c := range cs {
		peak = math.Max(peak, math.Abs(c.Contribution))
		listed += c.Contribution
	}
	var out []WhyBar
	for _, c := range cs {
		w := 0.0
		if peak > 0 {
			w = math.Max(0.5, 50*math.Abs(c.Contribution)/peak)
		}
		b := WhyBar{Feature: c.Feature, Value: FeatureValue(c.Value), Contribution: signed(c.Contribution), Attr: full(c.Contribution),
			W: ftoa(w), X: "50", Class: "pos"}
		if c.Contribution < 0 {
			b.X, b.Class = ftoa(50-w), "neg"
		}
		out = append(out, b)
	}
	return out, listed
}

// FeatureValue writes a feature's value: integers as such, others with up to four decimals or in exponent form.
func FeatureValue(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1e-3 && a < 1e9:
		s := strconv.FormatFloat(v, 'f', 4, 64)
		s = strings.TrimRight(s, "0")
		return strings.TrimSuffix(s, ".")
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

func full(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// signed writes a contribution with its sign: +0.112, −0.034.
func signed(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 3, 64)
	if v < 0 && s != "0.000" {
		return "−" + s
	}
	return "+" + s
}
