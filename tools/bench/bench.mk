# Fuzzing and benchmarks (included by the Makefile). See BENCHMARKS.md.
FUZZ_TARGETS  := FuzzReader FuzzRecords FuzzExtract
FUZZ_SHORT    ?= 20s
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

## fuzz-short: each fuzz target for $(FUZZ_SHORT) (part of make test)
fuzz-short:
	$(call fuzz_run,$(FUZZ_SHORT))

## fuzz: each fuzz target for $(FUZZ_LONG)
fuzz:
	$(call fuzz_run,$(FUZZ_LONG))

## bench: measure and rewrite BENCHMARKS.md (ntc vs the seed pipeline, native vs edge API, memory, profile)
bench:
	ROWS=$(BENCH_ROWS) tools/bench/bench.sh $(DATA)
