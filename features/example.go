package features

import (
	"strconv"
	"strings"
)

// ExampleCSV returns a flow CSV of n made-up rows: plausible values (counts, signed packet sizes of 54 to
// 1514 bytes, tcp and udp), the same ones for the same n. They describe no real flow; they exist to run the
// whole pipeline, reader to encoder, before a user's file arrives (the page's worker warms its compiled
// WebAssembly with them).
func ExampleCSV(n int) []byte {
	var b strings.Builder
	b.WriteString(ProtocolColumn)
	for _, c := range NumericColumns {
		b.WriteString("," + c)
	}
	b.WriteByte('\n')
	state := uint64(1)
	next := func(k int) int { // a fixed-seed linear congruential generator: deterministic, no global state
		state = state*6364136223846793005 + 1442695040888963407
		return int(state>>33) % k
	}
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			b.WriteString("udp")
		} else {
			b.WriteString("tcp")
		}
		for c := range NumericColumns {
			v := next(1000)
			if c >= ColFirstPacketSizes && c < ColFirstPacketSizes+FirstPacketCount {
				if v = 54 + next(1461); next(2) == 0 {
					v = -v // server to client
				}
			}
			b.WriteString("," + strconv.Itoa(v))
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
