// Package decimal parses plain decimal numbers fast, exactly as strconv.ParseFloat does.
package decimal

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// Parse parses a plain decimal ("-1454", "0.046021978334449", "2.5") without strconv's general machinery:
// the numbers flow exporters write (strconv was a fifth of classify's time) and the thresholds our trainer
// writes into models. With at most 15 significant digits the
// digits form an exact integer m < 2^53 and 10^k is exact for k <= 22, so m / 10^k is one correctly rounded
// division: the very value strconv.ParseFloat returns (Clinger's fast path). Anything else (exponents,
// more digits, "NaN") reports false and goes to strconv.
func Parse(s string) (float64, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var m uint64
	significant, frac, digits := 0, -1, 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			if m != 0 {
				significant++
			}
			if significant > 15 {
				return 0, false
			}
			if frac >= 0 {
				frac++
			}
			digits++
		case c == '.' && frac < 0:
			frac = 0
		default:
			return 0, false
		}
	}
	if digits == 0 || frac > len(pow10)-1 {
		return 0, false
	}
	v := float64(m)
	if frac > 0 {
		v /= pow10[frac]
	}
	if neg {
		v = -v
	}
	return v, true
}
