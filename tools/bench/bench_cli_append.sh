#!/bin/sh
# bench_cli_append.sh — `medel append` and `import-csv` as whole processes
# against the library's rate on the same events (issue 15), by CPU time:
#
#   lib     bench_append on the JSON Lines file (BENCH_FILE), batches of
#           10 000: its "ledger append cpu" (µs/event, JSON decoding not
#           counted) is the baseline;
#   append  `medel --db D append events.jsonl`, D fresh each run: user +
#           system CPU of the whole process and its max RSS;
#   csv     `medel --db D import-csv` of the same events but the parties
#           and grants (D a fresh copy of a ledger holding those), as
#           sheets the way Swedish Excel saves them (bench_import.sh), of
#           CSV_ROWS rows each (one file is at most one batch's 8 MiB):
#           the CPU of all those processes summed, the largest max RSS;
#   old     (optional) the append again with another medel binary, for a
#           before/after in the same run.
#
# One round runs each once, in that order; RUNS rounds (default 3)
# alternate them, and the medians are printed with the ratios:
#   lib cpu / append cpu per event  (target ≥ 0.8)
#   append max RSS                  (target ≤ 256 MiB)
#   import-csv cpu / append cpu     (fine ≤ 1.5)
# Wall-clock time is printed too but means little on a shared machine.
#
#   tools/bench/bench_cli_append.sh [BUILD_DIR] [EVENTS] [RUNS] [OLD_MEDEL]
#                                   (defaults: build, 1000000, 3, none)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EVENTS=${2:-1000000}
RUNS=${3:-3}
OLD=${4:-}
CSV_ROWS=${CSV_ROWS:-50000}
MEDEL=$BUILD/cli/medel
GEN=$BUILD/tools/bench/bench_gen_ledger
APPEND=$BUILD/tools/bench/bench_append
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-cliappend-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

[ -x "$MEDEL" ] && [ -x "$GEN" ] && [ -x "$APPEND" ] ||
	{ echo "bench_cli_append: build $MEDEL, $GEN and $APPEND first" >&2; exit 1; }

echo "== generating $EVENTS events" >&2
"$GEN" "$EVENTS" >"$WORK/events.jsonl"
grep -E '"type":"(party|grant)"' "$WORK/events.jsonl" >"$WORK/setup.jsonl"
grep -vE '"type":"(party|grant)"' "$WORK/events.jsonl" >"$WORK/rest.jsonl"
python3 tools/bench/jsonl_to_csv.py "$WORK/rest.jsonl" "$WORK/rest" "$CSV_ROWS"
"$MEDEL" --db "$WORK/base" append "$WORK/setup.jsonl" >/dev/null

# timed NAME ROUND CMD…: CPU and RSS of CMD added to $WORK/NAME.ROUND
timed() {
	name=$1 round=$2
	shift 2
	/usr/bin/time -a -f "%e %U %S %M" -o "$WORK/$name.$round" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" ||
		{ echo "bench_cli_append: $name failed:" >&2; cat "$WORK/$name.err" >&2; exit 1; }
}

for r in $(seq "$RUNS"); do
	echo "== round $r of $RUNS" >&2
	BENCH_FILE="$WORK/events.jsonl" BENCH_DIR="$WORK" \
		"$APPEND" "$EVENTS" 10000 >"$WORK/lib.$r"
	rm -rf "$WORK/db"
	timed append "$r" "$MEDEL" --db "$WORK/db" append "$WORK/events.jsonl"
	mv "$WORK/append.out" "$WORK/append.lines"
	rm -rf "$WORK/db" && cp -a "$WORK/base" "$WORK/db"
	for f in "$WORK"/rest.*.csv; do
		timed csv "$r" "$MEDEL" --db "$WORK/db" import-csv "$f"
	done
	if [ -n "$OLD" ]; then
		rm -rf "$WORK/db"
		timed old "$r" "$OLD" --db "$WORK/db" append "$WORK/events.jsonl"
		cmp -s "$WORK/old.out" "$WORK/append.lines" ||
			{ echo "bench_cli_append: $OLD and $MEDEL printed different lines" >&2; exit 1; }
	fi
	rm -rf "$WORK/db"
done
[ "$(wc -l <"$WORK/append.lines")" = "$EVENTS" ] ||
	{ echo "bench_cli_append: append printed other than $EVENTS lines" >&2; exit 1; }

python3 - "$WORK" "$EVENTS" "$RUNS" "$OLD" <<'PY'
import re, statistics, sys
work, events, runs, old = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rows = int(sum(1 for _ in open(f"{work}/rest.jsonl")))
med = statistics.median
def proc(name, n):
    """Medians over the rounds of a round's processes summed (RSS: max)."""
    def total(path):
        ps = [[float(x) for x in l.split()] for l in open(path)]
        return (sum(p[0] for p in ps), sum(p[1] for p in ps),
                sum(p[2] for p in ps), max(p[3] for p in ps))
    xs = [total(f"{work}/{name}.{r}") for r in range(1, runs + 1)]
    cpu = [(float(u) + float(s)) * 1e6 / n for _, u, s, _ in xs]
    return (med(cpu), med(float(w) for w, *_ in xs),
            med(int(m) for *_, m in xs) / 1024, cpu)
lib = [float(re.search(r"ledger append cpu\s+([\d.]+)",
                       open(f"{work}/lib.{r}").read()).group(1))
       for r in range(1, runs + 1)]
a, c = proc("append", events), proc("csv", rows)
print(f"{events:,} events, {runs} alternating rounds, medians; CPU = user + system")
print(f"  bench_append (library)  {med(lib):5.2f} µs/event cpu   runs {lib}")
print(f"  medel append (process)  {a[0]:5.2f} µs/event cpu   runs "
      f"{[round(x, 2) for x in a[3]]}; wall {a[1]:.1f} s; max RSS {a[2]:.0f} MiB")
print(f"  medel import-csv        {c[0]:5.2f} µs/row cpu     runs "
      f"{[round(x, 2) for x in c[3]]}; wall {c[1]:.1f} s; max RSS {c[2]:.0f} MiB"
      f" ({rows:,} rows in {len(open(f'{work}/csv.1').readlines())} files)")
if old:
    o = proc("old", events)
    print(f"  old medel append        {o[0]:5.2f} µs/event cpu   runs "
          f"{[round(x, 2) for x in o[3]]}; max RSS {o[2]:.0f} MiB ({old})")
    print(f"  old / new cpu per event: {o[0] / a[0]:.2f}×")
print(f"  library / medel append by cpu per event: {med(lib) / a[0]:.2f} "
      f"(target ≥ 0.8); max RSS {a[2]:.0f} MiB (target ≤ 256)")
print(f"  import-csv / append cpu per event: {c[0] / a[0]:.2f}× (fine ≤ 1.5)")
PY
