#!/bin/sh
# bench_memory.sh — max RSS and CPU time of the whole-log commands (issue
# 15: `medel verify` and `export --format ledger` on 10 000 000 events in
# at most 64 MiB each, verify at ≥ 800 000 events/s), old binary against
# new, on generated ledgers of two sizes: a max RSS that does not grow
# with the ledger shows the bound.
#
#   tools/bench/bench_memory.sh BASE_BUILD NEW_BUILD [WORK] [SIZES] [CMDS]
#       (defaults: WORK /tmp/medel-membench, SIZES "1000000 3000000",
#        CMDS "verify ledger jsonl": the rows below to measure, e.g. only
#        "verify" for a change to verify)
#
# BASE_BUILD is a Release build of the commit to compare with (e.g. main's
# HEAD built in /tmp/base), NEW_BUILD the one under test; both need
# cli/medel, and NEW_BUILD tools/bench/bench_gen_ledger. WORK keeps the
# ledgers (WORK/lN/db, bench_gen_ledger --new-types N appended by the
# base medel in batches of 10 000): made once, reused by later runs.
#
# For each size, each command, 3 runs alternating base and new, with
# /usr/bin/time: CPU = user + system (what a shared machine disturbs
# least), max RSS, wall (verify runs on two threads: its rate is events ÷
# wall, which a shared machine disturbs most). Prints the medians and
# new/base ratios:
#   verify        medel --db D verify
#   ledger        medel --db D export --format ledger   (> /dev/null)
#   jsonl         medel --db D export --format jsonl    (the baseline walk)
# and checks that both binaries' ledger exports, and their verify
# answers (ok, the entries checked, the head), are the same bytes.
#
# BENCH_THREADS=1 (needs perf) also runs each verify 3 more times,
# alternating, under `perf record -e task-clock` and prints the CPU of
# its longest thread: on an idle machine with two cores that is verify's
# wall time at best, which a loaded machine's wall cannot show (a
# separate run: perf's own memory would count in max RSS).
set -eu
BASE=${1:?usage: bench_memory.sh BASE_BUILD NEW_BUILD [WORK] [SIZES] [CMDS]}
NEW=${2:?usage: bench_memory.sh BASE_BUILD NEW_BUILD [WORK] [SIZES] [CMDS]}
WORK=${3:-/tmp/medel-membench}
SIZES=${4:-1000000 3000000}
CMDS=${5:-verify ledger jsonl}
RUNS=3
GEN=$NEW/tools/bench/bench_gen_ledger
for m in "$BASE/cli/medel" "$NEW/cli/medel" "$GEN"; do
	[ -x "$m" ] || { echo "bench_memory: build $m first" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench_memory: needs /usr/bin/time" >&2; exit 1; }
mkdir -p "$WORK"

gen() { # events → WORK/l$1/db
	d=$WORK/l$1
	[ -f "$d/db/data.mdb" ] && return 0
	echo "== generating and appending $1 events" >&2
	rm -rf "$d"
	mkdir -p "$d/b"
	"$GEN" --new-types "$1" >"$d/e.jsonl"
	split -l 10000 -d -a 4 --additional-suffix=.jsonl "$d/e.jsonl" "$d/b/b"
	"$BASE/cli/medel" --db "$d/db" append "$d"/b/*.jsonl >/dev/null 2>&1
	rm -rf "$d/b" "$d/e.jsonl"
}

one() { # label build db args... → "label user sys maxrss_kb wall_s" on stdout
	label=$1 build=$2 db=$3
	shift 3
	/usr/bin/time -o "$WORK/time" -f "%U %S %M %e" \
		"$build/cli/medel" --db "$db" "$@" >"$WORK/out.$label" ||
		{ echo "bench_memory: $label failed" >&2; exit 1; }
	echo "$label $(cat "$WORK/time")"
}

threads() { # label build db → "label longest_thread_cpu_s" on stdout
	label=$1 build=$2 db=$3
	perf record -q -e task-clock -F 1000 -o "$WORK/perf.data" \
		"$build/cli/medel" --db "$db" verify >/dev/null 2>&1 ||
		{ echo "bench_memory: perf record $label failed" >&2; exit 1; }
	perf report -i "$WORK/perf.data" --sort pid --stdio -F sample 2>/dev/null |
		awk -v l="$label" '$1 ~ /^[0-9]+$/ { if ($1 > m) m = $1 }
			END { printf "%s %.2f\n", l, m / 1000 }'
	rm -f "$WORK/perf.data"
}

for n in $SIZES; do
	gen "$n"
	db=$WORK/l$n/db
	: >"$WORK/times"
	for cmd in $CMDS; do
		case $cmd in
		verify) set -- verify ;;
		*) set -- export --format "$cmd" ;;
		esac
		i=0
		while [ $i -lt $RUNS ]; do
			one "base-$cmd" "$BASE" "$db" "$@" >>"$WORK/times"
			one "new-$cmd" "$NEW" "$db" "$@" >>"$WORK/times"
			if [ "$cmd" = ledger ] && [ $i -eq 0 ]; then
				cmp -s "$WORK/out.base-ledger" "$WORK/out.new-ledger" ||
					{ echo "bench_memory: ledger exports differ ($n)" >&2; exit 1; }
			fi
			if [ "$cmd" = verify ] && [ $i -eq 0 ]; then
				cmp -s "$WORK/out.base-verify" "$WORK/out.new-verify" ||
					{ echo "bench_memory: verify answers differ ($n)" >&2; exit 1; }
			fi
			i=$((i + 1))
		done
		rm -f "$WORK"/out.*
	done
	: >"$WORK/threads"
	i=0
	while [ "${BENCH_THREADS:-0}" = 1 ] && [ $i -lt $RUNS ]; do
		threads base-verify "$BASE" "$db" >>"$WORK/threads"
		threads new-verify "$NEW" "$db" >>"$WORK/threads"
		i=$((i + 1))
	done
	python3 - "$WORK/times" "$n" "$WORK/threads" $CMDS <<'PY'
import statistics, sys
rows = {}
longest = {}
for line in open(sys.argv[3]):
    label, cpu = line.split()
    longest.setdefault(label, []).append(float(cpu))
for line in open(sys.argv[1]):
    label, u, s, m, e = line.split()
    rows.setdefault(label, []).append((float(u) + float(s), int(m), float(e)))
n, cmds = int(sys.argv[2]), sys.argv[4:]
runs = len(rows["base-" + cmds[0]])
print(f"{n:,} events (median of {runs}; CPU = user+sys; shared machine)")
print(f"  {'command':8} {'base CPU':>9} {'new CPU':>9} {'ratio':>6}"
      f" {'base RSS':>10} {'new RSS':>10} {'ratio':>6} {'new ev/s CPU':>13}"
      f" {'base wall':>9} {'new wall':>9} {'ratio':>6} {'new ev/s wall':>13}")
for cmd in cmds:
    b, w = rows["base-" + cmd], rows["new-" + cmd]
    bc, wc = statistics.median(x[0] for x in b), statistics.median(x[0] for x in w)
    bm, wm = statistics.median(x[1] for x in b), statistics.median(x[1] for x in w)
    be, we = statistics.median(x[2] for x in b), statistics.median(x[2] for x in w)
    print(f"  {cmd:8} {bc:8.2f}s {wc:8.2f}s {wc / bc:5.2f}×"
          f" {bm / 1024:7.1f}MiB {wm / 1024:7.1f}MiB {wm / bm:5.2f}×"
          f" {n / wc:13,.0f}"
          f" {be:8.2f}s {we:8.2f}s {we / be:5.2f}× {n / we:13,.0f}")
for label in sorted(rows):
    print(f"  runs {label}: " + ", ".join(
        f"{c:.2f}s CPU {m / 1024:.1f}MiB {e:.2f}s wall" for c, m, e in rows[label]))
if longest:
    b = statistics.median(longest["base-verify"])
    w = statistics.median(longest["new-verify"])
    print(f"  verify's longest thread (CPU, median of {len(longest['new-verify'])}):"
          f" base {b:.2f}s, new {w:.2f}s, {w / b:.2f}×;"
          f" {n / w:,.0f} events/s at best on two idle cores")
    for label in sorted(longest):
        print(f"  runs {label} longest thread: "
              + ", ".join(f"{c:.2f}s" for c in longest[label]))
if "ledger" in cmds:
    print("  ledger export: same bytes from both binaries")
if "verify" in cmds:
    print("  verify: the same answer from both binaries")
PY
done
