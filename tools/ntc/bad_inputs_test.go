package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/api/apitest"
	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// The bad-inputs catalogue (testdata/bad/README.md): one table, each case run through `ntc classify` and through
// the HTTP API, which must agree. Inputs are generated from the real header and the first rows of
// att_unlabeled.csv, so no competition data is committed. `go test ./tools/ntc -run TestBadInputs -args
// -bad.dump DIR` writes every input and its expected outcome to DIR (for the browser page's tests).

var badDump = flag.String("bad.dump", "", "write the bad-input catalogue's inputs and expectations to this directory")

// flowFile is a flow CSV as fields: the real header and a few real rows, to be damaged case by case.
type flowFile struct {
	header []string
	rows   [][]string
}

const fixtureRows = 4

func realFlowFile(t testing.TB) flowFile {
	t.Helper()
	text := strings.ReplaceAll(string(radcom.Read(t, radcom.AttUnlabeled)), "\r", "")
	lines := strings.SplitN(text, "\n", fixtureRows+2)
	f := flowFile{header: strings.Split(lines[0], ",")}
	for _, l := range lines[1 : fixtureRows+1] {
		f.rows = append(f.rows, strings.Split(l, ","))
	}
	return f
}

func (f flowFile) clone() flowFile {
	g := flowFile{header: slices.Clone(f.header)}
	for _, r := range f.rows {
		g.rows = append(g.rows, slices.Clone(r))
	}
	return g
}

// col is a column's index, matched as the reader matches names (trimmed).
func (f flowFile) col(t testing.TB, name string) int {
	for i, h := range f.header {
		if strings.TrimSpace(h) == name {
			return i
		}
	}
	t.Fatalf("no column %q", name)
	return -1
}

// set returns a copy with data row `row` (1-based) cell `name` replaced by a raw value (quotes and all).
func (f flowFile) set(t testing.TB, row int, name, raw string) flowFile {
	g := f.clone()
	g.rows[row-1][g.col(t, name)] = raw
	return g
}

// drop returns a copy without the named columns.
func (f flowFile) drop(t testing.TB, names ...string) flowFile {
	g := f.clone()
	for _, name := range names {
		i := g.col(t, name)
		g.header = slices.Delete(g.header, i, i+1)
		for j := range g.rows {
			g.rows[j] = slices.Delete(g.rows[j], i, i+1)
		}
	}
	return g
}

// add returns a copy with a column appended.
func (f flowFile) add(name string, values ...string) flowFile {
	g := f.clone()
	g.header = append(g.header, name)
	for j := range g.rows {
		g.rows[j] = append(g.rows[j], values[j%len(values)])
	}
	return g
}

// lines returns the header and rows as raw lines (fields joined as they are: a case quotes them itself).
func (f flowFile) lines() []string {
	out := []string{strings.Join(f.header, ",")}
	for _, r := range f.rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

func (f flowFile) bytes() []byte { return []byte(strings.Join(f.lines(), "\n") + "\n") }

// badCase is one catalogue entry. A case either fails before any output (exit 1, HTTP 400 with code and a
// detail containing msg) or is classified row for row (exit 0 or 3, HTTP 200 with the CLI's exact bytes):
// then the output has rows data rows and exactly the rows in bad carry an error, each containing its strings.
type badCase struct {
	name  string
	input []byte
	exit  int
	msg   string // exit 1: in stderr and the API's detail
	code  string // exit 1: the API's error code
	rows  int
	bad   map[int][]string
}

// Expected is a case's outcome, as -bad.dump writes it.
type expected struct {
	Name       string           `json:"name"`
	File       string           `json:"file"`
	ExitCode   int              `json:"exit_code"`
	HTTPStatus int              `json:"http_status"`
	ErrorCode  string           `json:"error_code,omitempty"`
	Message    string           `json:"message,omitempty"`
	Rows       int              `json:"rows"`
	BadRows    map[int][]string `json:"bad_rows,omitempty"`
}

func (c badCase) status() int {
	if c.exit == exitFailure {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

func badCases(t testing.TB) []badCase {
	f := realFlowFile(t)
	good := f.bytes()
	header := f.lines()[0]
	rowErr := func(row int, parts ...string) map[int][]string { return map[int][]string{row: parts} }
	quotedEverywhere := f.clone()
	for i, v := range quotedEverywhere.rows[0] {
		quotedEverywhere.rows[0][i] = `"` + v + `"`
	}
	reversed := f.clone()
	slices.Reverse(reversed.header)
	for _, r := range reversed.rows {
		slices.Reverse(r)
	}
	allBad := f.clone()
	for _, r := range allBad.rows {
		r[f.col(t, "Protocol")] = "icmp"
	}
	concatenated := f.lines()
	concatenated = append(concatenated[:3], append([]string{header}, concatenated[3:]...)...)
	short, long := f.clone(), f.clone()
	short.rows[1] = short.rows[1][:len(short.rows[1])-1]
	long.rows[2] = append(long.rows[2], "surplus")
	junk := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range junk {
		junk[i] = byte(rng.UintN(256))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(good)
	zw.Close()
	var zipped bytes.Buffer
	xw := zip.NewWriter(&zipped)
	w, _ := xw.Create("flows.csv")
	w.Write(good)
	xw.Close()
	u16 := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(string(good))) {
		u16 = append(u16, byte(u), byte(u>>8))
	}
	mixed := f.lines()
	crlf := strings.Join(f.lines(), "\r\n")
	tenMB := strings.Repeat("9", 10<<20)

	return []badCase{
		// Header problems: nothing is written, exit 1, HTTP 400.
		{name: "wrong header: not a flow CSV", input: []byte("name,age\nalice,30\n"), exit: 1,
			code: "missing_columns", msg: "header is missing 106 required column(s): fwd_packets_amount, "},
		{name: "wrong header: a column renamed", input: bytes.Replace(good, []byte(",Protocol,"), []byte(",proto,"), 1), exit: 1,
			code: "missing_columns", msg: "missing 1 required column(s): Protocol"},
		{name: "missing column", input: f.drop(t, "pps_fwd").bytes(), exit: 1,
			code: "missing_columns", msg: "missing 1 required column(s): pps_fwd"},
		{name: "missing columns, all named at once", input: f.drop(t, "beaconning_7", "bandwidth_3").bytes(), exit: 1,
			code: "missing_columns", msg: "missing 2 required column(s): bandwidth_3, beaconning_7"},
		{name: "duplicated column", input: f.add("SYN_count", "0").bytes(), exit: 1,
			code: "bad_header", msg: `column "SYN_count" appears twice (fields 16 and 112)`},
		{name: "empty file", input: []byte{}, exit: 1, code: "bad_header", msg: "the file is empty"},
		{name: "blank lines only", input: []byte("\n\r\n\n"), exit: 1, code: "bad_header", msg: "the file is empty"},
		{name: "bare CR line ends", input: []byte(strings.Join(f.lines(), "\r") + "\r"), exit: 1,
			code: "bad_header", msg: "lines end in a bare CR"},
		{name: "binary junk", input: junk, exit: 1, code: "bad_header", msg: "the input is not "},
		{name: "gzip file given as CSV", input: gz.Bytes(), exit: 1, code: "bad_header", msg: "it looks like gzip-compressed data"},
		{name: "zip or xlsx given as CSV", input: zipped.Bytes(), exit: 1, code: "bad_header", msg: "a ZIP archive"},
		{name: "UTF-16 export", input: u16, exit: 1, code: "bad_header", msg: "UTF-16"},
		{name: "one 10 MB line, no newline", input: []byte(strings.Repeat("a", 10<<20)), exit: 1,
			code: "missing_columns", msg: "missing 106 required column(s)"},
		{name: "a header of 20,000 columns", input: []byte(strings.Repeat("x,", 19999) + "x\n"), exit: 1,
			code: "bad_header", msg: "the header has 20000 fields, more than 16384: not a flow CSV's header"},

		// Files that are fine, quirks and all: exit 0, HTTP 200.
		{name: "header only", input: []byte(header + "\n"), rows: 0},
		{name: "header only, no final newline", input: []byte(header), rows: 0},
		{name: "UTF-8 BOM", input: append([]byte("\ufeff"), good...), rows: 4},
		{name: "CRLF line ends, no final newline", input: []byte(crlf), rows: 4},
		{name: "mixed LF and CRLF line ends", input: []byte(mixed[0] + "\r\n" + mixed[1] + "\n" + mixed[2] + "\r\n" + mixed[3] + "\n" + mixed[4] + "\r\n"), rows: 4},
		{name: "extra columns", input: f.add("note", "hello", "").add("", "x").bytes(), rows: 4},
		{name: "columns in another order", input: reversed.bytes(), rows: 4},
		{name: "quoted numbers", input: quotedEverywhere.bytes(), rows: 4},
		{name: "padded cells and upper-case protocol", input: f.set(t, 1, "ACK_count", "  12 ").set(t, 2, "Protocol", "UDP").bytes(), rows: 4},

		// Bad rows: reported inline in the error column (row, line, column, reason), the others classified, exit 3.
		{name: "text where a number belongs", input: f.set(t, 2, "fwd_packets_amount", "twelve").bytes(), exit: 3, rows: 4,
			bad: rowErr(2, `row 2 (line 3), column "fwd_packets_amount"`, `not a number: "twelve"`)},
		{name: "empty cell", input: f.set(t, 1, "mean_packet_size", "").bytes(), exit: 3, rows: 4,
			bad: rowErr(1, `row 1 (line 2), column "mean_packet_size"`, "empty cell")},
		{name: "blank cell", input: f.set(t, 3, "ACK_count", "   ").bytes(), exit: 3, rows: 4,
			bad: rowErr(3, `column "ACK_count"`, "empty cell")},
		{name: "NaN", input: f.set(t, 2, "STD_packet_size", "NaN").bytes(), exit: 3, rows: 4,
			bad: rowErr(2, `column "STD_packet_size"`, `not a finite number: "NaN"`)},
		{name: "Inf", input: f.set(t, 3, "pps_fwd", "+Inf").bytes(), exit: 3, rows: 4,
			bad: rowErr(3, `column "pps_fwd"`, `not a finite number: "+Inf"`)},
		{name: "number too large for a float", input: f.set(t, 1, "bpp_1", "1e400").bytes(), exit: 3, rows: 4,
			bad: rowErr(1, `column "bpp_1"`, `value "1e400" is out of range`)},
		{name: "absurdly large value", input: f.set(t, 2, "bwd_packets_amount", "1e15").bytes(), exit: 3, rows: 4,
			bad: rowErr(2, `column "bwd_packets_amount"`, "value 1e15 is implausibly large (limit 1e+12)")},
		{name: "implausibly small value", input: f.set(t, 3, "mean_fwd_inter_arrival_time", "1e-300").bytes(), exit: 3, rows: 4,
			bad: rowErr(3, `column "mean_fwd_inter_arrival_time"`, "value 1e-300 is implausibly small (non-zero values must be at least 1e-12)")},
		{name: "negative count", input: f.set(t, 4, "SYN_count", "-3").bytes(), exit: 3, rows: 4,
			bad: rowErr(4, `row 4 (line 5), column "SYN_count"`, "negative value -3 in a column that cannot be negative")},
		{name: "unknown protocol", input: f.set(t, 1, "Protocol", "sctp").bytes(), exit: 3, rows: 4,
			bad: rowErr(1, `column "Protocol"`, `want tcp or udp, got "sctp"`)},
		{name: "NUL byte in a cell", input: f.set(t, 2, "ACK_count", "1\x002").bytes(), exit: 3, rows: 4,
			bad: rowErr(2, `column "ACK_count"`, `not a number: "1\x002"`)},
		{name: "ragged row: too few fields", input: short.bytes(), exit: 3, rows: 4,
			bad: rowErr(2, "row 2 (line 3): has 110 fields, the header has 111")},
		{name: "ragged row: too many fields", input: long.bytes(), exit: 3, rows: 4,
			bad: rowErr(3, "row 3 (line 4): has 112 fields, the header has 111")},
		{name: "every row bad", input: allBad.bytes(), exit: 3, rows: 4, bad: map[int][]string{
			1: {`got "icmp"`}, 2: {`got "icmp"`}, 3: {`got "icmp"`}, 4: {`got "icmp"`}}},
		{name: "header repeated mid-file", input: []byte(strings.Join(concatenated, "\n") + "\n"), exit: 3, rows: 5,
			bad: rowErr(3, `row 3 (line 4), column "Protocol"`, `want tcp or udp, got "Protocol"`)},
		{name: "blank lines between rows", input: []byte(strings.Join(f.set(t, 4, "SYN_count", "x").lines(), "\n\n") + "\n"), exit: 3, rows: 4,
			bad: rowErr(4, `row 4 (line 9), column "SYN_count"`)},
		{name: "quoted text with commas, quotes and newlines", input: f.set(t, 2, "Source_IP", "\"10.0.0.1, the \"\"lab\"\"\ngateway\"").
			set(t, 3, "SYN_count", "x").bytes(), exit: 3, rows: 4,
			bad: rowErr(3, `row 3 (line 5), column "SYN_count"`)}, // row 2 spans lines 3 and 4: row 3 starts on line 5
		{name: "newline inside a quoted number", input: f.set(t, 2, "mean_packet_size", "\"12\n34\"").bytes(), exit: 3, rows: 4,
			bad: rowErr(2, `row 2 (line 3), column "mean_packet_size"`, `not a number: "12\n34"`)},
		{name: "stray quote in a field", input: f.set(t, 2, "Source_IP", `10.0"0.1`).bytes(), exit: 3, rows: 4,
			bad: rowErr(2, "row 2 (line 3): malformed CSV: bare \" in non-quoted-field")},
		// A quote that is never closed makes the rest of the file one field: the rows it swallows are not lost
		// silently, the error names the line span.
		{name: "unterminated quote", input: f.set(t, 2, "Source_IP", `"10.0.0.1`).bytes(), exit: 3, rows: 2,
			bad: rowErr(2, "row 2 (line 3): malformed CSV", "a quoted field opened on line 3 is still open on line 5", "lines 3 to 5")},
		{name: "a row of a million commas", input: []byte(strings.Join(slices.Replace(f.lines(), 2, 3, strings.Repeat(",", 1e6)), "\n") + "\n"),
			exit: 3, rows: 4, bad: rowErr(2, "row 2 (line 3): has 1000001 fields, the header has 111")},
		{name: "Go-syntax numbers (hexadecimal, digit separators)", input: f.set(t, 2, "fwd_packets_amount", "0x1p4").
			set(t, 3, "ACK_count", "1_000").bytes(), exit: 3, rows: 4, bad: map[int][]string{
			2: {`column "fwd_packets_amount"`, `not a number: "0x1p4"`}, 3: {`column "ACK_count"`, `not a number: "1_000"`}}},
		{name: "a bare CR between two rows", input: []byte(strings.Join(f.lines()[:3], "\n") + "\r" + strings.Join(f.lines()[3:], "\n") + "\n"),
			exit: 3, rows: 3, bad: rowErr(2, "row 2 (line 3): has 221 fields, the header has 111", "bare CR", "several rows run together")},
		{name: "one 10 MB line", input: f.set(t, 2, "mean_packet_size", tenMB).bytes(), exit: 3, rows: 4,
			bad: rowErr(2, `column "mean_packet_size"`, `value "9999999999999999999999999999999999999999…" is out of range`)},
	}
}

// within fails the test if fn has not returned in time: no input may hang the pipeline.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
	}
}

var rowPrefix = regexp.MustCompile(`^row (\d+) \(line \d+\)`)

func TestBadInputs(t *testing.T) {
	cases := badCases(t)
	if len(cases) < 20 {
		t.Fatalf("the catalogue has %d cases", len(cases))
	}
	c, err := model.Default()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(c, api.Options{}))
	defer srv.Close()
	dir := t.TempDir()
	var dump []expected
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(dir, fmt.Sprintf("in%d.csv", i))
			out := filepath.Join(dir, fmt.Sprintf("out%d.csv", i))
			if err := os.WriteFile(in, tc.input, 0o644); err != nil {
				t.Fatal(err)
			}
			var code int
			var stdout, stderr string
			within(t, 2*time.Minute, func() { code, stdout, stderr = ntc(t, "classify", "-in", in, "-out", out) })
			cliOut, err := os.ReadFile(out)
			if err != nil && !(tc.exit == exitFailure && errors.Is(err, fs.ErrNotExist)) {
				t.Fatal(err) // a failed run writes no output file
			}
			if tc.exit == exitFailure && err == nil {
				t.Errorf("a failed run left an output file of %d bytes", len(cliOut))
			}
			if code != tc.exit {
				t.Fatalf("exit %d, want %d; stderr: %.500s", code, tc.exit, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout should be empty with -out: %.200q", stdout)
			}
			if tc.exit == exitFailure {
				if !strings.Contains(stderr, tc.msg) {
					t.Errorf("stderr %.500q, want it to say %q", stderr, tc.msg)
				}
			} else {
				checkOutput(t, tc, cliOut, stderr)
			}

			var resp *http.Response
			var body []byte
			within(t, 2*time.Minute, func() { resp, body = post(t, srv.URL, tc.input) })
			if resp.StatusCode != tc.status() {
				t.Fatalf("API: status %d, want %d: %.300s", resp.StatusCode, tc.status(), body)
			}
			if tc.exit == exitFailure {
				var e api.ErrorBody
				if err := json.Unmarshal(body, &e); err != nil || e.Error != tc.code || !strings.Contains(e.Detail, tc.msg) {
					t.Errorf("API: body %.500s; want error %q with a detail saying %q", body, tc.code, tc.msg)
				}
			} else if !bytes.Equal(body, cliOut) {
				t.Errorf("API: the 200 body (%d bytes) differs from ntc classify's output (%d bytes)", len(body), len(cliOut))
			}
		})
		dump = append(dump, expected{Name: tc.name, File: fmt.Sprintf("%02d.csv", i+1), ExitCode: tc.exit,
			HTTPStatus: tc.status(), ErrorCode: tc.code, Message: tc.msg, Rows: tc.rows, BadRows: tc.bad})
	}
	if *badDump != "" {
		if err := os.MkdirAll(*badDump, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, e := range dump {
			if err := os.WriteFile(filepath.Join(*badDump, e.File), cases[i].input, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := json.MarshalIndent(dump, "", "  ")
		if err := os.WriteFile(filepath.Join(*badDump, "expected.json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d cases to %s", len(dump), *badDump)
	}
}

// checkOutput checks a classified output: the input header plus OutputColumns, rectangular, the expected
// number of rows, each good row predicted, each bad row unpredicted with its error naming row and reason.
func checkOutput(t *testing.T, tc badCase, out []byte, stderr string) {
	t.Helper()
	if want := fmt.Sprintf("classified %d rows, %d bad\n", tc.rows, len(tc.bad)); !strings.Contains(stderr, want) {
		t.Errorf("stderr %.300q, want %q", stderr, want)
	}
	hr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(tc.input, []byte("\ufeff"))))
	inHeader, err := hr.Read()
	if err != nil {
		t.Fatalf("the case's own header does not parse: %v", err)
	}
	r := csv.NewReader(bytes.NewReader(out)) // FieldsPerRecord 0: every record as wide as the header
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("output is not a rectangular CSV: %v", err)
	}
	if !slices.Equal(recs[0], classify.OutputHeader(inHeader)) {
		t.Fatalf("output header %q", recs[0])
	}
	if len(recs)-1 != tc.rows {
		t.Fatalf("%d output rows, want %d", len(recs)-1, tc.rows)
	}
	at := func(rec []string, name string) string {
		return rec[len(rec)-len(classify.OutputColumns)+slices.Index(classify.OutputColumns, name)]
	}
	// every row keeps its input cells, a malformed one as encoding/csv reads it with lazy quotes, a ragged
	// one padded or cut to the header's width
	lazy := csv.NewReader(bytes.NewReader(tc.input))
	lazy.LazyQuotes, lazy.FieldsPerRecord = true, -1
	inRecs, err := lazy.ReadAll()
	if err != nil || len(inRecs)-1 != tc.rows {
		t.Fatalf("the case's input reads as %d rows (%v), want %d", len(inRecs)-1, err, tc.rows)
	}
	for i, rec := range recs[1:] {
		in := append(inRecs[i+1], make([]string, len(inHeader))...)[:len(inHeader)]
		if got := rec[:len(inHeader)]; !slices.Equal(got, in) {
			t.Errorf("row %d: input cells %.200q in the output, want %.200q", i+1, got, in)
		}
	}
	for i, rec := range recs[1:] {
		row := i + 1
		msg := at(rec, "error")
		want, isBad := tc.bad[row]
		if !isBad {
			if msg != "" || at(rec, "app") == "" || at(rec, "attribution") == "" || at(rec, "app_confidence") == "" {
				t.Errorf("row %d: a good row, but error %q, app %q, attribution %q", row, msg, at(rec, "app"), at(rec, "attribution"))
			}
			continue
		}
		if at(rec, "app") != "" || at(rec, "attribution") != "" {
			t.Errorf("row %d: a bad row was given predictions", row)
		}
		if m := rowPrefix.FindStringSubmatch(msg); m == nil || m[1] != fmt.Sprint(row) {
			t.Errorf("row %d: error %q does not start by naming the row and line", row, msg)
		}
		for _, s := range want {
			if !strings.Contains(msg, s) {
				t.Errorf("row %d: error %q, want it to contain %q", row, msg, s)
			}
		}
		if len(msg) > 300 {
			t.Errorf("row %d: a %d-byte error message", row, len(msg))
		}
	}
}

func post(t *testing.T, base string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/v1/classify", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
	return apitest.Send(t, http.DefaultClient, req)
}

// TestBadInputsCatalogueIsDocumented keeps testdata/bad/README.md listing every case.
func TestBadInputsCatalogueIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "testdata", "bad", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range badCases(t) {
		if !strings.Contains(string(doc), "| "+tc.name+" |") {
			t.Errorf("testdata/bad/README.md has no row for %q", tc.name)
		}
	}
}
