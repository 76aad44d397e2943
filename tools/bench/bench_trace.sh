#!/bin/sh
# bench_trace.sh — `medel trace` of a grant with EXPENSES expenses (default
# 1 000 000) over 100 parties and 8 activities as a whole process, warm and
# from a cold page cache, beside `medel balance` in the same run.
#
#   tools/bench/bench_trace.sh [BUILD_DIR] [EXPENSES]   (defaults: build, 1000000)
#
# Steps:
#   1. bench_trace builds the ledger (tools/bench/bench_trace.c) and prints,
#      in-process and in one read snapshot, the trace against the walk over
#      the grant's expenses that the trace's activities were before format
#      4 (the old code path), known-at, and a balance;
#   2. hyperfine (no shell, --warmup 3) runs `medel trace g` at an early,
#      a middle and a late date, the same as known at the time of the
#      middle event, and `medel balance` of one party as the baseline;
#   3. when /proc/sys/vm/drop_caches is writable (root), `medel trace g`
#      and `medel balance` again, each run after `sync; echo 3 >
#      /proc/sys/vm/drop_caches` (hyperfine --prepare): from a cold cache.
# The table is written to tools/bench/out/bench_trace.md.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EXPENSES=${2:-1000000}
MEDEL=$BUILD/cli/medel
BENCH=$BUILD/tools/bench/bench_trace
OUT=tools/bench/out
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-tracebench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v hyperfine >/dev/null ||
	{ echo "bench_trace: hyperfine is missing: tools/bootstrap --bench" >&2; exit 1; }
[ -x "$MEDEL" ] && [ -x "$BENCH" ] ||
	{ echo "bench_trace: build $MEDEL and $BENCH first" >&2; exit 1; }
mkdir -p "$OUT"

echo "== building the ledger and timing in-process" >&2
"$BENCH" "$WORK/db" "$EXPENSES" 20 | tee "$WORK/inproc.txt"
KNOWN=$(sed -n 's/^for bench_trace.sh: known_at=//p' "$WORK/inproc.txt")
DB="$MEDEL --db $WORK/db"

echo "== whole process, warm" >&2
hyperfine -N --warmup 3 --export-markdown "$WORK/warm.md" \
	-n "balance m17 2022-06-01" "$DB balance --party m17 --as-of 2022-06-01" \
	-n "trace g 2021-03-01" "$DB trace g --as-of 2021-03-01" \
	-n "trace g 2022-06-01" "$DB trace g --as-of 2022-06-01" \
	-n "trace g (today)" "$DB trace g" \
	-n "trace g known-at" "$DB trace g --as-of 2022-06-01 --known-at $KNOWN"

if [ -w /proc/sys/vm/drop_caches ]; then
	echo "== whole process, cold page cache" >&2
	hyperfine -N --runs 5 --export-markdown "$WORK/cold.md" \
		--prepare "sh -c 'sync; echo 3 > /proc/sys/vm/drop_caches'" \
		-n "balance m17 (cold)" "$DB balance --party m17 --as-of 2022-06-01" \
		-n "trace g (cold)" "$DB trace g --as-of 2022-06-01"
else
	echo "bench_trace: not root, no cold-cache runs" >&2
	: >"$WORK/cold.md"
fi
cat "$WORK/inproc.txt" "$WORK/warm.md" "$WORK/cold.md" >"$OUT/bench_trace.md"
echo "== written to $OUT/bench_trace.md" >&2
