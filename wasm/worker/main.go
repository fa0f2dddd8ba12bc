//go:build js && wasm

// Command worker is the classifier inside the page's dedicated Web Worker (web/static/worker.js loads it). The
// page posts it a File; it reads the file in slices (Blob.slice().arrayBuffer(), one slice ahead), runs
// wasm/job (classify.Stream, the CLI's own pipeline) over it, and posts the classified CSV back in binary chunks
// together with JSON progress messages (wasm/protocol). It never holds the whole file or the whole output.
//
// The JS glue calls the functions this program puts on self.ntc: start(file, app, att), cancel() and
// explain(id, row, header, line, app, att); it forwards what the program hands to self.ntcPost(json) and
// self.ntcPostChunk(uint8array) to the page.
//
// A big file is classified in parallel: the worker the page started (the primary) starts helpers, the same
// program in nested workers named helperName, once it is idle after loading; it then cuts a file into chunks
// and merges the helpers' answers (job.RunParallel), and a helper only answers self.ntc.chunk(request) with
// job.ClassifyChunk. A small file, or one chosen before the helpers are up, runs on the primary alone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"syscall/js"
	"time"

	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/job"
	"github.com/flowlens/ntc/wasm/protocol"
)

const (
	sliceSize = 1 << 20                // bytes read from the File at a time
	chunkSize = 1 << 20                // output bytes per posted chunk
	warmDelay = 300 * time.Millisecond // from Ready to the warm-up, unless a run has started
	// helperDelay is from Ready to starting the helpers, unless a run is under way (then after it): their
	// loading would slow a file chosen at once, which the primary classifies alone.
	helperDelay = 1500 * time.Millisecond
	// parallelMin is the smallest file split among helpers: below it (about 4,000 flows, a fifth of a second)
	// handing chunks around gains nothing.
	parallelMin = 2 << 20
	// bigFile is the smallest file that, chosen before the helpers are up (as the page opens, say), starts
	// them and waits for them (about a second and a half) rather than running on the primary alone: from
	// about 100 MB on two CPUs, sooner on more, the wait is won back.
	bigFile    = 64 << 20
	maxHelpers = 4            // memory: each helper holds its own copy of the models
	helperName = "ntc-helper" // the name a helper worker is started with
	// gcPercent is the worker's GOGC. Its live heap is small (the models are ~7 MB), so at Go's default 100
	// it collects very often, on the one thread it classifies on: at 200, three pairs of alternating
	// web-bench runs gave one worker 25.4k against 23.9k rows/s (medians, 50k rows) and the split page 33.7k
	// against 31.0k, and node's run of wasm/job's BenchmarkRun 7-12% more.
	gcPercent = 200
)

var (
	cancelRun  context.CancelFunc // the run under way, nil when idle
	runID      int                // runs started; the warm-up stops at the first
	maxWorkers = maxHelpers       // the page's limit (workers(n)): 1 keeps every file on this worker
)

func main() {
	debug.SetGCPercent(gcPercent)
	c, err := model.Default()
	if err != nil {
		post(protocol.Envelope{Kind: protocol.KindFailed, Failure: &protocol.Failure{Error: "loading the models: " + err.Error()}})
		select {}
	}
	if js.Global().Get("name").String() == helperName {
		helperMain(c)
	}
	pool := &helperPool{onReady: func(n int) { post(protocol.Envelope{Kind: protocol.KindHelpers, Helpers: n}) }}
	api := js.Global().Get("Object").New()
	api.Set("start", js.FuncOf(func(this js.Value, args []js.Value) any {
		if cancelRun != nil {
			cancelRun()
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancelRun = cancel
		runID++
		id := runID
		tasks := model.Tasks{App: args[1].Truthy(), Att: args[2].Truthy()}
		go run(ctx, id, c, pool, args[0], tasks) // never block a JS callback: reading the file awaits promises
		return nil
	}))
	api.Set("cancel", js.FuncOf(func(this js.Value, args []js.Value) any {
		if cancelRun != nil {
			cancelRun()
		}
		return nil
	}))
	// explain(id, row, header, line, app, att): one row of the output (its header line and its line, which the
	// page slices from the chunks it was sent) explained with classify.Explain, answered as KindExplained.
	api.Set("explain", js.FuncOf(func(this js.Value, args []js.Value) any {
		id, row := args[0].Int(), args[1].Int()
		header, line := args[2].String(), args[3].String()
		tasks := model.Tasks{App: args[4].Truthy(), Att: args[5].Truthy()}
		go func() {
			e := &protocol.Explained{ID: id, Row: row}
			var err error
			if e.Tasks, err = job.Explain(c, header, line, tasks, job.ExplainTop); err != nil {
				e.Error = err.Error()
			}
			post(protocol.Envelope{Kind: protocol.KindExplained, Explained: e})
		}()
		return nil
	}))
	// workers(n): the page's limit on the workers a file is split among (its ?workers=N); before the helpers start.
	api.Set("workers", js.FuncOf(func(this js.Value, args []js.Value) any {
		maxWorkers = args[0].Int()
		return nil
	}))
	js.Global().Set("ntc", api)
	post(protocol.Envelope{Kind: protocol.KindReady, Ready: job.Card(c)})
	// While the user picks a file, run made-up rows so the engine optimises the hot code (job.WarmUp). The
	// sleep between chunks hands the thread back to the event loop, where a start arrives and ends it. It
	// waits a moment first: a file chosen while the models loaded starts at once, and the warm-up's first
	// chunk, which also compiles everything it touches, would only delay its first rows (by 0.1-0.2 s).
	go func() {
		time.Sleep(warmDelay)
		job.WarmUp(c, job.WarmRows, job.WarmChunk, func() { time.Sleep(time.Millisecond) }, func() bool { return runID > 0 })
	}()
	go func() {
		time.Sleep(helperDelay)
		for cancelRun != nil { // a run under way: the helpers would take its CPU while they load
			time.Sleep(100 * time.Millisecond)
		}
		pool.start(helperCount())
	}()
	select {}
}

// helperCount is how many helpers to start: one per logical CPU, at most maxHelpers and the page's
// maxWorkers, none on one CPU or where a worker cannot start workers.
func helperCount() int {
	if js.Global().Get("Worker").Type() != js.TypeFunction {
		return 0
	}
	n := js.Global().Get("navigator").Get("hardwareConcurrency").Int()
	if n < 2 {
		return 0
	}
	return min(n, maxHelpers, maxWorkers)
}

func run(ctx context.Context, id int, c *model.Classifier, pool *helperPool, file js.Value, tasks model.Tasks) {
	size := int64(file.Get("size").Float())
	r := &blobReader{ctx: ctx, blob: file, size: size}
	w := &chunkWriter{buf: make([]byte, 0, chunkSize+64<<10)}
	workers := 1
	if size >= bigFile && !pool.ready() {
		pool.start(helperCount())
		pool.waitReady(ctx, 15*time.Second)
	}
	if size >= parallelMin && pool.ready() {
		workers = pool.Helpers()
	}
	opts := job.Options{Tasks: tasks, TotalBytes: size, OnProgress: func(p *protocol.Progress) {
		w.flush() // the page's download grows with the table
		p.Workers = workers
		post(protocol.Envelope{Kind: protocol.KindProgress, Progress: p})
	}}
	var p *protocol.Progress
	var err error
	if workers > 1 {
		p, err = job.RunParallel(ctx, pool, r, w, opts)
	} else {
		p, err = job.Run(ctx, c, r, w, opts)
	}
	w.flush()
	if p != nil {
		p.Workers = workers
	}
	if id == runID {
		cancelRun = nil
	}
	switch {
	case err == nil:
		post(protocol.Envelope{Kind: protocol.KindDone, Progress: p})
	case errors.Is(err, context.Canceled):
		post(protocol.Envelope{Kind: protocol.KindCancelled, Progress: p})
	default:
		post(protocol.Envelope{Kind: protocol.KindFailed, Failure: job.Failure(err, p)})
	}
}

func post(m protocol.Envelope) {
	b, err := job.Encode(&m)
	if err != nil {
		b, _ = json.Marshal(protocol.Envelope{Kind: protocol.KindFailed, Failure: &protocol.Failure{Error: err.Error()}})
	}
	js.Global().Call("ntcPost", string(b))
}

// blobReader reads a Blob (the page's File) one slice at a time, asking for the next slice as soon as it gets
// one, so reading the file and classifying it overlap.
type blobReader struct {
	ctx        context.Context
	blob       js.Value
	off, size  int64
	buf        []byte
	next       chan sliceResult
	nextLength int
	scratch    []byte
}

type sliceResult struct {
	data js.Value // a Uint8Array
	err  error
}

func (b *blobReader) Read(p []byte) (int, error) {
	if len(b.buf) == 0 {
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

func (b *blobReader) fill() error {
	if b.next == nil {
		b.request()
	}
	if b.next == nil {
		return io.EOF
	}
	var res sliceResult
	select {
	case res = <-b.next:
	case <-b.ctx.Done():
		return b.ctx.Err()
	}
	b.next = nil
	if res.err != nil {
		return res.err
	}
	n := res.data.Get("length").Int()
	if cap(b.scratch) < n {
		b.scratch = make([]byte, n)
	}
	b.buf = b.scratch[:n]
	js.CopyBytesToGo(b.buf, res.data)
	b.request() // the next slice is read while this one is parsed
	if n == 0 {
		return io.EOF
	}
	return nil
}

// request asks for the slice at b.off, if any is left.
func (b *blobReader) request() {
	if b.off >= b.size {
		return
	}
	end := min(b.off+sliceSize, b.size)
	promise := b.blob.Call("slice", float64(b.off), float64(end)).Call("arrayBuffer")
	b.off = end
	ch := make(chan sliceResult, 1)
	b.next = ch
	var then, catch js.Func
	then = js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- sliceResult{data: js.Global().Get("Uint8Array").New(args[0])}
		then.Release()
		catch.Release()
		return nil
	})
	catch = js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- sliceResult{err: fmt.Errorf("reading the file: %s", args[0].Call("toString").String())}
		then.Release()
		catch.Release()
		return nil
	})
	promise.Call("then", then, catch)
}

// chunkWriter posts the output in chunks of about chunkSize bytes; the page keeps each as a Blob.
type chunkWriter struct {
	buf []byte
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if len(w.buf) >= chunkSize {
		w.flush()
	}
	return len(p), nil
}

func (w *chunkWriter) flush() {
	if len(w.buf) == 0 {
		return
	}
	u8 := js.Global().Get("Uint8Array").New(len(w.buf))
	js.CopyBytesToJS(u8, w.buf)
	js.Global().Call("ntcPostChunk", u8)
	w.buf = w.buf[:0]
}
