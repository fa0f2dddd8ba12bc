# The edge API's targets (included by the Makefile).
WRANGLER_ENV := CI=true WRANGLER_SEND_METRICS=false
EDGE_BUILD   := build/worker

.PHONY: worker-build edge edge-size

## worker-build: the worker's wasm and syumai/workers' JavaScript shim, into build/worker (wrangler.toml runs it)
worker-build:
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(EDGE_BUILD)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(EDGE_BUILD)/app.wasm ./worker

node_modules/.bin/wrangler: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## edge: run the API on local workerd, offline, at http://127.0.0.1:8787 (foreground)
edge: node_modules/.bin/wrangler
	$(WRANGLER_ENV) npx wrangler dev --ip 127.0.0.1 --port 8787

## edge-size: the worker's upload size against Cloudflare's limits (3 MB free, 10 MB paid, compressed)
edge-size: worker-build
	@printf 'worker wasm: %s bytes, gzip -9: %s bytes\n' $$(wc -c < $(EDGE_BUILD)/app.wasm) $$(gzip -9c $(EDGE_BUILD)/app.wasm | wc -c)
