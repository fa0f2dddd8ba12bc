//go:build js && wasm

package main

import (
	"context"
	"errors"
	"sync"
	"syscall/js"
	"time"

	"github.com/flowlens/ntc/model"
	"github.com/flowlens/ntc/wasm/job"
	"github.com/flowlens/ntc/wasm/protocol"
)

// helperMain is a helper worker's life: it answers every chunk request the primary posts (self.ntc.chunk,
// a Uint8Array) with job.ClassifyChunk's answer, posted back as a transferred Uint8Array, one at a time in
// the order they came. It warms its code up first, like the primary, until the first request. It never
// returns.
func helperMain(c *model.Classifier) {
	requests := make(chan []byte, 8)
	api := js.Global().Get("Object").New()
	api.Set("chunk", js.FuncOf(func(this js.Value, args []js.Value) any {
		b := make([]byte, args[0].Get("length").Int())
		js.CopyBytesToGo(b, args[0])
		runID++
		requests <- b // the primary sends slotsPerHelper requests at a time at most: never full
		return nil
	}))
	js.Global().Set("ntc", api)
	post(protocol.Envelope{Kind: protocol.KindReady})
	go func() {
		time.Sleep(warmDelay)
		job.WarmUp(c, job.WarmRows, job.WarmChunk, func() { time.Sleep(time.Millisecond) }, func() bool { return runID > 0 })
	}()
	for req := range requests {
		answer := job.ClassifyChunk(c, req)
		u8 := js.Global().Get("Uint8Array").New(len(answer))
		js.CopyBytesToJS(u8, answer)
		js.Global().Call("ntcPostChunk", u8)
	}
}

// helperPool is the primary's helpers as a job.Pool: each request goes to a helper with a free slot, and
// Classify waits for its answer. A helper has slotsPerHelper requests at a time, so that it starts on the next
// chunk at once instead of waiting for the primary to see its answer and send another.
type helperPool struct {
	mu      sync.Mutex
	helpers []*helper
	idle    chan *helper // one entry per free slot
	up      int          // helpers that said they are ready
	broken  bool
	onReady func(helpers int) // called once, when every helper is up
}

// slotsPerHelper is how many requests a helper holds at once.
const slotsPerHelper = 2

type helper struct {
	w       js.Value
	pending []chan answer // the requests it holds, oldest first: a helper answers in order
	onMsg   js.Func
	onErr   js.Func
}

// deliver hands the helper's answer to its oldest request (pool.mu held by the caller, or not needed).
func (h *helper) deliver(a answer) {
	if len(h.pending) == 0 {
		return
	}
	ch := h.pending[0]
	h.pending = h.pending[1:]
	ch <- a
}

type answer struct {
	b   []byte
	err error
}

// start starts n helpers (nothing when n < 2: one helper is no faster than the primary alone), once.
func (p *helperPool) start(n int) {
	if n < 2 || len(p.helpers) > 0 {
		return
	}
	p.idle = make(chan *helper, n*slotsPerHelper)
	opts := js.Global().Get("Object").New()
	opts.Set("name", helperName)
	for range n {
		h := &helper{}
		h.onMsg = js.FuncOf(func(this js.Value, args []js.Value) any {
			data := args[0].Get("data")
			if data.Type() == js.TypeString { // the helper's own messages: ready, or failed to load
				m, err := protocol.Decode(data.String())
				p.mu.Lock()
				defer p.mu.Unlock()
				switch {
				case err == nil && m.Kind == protocol.KindReady:
					if p.up++; p.up == len(p.helpers) && !p.broken && p.onReady != nil {
						go p.onReady(len(p.helpers))
					}
				case err == nil && m.Kind == protocol.KindFailed: // it could not load, or its program ended (worker.js)
					reason := ""
					if m.Failure != nil {
						reason = m.Failure.Error
					}
					p.fail(h, reason)
				}
				return nil
			}
			b := make([]byte, data.Get("length").Int())
			js.CopyBytesToGo(b, data)
			p.mu.Lock()
			h.deliver(answer{b: b})
			p.mu.Unlock()
			return nil
		})
		h.onErr = js.FuncOf(func(this js.Value, args []js.Value) any {
			args[0].Call("preventDefault") // handled here: not to be reported again to the page as the worker's own
			reason := ""
			if msg := args[0].Get("message"); msg.Type() == js.TypeString {
				reason = msg.String()
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			p.fail(h, reason)
			return nil
		})
		h.w = js.Global().Get("Worker").New("worker.js", opts)
		h.w.Set("onmessage", h.onMsg)
		h.w.Set("onerror", h.onErr)
		p.helpers = append(p.helpers, h)
		for range slotsPerHelper {
			p.idle <- h
		}
	}
}

// fail marks the pool broken (no new run uses the helpers) and fails every request h holds with reason
// (p.mu held).
func (p *helperPool) fail(h *helper, reason string) {
	p.broken = true
	err := errors.New("a helper worker stopped")
	if reason != "" {
		err = errors.New("a helper worker stopped: " + reason)
	}
	for len(h.pending) > 0 {
		h.deliver(answer{err: err})
	}
}

// ready reports whether every helper is up (and none has failed): only then does a run use them.
func (p *helperPool) ready() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.helpers) >= 2 && p.up == len(p.helpers) && !p.broken
}

// waitReady waits until every helper is up, one has failed, ctx ends or limit passes, and reports whether
// the helpers are ready.
func (p *helperPool) waitReady(ctx context.Context, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for !p.ready() {
		p.mu.Lock()
		broken := p.broken || len(p.helpers) == 0
		p.mu.Unlock()
		if broken || ctx.Err() != nil || time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// Size implements job.Pool: the requests under way at once.
func (p *helperPool) Size() int { return len(p.helpers) * slotsPerHelper }

// Helpers is the number of helper workers.
func (p *helperPool) Helpers() int { return len(p.helpers) }

// Classify implements job.Pool: the request goes to the first helper with a free slot, copied once into a
// buffer that is transferred to it. If ctx ends first, the slot is given back once the helper has answered.
func (p *helperPool) Classify(ctx context.Context, request []byte) ([]byte, error) {
	var h *helper
	select {
	case h = <-p.idle:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	u8 := js.Global().Get("Uint8Array").New(len(request))
	js.CopyBytesToJS(u8, request)
	msg := js.Global().Get("Object").New()
	msg.Set("type", "chunk")
	msg.Set("data", u8)
	ch := make(chan answer, 1)
	p.mu.Lock() // a helper answers in the order it was sent requests: pending must have the same order
	h.pending = append(h.pending, ch)
	h.w.Call("postMessage", msg, []any{u8.Get("buffer")})
	p.mu.Unlock()
	select {
	case a := <-ch:
		p.idle <- h
		return a.b, a.err
	case <-ctx.Done():
		go func() {
			<-ch
			p.idle <- h
		}()
		return nil, ctx.Err()
	}
}
