#!/usr/bin/env bash
# Side-by-side speed of `ntc classify` and the seed's pandas + scikit-learn pipeline on the same 100k-row
# file (att_unlabeled.csv's rows repeated), both tasks, CSV in -> CSV out. Each side is pinned to one core
# with taskset; ntc is also run on all cores. Figures are ratios measured in this run: the machine is noisy.
# A quick check; tools/bench/bench.sh (make bench) takes medians and writes BENCHMARKS.md.
set -euo pipefail
data=${1:-../shared/data/radcom}
rows=${ROWS:-100000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
big=$work/big.csv

# The file has CRLF line ends and no final newline: strip CRs and end every copy with a newline. The endless
# loop ends on SIGPIPE once head has its rows: without pipefail there, that exit 141 stopped the script.
{
  head -n 1 "$data/att_unlabeled.csv" | tr -d '\r'
  (set +o pipefail; while :; do tail -n +2 "$data/att_unlabeled.csv" | tr -d '\r'; echo; done | head -n "$rows")
} > "$big"
echo "input: $(($(wc -l < "$big") - 1)) rows, $(du -h "$big" | cut -f1)"

go build -o "$work/ntc" ./tools/ntc
# seconds CMD...: wall time of a command, its output discarded
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }

seed_out=$(taskset -c 0 /usr/bin/python3 tools/baseline/seed_rf.py bench \
  --app-train "$data/app_train.csv" --att-train "$data/att_train.csv" --in "$big" --out "$work/seed.csv")
seed_rate=$(echo "$seed_out" | tail -n 1 | sed 's/.*rows_per_s=//')
echo "seed pipeline, 1 core: $(echo "$seed_out" | tail -n 2 | tr '\n' ' ')"

t1=$(seconds taskset -c 0 env GOMAXPROCS=1 "$work/ntc" classify --in "$big" --out "$work/ntc1.csv" --workers 1)
tn=$(seconds "$work/ntc" classify --in "$big" --out "$work/ntcn.csv")
cmp -s "$work/ntc1.csv" "$work/ntcn.csv" || { echo "1-core and all-core outputs differ" >&2; exit 1; }
awk -v r="$rows" -v t1="$t1" -v tn="$tn" -v s="$seed_rate" -v cores="$(nproc)" 'BEGIN {
  printf "ntc classify, 1 core:  %.2f s, %.0f rows/s = %.1fx the seed pipeline\n", t1, r / t1, r / t1 / s
  printf "ntc classify, %d cores: %.2f s, %.0f rows/s = %.1fx the seed pipeline on one core\n", cores, tn, r / tn, r / tn / s
}'
