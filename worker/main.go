//go:build js && wasm

// Command worker serves the API (package api) on Cloudflare's Workers runtime through
// github.com/syumai/workers. wrangler.toml at the repository root builds and runs it.
package main

import (
	"strconv"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"

	"github.com/flowlens/ntc/api"
	"github.com/flowlens/ntc/model"
)

// Each request runs in a fresh instance of this program (syumai/workers), so the models are loaded only by
// the requests that use them: /healthz, /openapi.json and /docs answer without paying for it.
func main() {
	opts := api.Options{Workers: 1} // one isolate, one thread: extra goroutines would only add hand-offs
	if s := cloudflare.Getenv("NTC_MAX_BODY"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			panic("NTC_MAX_BODY: " + err.Error())
		}
		opts.MaxBody = n
	}
	workers.Serve(api.NewLazyHandler(model.Default, opts))
}
