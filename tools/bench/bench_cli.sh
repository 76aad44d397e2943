#!/bin/sh
# bench_cli.sh — `medel --db … balance --as-of D --party P` as a whole
# process, beside `hledger bal -e` and `ledger bal -e` on the exported
# journal of the same events, in the same run, with hyperfine.
#
#   tools/bench/bench_cli.sh [BUILD_DIR] [EVENTS]     (defaults: build, 100000)
#
# Needs hyperfine, hledger and ledger (tools/bootstrap --bench), and a
# build with medel, bench_gen_ledger and the export module. Steps:
#   1. bench_gen_ledger writes EVENTS events (definitions, then
#      allocations, payouts and expenses that keep every rule) as JSON
#      Lines; they are split into batches of 10 000 and appended with
#      `medel --db DIR append` (each file one atomic batch);
#   2. `medel export --format ledger` writes the journal of the same
#      events, which both tools read;
#   3. each tool is asked for the balances of one party at one date:
#      medel's --as-of D counts events dated ≤ D, the tools' -e D+1 is
#      exclusive, so they answer the same question; a cross-check prints
#      one figure from each;
#   4. hyperfine runs the three commands (no shell, warm cache, --warmup 3) and
#      writes its table to tools/bench/out/bench_cli.md.
# The ratio asked for is medel at least 100 times faster than ledger.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EVENTS=${2:-100000}
MEDEL=$BUILD/cli/medel
GEN=$BUILD/tools/bench/bench_gen_ledger
AS_OF=2002-06-30
END=2002-07-01           # the tools' exclusive end: the day after AS_OF
PARTY=m17
OUT=tools/bench/out
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-clibench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

for tool in hyperfine hledger ledger; do
	command -v $tool >/dev/null ||
		{ echo "bench_cli: $tool is missing: tools/bootstrap --bench" >&2; exit 1; }
done
[ -x "$MEDEL" ] && [ -x "$GEN" ] ||
	{ echo "bench_cli: build $MEDEL and $GEN first" >&2; exit 1; }
mkdir -p "$WORK/batches"

echo "== generating and appending $EVENTS events" >&2
"$GEN" "$EVENTS" >"$WORK/events.jsonl"
split -l 10000 -d -a 3 --additional-suffix=.jsonl "$WORK/events.jsonl" \
	"$WORK/batches/b"
"$MEDEL" --db "$WORK/db" append "$WORK"/batches/*.jsonl >/dev/null
"$MEDEL" --db "$WORK/db" export --format ledger >"$WORK/medel.journal"
echo "journal: $(wc -l <"$WORK/medel.journal") lines" >&2

echo "== the same question, three ways (held of g0/$PARTY as of $AS_OF)" >&2
"$MEDEL" --db "$WORK/db" --csv balance --as-of $AS_OF --party $PARTY |
	awk -F';' '$1=="g0" { print "medel:   " $14 }' >&2
hledger -f "$WORK/medel.journal" bal -e $END "medel:g0:$PARTY:held" \
	--no-total -N 2>&1 | sed 's/^/hledger: /' >&2
ledger -f "$WORK/medel.journal" bal -e $END "medel:g0:$PARTY:held" \
	2>&1 | sed 's/^/ledger:  /' >&2

hyperfine -N --warmup 3 --export-markdown "$WORK/bench_cli.md" \
	-n medel "$MEDEL --db $WORK/db balance --as-of $AS_OF --party $PARTY" \
	-n hledger "hledger -f $WORK/medel.journal bal -e $END :$PARTY:" \
	-n ledger "ledger -f $WORK/medel.journal bal -e $END :$PARTY:"
mkdir -p "$OUT"
cp "$WORK/bench_cli.md" "$OUT/bench_cli.md"
cat "$OUT/bench_cli.md"
