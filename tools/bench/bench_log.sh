#!/bin/sh
# bench_log.sh — `medel log` filtered by a name, as a whole process, on a
# generated ledger: the cost of a filter must be what it finds, not the
# length of the log (the log's index, docs/architecture.md).
#
#   tools/bench/bench_log.sh [BUILD_DIR] [EVENTS]   (defaults: build, 1000000)
#
# Needs hyperfine (tools/bootstrap --bench) and a build with medel and
# bench_gen_ledger. In the same run, with hyperfine (no shell, warm cache):
#   baseline   medel log --limit 1          the process, the open, one read
#   nomatch    medel log --party nobody     a name with no events
#   onepage    medel log --party m17 --limit 100
#   type       medel log --type close       a type that never occurs
# and prints each one's mean against the baseline's. The target (issue
# "Every answer costs what it shows"): a filter matching nothing ≤ 10 ms
# on 10 000 000 events, i.e. about the baseline.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EVENTS=${2:-1000000}
MEDEL=$BUILD/cli/medel
GEN=$BUILD/tools/bench/bench_gen_ledger
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-logbench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v hyperfine >/dev/null ||
	{ echo "bench_log: hyperfine is missing: tools/bootstrap --bench" >&2; exit 1; }
[ -x "$MEDEL" ] && [ -x "$GEN" ] ||
	{ echo "bench_log: build $MEDEL and $GEN first" >&2; exit 1; }
mkdir -p "$WORK/batches"

echo "== generating and appending $EVENTS events" >&2
"$GEN" "$EVENTS" >"$WORK/events.jsonl"
split -l 10000 -d -a 4 --additional-suffix=.jsonl "$WORK/events.jsonl" \
	"$WORK/batches/b"
"$MEDEL" --db "$WORK/db" append "$WORK"/batches/*.jsonl >/dev/null
rm -rf "$WORK/batches" "$WORK/events.jsonl"
echo "m17 has $("$MEDEL" --db "$WORK/db" --csv log --party m17 --limit 100 |
	wc -l) lines in its first page" >&2

M="$MEDEL --db $WORK/db"
hyperfine -N --warmup 3 --runs 30 --export-json "$WORK/log.json" \
	-n baseline "$M log --limit 1" \
	-n nomatch "$M log --party nobody" \
	-n onepage "$M log --party m17 --limit 100" \
	-n type "$M log --type close" >&2

python3 - "$WORK/log.json" "$EVENTS" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["baseline"]["mean"]
print(f"medel log on {int(sys.argv[2]):,} events (hyperfine, mean ± sd, ratio to baseline)")
for name in ("baseline", "nomatch", "onepage", "type"):
    x = r[name]
    print(f"  {name:9} {x['mean']*1e3:8.2f} ms ± {x['stddev']*1e3:5.2f}"
          f"   p-max {max(x['times'])*1e3:8.2f} ms   {x['mean']/base:5.2f}×")
PY
