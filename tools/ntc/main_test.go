package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
)

func ntc(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

var lastLine = regexp.MustCompile(`\naccuracy=(0\.\d{4}|1\.0000) macro_f1=(0\.\d{4}|1\.0000) n=(\d+)\n$`)

func TestEvalPrintsTheContractLastLine(t *testing.T) {
	for _, tc := range []struct{ task, file, n string }{
		{"app", radcom.AppTrain, "640"},
		{"att", radcom.AttTrain, "25"},
	} {
		code, out, errOut := ntc(t, "eval", "-task", tc.task, "-data", radcom.Path(t, tc.file))
		m := lastLine.FindStringSubmatch(out)
		if code != 0 || m == nil || m[3] != tc.n {
			t.Fatalf("eval %s: exit %d, stderr %q, output ends %q", tc.task, code, errOut, tail(out))
		}
		if !strings.Contains(out, "precision") {
			t.Errorf("eval %s prints no per-class table", tc.task)
		}
	}
}

func TestCVPrintsMeanAndSpread(t *testing.T) {
	code, out, errOut := ntc(t, "cv", "-task", "att", "-data", radcom.Path(t, radcom.AttTrain), "-folds", "5", "-repeats", "4")
	if code != 0 || !lastLine.MatchString(out) || !strings.Contains(out, "spread: accuracy_std=") {
		t.Fatalf("exit %d, stderr %q, output ends %q", code, errOut, tail(out))
	}
}

func TestClassifyFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.csv")
	code, _, errOut := ntc(t, "classify", "-in", radcom.Path(t, radcom.AttTrain), "-out", out)
	if code != 0 || !strings.Contains(errOut, "classified 25 rows, 0 bad") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines != 26 {
		t.Errorf("%d output lines, want 26", lines)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	lines := strings.Split(string(radcom.Read(t, radcom.AttTrain)), "\n")
	badRows := filepath.Join(dir, "bad.csv")
	os.WriteFile(badRows, []byte(lines[0]+"\n"+lines[1]+"\n"+strings.Replace(lines[2], ",", ",oops", 7)+"\n"), 0o644)
	noColumns := filepath.Join(dir, "nocols.csv")
	os.WriteFile(noColumns, []byte("a,b\n1,2\n"), 0o644)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"bad rows", []string{"classify", "-in", badRows, "-out", filepath.Join(dir, "o.csv")}, exitBadRows, "1 bad"},
		{"missing columns", []string{"classify", "-in", noColumns, "-out", filepath.Join(dir, "o2.csv")}, exitFailure, "missing 106 required column(s)"},
		{"missing file", []string{"classify", "-in", filepath.Join(dir, "nope.csv")}, exitFailure, "no such file"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"bad flag", []string{"classify", "-tasks", "weather"}, exitUsage, "unknown task"},
		{"no data", []string{"eval", "-task", "app"}, exitUsage, "-data is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := ntc(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tc.code, tc.stderr)
			}
		})
	}
}

func tail(s string) string {
	if len(s) > 300 {
		return s[len(s)-300:]
	}
	return s
}

func TestExplainRow(t *testing.T) {
	code, out, errOut := ntc(t, "explain", "-in", radcom.Path(t, radcom.AttTrain), "-row", "6", "-top", "4")
	// per task a prediction line, the score line, the table's head and 4 features; the application also
	// lists (up to 4) exact sizes its token table holds for the class, under a line of their own, and the
	// attribution its blend forest's vote share with a table of its own (a line, the head, 4 features)
	if code != 0 || !strings.Contains(out, "application: ") || !strings.Contains(out, "attribution: ") ||
		!strings.Contains(out, `exact sizes the token table holds for "govt.nz"`) || !strings.Contains(out, "raw score (before softmax)") ||
		!strings.Contains(out, "and the forest averaged in with weight 0.60: vote share") || strings.Count(out, "\n") != 2*(3+4)+1+4+(2+4) {
		t.Fatalf("exit %d, stderr %q, output:\n%s", code, errOut, out)
	}
	if code, _, errOut := ntc(t, "explain", "-in", radcom.Path(t, radcom.AttTrain), "-row", "99"); code != exitFailure || !strings.Contains(errOut, "no row 99") {
		t.Errorf("row past the end: exit %d, %q", code, errOut)
	}
}

// TestEvalCountsWhatClassifyCallsUnknown labels 400 unlabeled flows VOD and checks eval's account of unknown
// against classify's own output for the same file: as many rows labelled unknown, and the accuracy of the
// labels classify writes.
func TestEvalCountsWhatClassifyCallsUnknown(t *testing.T) {
	lines := strings.Split(strings.ReplaceAll(string(radcom.Read(t, radcom.AttUnlabeled)), "\r", ""), "\n")
	var in strings.Builder
	in.WriteString(lines[0] + ",attribution\n")
	for _, l := range lines[1:401] {
		in.WriteString(l + ",VOD\n")
	}
	dir := t.TempDir()
	file, out := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv")
	if err := os.WriteFile(file, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, report, errOut := ntc(t, "eval", "-task", "att", "-data", file)
	m := regexp.MustCompile(`labels (\d+) rows \([\d.]+%\) unknown \(confidence under 0\.\d+\), (\d+) of them right at top 1: its labels score accuracy (\d\.\d{4})`).FindStringSubmatch(report)
	if code != 0 || m == nil || !lastLine.MatchString(report) {
		t.Fatalf("eval: exit %d, stderr %q, output ends %q", code, errOut, tail(report))
	}
	if code, _, errOut := ntc(t, "classify", "-in", file, "-out", out, "-tasks", "att"); code != 0 {
		t.Fatalf("classify: exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// the input's label column is "attribution" too: the prediction is the second one
	col := -1
	for i, name := range rows[0] {
		if name == "attribution" {
			col = i
		}
	}
	unknown, vod := 0, 0
	for _, r := range rows[1:] {
		unknown += b2i(r[col] == "unknown")
		vod += b2i(r[col] == "VOD")
	}
	if want := strconv.Itoa(unknown); m[1] != want || unknown == 0 {
		t.Errorf("eval counts %s rows unknown, classify labels %d", m[1], unknown)
	}
	if want := fmt.Sprintf("%.4f", float64(vod)/400); m[3] != want {
		t.Errorf("eval says classify's labels score %s, they score %s", m[3], want)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
