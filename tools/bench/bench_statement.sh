#!/bin/sh
# bench_statement.sh — `medel statement` as a whole process on a
# generated ledger, with the old event types and with the new ones mixed
# in (bench_gen_ledger --new-types), in the same run, with hyperfine.
#
#   tools/bench/bench_statement.sh [BUILD_DIR] [EVENTS]
#       (defaults: build, 1000000; a Release build)
#
# Steps:
#   1. bench_gen_ledger writes EVENTS events twice, without and with
#      --new-types; each is split into batches of 10 000 lines and
#      appended with `medel --db DIR append` (each file one batch);
#   2. a check that the new ledger holds the new types (its log has
#      conditional allocations, distributions, confirms, lapses and
#      corrections of corrections) and that the statement is answered;
#   3. hyperfine (no shell, warm cache, --warmup 3) runs, on both
#      ledgers: the statement of municipality m150 for grant g3 (text,
#      the default format), the same as html, and the baseline
#      `medel balance --party m150 --grant g3` — a seek, so process start
#      and opening the ledger — and prints each mean ÷ the baseline's on
#      the same ledger. Issue 12's target is ≤ 20 ms for the statement.
# The table goes to tools/bench/out/bench_statement.md.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EVENTS=${2:-1000000}
MEDEL=$BUILD/cli/medel
GEN=$BUILD/tools/bench/bench_gen_ledger
OUT=tools/bench/out
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-stbench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v hyperfine >/dev/null ||
	{ echo "bench_statement: hyperfine is missing: tools/bootstrap --bench" >&2; exit 1; }
[ -x "$MEDEL" ] && [ -x "$GEN" ] ||
	{ echo "bench_statement: build $MEDEL and $GEN first" >&2; exit 1; }

for kind in old new; do
	echo "== $kind types: generating and appending $EVENTS events" >&2
	mkdir -p "$WORK/$kind"
	flag=""
	[ "$kind" = new ] && flag=--new-types
	"$GEN" $flag "$EVENTS" >"$WORK/$kind/events.jsonl"
	split -l 10000 -d -a 4 --additional-suffix=.jsonl \
		"$WORK/$kind/events.jsonl" "$WORK/$kind/b"
	rm "$WORK/$kind/events.jsonl"
	"$MEDEL" --db "$WORK/$kind/db" append "$WORK/$kind"/b*.jsonl >/dev/null
	rm "$WORK/$kind"/b*.jsonl
done

echo "== the new ledger holds the new types" >&2
for type in confirm lapse distribution correction; do
	n=$("$MEDEL" --db "$WORK/new/db" --csv log --type $type |
		grep -c ";$type;" || true)
	echo "  $type: $n" >&2
	[ "$n" -gt 0 ] || { echo "bench_statement: no $type" >&2; exit 1; }
done
"$MEDEL" --db "$WORK/new/db" statement --party m150 --grant g3 |
	sed -n '1,2p' >&2

Q="--party m150 --grant g3"
hyperfine -N --warmup 3 --export-json "$WORK/st.json" \
	--export-markdown "$WORK/bench_statement.md" \
	-n "old: balance (baseline)" "$MEDEL --db $WORK/old/db balance $Q" \
	-n "old: statement" "$MEDEL --db $WORK/old/db statement $Q" \
	-n "old: statement html" \
	"$MEDEL --db $WORK/old/db statement $Q --format html" \
	-n "new: balance (baseline)" "$MEDEL --db $WORK/new/db balance $Q" \
	-n "new: statement" "$MEDEL --db $WORK/new/db statement $Q" \
	-n "new: statement html" \
	"$MEDEL --db $WORK/new/db statement $Q --format html"
mkdir -p "$OUT"
cp "$WORK/bench_statement.md" "$OUT/bench_statement.md"
python3 - "$WORK/st.json" <<'EOF'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
for kind in ("old", "new"):
    base = r[f"{kind}: balance (baseline)"]
    for what in ("statement", "statement html"):
        t = r[f"{kind}: {what}"]
        print(f"{kind}: {what:15s} {t * 1e3:7.2f} ms  "
              f"÷ baseline {t / base:5.2f}  (baseline {base * 1e3:.2f} ms)")
print(f"new ÷ old, statement: "
      f"{r['new: statement'] / r['old: statement']:.2f}")
EOF
