package xmath

import (
	"math"
	"testing"
)

// ulps is how many representable float64 values lie between a and b.
func ulps(a, b float64) uint64 {
	ia, ib := math.Float64bits(a), math.Float64bits(b)
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

// TestAgainstMath checks the portable functions against the standard library on the ranges prediction uses
// (softmax and token scores, calibration powers of shares) and on the special cases.
func TestAgainstMath(t *testing.T) {
	for x := -745.0; x <= 709; x += 0.37 {
		if d := ulps(Exp(x), math.Exp(x)); d > 1 {
			t.Fatalf("Exp(%v) = %v, math %v: %d ulps", x, Exp(x), math.Exp(x), d)
		}
	}
	for x := 1e-300; x < 1e300; x *= 1.37 {
		if d := ulps(Log(x), math.Log(x)); d > 1 {
			t.Fatalf("Log(%v) = %v, math %v: %d ulps", x, Log(x), math.Log(x), d)
		}
	}
	for x := 0.0; x <= 1.02; x += 0.001 {
		for _, y := range []float64{0.2, 1, 1.15, 2, 2.1, 5} {
			got, want := Pow(x, y), math.Pow(x, y)
			if math.Abs(got-want) > 1e-14*want {
				t.Fatalf("Pow(%v, %v) = %v, math %v", x, y, got, want)
			}
		}
	}
	for _, c := range []struct{ got, want float64 }{
		{Exp(math.Inf(1)), math.Inf(1)}, {Exp(math.Inf(-1)), 0}, {Exp(0), 1}, {Log(1), 0}, {Log(0), math.Inf(-1)},
		{Pow(0, 2), 0}, {Pow(0, 0), 1}, {Pow(3, 0), 1},
	} {
		if c.got != c.want {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
	if !math.IsNaN(Exp(math.NaN())) || !math.IsNaN(Log(-1)) {
		t.Error("NaN cases")
	}
}
