package job

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/protocol"
)

// readData reads a competition file; like every test that needs the data, it fails loudly without it.
func readData(t testing.TB, name string) []byte {
	return radcom.Read(t, name)
}

func classifier(t testing.TB) *model.Classifier {
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The page's run writes exactly what classify.Stream (ntc classify) writes, and its summary counts what the
// output holds.
func TestRunMatchesStream(t *testing.T) {
	c := classifier(t)
	for _, name := range []string{"att_train.csv", "att_unlabeled.csv", "app_train.csv"} {
		in := readData(t, name)
		var want, got bytes.Buffer
		st, err := classify.Stream(context.Background(), c, bytes.NewReader(in), &want, classify.Options{Tasks: model.Both})
		if err != nil {
			t.Fatal(err)
		}
		var calls, rows int
		p, err := Run(context.Background(), c, bytes.NewReader(in), &got, Options{Tasks: model.Both, TotalBytes: int64(len(in)), Every: time.Nanosecond,
			OnProgress: func(p *protocol.Progress) { calls++; rows += len(sent(t, p)) }})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%s: output differs from classify.Stream", name)
		}
		rows += len(sent(t, p))
		if p.Rows != st.Rows || rows != st.Rows || p.Bytes != int64(len(in)) || p.Bad != st.BadRows {
			t.Fatalf("%s: progress %+v, %d rows sent; stream %+v", name, p, rows, st)
		}
		for label, n := range st.ByApp {
			if p.Summary.App.Counts[label] != n {
				t.Fatalf("%s: app %s counted %d, stream %d", name, label, p.Summary.App.Counts[label], n)
			}
		}
		sum := 0
		for _, h := range p.Summary.Att.Hist {
			sum += h
		}
		if sum != st.Rows-st.BadRows {
			t.Fatalf("%s: histogram holds %d predictions, want %d", name, sum, st.Rows-st.BadRows)
		}
		t.Logf("%s: %d rows, %d progress calls, label column %q, agreement app %d/%d att %d/%d", name, p.Rows, calls,
			p.Summary.LabelColumn, p.Summary.App.Agree, p.Summary.App.Labelled, p.Summary.Att.Agree, p.Summary.Att.Labelled)
	}
}

// Bad rows are reported with row, column and reason, and the good rows are still classified.
func TestRunBadRows(t *testing.T) {
	c := classifier(t)
	lines := strings.Split(strings.TrimRight(string(readData(t, "att_train.csv")), "\r\n"), "\n")
	head := strings.Split(strings.TrimRight(lines[0], "\r"), ",")
	col := -1
	for i, h := range head {
		if h == "fwd_packets_amount" {
			col = i
		}
	}
	f := strings.Split(strings.TrimRight(lines[3], "\r"), ",")
	f[col] = "lots"
	lines[3] = strings.Join(f, ",")
	lines[5] = "1,2,3"
	in := strings.Join(lines, "\n") + "\n"
	var out bytes.Buffer
	p, err := Run(context.Background(), c, strings.NewReader(in), &out, Options{Tasks: model.Both})
	if err != nil {
		t.Fatal(err)
	}
	if p.Bad != 2 || len(p.NewErrors) != 2 {
		t.Fatalf("bad %d, errors %+v", p.Bad, p.NewErrors)
	}
	if e := p.NewErrors[0]; e.Row != 3 || e.Column != "fwd_packets_amount" || !strings.Contains(e.Reason, "lots") {
		t.Fatalf("first error %+v", e)
	}
	if e := p.NewErrors[1]; e.Row != 5 || e.Column != "" || !strings.Contains(e.Reason, "fields") {
		t.Fatalf("second error %+v", e)
	}
	if n := p.Summary.Att.Hist; p.Rows-p.Bad != sumOf(n[:]) {
		t.Fatalf("good rows not all classified: %v", n)
	}
}

func sumOf(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// A header the reader cannot use fails the run before any output, naming the missing columns.
func TestRunHeaderError(t *testing.T) {
	c := classifier(t)
	var out bytes.Buffer
	_, err := Run(context.Background(), c, strings.NewReader("a,b\n1,2\n"), &out, Options{Tasks: model.Both})
	if err == nil || out.Len() != 0 {
		t.Fatalf("err %v, %d bytes out", err, out.Len())
	}
	if f := Failure(err, nil); len(f.Missing) == 0 {
		t.Fatalf("failure %+v", f)
	}
}

// A cancelled run stops with context.Canceled.
func TestRunCancel(t *testing.T) {
	c := classifier(t)
	in := readData(t, "att_unlabeled.csv")
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	p, err := Run(ctx, c, bytes.NewReader(in), &out, Options{Tasks: model.Both, Every: time.Nanosecond,
		OnProgress: func(p *protocol.Progress) {
			if p.Rows >= 1000 {
				cancel()
			}
		}})
	if err != context.Canceled || p.Rows >= 6249 {
		t.Fatalf("err %v after %d rows", err, p.Rows)
	}
}

// BenchmarkRun runs what the page's worker runs: the classification, the table's rows and the progress
// messages the worker posts (encoded, as it posts them, every 500 ms).
func BenchmarkRun(b *testing.B) {
	c := classifier(b)
	in := readData(b, "att_unlabeled.csv")
	post := func(p *protocol.Progress) {
		if _, err := Encode(&protocol.Envelope{Kind: protocol.KindProgress, Progress: p}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := Run(context.Background(), c, bytes.NewReader(in), &bytes.Buffer{}, Options{Tasks: model.Both, OnProgress: post}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(6249*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkStream(b *testing.B) {
	c := classifier(b)
	in := readData(b, "att_unlabeled.csv")
	for b.Loop() {
		if _, err := classify.Stream(context.Background(), c, bytes.NewReader(in), &bytes.Buffer{}, classify.Options{Tasks: model.Both, Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(6249*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// The table rows Run writes as it goes decode, by encoding/json and by the page's protocol.Decode, to the
// RowViews they stand for: endpoints (IPv4, IPv6, a missing half), the file's label, predictions with the
// CSV's four decimals, errors, text JSON must escape; and the rest of the message is encoding/json's.
func TestEncodedRows(t *testing.T) {
	g := &gatherer{}
	g.cols.src, g.cols.sport, g.cols.dst, g.cols.dport, g.cols.proto, g.cols.label = 0, 1, 2, 3, 4, 5
	top := []model.Ranked{{Label: "google", Probability: 0.86666}, {Label: "jpost", Probability: 0.0233}, {Label: "x", Probability: 0.02}}
	odd := []model.Ranked{{Label: `say "hi"`, Probability: 0.5}, {Label: "<b>", Probability: 0.25}}
	bad := `row 2 (line 3), column "Protocol": want tcp or udp, got "ïcmp<>&\	"`
	cases := []struct {
		row  classify.Row
		want protocol.RowView
	}{
		{classify.Row{Row: 1, Fields: []string{"10.0.0.1", "443", "fe80::1", "53", " UDP ", " VOD "}, OutOffset: 2345, OutLen: 1401,
			Result: model.Result{App: &model.Prediction{Label: "google", Confidence: 0.86666, TopK: top}, Att: &model.Prediction{Label: "real_time_video", Confidence: 0.91}}},
			protocol.RowView{Row: 1, Src: "10.0.0.1:443", Dst: "[fe80::1]:53", Proto: "udp", Label: "VOD", App: "google", AppConf: 0.8667,
				AppTop: "google:0.8667|jpost:0.0233|x:0.0200", Att: "real_time_video", AttConf: 0.91, Off: 2345, Len: 1401}},
		{classify.Row{Row: 2, Fields: []string{"10.0.0.2", "", "", "80", "ïcmp<>&", ""}, Err: errors.New(bad)},
			protocol.RowView{Row: 2, Src: "10.0.0.2", Dst: "80", Proto: "ïcmp<>&", Err: bad}},
		{classify.Row{Row: 3, Fields: []string{`10.0.0."3`, "1", "::1", "<2>", "tcp", "é"},
			Result: model.Result{App: &model.Prediction{Label: `say "hi"`, Confidence: 0.5, TopK: odd}}},
			protocol.RowView{Row: 3, Src: `10.0.0."3:1`, Dst: "[::1]:<2>", Proto: "tcp", Label: "é", App: `say "hi"`, AppConf: 0.5,
				AppTop: `say "hi":0.5000|<b>:0.2500`}},
		{classify.Row{Row: 4}, protocol.RowView{Row: 4}},
	}
	p := &protocol.Progress{Rows: 4, Bad: 1, Total: 9, Bytes: 9, NewErrors: []protocol.RowError{{Row: 2, Line: 3, Column: "Protocol", Reason: "x"}},
		Summary: protocol.Summary{Att: &protocol.TaskSummary{Counts: map[string]int{"VOD": 1}}}}
	var want []protocol.RowView
	for i, c := range cases {
		if i > 0 {
			p.EncodedRows = append(p.EncodedRows, ',')
		}
		p.EncodedRows = g.appendRow(p.EncodedRows, &c.row)
		want = append(want, c.want)
	}
	b, err := Encode(&protocol.Envelope{Kind: protocol.KindProgress, Progress: p})
	if err != nil {
		t.Fatal(err)
	}
	var viaJSON protocol.Envelope
	if err := json.Unmarshal(b, &viaJSON); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	viaDecode, err := protocol.Decode(string(b))
	if err != nil {
		t.Fatal(err)
	}
	wantMsg := protocol.Envelope{Kind: protocol.KindProgress, Progress: p}
	p.NewRows, p.EncodedRows = want, nil
	wantJSON, _ := json.Marshal(wantMsg)
	for name, got := range map[string]protocol.Envelope{"encoding/json": viaJSON, "protocol.Decode": viaDecode} {
		if gotJSON, _ := json.Marshal(got); !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("%s:\n got %s\nwant %s", name, gotJSON, wantJSON)
		}
	}
}

// TestProgressCadence checks when OnProgress is called, on a clock that moves 20 ms each time it is read (the
// gatherer reads it every 64 rows): first once First has passed (the first rows show soon after the start),
// then every Every (the page redraws at each call, so not more often).
func TestProgressCadence(t *testing.T) {
	c := classifier(t)
	start := time.Unix(0, 0)
	clock := start
	var at []time.Duration
	_, err := Run(context.Background(), c, bytes.NewReader(readData(t, "att_unlabeled.csv")), &bytes.Buffer{}, Options{Tasks: model.Both,
		Now:        func() time.Time { clock = clock.Add(20 * time.Millisecond); return clock },
		OnProgress: func(*protocol.Progress) { at = append(at, clock.Sub(start)) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(at) < 3 || at[0] < DefaultFirst || at[0] >= 2*DefaultFirst+20*time.Millisecond {
		t.Fatalf("reports at %v: the first should come just after %v", at, DefaultFirst)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i] - at[i-1]; gap < DefaultEvery || gap > DefaultEvery+40*time.Millisecond {
			t.Fatalf("reports at %v: want one every %v after the first", at, DefaultEvery)
		}
	}
}

// WarmUp runs its chunks, yielding after each, and stops when asked.
func TestWarmUp(t *testing.T) {
	c := classifier(t)
	yields := 0
	if n := WarmUp(c, WarmRows, WarmChunk, func() { yields++ }, func() bool { return false }); n != WarmRows || yields != WarmRows/WarmChunk {
		t.Fatalf("ran %d rows with %d yields", n, yields)
	}
	stopAfter := 2
	if n := WarmUp(c, WarmRows, WarmChunk, func() { stopAfter-- }, func() bool { return stopAfter == 0 }); n != 2*WarmChunk {
		t.Fatalf("asked to stop after two chunks, ran %d rows", n)
	}
}

// failAtEnd returns its data, then an error instead of io.EOF: a file that becomes unreadable.
type failAtEnd struct{ r io.Reader }

func (f failAtEnd) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("the disk went away")
	}
	return n, err
}

// A run that fails part way still sends the page every row it classified: the rows gathered since the last
// progress message arrive with the failure, as the page decodes it.
func TestFailureKeepsItsRows(t *testing.T) {
	c := classifier(t)
	in := readData(t, "att_train.csv")
	var sentRows int
	p, err := Run(context.Background(), c, failAtEnd{bytes.NewReader(in)}, &bytes.Buffer{}, Options{Tasks: model.Both,
		OnProgress: func(p *protocol.Progress) { sentRows += len(sent(t, p)) }})
	if err == nil || p.Rows != 25 {
		t.Fatalf("err %v after %d rows", err, p.Rows)
	}
	b, err := Encode(&protocol.Envelope{Kind: protocol.KindFailed, Failure: Failure(err, p)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := protocol.Decode(string(b))
	if err != nil || m.Failure == nil || m.Failure.Partial == nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	if got := sentRows + len(m.Failure.Partial.NewRows); got != 25 {
		t.Fatalf("the page got %d of 25 rows (%d with the failure)", got, len(m.Failure.Partial.NewRows))
	}
	if r := m.Failure.Partial.NewRows[len(m.Failure.Partial.NewRows)-1]; r.Row != 25 || r.Att == "" {
		t.Fatalf("last row %+v", r)
	}
}

// The summary's agreement with a file's label column counts what the output's labels say: 400 unlabeled
// flows labelled VOD, against the attribution column Run writes for them, withheld answers (unknown) apart.
func TestRunCountsAgreementAndUnknown(t *testing.T) {
	lines := strings.Split(strings.ReplaceAll(string(readData(t, "att_unlabeled.csv")), "\r", ""), "\n")
	var in strings.Builder
	in.WriteString(lines[0] + ",attribution\n")
	for _, l := range lines[1:401] {
		in.WriteString(l + ",VOD\n")
	}
	var out bytes.Buffer
	p, err := Run(context.Background(), classifier(t), strings.NewReader(in.String()), &out, Options{Tasks: model.Both})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := len(rows[0]) - 3 // …, attribution, attribution_confidence, error
	agree, unknown := 0, 0
	for _, r := range rows[1:] {
		switch r[col] {
		case "VOD":
			agree++
		case model.Unknown:
			unknown++
		}
	}
	s := p.Summary.Att
	if p.Summary.LabelColumn != "attribution" || s.Labelled != 400 || s.Agree != agree || s.LabelledUnknown != unknown || unknown == 0 {
		t.Fatalf("summary %q: %d labelled, %d agree, %d unknown; the output says %d agree, %d unknown",
			p.Summary.LabelColumn, s.Labelled, s.Agree, s.LabelledUnknown, agree, unknown)
	}
	if a := p.Summary.App; a.Labelled != 0 || a.LabelledUnknown != 0 {
		t.Fatalf("an attribution label compared with the app's predictions: %+v", a)
	}
}

// TestRunFindsTheLabelBehindALongHeader checks that the label column (for the agreement tile and the table's
// label column) is found however long the header: the columns used to be looked for in the input's first
// 64 KiB only, so a long extra column before the label hid it.
func TestRunFindsTheLabelBehindALongHeader(t *testing.T) {
	c := classifier(t)
	lines := strings.Split(strings.TrimRight(string(readData(t, "app_train.csv")), "\r\n"), "\n")
	long := strings.Repeat("x", 70_000)
	var in bytes.Buffer
	for i, l := range lines[:41] {
		l = strings.TrimRight(l, "\r")
		if i == 0 {
			in.WriteString(long + "," + l + "\n")
		} else {
			in.WriteString("n," + l + "\n")
		}
	}
	p, err := Run(context.Background(), c, bytes.NewReader(in.Bytes()), io.Discard, Options{Tasks: model.Both})
	if err != nil {
		t.Fatal(err)
	}
	if p.Summary.LabelColumn != "label" || p.Summary.App.Labelled != 40 {
		t.Errorf("label column %q, %d labelled rows; want label, 40", p.Summary.LabelColumn, p.Summary.App.Labelled)
	}
}
