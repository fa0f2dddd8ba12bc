package ui

import (
	"sync"
	"time"

	"github.com/vugu/vugu"
	"github.com/vugu/vugu/js"
)

// JSBridge is the page's JS glue, window.ntcPage (web/static/app.js): it owns the classifier's Web Worker and
// the output chunks the worker posts.
type JSBridge struct{ page js.Value }

// NewJSBridge finds window.ntcPage.
func NewJSBridge() *JSBridge { return &JSBridge{page: js.Global().Get("ntcPage")} }

// Start hands the file to the worker.
func (b *JSBridge) Start(file js.Value, app, att bool) { b.page.Call("start", file, app, att) }

// Cancel asks the worker to stop.
func (b *JSBridge) Cancel() { b.page.Call("cancel") }

// Upload sends the file to the page's own server's API (POST /v1/classify) instead of the worker.
func (b *JSBridge) Upload(file js.Value, app, att bool) { b.page.Call("upload", file, app, att) }

// Explain asks the worker why row was classified as it was: the glue slices the output's header line
// [0, header) and the row's line [off, off+n) from the chunks it holds and sends them with the request.
func (b *JSBridge) Explain(id, row int, off int64, n int, header int64, app, att bool) {
	b.page.Call("explain", id, row, float64(off), n, float64(header), app, att)
}

// ResultURL is a blob: URL of the classified CSV assembled from the worker's chunks.
func (b *JSBridge) ResultURL(name string) string { return b.page.Call("resultURL", name).String() }

// Listen hands the glue (ntcPage.uiReady) a function that delivers the worker's messages to p, in order,
// under env's lock. A JS callback must not block, so the function only queues the message.
//
// During a run the page is redrawn at most every runRedraw: a redraw costs the main thread about as much as
// decoding thousands of rows, and with the file split among helper workers that thread shares the CPUs with
// them. A progress message that arrives sooner is applied at once and drawn when the interval is up; a run's
// first rows, its end and any other message are drawn at once.
func Listen(p *Page, env vugu.EventEnv) {
	var (
		mu    sync.Mutex
		queue []string
		wake  = make(chan struct{}, 1)
	)
	onMessage := js.FuncOf(func(this js.Value, args []js.Value) interface{} {
		mu.Lock()
		queue = append(queue, args[0].String())
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
		return nil
	})
	go func() {
		var drawn time.Time // the last redraw that showed a run's rows
		owed := false       // state applied but not drawn
		for range wake {
			mu.Lock()
			batch := queue
			queue = nil
			mu.Unlock()
			env.Lock()
			now := false // a message to show at once: an explanation, the helpers coming up
			for _, m := range batch {
				if err := p.Apply(m); err != nil {
					js.Global().Get("console").Call("error", "ntc: bad worker message: "+err.Error())
				}
				now = now || p.drawNow
			}
			if wait := runRedraw - time.Since(drawn); !now && p.State == StateRunning && len(p.Rows) > 0 && wait > 0 {
				env.UnlockOnly()
				if !owed {
					owed = true
					time.AfterFunc(wait, func() {
						select {
						case wake <- struct{}{}:
						default:
						}
					})
				}
				continue
			}
			owed = false
			drawn = time.Time{}
			if p.State == StateRunning && len(p.Rows) > 0 {
				drawn = time.Now()
			}
			env.UnlockRender()
		}
	}()
	js.Global().Get("ntcPage").Call("uiReady", onMessage)
}

// runRedraw is the shortest time between two redraws during a run.
const runRedraw = 900 * time.Millisecond
