# Fuzzing and benchmarks (included by the Makefile). See BENCHMARKS.md.
FUZZ_TARGETS  := FuzzReader FuzzRecords FuzzExtract
# make test's budget is a count of executions, not a duration: with -fuzztime as a duration, Go 1.26's fuzzing
# coordinator can fail a target with a bare "context deadline exceeded" as the time runs out
# (go.dev/issue/75804, fixed in Go 1.27), which CI hit on a loaded machine. 250,000 runs take 8-20 s a
# target here.
FUZZ_SHORT    ?= 250000x
FUZZ_LONG     ?= 5m
# Each new interesting input is minimised before fuzzing goes on; Go's default allows a minute per input,
# which stalls a 20 s run. FUZZ_FLAGS=-parallel=1 leaves a core to others on a shared machine.
FUZZ_MINIMIZE ?= 5s
FUZZ_FLAGS    ?=
BENCH_ROWS    ?= 100000

.PHONY: fuzz-short fuzz bench

# go test -fuzz takes one target of one package at a time. A failure leaves its input in
# features/testdata/fuzz/<Target>/: commit it, and plain `go test` replays it from then on.
define fuzz_run
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t for $(1)"; \
		$(GO) test ./features -run '^$$' -fuzz "^$$t$$" -fuzztime $(1) -fuzzminimizetime $(FUZZ_MINIMIZE) $(FUZZ_FLAGS) || exit 1; \
	done
endef

## fuzz-short: each fuzz target for $(FUZZ_SHORT) runs (part of make test)
fuzz-short:
	$(call fuzz_run,$(FUZZ_SHORT))

## fuzz: each fuzz target for $(FUZZ_LONG)
fuzz:
	$(call fuzz_run,$(FUZZ_LONG))

## bench: measure and rewrite BENCHMARKS.md (ntc vs the seed pipeline, native vs edge API, memory, profile)
bench:
	ROWS=$(BENCH_ROWS) tools/bench/bench.sh $(DATA)
