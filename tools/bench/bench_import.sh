#!/bin/sh
# bench_import.sh — getting files in, as whole processes (issues 13, 15):
#
#  A. `medel import-csv` of a ROWS-row (default 100 000) Windows-1252 sheet
#     as Swedish Excel saves it (Typ column, no-break thousands separators,
#     amounts in kronor with a decimal comma), beside `medel append` of the
#     very same events as JSON Lines, in the same run (hyperfine, each run
#     on a fresh copy of a ledger holding the parties and grants).
#     Target: import-csv ≤ 1.5× append's time.
#  B. `medel append` of EVENTS (default 1 000 000) generated events as one
#     JSON Lines file (sent in batches of 10 000), against bench_append's
#     library rate on the same file (BENCH_FILE, batches of 10 000), run
#     before and after it; and medel's max RSS. Targets: ≥ 0.8 of the
#     library's rate, max RSS ≤ 256 MiB.
#
#   tools/bench/bench_import.sh [BUILD_DIR] [ROWS] [EVENTS]
#                                       (defaults: build, 100000, 1000000)
#
# Needs hyperfine and /usr/bin/time (tools/bootstrap --bench) and a build
# with medel, bench_append and bench_gen_ledger. The events are
# bench_gen_ledger's (allocations, payouts and expenses with ids over 300
# municipalities and 8 grants). On a shared machine the wall clock carries
# the other users' load: the CPU time (user + system) per event is printed
# beside each rate.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
ROWS=${2:-100000}
EVENTS=${3:-1000000}
MEDEL=$BUILD/cli/medel
GEN=$BUILD/tools/bench/bench_gen_ledger
APPEND=$BUILD/tools/bench/bench_append
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-importbench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v hyperfine >/dev/null ||
	{ echo "bench_import: hyperfine is missing: tools/bootstrap --bench" >&2; exit 1; }
[ -x "$MEDEL" ] && [ -x "$GEN" ] && [ -x "$APPEND" ] ||
	{ echo "bench_import: build $MEDEL, $GEN and $APPEND first" >&2; exit 1; }

echo "== generating $EVENTS events" >&2
"$GEN" "$EVENTS" >"$WORK/events.jsonl"
grep -E '"type":"(party|grant)"' "$WORK/events.jsonl" >"$WORK/setup.jsonl"
grep -vE '"type":"(party|grant)"' "$WORK/events.jsonl" | head -n "$ROWS" \
	>"$WORK/a.jsonl"
python3 tools/bench/jsonl_to_csv.py "$WORK/a.jsonl" "$WORK/a" "$ROWS"
mv "$WORK/a.0000.csv" "$WORK/a.csv"
"$MEDEL" --db "$WORK/base" append "$WORK/setup.jsonl" >/dev/null
echo "A. $(wc -l <"$WORK/a.jsonl") events; a.jsonl $(wc -c <"$WORK/a.jsonl") bytes, a.csv $(wc -c <"$WORK/a.csv") bytes (Windows-1252)" >&2

FRESH="sh -c 'rm -rf $WORK/db && cp -a $WORK/base $WORK/db'"
hyperfine -N --runs 3 --export-json "$WORK/a.json" --prepare "$FRESH" \
	-n append "$MEDEL --db $WORK/db append $WORK/a.jsonl" \
	-n import-csv "$MEDEL --db $WORK/db import-csv $WORK/a.csv" >&2
# The import stored what append stores: the same events, by id.
n=$("$MEDEL" --db "$WORK/db" append "$WORK/a.jsonl" | grep -c ' duplicate$')
[ "$n" = "$(wc -l <"$WORK/a.jsonl")" ] ||
	{ echo "bench_import: import-csv stored other events than append ($n duplicates)" >&2; exit 1; }

echo "== B. medel append of $EVENTS events, bench_append before and after" >&2
lib() { BENCH_FILE="$WORK/events.jsonl" BENCH_DIR="$WORK" "$APPEND" \
	"$EVENTS" 10000 >"$WORK/lib$1.txt"; }
lib 1
rm -rf "$WORK/db"
/usr/bin/time -f "%e %U %S %M" -o "$WORK/medel.time" \
	"$MEDEL" --db "$WORK/db" append "$WORK/events.jsonl" >/dev/null
rm -rf "$WORK/db"
lib 2

python3 - "$WORK" "$EVENTS" <<'PY'
import json, re, sys
work, events = sys.argv[1], int(sys.argv[2])
r = {x["command"]: x for x in json.load(open(f"{work}/a.json"))["results"]}
a, i = r["append"], r["import-csv"]
print(f"A. {sum(1 for _ in open(work + '/a.jsonl')):,} events, whole process, hyperfine mean ± sd of 3 (fresh ledger each run)")
for name, x in (("append jsonl", a), ("import-csv cp1252", i)):
    cpu = (x["user"] + x["system"])
    print(f"  {name:18} {x['mean']:7.2f} s ± {x['stddev']:5.2f}   cpu {cpu:6.2f} s")
print(f"  import-csv / append: {i['mean'] / a['mean']:.2f}× wall, "
      f"{(i['user'] + i['system']) / (a['user'] + a['system']):.2f}× cpu  (target ≤ 1.5×)")
def libstats(k):
    t = open(f"{work}/lib{k}.txt").read()
    rate = float(re.search(r"ledger append\s+(\d+)", t).group(1))
    cpu = float(re.search(r"append cpu\s+([\d.]+)", t).group(1))
    dec = float(re.search(r"json decode\s+(\d+)", t).group(1))
    return rate, cpu, dec
l1, l2 = libstats(1), libstats(2)
lib_rate = (l1[0] + l2[0]) / 2
lib_cpu = (l1[1] + l2[1]) / 2
wall, user, sys_, rss = open(f"{work}/medel.time").read().split()
rate = events / float(wall)
cpu_us = (float(user) + float(sys_)) * 1e6 / events
print(f"B. {events:,} events as one JSON Lines file")
print(f"  bench_append (library)  {l1[0]:9.0f} and {l2[0]:9.0f} ev/s before/after,"
      f" {lib_cpu:5.2f} µs/event cpu; its json decode {l1[2]:.0f} ev/s")
print(f"  medel append (process)  {rate:9.0f} ev/s ({float(wall):.1f} s), "
      f"{cpu_us:5.2f} µs/event cpu, max RSS {int(rss) / 1024:.0f} MiB")
print(f"  medel / library: {rate / lib_rate:.2f} of the rate (target ≥ 0.8), "
      f"{lib_cpu / cpu_us:.2f} by cpu per event")
PY
