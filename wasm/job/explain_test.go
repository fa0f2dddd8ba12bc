package job

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"strings"
	"testing"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/protocol"
)

// run classifies in and returns the output and every row the table would get.
func run(t *testing.T, c *model.Classifier, in []byte, tasks model.Tasks) ([]byte, *protocol.Progress, []protocol.RowView) {
	t.Helper()
	var out bytes.Buffer
	var rows []protocol.RowView
	p, err := Run(context.Background(), c, bytes.NewReader(in), &out, Options{Tasks: tasks, Every: 1,
		OnProgress: func(p *protocol.Progress) { rows = append(rows, sent(t, p)...) }})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), p, append(rows, sent(t, p)...)
}

// sent returns the table rows the page gets from a progress message: p encoded as the worker posts it and
// decoded as the page reads it.
func sent(t testing.TB, p *protocol.Progress) []protocol.RowView {
	t.Helper()
	b, err := Encode(&protocol.Envelope{Kind: protocol.KindProgress, Progress: p})
	if err != nil {
		t.Fatal(err)
	}
	m, err := protocol.Decode(string(b))
	if err != nil || m.Progress == nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return m.Progress.NewRows
}

// withNotes adds a quoted column whose fields hold commas, quotes and line breaks to a CRLF copy of src with a BOM.
func withNotes(t *testing.T, src []byte) []byte {
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n"), "\n")
	var b strings.Builder
	b.WriteString("\ufeff" + lines[0] + ",note\r\n")
	for i, l := range lines[1:] {
		b.WriteString(l + `,"row ` + strings.Repeat("x", i) + `, said ""hi""` + "\r\nsecond line\n" + `third"` + "\r\n")
	}
	return []byte(b.String())
}

// Each table row points at its own line of the output: the lines, in order, are the whole output after the
// header, and each is one CSV record.
func TestRowLines(t *testing.T) {
	c := classifier(t)
	for _, in := range [][]byte{readData(t, "att_train.csv"), withNotes(t, readData(t, "att_train.csv"))} {
		out, p, rows := run(t, c, in, model.Both)
		if p.HeaderBytes <= 0 || out[p.HeaderBytes-1] != '\n' || bytes.Count(out[:p.HeaderBytes], []byte("\n")) != 1 {
			t.Fatalf("header bytes %d", p.HeaderBytes)
		}
		at := p.HeaderBytes
		for _, r := range rows {
			if r.Off != at || r.Len <= 0 {
				t.Fatalf("row %d at %d+%d, want at %d", r.Row, r.Off, r.Len, at)
			}
			line := out[r.Off : r.Off+int64(r.Len)]
			recs, err := csv.NewReader(bytes.NewReader(line)).ReadAll()
			if err != nil || len(recs) != 1 {
				t.Fatalf("row %d: %d records, %v: %q", r.Row, len(recs), err, line)
			}
			at += int64(r.Len)
		}
		if at != int64(len(out)) || len(rows) != 25 {
			t.Fatalf("%d rows end at %d of %d bytes", len(rows), at, len(out))
		}
	}
}

// The rows kept for the table are located; later ones are not, and cost nothing.
func TestRowLinesKeep(t *testing.T) {
	c := classifier(t)
	var out bytes.Buffer
	var rows []protocol.RowView
	p, err := Run(context.Background(), c, bytes.NewReader(readData(t, "att_train.csv")), &out, Options{Tasks: model.Both, KeepRows: 10, Every: 1,
		OnProgress: func(p *protocol.Progress) { rows = append(rows, sent(t, p)...) }})
	if err != nil {
		t.Fatal(err)
	}
	rows = append(rows, sent(t, p)...)
	if len(rows) != 10 || rows[9].Len == 0 || p.HeaderBytes == 0 {
		t.Fatalf("%d rows, last %+v", len(rows), rows[len(rows)-1])
	}
}

// Explaining a row through the job (the page's explain request: the output's header line and the row's line)
// gives the run's prediction, and base + every contribution = the explained class's score; with the list
// cut to the top ten, the rest is summed so the identity still holds. Unknown rows explain the most probable
// class.
func TestExplain(t *testing.T) {
	c := classifier(t)
	for _, in := range [][]byte{withNotes(t, readData(t, "att_train.csv")), readData(t, "att_unlabeled.csv")[:200_000]} {
		out, p, rows := run(t, c, in, model.Both)
		header := string(out[:p.HeaderBytes])
		unknown := 0
		for _, r := range rows[:min(len(rows), 60)] {
			line := string(out[r.Off : r.Off+int64(r.Len)])
			for _, top := range []int{0, ExplainTop} {
				tasks, err := Explain(c, header, line, model.Both, top)
				if err != nil {
					t.Fatalf("row %d: %v", r.Row, err)
				}
				if len(tasks) != 2 || tasks[0].Task != "app" || tasks[1].Task != "att" {
					t.Fatalf("row %d: tasks %+v", r.Row, tasks)
				}
				for _, e := range tasks {
					label, conf := r.App, r.AppConf
					if e.Task == "att" {
						label, conf = r.Att, r.AttConf
					}
					// the table's confidence is the CSV's four decimals
					if e.Label != label || classify.FormatProbability(e.Confidence) != classify.FormatProbability(conf) || len(e.Top) != model.TopK {
						t.Fatalf("row %d %s: explained %s %v, table %s %v", r.Row, e.Task, e.Label, e.Confidence, label, conf)
					}
					if e.Class != e.Top[0].Label || e.Class == model.Unknown {
						t.Fatalf("row %d %s: explains %q, top %+v", r.Row, e.Task, e.Class, e.Top)
					}
					if e.Label == model.Unknown {
						unknown++
						if e.Confidence >= e.Threshold {
							t.Fatalf("row %d %s: unknown at %v, threshold %v", r.Row, e.Task, e.Confidence, e.Threshold)
						}
					}
					sum := e.Base + e.Rest
					for _, ct := range e.Contributions {
						sum += ct.Contribution
					}
					// a forest's score is a vote share; a boosted model's (attribution) a raw score of any sign
					if math.Abs(sum-e.Score) > 1e-9 || (!e.Boosted && (e.Score <= 0 || e.Score > 1)) {
						t.Fatalf("row %d %s: base %v + contributions = %v, score %v", r.Row, e.Task, e.Base, sum, e.Score)
					}
					switch {
					case top == 0 && (e.RestN != 0 || e.Rest != 0):
						t.Fatalf("row %d %s: all asked, %d left over", r.Row, e.Task, e.RestN)
					case top > 0 && len(e.Contributions) > top:
						t.Fatalf("row %d %s: %d listed", r.Row, e.Task, len(e.Contributions))
					// a forest row meets dozens of features; a boosted row may meet only a few, when its
					// class's trees split on the same ones
					case len(e.Contributions) == 0 || (!e.Boosted && len(e.Contributions) < 5):
						t.Fatalf("row %d %s: %d contributions", r.Row, e.Task, len(e.Contributions))
					}
					for i := 1; i < len(e.Contributions); i++ {
						if math.Abs(e.Contributions[i].Contribution) > math.Abs(e.Contributions[i-1].Contribution) {
							t.Fatalf("row %d %s: not sorted by size", r.Row, e.Task)
						}
					}
				}
			}
		}
		t.Logf("%d rows explained, %d unknown predictions", min(len(rows), 60), unknown/2)
	}
}

// One task asked, one explained; a bad row or a line that is not a row is an error, not a panic.
func TestExplainEdges(t *testing.T) {
	c := classifier(t)
	out, p, rows := run(t, c, readData(t, "att_train.csv"), model.Tasks{App: true})
	header := string(out[:p.HeaderBytes])
	line := string(out[rows[0].Off : rows[0].Off+int64(rows[0].Len)])
	tasks, err := Explain(c, header, line, model.Tasks{App: true}, ExplainTop)
	if err != nil || len(tasks) != 1 || tasks[0].Task != "app" {
		t.Fatalf("%+v %v", tasks, err)
	}
	bad := strings.Replace(line, ",tcp,", ",icmp,", 1)
	bad = strings.Replace(bad, ",udp,", ",icmp,", 1)
	for _, l := range []string{"", "a,b\n", bad, `"unterminated`} {
		if _, err := Explain(c, header, l, model.Both, ExplainTop); err == nil {
			t.Fatalf("%q explained", l)
		}
	}
}
