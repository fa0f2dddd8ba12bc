package classify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/flowlens/ntc/features"
	"github.com/flowlens/ntc/model"
)

// Options tune a streaming run.
type Options struct {
	Tasks   model.Tasks
	Format  Format
	Workers int // goroutines classifying; 0 = GOMAXPROCS
	// OnHeader, if set, sees the input's header once it is read, before any row, with the name of its label
	// column ("" when it has none; features.Reader.LabelColumn).
	OnHeader func(header []string, labelColumn string)
	// OnRow, if set, sees every row in input order after it is written (the page's results table, counters).
	// The Row, its Fields and its Result are valid during the call only: their memory is reused.
	OnRow func(*Row)
	// Explain > 0 attaches to every good row the Explain contributions of its top classes, that many per task
	// (about a millisecond a row for the app model: for looking into a few rows, not for bulk runs).
	Explain int
	// RowsBefore and FirstLine number a chunk of a larger file as that file's rows (features.Reader.Continue);
	// zero values mean the input is a whole file.
	RowsBefore, FirstLine int
}

// Stats count what a run did.
type Stats struct {
	Rows      int // data rows read, good or bad
	BadRows   int // rows reported in the error column
	ByApp     map[string]int
	ByAtt     map[string]int
	BytesRead int64
}

// batchRows is how many rows travel together between the stages: big enough to amortise channel hand-offs,
// small enough that memory stays flat whatever the file size.
const batchRows = 256

type batch struct {
	seq  int
	recs []features.FlowRecord // one allocation a batch, not one a row
	errs []error
	rows []Row
	out  bytes.Buffer
}

// Stream reads a flow CSV from r and writes the classified CSV to w: every input row, in order, followed by
// OutputColumns. It fails before writing anything when the header is unusable (a *features.MissingColumnsError
// or *features.HeaderError); a bad row is written with its error and the run goes on.
func Stream(ctx context.Context, c *model.Classifier, r io.Reader, w io.Writer, opts Options) (Stats, error) {
	counter := &countingReader{r: r}
	rd, err := features.NewReader(counter)
	if err != nil {
		return Stats{}, err
	}
	if opts.FirstLine > 0 {
		rd.Continue(opts.RowsBefore, opts.FirstLine)
	}
	header := rd.Header()
	if opts.OnHeader != nil {
		opts.OnHeader(header, rd.LabelColumn())
	}
	written, err := writePreamble(w, opts.Format, header) // bytes of output so far
	if err != nil {
		return Stats{}, fmt.Errorf("writing output: %w", err)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	todo := make(chan *batch, workers)
	done := make(chan *batch, workers)
	// Batches written and seen by OnRow come back to the reader through free, so their records' field
	// arrays, rows and output buffers are reused rather than allocated again for every batch.
	free := make(chan *batch, 2*workers+2)
	var readErr error
	go func() { // reader
		defer close(todo)
		for seq := 0; ; seq++ {
			var b *batch
			select {
			case b = <-free:
				b.seq, b.errs = seq, b.errs[:0]
				b.recs = b.recs[:batchRows]
			default:
				b = &batch{seq: seq, recs: make([]features.FlowRecord, batchRows), errs: make([]error, 0, batchRows)}
			}
			n := 0
			for n < batchRows {
				err := rd.ReadInto(&b.recs[n])
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil && !features.IsRowError(err) {
					readErr = err
					break
				}
				b.errs = append(b.errs, err)
				n++
			}
			b.recs = b.recs[:n]
			if len(b.recs) > 0 {
				select {
				case todo <- b:
				case <-ctx.Done():
					return
				}
			}
			if len(b.recs) < batchRows {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s Scratch
			enc := newEncoder(opts.Format, header)
			for b := range todo {
				if cap(b.rows) < len(b.recs) {
					b.rows = make([]Row, len(b.recs))
				}
				b.rows = b.rows[:len(b.recs)]
				b.out.Reset()
				enc.begin(&b.out)
				for j := range b.recs {
					rec := &b.recs[j]
					b.rows[j] = Classify(c, rec, b.errs[j], opts.Tasks, &s)
					if opts.Explain > 0 && b.rows[j].Err == nil {
						if e, err := Explain(c, rec, opts.Tasks, opts.Explain); err == nil {
							b.rows[j].Explain = &e
						}
					}
					before := b.out.Len()
					enc.encode(&b.rows[j])
					b.rows[j].OutLen = b.out.Len() - before
				}
				select {
				case done <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	st := Stats{ByApp: map[string]int{}, ByAtt: map[string]int{}}
	var order InOrder[*batch]
	var writeErr error
	for b := range done {
		order.Add(b.seq, b, func(nb *batch) {
			if writeErr == nil {
				if _, err := w.Write(nb.out.Bytes()); err != nil {
					writeErr = fmt.Errorf("writing output: %w", err)
					cancel()
				}
			}
			for i := range nb.rows {
				nb.rows[i].OutOffset = written
				written += int64(nb.rows[i].OutLen)
				st.count(&nb.rows[i])
				if opts.OnRow != nil {
					opts.OnRow(&nb.rows[i])
				}
			}
			select {
			case free <- nb:
			default:
			}
		})
	}
	if writeErr == nil {
		writeErr = ctx.Err() // cancelled by the caller: the output is incomplete
	}
	if writeErr != nil {
		return st, writeErr
	}
	if readErr != nil {
		return st, fmt.Errorf("reading input after row %d: %w", st.Rows, readErr)
	}
	st.BytesRead = counter.n // the reader goroutine has finished: it closed todo
	return st, nil
}

func (st *Stats) count(r *Row) {
	st.Rows++
	if r.Err != nil {
		st.BadRows++
		return
	}
	if r.Result.App != nil {
		st.ByApp[r.Result.App.Label]++
	}
	if r.Result.Att != nil {
		st.ByAtt[r.Result.Att.Label]++
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
