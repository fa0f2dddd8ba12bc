package features

import (
	"math"
	"slices"
)

// FeatureVector is a flow turned into model inputs, in the order of FeatureNames.
type FeatureVector []float64

// FeatureNames lists the model inputs in vector order: the raw numeric columns (never the identity columns),
// the protocol, then engineered features. Models store this list and refuse a vector of another shape.
var FeatureNames = buildFeatureNames()

// NumFeatures is len(FeatureNames).
var NumFeatures = len(FeatureNames)

// Thresholds from the wire: a frame of at least mtuFrame bytes is a full-size segment on a 1,500-byte MTU
// path (1,454 is the common full frame here), and a frame of at most bareFrame bytes carries no payload
// (bare ACK 60, SYN 66).
const (
	mtuFrame  = 1400
	bareFrame = 66
)

// engineered lists the engineered features; Extract computes them in this order.
var engineered = []string{
	"is_udp",
	// The first-30-packets sequence: handshake and TLS shape.
	"seq_packets", "seq_fwd_packets", "seq_bwd_packets",
	"seq_fwd_bytes", "seq_bwd_bytes", "seq_fwd_mean_size", "seq_bwd_mean_size",
	"seq_fwd_max_size", "seq_bwd_max_size",
	"seq_direction_flips", "seq_fwd_full_mtu", "seq_bwd_full_mtu", "seq_fwd_bare", "seq_bwd_bare",
	"seq_first_fwd_payload", "seq_first_bwd_payload", "seq_second_fwd_payload", "seq_second_bwd_payload",
	"seq_first_bwd_payload_pos", "seq_bwd_run_after_hello", "seq_bytes_down_up_ratio",
	"seq_longest_bwd_run", "seq_distinct_sizes",
	// Flow volume and direction balance (per flow).
	"flow_packets", "flow_fwd_share", "flow_bytes_est", "flow_duration_est", "flow_pps",
	"flow_size_cv", "flow_delta_over_mean",
	// Timing (per IP pair).
	"silence_rate", "fwd_iat_burstiness", "bwd_iat_burstiness", "bib_iat_burstiness",
	"fwd_iat_has_gap", "bwd_iat_has_gap", "pair_packets", "pair_fwd_share", "pair_over_flow",
	// Histograms.
	"bandwidth_nonzero", "bandwidth_max", "bandwidth_mean", "bandwidth_distinct",
	"bpp_sum", "bpp_1_over_0", "bpp_over_flow_bytes",
	"beaconning_nonzero", "beaconning_sum", "beaconning_max", "beaconning_cv", "beaconning_first_nonzero",
	"big_request_share",
	// Payload-only view of the sequence (bare ACK/SYN frames dropped, so handshake timing cannot shift
	// positions) and its bursts: consecutive same-direction payload frames merged into one signed byte total.
	// Burst 0 is the TLS ClientHello however it was segmented, burst 1 the server's hello + certificate flight.
	"pay_0", "pay_1", "pay_2", "pay_3", "pay_4", "pay_5", "pay_6", "pay_7", "pay_8", "pay_9", "pay_10", "pay_11",
	"burst_0", "burst_1", "burst_2", "burst_3", "burst_4", "burst_5", "burst_6", "burst_7",
	"burstn_0", "burstn_1", "burstn_2", "burstn_3",
	"burst_count", "pay_dir_pattern",
	// Burst payload bytes: frame headers (54 bytes on TCP/IPv4, 42 on UDP) removed, so a burst's size no longer
	// depends on the path's MSS (full frames here are 1,454, 1,494 or 1,506 bytes depending on the network).
	"burstp_0", "burstp_1", "burstp_2", "burstp_3", "burstp_4", "burstp_5", "burstp_6", "burstp_7",
	// Payload frame size histogram per direction.
	"szf_67", "szf_150", "szf_300", "szf_600", "szf_1000", "szf_1400",
	"szb_67", "szb_150", "szb_300", "szb_600", "szb_1000", "szb_1400",
	// Server payload frames shorter than a full-MTU frame (payload bytes, headers removed): the tails of the
	// server's messages and its small records (tickets, settings), in order and as an order-free summary. Full
	// frames are left out, so the sequence does not shift with the path's MSS.
	"bsub_0", "bsub_1", "bsub_2", "bsub_3", "bsub_4", "bsub_5",
	// Relations between bursts: server flight over ClientHello, handshake bytes, and the bytes exchanged after
	// the handshake (client bursts from the third on, server bursts from the fourth on) over all bursts seen.
	"burst_1_over_0", "burst_hs_bytes", "burst_fwd_after_hs", "burst_bwd_after_hs",
	"burst_bwd_max", "burst_bwd_max_idx", "burst_bwd_big", "burst_3_over_2",
	"bsub_min", "bsub_max", "bsub_med", "bsub_n",
	// The TLS ClientHello's payload bytes modulo 32 (TCP; -1 when there is none). Chrome's GREASE ECH extension
	// pads the hello by a random multiple of 32 bytes per connection, so the raw length varies between flows
	// to one host while its remainder mod 32 keeps what the server name's length contributes.
	"hello_mod32",
}

func buildFeatureNames() []string {
	names := make([]string, 0, NumNumericInput+len(engineered))
	names = append(names, NumericColumns...)
	return append(names, engineered...)
}

// Extract turns a record into its feature vector, reusing dst's storage when it is large enough.
//
// A vector Extract allocates has room for one value past its end, and Extract leaves a zero there, also when
// it reuses such a vector (capacity NumFeatures+1, nothing else): the models' tree walker reads one zero past
// the features, and finding it there spares it a copy of the vector per model (model.Predictor checks for it
// and copies when it is not there). Storage of any other capacity is never written past the vector's end.
func Extract(rec *FlowRecord, dst FeatureVector) FeatureVector {
	if cap(dst) < NumFeatures {
		dst = make(FeatureVector, NumFeatures, NumFeatures+1)
	}
	if cap(dst) == NumFeatures+1 {
		dst[:NumFeatures+1][NumFeatures] = 0
	}
	v := dst[:NumFeatures]
	n := &rec.Numeric
	copy(v, n[:])
	e := v[NumNumericInput:]
	put := func(x float64) {
		e[0] = x
		e = e[1:]
	}

	put(b2f(rec.Protocol == UDP))

	seq := n[ColFirstPacketSizes : ColFirstPacketSizes+FirstPacketCount]
	s := summarizeSequence(seq)
	put(s.packets)
	put(s.fwd)
	put(s.bwd)
	put(s.fwdBytes)
	put(s.bwdBytes)
	put(ratio(s.fwdBytes, s.fwd))
	put(ratio(s.bwdBytes, s.bwd))
	put(s.fwdMax)
	put(s.bwdMax)
	put(s.flips)
	put(s.fwdMTU)
	put(s.bwdMTU)
	put(s.fwdBare)
	put(s.bwdBare)
	put(s.fwdPayload[0])
	put(s.bwdPayload[0])
	put(s.fwdPayload[1])
	put(s.bwdPayload[1])
	put(s.firstBwdPayloadPos)
	put(s.bwdRunAfterHello)
	put(ratio(s.bwdBytes, s.fwdBytes+1))
	put(s.longestBwdRun)
	put(s.distinct)

	fwdPk, bwdPk := n[ColFwdPackets], n[ColBwdPackets]
	packets := fwdPk + bwdPk
	bytesEst := n[ColMeanPacketSize] * packets
	duration := max(ratio(fwdPk, n[ColPPSFwd]), ratio(bwdPk, n[ColPPSBwd]))
	put(packets)
	put(ratio(fwdPk, packets))
	put(bytesEst)
	put(duration)
	put(ratio(packets, duration))
	put(ratio(n[ColSTDPacketSize], n[ColMeanPacketSize]))
	put(ratio(n[ColMeanDeltaByte], n[ColMeanPacketSize]))

	pairPk := n[ColFwdPacketsAmount] + n[ColBwdPacketsAmount]
	put(ratio(n[ColSilenceWindows], packets))
	put(ratio(n[ColMaxFwdIAT], n[ColMeanFwdIAT]))
	put(ratio(n[ColMaxBwdIAT], n[ColMeanBwdIAT]))
	put(ratio(n[ColMaxBibIAT], n[ColMeanBibIAT]))
	put(b2f(n[ColMinFwdIAT] < 1000))
	put(b2f(n[ColMinBwdIAT] < 1000))
	put(pairPk)
	put(ratio(n[ColFwdPacketsAmount], pairPk))
	put(ratio(pairPk, packets))

	bw := summarizeHistogram(n[ColBandwidth : ColBandwidth+HistogramLen])
	put(bw.nonzero)
	put(bw.max)
	put(bw.mean)
	put(bw.distinct)

	bpp := n[ColBPP : ColBPP+3]
	bppSum := bpp[0] + bpp[1] + bpp[2]
	put(bppSum)
	put(ratio(bpp[1], bpp[0]))
	put(ratio(bppSum, bytesEst))

	bc := summarizeHistogram(n[ColBeaconing : ColBeaconing+HistogramLen])
	put(bc.nonzero)
	put(bc.sum)
	put(bc.max)
	put(ratio(bc.std, bc.mean))
	put(bc.firstNonzero)

	put(ratio(n[ColBigRequests], fwdPk))

	pb := summarizePayload(seq, rec.Protocol == UDP)
	for _, x := range pb.pay {
		put(x)
	}
	for _, x := range pb.burst {
		put(x)
	}
	for _, x := range pb.burstN[:4] {
		put(x)
	}
	put(pb.nBursts)
	put(pb.dirPattern)
	for _, x := range pb.burstP {
		put(x)
	}
	for _, x := range pb.binF {
		put(x)
	}
	for _, x := range pb.binB {
		put(x)
	}
	for _, x := range pb.bsub[:nBsub] {
		put(x)
	}
	put(ratio(math.Abs(pb.burstP[1]), math.Abs(pb.burstP[0])))
	put(math.Abs(pb.burstP[0]) + math.Abs(pb.burstP[1]) + math.Abs(pb.burstP[2]) + math.Abs(pb.burstP[3]))
	var fwdAfter, bwdAfter, bwdMax, bwdMaxIdx, bwdBig float64
	for i, b := range pb.allBursts[:int(pb.nBursts)] {
		if i >= 2 && b > 0 {
			fwdAfter += b
		}
		if i >= 3 && b < 0 {
			bwdAfter -= b
		}
		if b < 0 && -b > bwdMax {
			bwdMax, bwdMaxIdx = -b, float64(i)
		}
		if b < -1000 {
			bwdBig++
		}
	}
	put(fwdAfter)
	put(bwdAfter)
	put(bwdMax)
	put(bwdMaxIdx)
	put(bwdBig)
	put(ratio(math.Abs(pb.burstP[3]), math.Abs(pb.burstP[2])))
	// order-free summary of every short server frame; sorting a copy keeps pb's order for the features above
	sub := pb.bsub[:pb.nSub]
	slices.Sort(sub)
	if len(sub) > 0 {
		put(sub[0])
		put(sub[len(sub)-1])
		put(sub[len(sub)/2])
	} else {
		put(0)
		put(0)
		put(0)
	}
	put(float64(len(sub)))
	hello := -1.0
	if rec.Protocol != UDP && pb.nBursts >= 2 && pb.allBursts[0] > 0 {
		hello = math.Mod(pb.allBursts[0], 32)
	}
	put(hello)
	return v
}

type sequenceSummary struct {
	packets, fwd, bwd                  float64
	fwdBytes, bwdBytes, fwdMax, bwdMax float64
	flips, fwdMTU, bwdMTU              float64
	fwdBare, bwdBare                   float64
	fwdPayload, bwdPayload             [2]float64 // first two frames carrying payload each way
	firstBwdPayloadPos                 float64
	bwdRunAfterHello, longestBwdRun    float64
	distinct                           float64
}

// summarizeSequence reads the signed first-packet sizes (+ = source→destination, − = back, 0 = padding).
func summarizeSequence(seq []float64) sequenceSummary {
	var s sequenceSummary
	s.firstBwdPayloadPos = -1
	var prevSign, run float64
	nFwdPay, nBwdPay := 0, 0
	var seen distinctCounter
	for i, x := range seq {
		if x == 0 {
			continue
		}
		s.packets++
		seen.add(x)
		size, sign := math.Abs(x), math.Copysign(1, x)
		if prevSign != 0 && sign != prevSign {
			s.flips++
		}
		if sign == prevSign {
			run++
		} else {
			run = 1
		}
		prevSign = sign
		if sign > 0 {
			s.fwd++
			s.fwdBytes += size
			s.fwdMax = larger(s.fwdMax, size)
			s.fwdMTU += b2f(size >= mtuFrame)
			if size <= bareFrame {
				s.fwdBare++
			} else if nFwdPay < 2 {
				s.fwdPayload[nFwdPay] = size
				nFwdPay++
			}
			continue
		}
		s.bwd++
		s.bwdBytes += size
		s.bwdMax = larger(s.bwdMax, size)
		s.bwdMTU += b2f(size >= mtuFrame)
		s.longestBwdRun = larger(s.longestBwdRun, run)
		if size <= bareFrame {
			s.bwdBare++
			continue
		}
		if nBwdPay < 2 {
			s.bwdPayload[nBwdPay] = size
			nBwdPay++
		}
		if s.firstBwdPayloadPos < 0 {
			s.firstBwdPayloadPos = float64(i)
		}
		if nFwdPay > 0 && s.bwdRunAfterHello == 0 {
			// frames the server sends back-to-back after the client's first payload: the
			// certificate flight's length is a fingerprint of the server's TLS stack.
			for _, y := range seq[i:] {
				if y >= 0 {
					break
				}
				s.bwdRunAfterHello++
			}
		}
	}
	s.distinct = float64(seen.n)
	return s
}

// distinctCounter counts distinct values among at most FirstPacketCount without allocating.
type distinctCounter struct {
	vals [FirstPacketCount]float64
	n    int
}

func (d *distinctCounter) add(x float64) {
	for _, y := range d.vals[:d.n] {
		if y == x {
			return
		}
	}
	if d.n < len(d.vals) {
		d.vals[d.n] = x
		d.n++
	}
}

type histogramSummary struct {
	nonzero, sum, max, mean, std, distinct, firstNonzero float64
}

func summarizeHistogram(h []float64) histogramSummary {
	s := histogramSummary{firstNonzero: -1}
	var seen distinctCounter
	for i, x := range h {
		seen.add(x)
		if x != 0 {
			s.nonzero++
			if s.firstNonzero < 0 {
				s.firstNonzero = float64(i)
			}
		}
		s.sum += x
		s.max = larger(s.max, x)
	}
	s.mean = s.sum / float64(len(h))
	var ss float64
	for _, x := range h {
		ss += (x - s.mean) * (x - s.mean)
	}
	s.std = math.Sqrt(ss / float64(len(h)))
	s.distinct = float64(seen.n)
	return s
}

// ratio is a/b, or 0 when b is 0: a flow with one packet has no rate, not an infinite one. A denominator so
// small that the quotient overflows (a subnormal from a broken exporter) gives the largest finite value, so
// that every feature stays a number a tree can compare.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	r := a / b
	if math.IsInf(r, 0) {
		return math.Copysign(math.MaxFloat64, r)
	}
	return r
}

// larger is max(acc, x) for a running maximum that starts at +0 over finite values: the builtin max, which
// also orders NaNs and signed zeros, is a runtime call in WebAssembly (6% of feature extraction there),
// and this comparison is inlined. On a tie it keeps acc, so a -0 never replaces the +0 it starts from.
func larger(acc, x float64) float64 {
	if x > acc {
		return x
	}
	return acc
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

const (
	nPay   = 12
	nBurst = 8
	nBsub  = 6
)

// sizeBins are the lower edges of the payload frame size histogram.
var sizeBins = [...]float64{0, 150, 300, 600, 1000, 1400}

type payloadSummary struct {
	pay        [nPay]float64   // signed sizes of the first payload frames
	burst      [nBurst]float64 // signed byte totals of the first bursts
	burstN     [nBurst]float64 // frames per burst
	nBursts    float64
	burstP     [nBurst]float64 // signed payload bytes of the first bursts (frame headers removed)
	binF, binB [len(sizeBins)]float64
	dirPattern float64                   // directions of the first 8 payload frames as bits (1 = forward), plus 256 per frame seen, capped
	allBursts  [FirstPacketCount]float64 // signed payload bytes of every burst (nBursts of them)
	bsub       [FirstPacketCount]float64 // payload bytes of the server's frames shorter than mtuFrame, in order
	nSub       int
}

// summarizePayload drops frames without payload (TCP only: on UDP every datagram carries one) and merges
// consecutive same-direction payload frames into bursts.
func summarizePayload(seq []float64, udp bool) payloadSummary {
	var s payloadSummary
	np, nb := 0, -1
	var prevSign float64
	hdr := 54.0
	if udp {
		hdr = 42
	}
	for _, x := range seq {
		if x == 0 || (!udp && math.Abs(x) <= bareFrame) {
			continue
		}
		sign := math.Copysign(1, x)
		if np < nPay {
			s.pay[np] = x
		}
		if np < 8 && sign > 0 {
			s.dirPattern += float64(int(1) << np)
		}
		np++
		if sign != prevSign {
			nb++
			prevSign = sign
		}
		if nb < nBurst {
			s.burst[nb] += x
			s.burstN[nb]++
			s.burstP[nb] += sign * (math.Abs(x) - hdr)
		}
		s.allBursts[nb] += sign * (math.Abs(x) - hdr)
		if sign < 0 && math.Abs(x) < mtuFrame {
			s.bsub[s.nSub] = math.Abs(x) - hdr
			s.nSub++
		}
		bins := &s.binF
		if sign < 0 {
			bins = &s.binB
		}
		for b := len(sizeBins) - 1; b >= 0; b-- {
			if math.Abs(x) >= sizeBins[b] {
				bins[b]++
				break
			}
		}
	}
	s.nBursts = float64(nb + 1)
	s.dirPattern += 256 * float64(min(np, 8))
	return s
}
