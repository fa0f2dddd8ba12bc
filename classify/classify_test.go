package classify

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

func classifier(t testing.TB) *model.Classifier {
	t.Helper()
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func run(t *testing.T, input []byte, opts Options) ([]byte, Stats) {
	t.Helper()
	var out bytes.Buffer
	st, err := Stream(context.Background(), classifier(t), bytes.NewReader(input), &out, opts)
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), st
}

func parseCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestRoundTripKeepsEveryRowAndColumn classifies the real unlabeled file and checks that the output is the
// input, row for row and field for field, with the prediction columns after it.
func TestRoundTripKeepsEveryRowAndColumn(t *testing.T) {
	input := radcom.Read(t, radcom.AttUnlabeled)
	out, st := run(t, input, Options{Tasks: model.Both})
	in, got := parseCSV(t, input), parseCSV(t, out)
	if st.Rows != 6249 || st.BadRows != 0 || len(got) != len(in) {
		t.Fatalf("stats %+v, %d output records for %d input records", st, len(got), len(in))
	}
	width := len(in[0])
	for i := range in {
		if len(got[i]) != width+len(OutputColumns) {
			t.Fatalf("record %d has %d fields", i, len(got[i]))
		}
		for j := range in[i] {
			if got[i][j] != in[i][j] {
				t.Fatalf("record %d field %d: %q became %q", i, j, in[i][j], got[i][j])
			}
		}
	}
	for j, c := range OutputColumns {
		if got[0][width+j] != c {
			t.Errorf("output column %d is %q, want %q", j, got[0][width+j], c)
		}
	}
	row := got[1][width:]
	if row[0] == "" || row[3] == "" || row[5] != "" || strings.Count(row[2], "|") != 2 {
		t.Errorf("first row's predictions look wrong: %q", row)
	}
	if n := st.ByAtt["VOD"] + st.ByAtt["file download"] + st.ByAtt["real_time_audio"] + st.ByAtt["real_time_messaging"] + st.ByAtt["real_time_video"] + st.ByAtt[model.Unknown]; n != 6249 {
		t.Errorf("attribution counts add up to %d", n)
	}
}

func TestOutputIndependentOfWorkers(t *testing.T) {
	input := radcom.Read(t, radcom.AppTrain)
	one, _ := run(t, input, Options{Tasks: model.Both, Workers: 1})
	four, _ := run(t, input, Options{Tasks: model.Both, Workers: 4})
	if !bytes.Equal(one, four) {
		t.Fatal("output depends on the number of workers")
	}
}

func TestTasksSelectColumns(t *testing.T) {
	input := radcom.Read(t, radcom.AttTrain)
	out, _ := run(t, input, Options{Tasks: model.Tasks{Att: true}})
	recs := parseCSV(t, out)
	w := len(recs[0]) - len(OutputColumns)
	for _, r := range recs[1:] {
		if r[w] != "" || r[w+1] != "" || r[w+2] != "" || r[w+3] == "" || r[w+4] == "" {
			t.Fatalf("att only: %q", r[w:])
		}
	}
}

func TestBadRowsAreReportedInline(t *testing.T) {
	lines := strings.Split(string(radcom.Read(t, radcom.AppTrain)), "\n")
	bad := strings.Replace(lines[2], ",tcp,", ",sctp,", 1)
	input := strings.Join([]string{lines[0], lines[1], bad, lines[3] + ",surplus", "", lines[4]}, "\n") + "\n"
	out, st := run(t, []byte(input), Options{Tasks: model.Both})
	recs := parseCSV(t, out)
	if st.Rows != 4 || st.BadRows != 2 || len(recs) != 5 {
		t.Fatalf("stats %+v, %d records", st, len(recs))
	}
	errCol := len(recs[0]) - 1
	for i, want := range []string{"", `row 2 (line 3), column "Protocol": want tcp or udp, got "sctp"`, "row 3 (line 4): has 113 fields, the header has 112", ""} {
		r := recs[i+1]
		if r[errCol] != want {
			t.Errorf("row %d error %q, want %q", i+1, r[errCol], want)
		}
		if want == "" && r[errCol-5] == "" {
			t.Errorf("good row %d has no prediction", i+1)
		}
		if want != "" && r[errCol-5] != "" {
			t.Errorf("bad row %d has a prediction", i+1)
		}
	}
}

func TestHeaderProblemsStopBeforeOutput(t *testing.T) {
	var out bytes.Buffer
	_, err := Stream(context.Background(), classifier(t), strings.NewReader("a,b,c\n1,2,3\n"), &out, Options{Tasks: model.Both})
	var me *features.MissingColumnsError
	if !errors.As(err, &me) || len(me.Columns) != features.NumNumericInput+1 {
		t.Fatalf("got %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("wrote %d bytes before failing", out.Len())
	}
}

func TestCancelStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := io.MultiReader(bytes.NewReader(radcom.Read(t, radcom.AppTrain)), strings.NewReader(strings.Repeat("x\n", 1000)))
	_, err := Stream(ctx, classifier(t), big, io.Discard, Options{Tasks: model.Both})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func BenchmarkStream(b *testing.B) {
	c := classifier(b)
	input := radcom.Read(b, radcom.AttUnlabeled)
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		if _, err := Stream(context.Background(), c, bytes.NewReader(input), io.Discard, Options{Tasks: model.Both, Workers: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(6249*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func TestUnknownAndItsSwitch(t *testing.T) {
	input := radcom.Read(t, radcom.AttUnlabeled)
	_, with := run(t, input, Options{Tasks: model.Both})
	_, without := run(t, input, Options{Tasks: model.Tasks{App: true, Att: true, NoUnknown: true}})
	if with.ByApp[model.Unknown] == 0 {
		t.Errorf("no app label became %q on 6,249 flows of a network the model never saw", model.Unknown)
	}
	if without.ByApp[model.Unknown] != 0 || without.ByAtt[model.Unknown] != 0 {
		t.Errorf("NoUnknown still gave %q labels", model.Unknown)
	}
	t.Logf("unknown: %d app, %d attribution of 6249", with.ByApp[model.Unknown], with.ByAtt[model.Unknown])
}

func TestExplainInNDJSON(t *testing.T) {
	out, _ := run(t, radcom.Read(t, radcom.AttTrain), Options{Tasks: model.Both, Format: NDJSON, Explain: 3})
	var row NDJSONRow
	if err := json.Unmarshal(bytes.SplitN(out, []byte("\n"), 2)[0], &row); err != nil {
		t.Fatal(err)
	}
	if row.Explain == nil || row.Explain.App == nil || row.Explain.Att == nil || len(row.Explain.App.Contributions) != 3 {
		t.Fatalf("explain missing: %+v", row.Explain)
	}
}

// TestRowsLocateTheirOutput checks Row.OutOffset and OutLen: in both formats the rows' spans follow the header
// one after another to the end of the output, and each span holds that row and nothing else, for plain rows,
// a row with a quoted field spanning lines (whose output is quoted too) and a bad row.
func TestRowsLocateTheirOutput(t *testing.T) {
	lines := strings.Split(string(radcom.Read(t, radcom.AttTrain)), "\n")
	header := lines[0] + ",note"
	input := strings.Join([]string{header, lines[1] + ",plain", lines[2] + `,"two` + "\r\n" + `lines, ""quoted"""`,
		strings.Replace(lines[3], ",udp,", ",sctp,", 1) + ",bad", lines[4] + ","}, "\n") + "\n"
	for _, format := range []Format{CSV, NDJSON} {
		var rows []Row
		out, _ := run(t, []byte(input), Options{Tasks: model.Both, Format: format, OnRow: func(r *Row) { rows = append(rows, *r) }})
		if len(rows) != 4 {
			t.Fatalf("format %v: %d rows", format, len(rows))
		}
		next := int64(0)
		if format == CSV {
			next = int64(bytes.IndexByte(out, '\n') + 1)
		}
		for _, r := range rows {
			if r.OutOffset != next || r.OutLen <= 0 {
				t.Fatalf("format %v row %d: span [%d, +%d), want it to start at %d", format, r.Row, r.OutOffset, r.OutLen, next)
			}
			span := out[r.OutOffset : r.OutOffset+int64(r.OutLen)]
			next += int64(r.OutLen)
			if format == NDJSON {
				var rec map[string]any
				if err := json.Unmarshal(span, &rec); err != nil || span[len(span)-1] != '\n' {
					t.Fatalf("row %d: span %q is not one JSON object and its newline: %v", r.Row, span, err)
				}
				continue
			}
			recs := parseCSV(t, span)
			if len(recs) != 1 || !slices.Equal(recs[0][:len(r.Fields)], r.Fields) {
				t.Fatalf("row %d: span %q does not hold the row's record", r.Row, span)
			}
		}
		if next != int64(len(out)) {
			t.Fatalf("format %v: the spans end at %d of %d bytes", format, next, len(out))
		}
	}
}
