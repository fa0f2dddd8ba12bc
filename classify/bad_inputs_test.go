package classify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/flowlens/ntc/internal/radcom"
	"github.com/flowlens/ntc/model"
)

// The pipeline's side of the bad-inputs catalogue (testdata/bad/README.md; the per-case table runs through
// the CLI and the API in tools/ntc/bad_inputs_test.go): a long file with bad rows of every kind scattered
// through it keeps every row, in order, whatever the worker count and the output format.

// damagedFile returns a header and n real rows in which every 7th row is damaged, one way or another, and
// the numbers of the damaged rows.
func damagedFile(t *testing.T, n int) (input []byte, bad map[int]bool) {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(string(radcom.Read(t, radcom.AttUnlabeled)), "\r", ""), "\n")
	header := strings.Split(lines[0], ",")
	at := func(name string) int {
		for i, h := range header {
			if strings.TrimSpace(h) == name {
				return i
			}
		}
		t.Fatalf("no column %q", name)
		return 0
	}
	damage := []func([]string) []string{
		func(f []string) []string { f[at("fwd_packets_amount")] = "twelve"; return f },
		func(f []string) []string { f[at("mean_packet_size")] = ""; return f },
		func(f []string) []string { f[at("pps_fwd")] = "NaN"; return f },
		func(f []string) []string { f[at("SYN_count")] = "-1"; return f },
		func(f []string) []string { f[at("bpp_0")] = "1e99"; return f },
		func(f []string) []string { f[at("Protocol")] = "icmp"; return f },
		func(f []string) []string { return f[:len(f)-2] },
		func(f []string) []string { return append(f, "extra") },
		func(f []string) []string { f[at("Source_IP")] = `1.2"3.4`; return f },
		func(f []string) []string { f[at("ACK_count")] = `"1,2"`; return f },
	}
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	bad = map[int]bool{}
	for row := 1; row <= n; row++ {
		f := strings.Split(lines[1+(row-1)%(len(lines)-2)], ",")
		if row%7 == 0 {
			f = damage[(row/7)%len(damage)](f)
			bad[row] = true
		}
		b.WriteString(strings.Join(f, ",") + "\n")
	}
	return []byte(b.String()), bad
}

func TestBadRowsScatteredThroughALongFile(t *testing.T) {
	const n = 3000 // more than ten batches
	input, bad := damagedFile(t, n)
	var ref []byte
	for _, workers := range []int{1, 2, 7} {
		out, st := run(t, input, Options{Tasks: model.Both, Workers: workers})
		if st.Rows != n || st.BadRows != len(bad) {
			t.Fatalf("workers=%d: %d rows, %d bad; want %d and %d", workers, st.Rows, st.BadRows, n, len(bad))
		}
		if ref == nil {
			ref = out
			recs := parseCSV(t, out)
			if len(recs) != n+1 {
				t.Fatalf("%d output records, want %d", len(recs), n+1)
			}
			width := len(recs[0])
			for i, rec := range recs[1:] {
				row := i + 1
				msg := rec[len(rec)-1]
				if len(rec) != width {
					t.Fatalf("row %d: %d fields, header %d", row, len(rec), width)
				}
				if bad[row] != (msg != "") || (msg != "" && !strings.HasPrefix(msg, fmt.Sprintf("row %d (line %d)", row, row+1))) {
					t.Fatalf("row %d (bad: %v): error %q", row, bad[row], msg)
				}
			}
		} else if !bytes.Equal(out, ref) {
			t.Errorf("workers=%d: output differs from workers=1", workers)
		}
	}

	out, st := run(t, input, Options{Tasks: model.Both, Format: NDJSON})
	if st.Rows != n {
		t.Fatalf("NDJSON: %d rows", st.Rows)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	row := 0
	for sc.Scan() {
		row++
		var o NDJSONRow
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("line %d: %v", row, err)
		}
		if o.Row != row || bad[row] != (o.Error != nil) || bad[row] == (o.App != nil) {
			t.Fatalf("NDJSON line %d: row %d, error %v, app %v", row, o.Row, o.Error, o.App)
		}
	}
	if row != n {
		t.Errorf("%d NDJSON lines, want %d", row, n)
	}
}

// failingReader gives some bytes, then an I/O error.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestInputFailuresStopTheRunWithoutHanging(t *testing.T) {
	input, _ := damagedFile(t, 2000)
	broken := errors.New("disk on fire")
	for _, tc := range []struct {
		name  string
		cut   int
		first bool // fails before output: a header the reader never saw whole
	}{
		{"while reading the header", 100, true},
		{"mid-file", len(input) / 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			var out bytes.Buffer
			var err error
			var st Stats
			go func() {
				defer close(done)
				st, err = Stream(context.Background(), classifier(t), &failingReader{r: bytes.NewReader(input[:tc.cut]), err: broken},
					&out, Options{Tasks: model.Both, Workers: 2})
			}()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Fatal("Stream hangs on a failing input")
			}
			if !errors.Is(err, broken) {
				t.Fatalf("error %v, want it to wrap the input's", err)
			}
			if tc.first != (out.Len() == 0) {
				t.Errorf("%d bytes written", out.Len())
			}
			if !tc.first && (st.Rows == 0 || !strings.Contains(err.Error(), fmt.Sprintf("after row %d", st.Rows))) {
				t.Errorf("%d rows, error %q: want the last good row named", st.Rows, err)
			}
		})
	}
}
