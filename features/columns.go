package features

import "strconv"

// The flow CSV's columns. This file is the one source of truth for them: the reader, the feature vector and the
// output format all derive from these lists.

// IdentityColumns name the flow's endpoints and start time. They are read when present (grouped
// cross-validation needs the IP pair) but are never model inputs: a model that sees them learns the capture,
// not the application.
var IdentityColumns = []string{"Source_IP", "Source_port", "Destination_IP", "Destination_port", "Timestamp"}

// ProtocolColumn holds the transport protocol, "tcp" or "udp".
const ProtocolColumn = "Protocol"

// LabelColumns are the label columns of the training files: "label" (application) and "attribution".
var LabelColumns = []string{"label", "attribution"}

// NumericColumns are the numeric columns a flow row must have, in the order FlowRecord.Numeric holds them.
// Header names are matched after trimming whitespace (the vendor's header spells "max_fwd_packet " with a
// trailing space) and keep the vendor's spelling ("beaconning_*").
var NumericColumns = buildNumericColumns()

// Column indexes into FlowRecord.Numeric, for the columns the feature code reads by name.
const (
	ColFwdPacketsAmount = iota
	ColBwdPacketsAmount
	ColFwdPackets // fwd_packets_length: a packet count despite its name
	ColBwdPackets // bwd_packets_length: a packet count despite its name
	ColMaxFwdPacket
	ColMinFwdPacket
	ColMaxBwdPacket
	ColMinBwdPacket
	ColFINCount
	ColSYNCount
	ColRSTCount
	ColPSHCount
	ColSilenceWindows
	ColMinFwdIAT
	ColMaxFwdIAT
	ColMeanFwdIAT
	ColMinBwdIAT
	ColMaxBwdIAT
	ColMeanBwdIAT
	ColMinBibIAT
	ColMaxBibIAT
	ColMeanBibIAT
	ColFirstPacketSizes // first of FirstPacketCount columns
)

// FirstPacketCount is the number of first_packet_sizes_* columns.
const FirstPacketCount = 30

// HistogramLen is the number of bins in the bandwidth_* and beaconning_* histograms.
const HistogramLen = 20

// Column indexes after the packet-size sequence.
const (
	ColMinPacketSize = ColFirstPacketSizes + FirstPacketCount + iota
	ColMaxPacketSize
	ColMeanPacketSize
	ColSTDPacketSize
	ColMeanDeltaByte
	ColSTDDeltaByte
	ColBandwidth // first of HistogramLen columns
)

// Column indexes after the histograms.
const (
	ColBPP          = ColBandwidth + HistogramLen // bpp_0..2
	ColBeaconing    = ColBPP + 3                  // first of HistogramLen columns
	ColPPSFwd       = ColBeaconing + HistogramLen
	ColPPSBwd       = ColPPSFwd + 1
	ColBigRequests  = ColPPSBwd + 1
	ColACKCount     = ColBigRequests + 1
	NumNumericInput = ColACKCount + 1
)

func buildNumericColumns() []string {
	cols := []string{
		"fwd_packets_amount", "bwd_packets_amount", "fwd_packets_length", "bwd_packets_length",
		"max_fwd_packet", "min_fwd_packet", "max_bwd_packet", "min_bwd_packet",
		"FIN_count", "SYN_count", "RST_count", "PSH_count", "silence_windows",
		"min_fwd_inter_arrival_time", "max_fwd_inter_arrival_time", "mean_fwd_inter_arrival_time",
		"min_bwd_inter_arrival_time", "max_bwd_inter_arrival_time", "mean_bwd_inter_arrival_time",
		"min_bib_inter_arrival_time", "max_bib_inter_arrival_time", "mean_bib_inter_arrival_time",
	}
	cols = appendNumbered(cols, "first_packet_sizes_", FirstPacketCount)
	cols = append(cols, "min_packet_size", "max_packet_size", "mean_packet_size", "STD_packet_size",
		"mean_delta_byte", "STD_delta_byte")
	cols = appendNumbered(cols, "bandwidth_", HistogramLen)
	cols = appendNumbered(cols, "bpp_", 3)
	cols = appendNumbered(cols, "beaconning_", HistogramLen)
	cols = append(cols, "pps_fwd", "pps_bwd", "count_big_requests", "ACK_count")
	if len(cols) != NumNumericInput {
		panic("features: numeric column list and its index constants disagree")
	}
	return cols
}

func appendNumbered(cols []string, prefix string, n int) []string {
	for i := 0; i < n; i++ {
		cols = append(cols, prefix+strconv.Itoa(i))
	}
	return cols
}

// signedColumn reports whether a numeric column may hold negative values: only the packet-size sequence does
// (its sign is the direction).
func signedColumn(col int) bool {
	return col >= ColFirstPacketSizes && col < ColFirstPacketSizes+FirstPacketCount
}
