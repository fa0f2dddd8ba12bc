package features

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
)

// Fuzz targets (make fuzz-short / make fuzz in tools/bench/bench.mk). A crash the fuzzer finds is kept as a
// regression in testdata/fuzz/<Target>/, which plain `go test` replays.

// fuzzSeedLines returns the real header and the first n data lines of each competition file, CRs removed.
func fuzzSeedLines(f *testing.F, n int) (headers []string, rows [][]string) {
	f.Helper()
	for _, name := range []string{radcom.AttUnlabeled, radcom.AppTrain, radcom.AttTrain} {
		lines := strings.SplitN(strings.ReplaceAll(string(radcom.Read(f, name)), "\r", ""), "\n", n+2)
		headers = append(headers, lines[0])
		rows = append(rows, lines[1:n+1])
	}
	return headers, rows
}

// FuzzReader feeds arbitrary bytes to the reader: it must never panic or loop, it fails only with a typed
// header error, and then returns every record in order (rows 1, 2, 3, ..., lines increasing) with at most a
// *RowError each; a record read without error holds finite, bounded numbers.
func FuzzReader(f *testing.F) {
	headers, rows := fuzzSeedLines(f, 3)
	for i, h := range headers {
		body := h + "\n" + strings.Join(rows[i], "\n") + "\n"
		f.Add([]byte(body))
		f.Add([]byte("\ufeff" + strings.ReplaceAll(body, "\n", "\r\n")))
		f.Add([]byte(h + "\n" + rows[i][0] + "\n\"" + rows[i][1] + "\n" + rows[i][2])) // an unclosed quote
	}
	h, r := headers[0], rows[0][0]
	f.Add([]byte(h + "\n" + strings.Replace(r, ",", `,"1,2"`, 3) + "\n" + r[:len(r)/2] + "\n"))
	f.Add([]byte(h + "\n" + strings.Replace(r, ",", ",NaN", 1) + "\n" + strings.Replace(r, ",", ",-1e400", 1)))
	f.Add([]byte{})
	f.Add([]byte("a,b\n1,2\n"))
	f.Add([]byte("\x1f\x8b\x08\x00junk"))

	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			var he *HeaderError
			var me *MissingColumnsError
			if !errors.As(err, &he) && !errors.As(err, &me) {
				t.Fatalf("NewReader: untyped error %T: %v", err, err)
			}
			return
		}
		prevLine := 1
		for n := 1; ; n++ {
			if n > len(data)+1 {
				t.Fatalf("more records than bytes: the reader is looping")
			}
			rec, err := rd.Read()
			if errors.Is(err, io.EOF) {
				if rec != nil {
					t.Fatal("a record with io.EOF")
				}
				return
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				t.Fatalf("row %d: untyped error %T: %v", n, err, err)
			}
			if rec == nil {
				t.Fatalf("row %d: no record (error %v)", n, err)
			}
			if rec.Row != n {
				t.Fatalf("record %d numbered row %d: rows must go 1, 2, 3, ...", n, rec.Row)
			}
			if rec.Line <= prevLine {
				t.Fatalf("row %d starts on line %d, after a row on line %d", n, rec.Line, prevLine)
			}
			prevLine = rec.Line
			if re != nil {
				if re.Row != rec.Row || re.Line != rec.Line || re.Reason == "" || len(re.Error()) > 400 {
					t.Fatalf("row %d: error %+v for record row %d line %d", n, re, rec.Row, rec.Line)
				}
				continue
			}
			if len(rec.Fields) != len(rd.Header()) {
				t.Fatalf("row %d: %d fields accepted under a %d-column header", n, len(rec.Fields), len(rd.Header()))
			}
			if rec.Text != "" && !slices.Equal(rec.Fields, strings.Split(rec.Text, ",")) {
				t.Fatalf("row %d: fields %q are not its text %q split at its commas", n, rec.Fields, rec.Text)
			}
			for c, v := range rec.Numeric {
				if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxAbsValue || (v != 0 && math.Abs(v) < MinAbsValue) ||
					(v < 0 && !signedColumn(c)) {
					t.Fatalf("row %d: %s = %v accepted", n, NumericColumns[c], v)
				}
				// the fast path (decimal.Parse + plausible) reads the value the careful parser does
				if want, err := parseCell(rec.Fields[rd.numericAt[c]], signedColumn(c)); err != nil || math.Float64bits(want) != math.Float64bits(v) {
					t.Fatalf("row %d: %s = %v, its cell %q parses to %v (%v)", n, NumericColumns[c], v, rec.Fields[rd.numericAt[c]], want, err)
				}
			}
		}
	})
}

// FuzzExtract puts fuzzed values into three numeric cells of a real row. Whatever the reader accepts, Extract
// must turn into a finite vector of the right length, without panicking.
func FuzzExtract(f *testing.F) {
	headers, rows := fuzzSeedLines(f, 4)
	header := strings.Split(headers[0], ",")
	var base [][]string
	for _, r := range rows[0] {
		base = append(base, strings.Split(r, ","))
	}
	col := func(name string) uint8 {
		for i, h := range header {
			if strings.TrimSpace(h) == name {
				return uint8(i)
			}
		}
		f.Fatalf("no column %q", name)
		return 0
	}
	f.Add(uint8(0), col("pps_fwd"), "1e-300", col("fwd_packets_length"), "1e12", col("mean_packet_size"), "0")
	f.Add(uint8(1), col("mean_packet_size"), "5e-324", col("STD_packet_size"), "1e12", col("bpp_0"), "0")
	f.Add(uint8(2), col("beaconning_0"), "1e-310", col("beaconning_1"), "0", col("Protocol"), "UDP")
	f.Add(uint8(3), col("first_packet_sizes_0"), "-1e12", col("first_packet_sizes_1"), "0x1p-1074", col("mean_fwd_inter_arrival_time"), "1e-320")
	f.Add(uint8(0), col("fwd_packets_amount"), "999999999999", col("bwd_packets_amount"), "999999999999", col("count_big_requests"), "1e12")

	f.Fuzz(func(t *testing.T, row, c1 uint8, v1 string, c2 uint8, v2 string, c3 uint8, v3 string) {
		fields := append([]string(nil), base[int(row)%len(base)]...)
		for _, cv := range []struct {
			c uint8
			v string
		}{{c1, v1}, {c2, v2}, {c3, v3}} {
			fields[int(cv.c)%len(fields)] = cv.v
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(header)
		w.Write(fields) // quotes a value with a comma, quote or newline: the fuzzed cell stays one cell
		w.Flush()
		rd, err := NewReader(&buf)
		if err != nil {
			t.Fatalf("the real header was refused: %v", err)
		}
		rec, err := rd.Read()
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return // refused: Extract never sees it
		}
		vec := Extract(rec, nil)
		if len(vec) != NumFeatures {
			t.Fatalf("%d features, want %d", len(vec), NumFeatures)
		}
		for i, x := range vec {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Fatalf("feature %s = %v from accepted cells %q, %q, %q", FeatureNames[i], x, v1, v2, v3)
			}
		}
		if again := Extract(rec, vec); !equalVectors(again, vec) {
			t.Fatal("Extract into its own storage gives another vector")
		}
	})
}

func equalVectors(a, b FeatureVector) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}
