package job

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/flowlens/ntc/classify"
	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/protocol"
)

// A run in parallel: the page's worker cuts the file into chunks of whole records (classify.Splitter, which
// numbers each chunk's rows and lines as the whole file's), helper workers classify them (ClassifyChunk), and
// RunParallel puts their answers together in order into exactly what Run gives for the same file: the same
// output bytes, the same table rows (their offsets moved from the chunk's output to the whole output), error
// rows, counts and histograms. Requests and answers are plain bytes, so they cross worker boundaries as
// transferred buffers.

// ChunkRows is how many rows a chunk carries: about 1 MB of flow CSV, 50-100 ms of a helper's work.
const ChunkRows = 2048

// A Pool classifies chunks elsewhere (in the page, on helper workers). Classify sends a ClassifyChunk request
// and blocks until its answer is back; Size goroutines call it at once, and each call may go to any idle
// helper. When ctx ends first, Classify returns ctx's error (the helper's late answer is dropped).
type Pool interface {
	Size() int
	Classify(ctx context.Context, request []byte) ([]byte, error)
}

// chunkRequest is a request's JSON part; the chunk's bytes follow it.
type chunkRequest struct {
	Seq        int  `json:"seq"`
	RowsBefore int  `json:"rows_before"`
	FirstLine  int  `json:"first_line"`
	App        bool `json:"app,omitempty"`
	Att        bool `json:"att,omitempty"`
	KeepRows   int  `json:"keep_rows"` // table rows wanted from this chunk's first rows (the run's cap minus the rows before)
	KeepErrors int  `json:"keep_errors"`
}

// chunkResult is an answer's JSON part; the table rows (EncodedRows, offsets within the chunk's output) and
// the chunk's output follow it.
type chunkResult struct {
	Seq         int                 `json:"seq"`
	Rows        int                 `json:"rows"`
	Bad         int                 `json:"bad"`
	HeaderBytes int64               `json:"header_bytes"` // the chunk's output header line: cut from every chunk's output but the first
	Summary     protocol.Summary    `json:"summary"`
	Errors      []protocol.RowError `json:"errors,omitempty"` // its first KeepErrors error rows
	Failure     *protocol.Failure   `json:"failure,omitempty"`
	rows        []byte
	output      []byte
}

// frame appends parts to b, each but the last preceded by its length.
func frame(b []byte, parts ...[]byte) []byte {
	for i, p := range parts {
		if i < len(parts)-1 {
			b = binary.AppendUvarint(b, uint64(len(p)))
		}
		b = append(b, p...)
	}
	return b
}

// unframe splits b into n parts written by frame.
func unframe(b []byte, n int) ([][]byte, error) {
	parts := make([][]byte, 0, n)
	for len(parts) < n-1 {
		size, k := binary.Uvarint(b)
		if k <= 0 || size > uint64(len(b)-k) {
			return nil, errors.New("a truncated message between workers")
		}
		parts = append(parts, b[k:k+int(size)])
		b = b[k+int(size):]
	}
	return append(parts, b), nil
}

func encodeRequest(req *chunkRequest, body []byte) []byte {
	head, _ := json.Marshal(req) // plain fields: cannot fail
	return frame(make([]byte, 0, len(head)+len(body)+8), head, body)
}

func encodeResult(res *chunkResult) []byte {
	head, err := json.Marshal(res)
	if err != nil { // a label or message that is not UTF-8 is replaced by encoding/json, never refused; this is a bug
		head, _ = json.Marshal(chunkResult{Seq: res.Seq, Failure: &protocol.Failure{Error: "encoding a chunk's answer: " + err.Error()}})
	}
	return frame(make([]byte, 0, len(head)+len(res.rows)+len(res.output)+16), head, res.rows, res.output)
}

func decodeResult(b []byte) (*chunkResult, error) {
	parts, err := unframe(b, 3)
	if err != nil {
		return nil, err
	}
	res := &chunkResult{rows: parts[1], output: parts[2]}
	if err := json.Unmarshal(parts[0], res); err != nil {
		return nil, fmt.Errorf("a helper's answer: %w", err)
	}
	return res, nil
}

// ClassifyChunk is a helper's whole job: it classifies the chunk a request carries with c, as Run would
// within the whole file, and returns the answer RunParallel merges.
func ClassifyChunk(c *model.Classifier, request []byte) []byte {
	parts, err := unframe(request, 2)
	var req chunkRequest
	if err == nil {
		err = json.Unmarshal(parts[0], &req)
	}
	if err != nil {
		return encodeResult(&chunkResult{Failure: &protocol.Failure{Error: "a chunk request: " + err.Error()}})
	}
	keep := req.KeepRows
	if keep <= 0 {
		keep = -1 // Options' zero is the default cap
	}
	var out bytes.Buffer
	out.Grow(len(parts[1]) + len(parts[1])/4)
	p, err := Run(context.Background(), c, bytes.NewReader(parts[1]), &out, Options{
		Tasks: model.Tasks{App: req.App, Att: req.Att}, KeepRows: keep, KeepErrors: req.KeepErrors, RowsBefore: req.RowsBefore, FirstLine: req.FirstLine})
	res := &chunkResult{Seq: req.Seq}
	if err != nil {
		res.Failure = Failure(err, nil)
		return encodeResult(res)
	}
	res.Rows, res.Bad, res.HeaderBytes, res.Summary, res.Errors = p.Rows, p.Bad, p.HeaderBytes, p.Summary, p.NewErrors
	res.rows, res.output = p.EncodedRows, out.Bytes()
	return encodeResult(res)
}

// ChunkFailure is a run that stopped because a chunk could not be classified (its header, which every chunk
// shares, cannot be used): the failure as the helper described it.
type ChunkFailure struct{ Failure *protocol.Failure }

func (e *ChunkFailure) Error() string { return e.Failure.Error }

// RunParallel classifies r into w on pool's helpers and returns the final state: what Run returns for the
// same input, but for timings. opts.ChunkRows sets the chunk size (ChunkRows if zero). r must give up once
// ctx is done (the page's file reader does), so that a cancelled run returns.
func RunParallel(parent context.Context, pool Pool, r io.Reader, w io.Writer, opts Options) (*protocol.Progress, error) {
	if pool.Size() < 1 {
		return nil, errors.New("no helper to classify on")
	}
	opts = opts.withDefaults()
	m := &merger{reporter: newReporter(opts, &recorder{r: r}), w: w}
	sp, err := classify.NewSplitter(m.in, opts.ChunkRows)
	if err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	type job struct {
		seq     int
		request []byte
	}
	seq := 0
	var readErr error // the input's, for the message below: read once Ordered has returned
	next := func() (job, error) {
		c, err := sp.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			return job{}, err
		}
		req := &chunkRequest{Seq: seq, RowsBefore: c.RowsBefore, FirstLine: c.FirstLine, App: opts.Tasks.App, Att: opts.Tasks.Att,
			KeepRows: opts.KeepRows - c.RowsBefore, KeepErrors: opts.KeepErrors}
		seq++
		return job{req.Seq, encodeRequest(req, c.Body)}, nil
	}
	// A helper's failure stops the run at once (classify.Ordered), not when its chunk's turn to be merged
	// comes: an earlier chunk's helper may never answer.
	classifyChunk := func(ctx context.Context, j job) (*chunkResult, error) {
		b, err := pool.Classify(ctx, j.request)
		if err != nil {
			return nil, err
		}
		res, err := decodeResult(b)
		switch {
		case err != nil:
			return nil, err
		case res.Failure != nil:
			return nil, &ChunkFailure{res.Failure}
		case res.Seq != j.seq:
			return nil, fmt.Errorf("a helper answered chunk %d for chunk %d", res.Seq, j.seq)
		}
		return res, nil
	}
	err = classify.Ordered(parent, pool.Size(), next, classifyChunk, m.merge)
	m.stamp()
	if readErr != nil && err == readErr {
		return &m.p, fmt.Errorf("reading the file after row %d: %w", m.p.Rows, err)
	}
	return &m.p, err
}

// merger puts chunk answers, in order, together into one run's output and state.
type merger struct {
	reporter
	w       io.Writer
	written int64 // output bytes so far
}

func (m *merger) merge(res *chunkResult) error {
	out, shift := res.output, int64(0)
	if res.Seq == 0 {
		m.p.HeaderBytes = res.HeaderBytes
	} else {
		out = out[min(res.HeaderBytes, int64(len(out))):]
		shift = m.written - res.HeaderBytes
	}
	if _, err := m.w.Write(out); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	m.written += int64(len(out))
	if len(res.rows) > 0 {
		if len(m.p.EncodedRows) > 0 {
			m.p.EncodedRows = append(m.p.EncodedRows, ',')
		}
		m.p.EncodedRows = shiftOffsets(m.p.EncodedRows, res.rows, shift)
	}
	for i, e := range res.Errors {
		if m.p.Bad+i+1 <= m.opts.KeepErrors {
			m.p.NewErrors = append(m.p.NewErrors, e)
		}
	}
	m.p.Rows += res.Rows
	m.p.Bad += res.Bad
	addSummary(m.p.Summary.App, res.Summary.App)
	addSummary(m.p.Summary.Att, res.Summary.Att)
	if res.Summary.LabelColumn != "" {
		m.p.Summary.LabelColumn = res.Summary.LabelColumn
	}
	m.report()
	return nil
}

func addSummary(dst, src *protocol.TaskSummary) {
	if dst == nil || src == nil {
		return
	}
	for label, n := range src.Counts {
		dst.Counts[label] += n
	}
	for i, n := range src.Hist {
		dst.Hist[i] += n
	}
	dst.Labelled += src.Labelled
	dst.Agree += src.Agree
	dst.LabelledUnknown += src.LabelledUnknown
}

// offsetKey starts a table row's output offset in EncodedRows (appendRow writes it). It cannot occur inside
// a JSON string, where a quote is always escaped.
var offsetKey = []byte(`,"o":`)

// shiftOffsets appends rows (EncodedRows) to dst with every row's output offset moved by shift.
func shiftOffsets(dst, rows []byte, shift int64) []byte {
	if shift == 0 {
		return append(dst, rows...)
	}
	for {
		i := bytes.Index(rows, offsetKey)
		if i < 0 {
			return append(dst, rows...)
		}
		i += len(offsetKey)
		dst = append(dst, rows[:i]...)
		rows = rows[i:]
		j := 0
		for j < len(rows) && rows[j] >= '0' && rows[j] <= '9' {
			j++
		}
		off, _ := strconv.ParseInt(string(rows[:j]), 10, 64)
		dst = strconv.AppendInt(dst, off+shift, 10)
		rows = rows[j:]
	}
}
