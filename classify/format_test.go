package classify

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// csvWriterBytes is the reference: encoding/csv's Writer over Row.AppendRecord.
func csvWriterBytes(rows []Row, width int) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for i := range rows {
		w.Write(rows[i].AppendRecord(nil, width))
	}
	w.Flush()
	return b.Bytes()
}

func encoderBytes(rows []Row, header []string) []byte {
	var b bytes.Buffer
	e := newEncoder(CSV, header)
	e.begin(&b)
	for i := range rows {
		e.encode(&rows[i])
	}
	return b.Bytes()
}

// TestEncoderMatchesEncodingCSV checks the CSV encoder against encoding/csv's Writer, byte for byte: on every
// row of the competition files and a damaged file as the pipeline classifies them (rows passed through as
// read, and rows with errors), and on fields that need quoting by each of the Writer's rules.
func TestEncoderMatchesEncodingCSV(t *testing.T) {
	c := classifier(t)
	damaged, _ := damagedFile(t, 400)
	inputs := map[string][]byte{"damaged": damaged}
	for _, name := range []string{radcom.AttUnlabeled, radcom.AppTrain, radcom.AttTrain} {
		inputs[name] = radcom.Read(t, name)
	}
	for name, input := range inputs {
		rd, err := features.NewReader(bytes.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		var rows []Row
		var s Scratch
		passed := 0
		for {
			rec, err := rd.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			rows = append(rows, Classify(c, rec, err, model.Both, &s))
			if rec.Text != "" {
				passed++
			}
		}
		if got, want := encoderBytes(rows, rd.Header()), csvWriterBytes(rows, len(rd.Header())); !bytes.Equal(got, want) {
			t.Errorf("%s: encoder output differs from encoding/csv's (%d vs %d bytes)", name, len(got), len(want))
		}
		if passed == 0 {
			t.Errorf("%s: no row kept its text to pass through", name)
		}
	}
	header := []string{"a", "b", "c"}
	odd := []string{"", " lead", "\tlead", "\u00a0nbsp", "\u0085nel", "mid space", "q\"uote", "\"", "c,omma",
		"cr\rlf\n", `\.`, `\.x`, "é", "trail "}
	var rows []Row
	for i, f := range odd {
		fields := []string{f, odd[(i+1)%len(odd)], "x"}
		text := ""
		if !strings.Contains(strings.Join(fields, ""), "\"") {
			text = strings.Join(fields, ",") // what the reader keeps for a row without quotes
		}
		rows = append(rows, Row{Row: i + 1, Fields: fields, Text: text,
			Result: model.Result{App: &model.Prediction{Label: f, Confidence: 0.5, TopK: []model.Ranked{{Label: f, Probability: 0.5}}}},
			Err:    errors.New("column \"" + f + "\": reason")})
	}
	rows = append(rows, Row{Row: 99, Fields: []string{"1", "2"}, Text: "1,2"}, Row{Row: 100, Fields: []string{"1", "2", "3", "4"}, Text: "1,2,3,4"})
	if got, want := encoderBytes(rows, header), csvWriterBytes(rows, len(header)); !bytes.Equal(got, want) {
		t.Errorf("odd fields:\nencoder      %q\nencoding/csv %q", got, want)
	}
}

// TestProbabilityMatchesStrconv checks the four-decimal formatter against strconv on every vote share of a
// 300-tree forest, every value near a rounding tie (k/20000 and its float neighbours), and a sweep of [0, 1].
func TestProbabilityMatchesStrconv(t *testing.T) {
	var ps []float64
	for k := 0; k <= 300; k++ {
		ps = append(ps, float64(k)/300)
	}
	for k := 0; k <= 20000; k++ {
		p := float64(k) / 20000
		ps = append(ps, p, math.Nextafter(p, 0), math.Nextafter(p, 1))
	}
	for p := 0.0; p <= 1; p += 1.0 / 1048573 {
		ps = append(ps, p)
	}
	ps = append(ps, -0.5, 1.5, math.NaN(), math.Inf(1), 1e-300)
	for _, p := range ps {
		if got, want := string(AppendProbability(nil, p)), strconv.FormatFloat(p, 'f', 4, 64); got != want {
			t.Fatalf("%v: %s, strconv %s", p, got, want)
		}
	}
}

// TestNDJSONNamesEveryInputField checks that no input field is lost from an NDJSON object's "input": columns
// without a name (two of them would share the key "") are named by position, and fields beyond the header
// (a ragged row) are listed as extras.
func TestNDJSONNamesEveryInputField(t *testing.T) {
	header := []string{"Protocol", "", " ", "note"}
	r := Row{Row: 1, Fields: []string{"tcp", "A", "B", "hi", "extra"}}
	got := r.NDJSON(header).Input
	want := map[string]string{"Protocol": "tcp", "_column_2": "A", "_column_3": "B", "note": "hi", "_extra_4": "extra"}
	if len(got) != len(want) {
		t.Fatalf("input %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("input[%q] = %q, want %q (input %v)", k, got[k], v, got)
		}
	}
}

// TestAppendRow checks the row a caller appends to Stream's output (the API's closing error row) is shaped
// as Stream's own: as wide as the header plus the output columns, the error in its place; or an NDJSON object.
func TestAppendRow(t *testing.T) {
	header := []string{"Source_IP", "Protocol", "note, with a comma"}
	r := &Row{Row: 7, Err: errors.New(`stops here, "quoted"`)}
	rec, err := csv.NewReader(bytes.NewReader(AppendRow(nil, CSV, header, r))).Read()
	if err != nil || len(rec) != len(header)+len(OutputColumns) || rec[len(rec)-1] != `stops here, "quoted"` {
		t.Fatalf("CSV row %q (%v)", rec, err)
	}
	var o NDJSONRow
	b := AppendRow(nil, NDJSON, header, r)
	if err := json.Unmarshal(b, &o); err != nil || o.Row != 7 || o.Error == nil || *o.Error != `stops here, "quoted"` || b[len(b)-1] != '\n' {
		t.Fatalf("NDJSON %s (%v)", b, err)
	}
}
