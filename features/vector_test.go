package features

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
)

var update = flag.Bool("update", false, "rewrite testdata/golden_vectors.json from the current code")

func TestFeatureNamesExcludeIdentity(t *testing.T) {
	for _, c := range append(slices.Clone(IdentityColumns), LabelColumns...) {
		if slices.Contains(FeatureNames, c) {
			t.Errorf("%s is a model input", c)
		}
	}
	seen := map[string]bool{}
	for _, n := range FeatureNames {
		if seen[n] || strings.ContainsAny(n, " ,") {
			t.Errorf("feature name %q is repeated or has a space or comma", n)
		}
		seen[n] = true
	}
}

// record reads row n (1-based) of a competition file.
func record(t *testing.T, name string, n int) *FlowRecord {
	t.Helper()
	f, err := os.Open(radcom.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s has no row %d", name, n)
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Row == n {
			return rec
		}
	}
}

func TestEngineeredFeaturesByHand(t *testing.T) {
	// app_train row 1 (1inch.io, TCP): 66,-66,60,311,-60,-1454,-1454,-491,60,118,737,-60,-1262,-100,-91,-1454,
	// -845,-81,60,792,-1057,-1454,60,-1454,-1454,-1454,-1454,-1454,-1454,-1454
	v := Extract(record(t, radcom.AppTrain, 1), nil)
	get := func(name string) float64 {
		i := slices.Index(FeatureNames, name)
		if i < 0 {
			t.Fatalf("no feature %s", name)
		}
		return v[i]
	}
	for _, tc := range []struct {
		name string
		want float64
	}{
		{"is_udp", 0},
		{"seq_packets", 30},
		{"seq_fwd_packets", 9},
		{"seq_bwd_packets", 21},
		{"seq_first_fwd_payload", 311}, // the TLS ClientHello after SYN, SYN-ACK, ACK
		{"seq_second_fwd_payload", 118},
		{"seq_first_bwd_payload", 1454},
		{"seq_first_bwd_payload_pos", 5},
		{"seq_bwd_run_after_hello", 3}, // -1454 -1454 -491 before the client speaks again
		{"seq_fwd_full_mtu", 0},
		{"seq_bwd_full_mtu", 11},
		{"seq_fwd_bare", 5}, // 66 and four 60s
		{"seq_direction_flips", 9},
		{"flow_packets", 648 + 1629},
		{"fwd_iat_has_gap", 1},
		{"bpp_sum", 434364 + 194654 + 143048},
		// payload frames only: 311, -1454, -1454, -491, 118, 737, -1262, -100, -91, -1454, ...
		{"pay_0", 311},
		{"pay_4", 118},
		{"burst_0", 311},
		{"burst_1", -(1454 + 1454 + 491)},
		{"burst_2", 118 + 737},
		{"burstn_1", 3},
		{"burstp_1", -(1400 + 1400 + 437)}, // 54 header bytes a frame removed
	} {
		if got := get(tc.name); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestGoldenVectors(t *testing.T) {
	rows := []struct {
		file string
		row  int
	}{
		{radcom.AppTrain, 1}, {radcom.AppTrain, 320}, {radcom.AttTrain, 7}, {radcom.AttUnlabeled, 1}, {radcom.AttUnlabeled, 6249},
	}
	got := map[string]map[string]float64{}
	for _, r := range rows {
		v := Extract(record(t, r.file, r.row), nil)
		named := map[string]float64{}
		// only the engineered part: the raw columns are the reader's business, and the golden file should
		// not become a copy of the competition data
		for i, n := range FeatureNames[NumNumericInput:] {
			i += NumNumericInput
			if math.IsNaN(v[i]) || math.IsInf(v[i], 0) {
				t.Errorf("%s row %d: %s is %v", r.file, r.row, n, v[i])
			}
			named[n] = v[i]
		}
		got[r.file+":"+itoa(r.row)] = named
	}
	const golden = "testdata/golden_vectors.json"
	if *update {
		b, _ := json.MarshalIndent(got, "", " ")
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]map[string]float64
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for key, w := range want {
		if n := len(FeatureNames) - NumNumericInput; len(w) != n {
			t.Errorf("%s: golden has %d features, code has %d (run go test ./features -update after a deliberate change)", key, len(w), n)
		}
		for name, wv := range w {
			if gv := got[key][name]; gv != wv {
				t.Errorf("%s: %s = %v, golden %v", key, name, gv, wv)
			}
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
