//go:build js && wasm

// Command worker serves the API (package api) on Cloudflare's Workers runtime through
// github.com/syumai/workers. wrangler.toml at the repository root builds and runs it.
package main

import (
	"io"
	"net/http"
	"reflect"
	"strconv"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/model"
)

// Each request runs in a fresh instance of this program (syumai/workers), so the models are loaded only by
// the requests that use them: /healthz, /openapi.json and /docs answer without paying for it.
func main() {
	// one isolate, one thread: more goroutines would only add hand-offs
	opts := api.Options{Workers: 1, Abort: abortResponse, DrainBody: true}
	if s := cloudflare.Getenv("NTC_MAX_BODY"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			panic("NTC_MAX_BODY: " + err.Error())
		}
		opts.MaxBody = n
	}
	workers.Serve(api.NewLazyHandler(model.Default, opts))
}

// abortResponse makes the client see a response fail after its status line has gone (api.Options.Abort).
// syumai/workers streams the body to the runtime through an io.Pipe, its ResponseWriter's Writer field:
// closing the pipe with an error makes the runtime error the response stream. A panic, which net/http would
// turn into a cut connection, ends this program instead, and the glue then closes the pipe cleanly: the
// client got a short body that looked whole. The field is found by reflection, the type being internal to
// syumai/workers; when it is not there (another version), the handler panics as before.
func abortResponse(w http.ResponseWriter, err error) bool {
	v := reflect.ValueOf(w)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	f := v.Elem().FieldByName("Writer")
	if !f.IsValid() || !f.CanInterface() {
		return false
	}
	pw, ok := f.Interface().(*io.PipeWriter)
	if !ok || pw == nil {
		return false
	}
	pw.CloseWithError(err)
	return true
}
