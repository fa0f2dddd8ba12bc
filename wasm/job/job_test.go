package job

import (
	"bytes"
	"context"
	"encoding/json"
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
			OnProgress: func(p *protocol.Progress) { calls++; rows += len(p.NewRows) }})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%s: output differs from classify.Stream", name)
		}
		rows += len(p.NewRows)
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

func BenchmarkRun(b *testing.B) {
	c := classifier(b)
	in := readData(b, "att_unlabeled.csv")
	for b.Loop() {
		if _, err := Run(context.Background(), c, bytes.NewReader(in), &bytes.Buffer{}, Options{Tasks: model.Both}); err != nil {
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

// Encode's hand-written rows decode to what was encoded, by encoding/json and by the page's protocol.Decode
// (which must take its fast path on them), and the rest is encoding/json's.
func TestEncodeRoundTrip(t *testing.T) {
	rows := []protocol.RowView{
		{Row: 1, Src: "10.0.0.1:443", Dst: "[fe80::1]:53", Proto: "udp", Label: "VOD", App: "google", AppConf: 0.8667,
			AppTop: "google:0.8667|jpost:0.0233|x:0.0200", Att: "real_time_video", AttConf: 0.91, Off: 2345, Len: 1401},
		{Row: 2, Err: "row 2 (line 3), column \"Protocol\": want tcp or udp, got \"ïcmp<>&\\\t\""},
		{Row: 3},
	}
	in := protocol.Envelope{Kind: protocol.KindProgress, Progress: &protocol.Progress{Rows: 3, Bad: 1, Total: 9, Bytes: 9,
		NewRows: rows, NewErrors: []protocol.RowError{{Row: 2, Line: 3, Column: "Protocol", Reason: "x"}},
		Summary: protocol.Summary{Att: &protocol.TaskSummary{Counts: map[string]int{"VOD": 1}}}}}
	b, err := Encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out protocol.Envelope
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	want, _ := json.Marshal(in)
	got, _ := json.Marshal(out)
	if !bytes.Equal(want, got) {
		t.Fatalf("round trip:\n got %s\nwant %s", got, want)
	}
	decoded, err := protocol.Decode(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(decoded); !bytes.Equal(want, got) {
		t.Fatalf("protocol.Decode:\n got %s\nwant %s", got, want)
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
