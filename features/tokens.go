package features

import (
	"fmt"
	"math"
)

// SizeTokens appends to dst[:0] a flow's exact wire sizes as a set of tokens, read from its feature vector:
// the protocol, every payload frame shorter than a full-MTU frame (signed, frame headers removed, so the
// path's MSS does not matter), the payload byte totals of the first six bursts with their index (the last
// burst seen only when it is burst 0 or 1, since the first 30 packets may cut it), and the ClientHello's
// length modulo 32. Exact sizes name a server's TLS stack and certificate chain, its session tickets and
// HTTP/2 settings, a site's request sizes; a tree sees them only through thresholds, a token table matches
// them (model.TokenTable).
func SizeTokens(v []float64, dst []uint64) []uint64 {
	dst = dst[:0]
	udp := v[NumNumericInput] != 0 // is_udp, the first engineered feature
	hdr := 54.0
	if udp {
		hdr = 42
	}
	add := func(kind, idx uint64, val float64) {
		t := kind<<56 | idx<<48 | uint64(int64(val)+1<<40)&(1<<48-1)
		for _, u := range dst {
			if u == t {
				return
			}
		}
		dst = append(dst, t)
	}
	const (
		tokProto = iota
		tokFrame
		tokBurst
		tokHello
	)
	add(tokProto, 0, b2f(udp))
	var bursts [FirstPacketCount]float64
	nb := -1
	var prev float64
	for _, x := range v[ColFirstPacketSizes : ColFirstPacketSizes+FirstPacketCount] {
		if x == 0 || (!udp && math.Abs(x) <= bareFrame) {
			continue
		}
		sign := math.Copysign(1, x)
		p := sign * (math.Abs(x) - hdr)
		if math.Abs(x) < mtuFrame {
			add(tokFrame, 0, p)
		}
		if sign != prev {
			nb++
			prev = sign
		}
		bursts[nb] += p
	}
	for i := 0; i <= nb && i < 6; i++ {
		if i < nb || i < 2 {
			add(tokBurst, uint64(i), bursts[i])
		}
	}
	if !udp && nb >= 1 && bursts[0] > 0 {
		add(tokHello, 0, math.Mod(bursts[0], 32))
	}
	return dst
}

// DescribeToken says what a SizeTokens token is, in words: "udp", "a 517-byte client payload frame",
// "burst 1: 4321 bytes from the server", "ClientHello length mod 32 = 5".
func DescribeToken(tok uint64) string {
	kind, idx := tok>>56, tok>>48&0xff
	val := int64(tok&(1<<48-1)) - 1<<40
	dir := func(v int64) (int64, string) {
		if v < 0 {
			return -v, "server"
		}
		return v, "client"
	}
	switch kind {
	case 0:
		if val != 0 {
			return "protocol udp"
		}
		return "protocol tcp"
	case 1:
		n, from := dir(val)
		return fmt.Sprintf("a %d-byte %s payload frame", n, from)
	case 2:
		n, from := dir(val)
		return fmt.Sprintf("burst %d: %d payload bytes from the %s", idx, n, from)
	case 3:
		return fmt.Sprintf("ClientHello length mod 32 = %d", val)
	}
	return fmt.Sprintf("token %d", tok)
}
