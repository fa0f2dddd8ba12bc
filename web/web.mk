# The in-browser face (issue 3): make web · web-test · size · web-bench · web-gen. Included by the Makefile.
#
#   web        builds the static site into dist/web/: index.html, the JS glue, ui.wasm (the Vugu page, web/page),
#              classifier.wasm (the Go core in a Web Worker, wasm/worker), and .gz/.br copies of every file
#   web-test   unit tests of the page's Go (natively), a check that the generated Vugu code is current, and the
#              browser tests (web/e2e, node --test driving /usr/bin/chromium through playwright-core)
#   size       the page's compressed transfer size (html + js + wasm incl. the embedded models); fails over 4 MiB
#   web-bench  cold load to first results, worker rows/s against native `ntc classify` on one core
#   web-gen    regenerates web/ui/0_components_gen.go from the .vugu files (committed)

WEB_DIST   := dist/web
WEB_WASM   := GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w'
WEB_NODE   ?= node
WEB_VUGU    = $(shell $(GO) list -m -f '{{.Dir}}' github.com/vugu/vugu)
WEB_VUGUGEN := $(GO) run github.com/vugu/vugu/cmd/vugugen -skip-go-mod -skip-main -s

.PHONY: web web-test size web-bench web-gen web-gen-check web-pgo

web:
	rm -rf $(WEB_DIST)
	mkdir -p $(WEB_DIST)
	cp web/static/index.html web/static/app.js web/static/worker.js web/static/style.css web/static/favicon.svg web/static/_headers $(WEB_DIST)/
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $(WEB_DIST)/
	$(GO) run ./web/tools/vugurender -vugu "$(WEB_VUGU)" -out $(WEB_DIST)/vugu-render.js
	$(WEB_WASM) -o $(WEB_DIST)/classifier.wasm ./wasm/worker
	$(WEB_WASM) -o $(WEB_DIST)/ui.wasm ./web/page
	$(WEB_NODE) web/tools/compress.mjs $(WEB_DIST)
	@echo "built $(WEB_DIST)/"

size: web
	@$(WEB_NODE) web/tools/compress.mjs --size $(WEB_DIST)

web-gen:
	$(WEB_VUGUGEN) web/ui
	gofmt -w web/ui/0_components_gen.go

# The committed generated code must be what vugugen makes of the committed .vugu files.
web-gen-check:
	@tmp=$$(mktemp -d) && mkdir $$tmp/ui && cp web/ui/*.go web/ui/*.vugu $$tmp/ui/ && \
	$(WEB_VUGUGEN) $$tmp/ui && gofmt -w $$tmp/ui/0_components_gen.go && \
	if ! diff -u web/ui/0_components_gen.go $$tmp/ui/0_components_gen.go; then \
		echo "web/ui/0_components_gen.go is stale: run make web-gen" >&2; rm -rf $$tmp; exit 1; fi; \
	rm -rf $$tmp; echo "web/ui/0_components_gen.go is current"

web-test: web web-gen-check
	$(GO) build -o $(NTC) ./tools/ntc
	$(GO) test -count=1 ./wasm/... ./web/...
	NTC_DATA=$(DATA) $(WEB_NODE) --test --test-concurrency=1 --test-reporter=spec web/e2e/

web-bench: web
	$(GO) build -o $(NTC) ./tools/ntc
	NTC_DATA=$(DATA) $(WEB_NODE) web/e2e/bench.mjs

# The classifier's wasm is built with profile-guided optimisation from wasm/worker/default.pgo (go build picks
# it up for that main package): a native CPU profile of wasm/job's benchmark, which runs the worker's code path.
web-pgo:
	cd wasm/job && GOMAXPROCS=1 $(GO) test -run '^$$' -bench BenchmarkRun -benchtime 40x -cpuprofile ../worker/default.pgo . && rm -f job.test
