package features

import (
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flowlens/ntc/internal/radcom"
)

// realLines returns the header and first data line of a competition file.
func realLines(t *testing.T, name string) (header, row string) {
	t.Helper()
	lines := strings.SplitN(string(radcom.Read(t, name)), "\n", 3)
	return strings.TrimRight(lines[0], "\r"), strings.TrimRight(lines[1], "\r")
}

// readAll reads every record, collecting row errors.
func readAll(t *testing.T, r *Reader) (recs []*FlowRecord, rowErrs []*RowError) {
	t.Helper()
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return recs, rowErrs
		}
		var re *RowError
		if err != nil && !errors.As(err, &re) {
			t.Fatalf("read stopped: %v", err)
		}
		if re != nil {
			rowErrs = append(rowErrs, re)
		}
		if rec == nil {
			t.Fatal("a row error came without its record")
		}
		recs = append(recs, rec)
	}
}

func TestReaderRealFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rows  int
		label string
	}{
		{radcom.AppTrain, 640, "label"},
		{radcom.AttTrain, 25, "attribution"},
		{radcom.AttUnlabeled, 6249, ""}, // CRLF line ends, no final newline
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(radcom.Path(t, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			if r.LabelColumn() != tc.label {
				t.Errorf("label column %q, want %q", r.LabelColumn(), tc.label)
			}
			recs, errs := readAll(t, r)
			if len(recs) != tc.rows || len(errs) != 0 {
				t.Fatalf("%d rows and %d errors, want %d rows and none (first: %v)", len(recs), len(errs), tc.rows, errs)
			}
			last := recs[len(recs)-1]
			if last.Row != tc.rows || len(last.Fields) != len(r.Header()) {
				t.Errorf("last row %d with %d fields", last.Row, len(last.Fields))
			}
			if tc.label != "" && last.Label == "" {
				t.Error("label not read")
			}
			if last.SourceIP == "" || last.DestinationIP == "" {
				t.Error("IP pair not kept for grouping")
			}
		})
	}
}

func TestReaderQuirks(t *testing.T) {
	header, row := realLines(t, radcom.AppTrain)
	want := func(t *testing.T, input string) *FlowRecord {
		t.Helper()
		r, err := NewReader(strings.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		recs, errs := readAll(t, r)
		if len(recs) != 1 || len(errs) != 0 {
			t.Fatalf("%d rows, errors %v", len(recs), errs)
		}
		rec := recs[0]
		if rec.Numeric[ColMaxFwdPacket] != 1454 || rec.Numeric[ColFirstPacketSizes+1] != -66 || rec.Label != "1inch.io" {
			t.Errorf("values not read by name: max_fwd_packet=%v first_packet_sizes_1=%v label=%q",
				rec.Numeric[ColMaxFwdPacket], rec.Numeric[ColFirstPacketSizes+1], rec.Label)
		}
		return rec
	}
	if !strings.Contains(header, "max_fwd_packet ,") {
		t.Fatal("the real header no longer has the trailing-space quirk this test is about")
	}
	t.Run("trailing space in header name", func(t *testing.T) { want(t, header+"\n"+row+"\n") })
	t.Run("UTF-8 BOM", func(t *testing.T) { want(t, "\ufeff"+header+"\n"+row+"\n") })
	t.Run("CRLF", func(t *testing.T) { want(t, header+"\r\n"+row+"\r\n") })
	t.Run("no final newline", func(t *testing.T) { want(t, header+"\n"+row) })
	t.Run("columns in another order, extra column kept", func(t *testing.T) {
		h, v := strings.Split(header, ","), strings.Split(row, ",")
		for i, j := 0, len(h)-1; i < j; i, j = i+1, j-1 { // reverse
			h[i], h[j] = h[j], h[i]
			v[i], v[j] = v[j], v[i]
		}
		rec := want(t, "note,"+strings.Join(h, ",")+"\nhello,"+strings.Join(v, ",")+"\n")
		if rec.Fields[0] != "hello" {
			t.Errorf("extra column not passed through: %q", rec.Fields[0])
		}
	})
	t.Run("label column optional", func(t *testing.T) {
		h := strings.TrimSuffix(header, ",label")
		v := row[:strings.LastIndex(row, ",")]
		r, err := NewReader(strings.NewReader(h + "\n" + v + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if recs, errs := readAll(t, r); len(recs) != 1 || len(errs) != 0 || r.LabelColumn() != "" {
			t.Fatalf("rows %d errors %v label column %q", len(recs), errs, r.LabelColumn())
		}
	})
}

func TestReaderBadRows(t *testing.T) {
	header, row := realLines(t, radcom.AppTrain)
	cols := strings.Split(header, ",")
	index := func(name string) int {
		for i, c := range cols {
			if strings.TrimSpace(c) == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	with := func(name, value string) string {
		v := strings.Split(row, ",")
		v[index(name)] = value
		return strings.Join(v, ",")
	}
	for _, tc := range []struct {
		name, line, column, reason string
		kept                       int // fields the bad row keeps (for the output)
	}{
		{"text in a number", with("pps_fwd", "fast"), "pps_fwd", "not a number", 112},
		{"empty cell", with("bpp_0", ""), "bpp_0", "empty cell", 112},
		{"NaN", with("mean_packet_size", "NaN"), "mean_packet_size", "not a finite number", 112},
		{"Inf", with("STD_packet_size", "+Inf"), "STD_packet_size", "not a finite number", 112},
		{"negative count", with("fwd_packets_length", "-3"), "fwd_packets_length", "negative", 112},
		{"absurdly large", with("bpp_1", "1e300"), "bpp_1", "implausibly large", 112},
		{"overflow", with("bpp_2", "1e999"), "bpp_2", "out of range", 112},
		{"hexadecimal float", with("pps_fwd", "0x1p4"), "pps_fwd", `not a number: "0x1p4"`, 112},
		{"digit separators", with("bpp_0", "1_0"), "bpp_0", `not a number: "1_0"`, 112},
		{"long accented text, cut whole", with("pps_fwd", "x"+strings.Repeat("é", 30)), "pps_fwd", `not a number: "x` + strings.Repeat("é", 19) + `…"`, 112},
		{"unknown protocol", with("Protocol", "icmp"), "Protocol", "want tcp or udp", 112},
		{"ragged row", row + ",extra", "", "has 113 fields, the header has 112", 113},
		{"a million commas: counted, not kept", strings.Repeat(",", 1e6), "", "has 1000001 fields, the header has 112", 113},
		{"bare quote: its cells kept", strings.Replace(row, "tcp", `t"cp`, 1), "", "malformed CSV", 112},
		{"a bare quote and a million commas: cells cut for show", `x"y` + strings.Repeat(",", 1e6), "", "malformed CSV", 64 * 113},
		{"bare CR", strings.Replace(row, ",", "\r", 1), "", "has 111 fields, the header has 112; it holds a bare CR", 111},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// the bad row sits between two good ones: both must still be read
			r, err := NewReader(strings.NewReader(header + "\n" + row + "\n" + tc.line + "\n" + row + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			recs, errs := readAll(t, r)
			if len(recs) != 3 || len(errs) != 1 {
				t.Fatalf("%d rows, %d errors (%v); want 3 rows, 1 error", len(recs), len(errs), errs)
			}
			e := errs[0]
			if e.Row != 2 || e.Line != 3 || e.Column != tc.column || !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("got %+v; want row 2, line 3, column %q, reason containing %q", e, tc.column, tc.reason)
			}
			if !strings.Contains(e.Error(), "row 2") || !utf8.ValidString(e.Error()) {
				t.Errorf("message %q does not name the row, or is not valid UTF-8", e.Error())
			}
			if len(recs[1].Fields) != tc.kept {
				t.Errorf("the bad row keeps %d fields, want %d", len(recs[1].Fields), tc.kept)
			}
			if recs[2].Row != 3 || recs[2].Label != "1inch.io" {
				t.Errorf("row after the bad one: %+v", recs[2].Row)
			}
		})
	}
}

func TestReaderHeaderErrors(t *testing.T) {
	header, _ := realLines(t, radcom.AppTrain)
	drop := func(names ...string) string {
		var keep []string
	next:
		for _, c := range strings.Split(header, ",") {
			for _, n := range names {
				if strings.TrimSpace(c) == n {
					continue next
				}
			}
			keep = append(keep, c)
		}
		return strings.Join(keep, ",")
	}
	t.Run("missing columns are all named", func(t *testing.T) {
		_, err := NewReader(strings.NewReader(drop("pps_fwd", "Protocol", "beaconning_7") + "\n"))
		var me *MissingColumnsError
		if !errors.As(err, &me) {
			t.Fatalf("got %v, want a MissingColumnsError", err)
		}
		if strings.Join(me.Columns, ",") != "beaconning_7,pps_fwd,Protocol" {
			t.Errorf("missing %v", me.Columns)
		}
	})
	for _, tc := range []struct{ name, input, reason string }{
		{"empty file", "", "empty"},
		{"duplicated column", header + ",pps_fwd\n", "appears twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tc.input))
			var he *HeaderError
			if !errors.As(err, &he) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("got %v, want a HeaderError about %q", err, tc.reason)
			}
		})
	}
	t.Run("identity columns are optional", func(t *testing.T) {
		if _, err := NewReader(strings.NewReader(drop(IdentityColumns...) + "\n")); err != nil {
			t.Fatal(err)
		}
	})
}

// TestReaderMemoryOfHugeRows checks that a row of a million fields costs about its own bytes, not a string
// header a field (16 bytes each, in a slice that doubles): unquoted, quoted, and with a bare quote (which
// encoding/csv's lazy quotes, reading the malformed row's cells for show, would split at every comma).
func TestReaderMemoryOfHugeRows(t *testing.T) {
	header, row := realLines(t, radcom.AppTrain)
	commas := strings.Repeat(",", 1e6)
	for name, bad := range map[string]string{"unquoted": commas, "quoted": `"a"` + commas, "bare quote": `x"y` + commas} {
		input := header + "\n" + row + "\n" + bad + "\n" + row + "\n"
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := NewReader(strings.NewReader(input))
		if err != nil {
			t.Fatal(err)
		}
		recs, errs := readAll(t, r)
		runtime.ReadMemStats(&after)
		if len(recs) != 3 || len(errs) != 1 {
			t.Fatalf("%s: %d rows, %d errors", name, len(recs), len(errs))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%s: reading a %d-byte input allocated %d MB", name, len(input), alloc>>20)
		}
	}
}
