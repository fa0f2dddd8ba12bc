package decimal

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/flowlens/ntc/internal/radcom"
)

// TestParseMatchesStrconv checks the fast path against strconv on every cell of the competition files
// and on edge cases: it must give the very same float64, or decline.
func TestParseMatchesStrconv(t *testing.T) {
	cells := []string{"0", "-0", "+7", "1454", "-1454", "0.046021978334449", "15.1645090579987", "1e5", "1.5e-3",
		"123456789012345", "1234567890123456", "0.0000000000000000000001", "0.00000000000000000000001", ".5", "5.",
		"-.5", "1.2.3", "", "-", ".", "NaN", "inf", "0x10", "99999999999999.9", "1728158412.98791", "007",
		"00000000000000000000123", "12345678901234567890123", "18446744073709551617", "999999999999999", "-0.0", "+", "1..2", "1-2"}
	for _, name := range []string{radcom.AppTrain, radcom.AttTrain, radcom.AttUnlabeled} {
		for _, line := range strings.Split(string(radcom.Read(t, name)), "\n") {
			cells = append(cells, strings.Split(strings.TrimRight(line, "\r"), ",")...)
		}
	}
	fast := 0
	for _, c := range cells {
		got, ok := Parse(c)
		if !ok {
			continue
		}
		fast++
		want, err := strconv.ParseFloat(c, 64)
		if err != nil || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q: fast path %v, strconv %v (%v)", c, got, want, err)
		}
	}
	if fast < len(cells)/2 {
		t.Errorf("the fast path took only %d of %d cells", fast, len(cells))
	}
}

// BenchmarkParse parses every cell of the unlabeled file (the numeric ones take the fast path).
func BenchmarkParse(b *testing.B) {
	var cells []string
	for _, line := range strings.Split(string(radcom.Read(b, radcom.AttUnlabeled)), "\n") {
		cells = append(cells, strings.Split(strings.TrimRight(line, "\r"), ",")...)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cells {
			Parse(c)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cells)), "ns/cell")
}
