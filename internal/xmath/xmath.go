// Package xmath has the transcendental functions prediction needs, computed the same way on every platform.
//
// The standard library's math.Exp and math.Log run assembly on amd64 and portable Go elsewhere (the browser's
// and the edge's WebAssembly among them); the two can differ in the last bit. A last bit is enough to swap two
// classes of nearly equal probability in a top-3 list, so `ntc classify` and the page or the edge API would
// no longer write byte-identical files. These are the portable algorithms (Go's math/exp.go and math/log.go,
// after FreeBSD's e_exp.c and e_log.c; BSD-style licences), with every product that feeds a sum rounded on its
// own by an explicit conversion, so that no platform may fuse them into a multiply-add.
package xmath

import "math"

// Exp returns e**x, as Go's portable math.Exp does.
func Exp(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		log2e = 1.44269504088896338700e+00

		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
		nearZero  = 1.0 / (1 << 28) // 2**-28
	)
	switch {
	case math.IsNaN(x):
		return x
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	case -nearZero < x && x < nearZero:
		return 1 + x
	}
	// reduce; computed as r = hi - lo for extra precision
	var k int
	switch {
	case x < 0:
		k = int(float64(log2e*x) - 0.5)
	case x > 0:
		k = int(float64(log2e*x) + 0.5)
	}
	hi := x - float64(float64(k)*ln2Hi)
	lo := float64(k) * ln2Lo
	return expmulti(hi, lo, k)
}

func expmulti(hi, lo float64, k int) float64 {
	const (
		p1 = 1.66666666666666657415e-01
		p2 = -2.77777777770155933842e-03
		p3 = 6.61375632143793436117e-05
		p4 = -1.65339022054652515390e-06
		p5 = 4.13813679705723846039e-08
	)
	r := hi - lo
	t := r * r
	c := r - float64(t*float64(p1+float64(t*float64(p2+float64(t*float64(p3+float64(t*float64(p4+float64(t*p5)))))))))
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}

// Log returns the natural logarithm of x, as Go's portable math.Log does.
func Log(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		l1    = 6.666666666666735130e-01
		l2    = 3.999999999940941908e-01
		l3    = 2.857142874366239149e-01
		l4    = 2.222219843214978396e-01
		l5    = 1.818357216161805012e-01
		l6    = 1.531383769920937332e-01
		l7    = 1.479819860511658591e-01
	)
	switch {
	case math.IsNaN(x) || math.IsInf(x, 1):
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	f1, ki := math.Frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := s * s
	s4 := s2 * s2
	t1 := s2 * float64(l1+float64(s4*float64(l3+float64(s4*float64(l5+float64(s4*l7))))))
	t2 := s4 * float64(l2+float64(s4*float64(l4+float64(s4*l6))))
	r := t1 + t2
	hfsq := float64(0.5*f) * f
	return float64(k*ln2Hi) - ((hfsq - (float64(s*(hfsq+r)) + float64(k*ln2Lo))) - f)
}

// Pow returns x**y for x >= 0 as Exp(y·Log(x)): the calibration's powers, a fraction to a power near 1 or 2,
// where that is accurate to a few units in the last place.
func Pow(x, y float64) float64 {
	switch {
	case y == 0:
		return 1
	case x == 0 && y > 0:
		return 0
	}
	return Exp(float64(y * Log(x)))
}
