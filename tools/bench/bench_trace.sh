#!/bin/sh
# bench_trace.sh — `medel trace` of a grant with EXPENSES expenses (default
# 1 000 000) over 100 parties and 8 activities as a whole process, warm and
# from a cold page cache, beside `medel balance` in the same run, and
# beside a baseline build when one is given.
#
#   tools/bench/bench_trace.sh [BUILD_DIR] [EXPENSES] [BASE_BUILD_DIR]
#       (defaults: build, 1000000, none)
#
# Steps:
#   1. bench_trace builds the ledger (tools/bench/bench_trace.c) and prints,
#      in-process and in one read snapshot, the trace against the walk over
#      the grant's expenses that the trace's activities were before format
#      4 (the old code path), known-at, and a balance. BENCH_TRACE_DB=DIR
#      reuses a ledger it built before (DIR/data.mdb) and skips this step;
#      BENCH_TRACE_KNOWN=TIME then gives the known-at time (else that row
#      is left out). A baseline of an older ledger format reads its own
#      copy, BENCH_TRACE_BASE_DB=DIR (default: the same ledger): the build
#      migrates the ledger it opens, and an older medel refuses a newer
#      format;
#   2. warm, CPU time (user + system, `perf stat -r $RUNS`, default 20)
#      and page faults of `medel trace g` at an early, a middle and a late
#      date and today, the tree and the JSON answer it is drawn from
#      (the tree's own cost is the difference), known at the time of the
#      middle event, and `medel balance` of one party; with a baseline,
#      base and build alternate, three rounds, and the median round is
#      printed with the ratios build ÷ base and ÷ the same build's
#      balance. The machine may be
#      shared: CPU time, not wall-clock, and ratios from the same run;
#      The row trace-2022-06-01-off is the build with its prefetch off
#      (MEDEL_TRACE_PREFETCH=0; ml_prefetch.h), which the base ignores:
#      warm, the prefetch's probe is all it costs;
#   3. with hyperfine, wall-clock of the same commands (`hyperfine -N
#      --warmup 3 --runs $HRUNS`, default 40; base and build in one
#      hyperfine, three rounds), the median round's means;
#   4. with a baseline, tools/bench/trace_same.sh: the same bytes from both
#      builds, every format, at the dates above;
#   5. when /proc/sys/vm/drop_caches is writable (root): `/bin/true` (the
#      floor: what a process costs whose program is cached), `medel
#      balance` and `medel trace g`, each run after `sync; echo 3 >
#      /proc/sys/vm/drop_caches`, $COLD_RUNS runs each (default 7,
#      alternating), the median and range of the wall-clock time
#      (date +%s%N around /usr/bin/time) and the major faults; the build's
#      trace with its prefetch (the default), off, and with 32 walkers
#      (MEDEL_TRACE_PREFETCH=32). Dropping the page cache slows
#      everything else on the machine for a while: COLD_RUNS=0 skips it
#      (a shared machine).
# The tables are written to tools/bench/out/bench_trace.md.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EXPENSES=${2:-1000000}
BASE=${3:-}
RUNS=${RUNS:-20}
HRUNS=${HRUNS:-40}
COLD_RUNS=${COLD_RUNS:-7}
MEDEL=$BUILD/cli/medel
BENCH=$BUILD/tools/bench/bench_trace
OUT=tools/bench/out
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-tracebench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

command -v perf >/dev/null ||
	{ echo "bench_trace: perf is missing (linux-perf)" >&2; exit 1; }
[ -x "$MEDEL" ] && [ -x "$BENCH" ] ||
	{ echo "bench_trace: build $MEDEL and $BENCH first" >&2; exit 1; }
[ -z "$BASE" ] || [ -x "$BASE/cli/medel" ] ||
	{ echo "bench_trace: no $BASE/cli/medel" >&2; exit 1; }
mkdir -p "$OUT"

KNOWN=${BENCH_TRACE_KNOWN:-}
if [ -n "${BENCH_TRACE_DB:-}" ] && [ -f "$BENCH_TRACE_DB/data.mdb" ]; then
	DB=$BENCH_TRACE_DB
	echo "== reusing the ledger in $DB" >&2
	: >"$WORK/inproc.txt"
else
	DB=$WORK/db
	echo "== building the ledger and timing in-process" >&2
	"$BENCH" "$DB" "$EXPENSES" 20 | tee "$WORK/inproc.txt"
	KNOWN=$(sed -n 's/^for bench_trace.sh: known_at=//p' "$WORK/inproc.txt")
fi

BDB=${BENCH_TRACE_BASE_DB:-$DB} # the baseline's ledger

# The commands: a name (no spaces) and medel's arguments after --db DB.
cmds() {
	echo "balance balance --party m17 --as-of 2022-06-01"
	echo "trace-2021-03-01 trace g --as-of 2021-03-01"
	echo "trace-2022-06-01 trace g --as-of 2022-06-01"
	echo "trace-2022-06-01-off trace g --as-of 2022-06-01"
	echo "trace-today trace g"
	echo "trace-json-2021-03-01 trace g --as-of 2021-03-01 --format json"
	echo "trace-json trace g --as-of 2022-06-01 --format json"
	echo "trace-json-today trace g --format json"
	[ -z "$KNOWN" ] ||
		echo "trace-known-at trace g --as-of 2022-06-01 --known-at $KNOWN"
}

# prefetch NAME: MEDEL_TRACE_PREFETCH for the command named NAME.
prefetch() {
	case "$1" in
	*-off) echo 0 ;;
	*-32) echo 32 ;;
	*) echo default ;; # not a number: medel's default
	esac
}

# cpu_stat NAME MEDEL DB ARGS…: "cpu_ms faults", the means of $RUNS runs.
cpu_stat() {
	MEDEL_TRACE_PREFETCH=$(prefetch "$1")
	export MEDEL_TRACE_PREFETCH
	m=$2
	d=$3
	shift 3
	perf stat -x, -r "$RUNS" -e task-clock,page-faults \
		"$m" --db "$d" "$@" 2>"$WORK/stat" >/dev/null </dev/null
	awk -F, '$3 ~ /task-clock/ {c = $1} $3 ~ /page-faults/ {f = $1}
		END {printf "%.2f %d\n", c, f}' "$WORK/stat"
}

echo "== whole process, warm (perf stat -r $RUNS, CPU ms)" >&2
ROUNDS=3
[ -n "$BASE" ] || ROUNDS=1
: >"$WORK/warm.txt"
for r in $(seq "$ROUNDS"); do
	cmds | while read -r name args; do
		# shellcheck disable=SC2086
		[ -z "$BASE" ] || echo "$r base $name $(cpu_stat "$name" "$BASE/cli/medel" "$BDB" $args)"
		# shellcheck disable=SC2086
		echo "$r build $name $(cpu_stat "$name" "$MEDEL" "$DB" $args)"
	done >>"$WORK/warm.txt"
done
# The median round of each (build, command) by CPU, and the ratios.
awk -v base="$BASE" '
	{ k = $2 " " $3; n[k]++; cpu[k, n[k]] = $4; flt[k, n[k]] = $5
	  if (!($3 in seen)) { seen[$3] = 1; order[++cmds] = $3 } }
	function med(k,   i, j, t, m, a) {
		m = n[k]
		for (i = 1; i <= m; i++) a[i] = cpu[k, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((m + 1) / 2)]
	}
	function fl(k,   i) { return flt[k, 1] }
	END {
		if (base != "") {
			print "| command | base CPU ms | build CPU ms | build ÷ base | base faults | build faults | build ÷ balance |"
			print "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
		} else {
			print "| command | CPU ms | faults | ÷ balance |"
			print "| --- | ---: | ---: | ---: |"
		}
		bb = med("build balance")
		for (c = 1; c <= cmds; c++) {
			name = order[c]; b = med("build " name)
			if (base != "") {
				o = med("base " name)
				printf "| %s | %.2f | %.2f | %.2f | %d | %d | %.2f |\n",
				    name, o, b, b / o, fl("base " name),
				    fl("build " name), b / bb
			} else {
				printf "| %s | %.2f | %d | %.2f |\n", name, b,
				    fl("build " name), b / bb
			}
		}
	}' "$WORK/warm.txt" | tee "$WORK/warm.md"

: >"$WORK/wall.md"
if command -v hyperfine >/dev/null; then
	echo "== whole process, warm, wall-clock (hyperfine, $HRUNS runs)" >&2
	: >"$WORK/wall.txt"
	for r in $(seq "$ROUNDS"); do
		cmds | grep -v -e -off -e known-at | while read -r name args; do
			set -- "$MEDEL --db $DB $args"
			[ -z "$BASE" ] || set -- "$BASE/cli/medel --db $BDB $args" "$@"
			hyperfine -N -w 3 -r "$HRUNS" --export-csv "$WORK/h.csv" \
				"$@" >/dev/null 2>&1
			# command,mean,stddev,median,user,system,min,max (s)
			awk -F, -v r="$r" -v n="$name" -v b="$BASE" 'NR > 1 {
				tag = (b != "" && NR == 2) ? "base" : "build"
				printf "%s %s %s %.2f %.2f %.2f %.2f\n", r, tag, n,
				    $2 * 1000, $3 * 1000, $5 * 1000, $6 * 1000
			}' "$WORK/h.csv"
		done >>"$WORK/wall.txt"
	done
	# The median round by mean, per (build, command), and build ÷ base.
	awk -v base="$BASE" '
		{ k = $2 " " $3; n[k]++; m[k, n[k]] = $4; line[k, n[k]] = $0
		  if (!($3 in seen)) { seen[$3] = 1; order[++cmds] = $3 } }
		function med(k,   i, j, t, c, a, x) {
			c = n[k]
			for (i = 1; i <= c; i++) { a[i] = m[k, i]; x[i] = i }
			for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t
					t = x[i]; x[i] = x[j]; x[j] = t }
			return line[k, x[int((c + 1) / 2)]]
		}
		END {
			print "| command | build | mean ms | ± ms | user ms | system ms |"
			print "| --- | --- | ---: | ---: | ---: | ---: |"
			for (c = 1; c <= cmds; c++) {
				split("base build", tags, " ")
				for (t = 1; t <= 2; t++) {
					k = tags[t] " " order[c]
					if (!(k in n)) continue
					split(med(k), f, " ")
					printf "| %s | %s | %.2f | %.2f | %.2f | %.2f |\n",
					    order[c], tags[t], f[4], f[5], f[6], f[7]
				}
			}
		}' "$WORK/wall.txt" | tee "$WORK/wall.md"
fi

: >"$WORK/same.txt"
if [ -n "$BASE" ]; then
	echo "== the same bytes from both builds" >&2
	DATES="today 2021-03-01 2022-06-01 2030-01-01" \
		TRACE_SAME_OLD_DB=$BDB \
		tools/bench/trace_same.sh "$BASE/cli/medel" "$MEDEL" "$DB" g |
		tee "$WORK/same.txt"
	echo "== the same, the build's prefetch forced (16 walkers)" >&2
	MEDEL_TRACE_PREFETCH=16 DATES="today 2021-03-01 2022-06-01 2030-01-01" \
		TRACE_SAME_OLD_DB=$BDB \
		tools/bench/trace_same.sh "$BASE/cli/medel" "$MEDEL" "$DB" g |
		tee -a "$WORK/same.txt"
fi

: >"$WORK/cold.md"
if [ "$COLD_RUNS" -gt 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
	echo "== whole process, cold page cache ($COLD_RUNS runs each)" >&2
	# cold NAME COMMAND…: "NAME ms major_faults", after dropping the
	# page cache; NAME chooses MEDEL_TRACE_PREFETCH (prefetch above).
	cold() {
		n=$1
		shift
		sync
		echo 3 >/proc/sys/vm/drop_caches
		t0=$(date +%s%N)
		MEDEL_TRACE_PREFETCH=$(prefetch "$n") /usr/bin/time -f "%F" \
			-o "$WORK/majflt" "$@" >/dev/null
		t1=$(date +%s%N)
		echo "$n $(((t1 - t0) / 1000)) $(tail -n 1 "$WORK/majflt")" \
			>>"$WORK/cold.txt"
	}
	: >"$WORK/cold.txt"
	trace="trace g --as-of 2022-06-01"
	for r in $(seq "$COLD_RUNS"); do
		cold true /bin/true
		for m in $BASE $BUILD; do
			tag=build d=$DB
			[ "$m" = "$BASE" ] && tag=base d=$BDB
			cold "$tag-balance" "$m/cli/medel" --db "$d" balance \
				--party m17 --as-of 2022-06-01
			# shellcheck disable=SC2086
			cold "$tag-trace" "$m/cli/medel" --db "$d" $trace
			[ "$tag" = build ] || continue
			# shellcheck disable=SC2086
			cold "$tag-trace-off" "$m/cli/medel" --db "$DB" $trace
			# shellcheck disable=SC2086
			cold "$tag-trace-32" "$m/cli/medel" --db "$DB" $trace
			# shellcheck disable=SC2086
			cold "$tag-trace-json" "$m/cli/medel" --db "$DB" $trace \
				--format json
		done
	done
	{
		echo "| cold | median ms | range ms | major faults |"
		echo "| --- | ---: | --- | ---: |"
		awk '{ n[$1]++; t[$1, n[$1]] = $2 / 1000; f[$1] = $3 }
		END {
			for (k in n) {
				m = n[k]
				for (i = 1; i <= m; i++) a[i] = t[k, i]
				for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++)
					if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
				printf "| %s | %.1f | %.1f–%.1f | %d |\n", k,
				    a[int((m + 1) / 2)], a[1], a[m], f[k]
			}
		}' "$WORK/cold.txt" | sort
	} | tee "$WORK/cold.md"
else
	echo "bench_trace: not root or COLD_RUNS=0, no cold-cache runs" >&2
fi
cat "$WORK/inproc.txt" "$WORK/warm.md" "$WORK/wall.md" "$WORK/same.txt" \
	"$WORK/cold.md" \
	>"$OUT/bench_trace.md"
echo "== written to $OUT/bench_trace.md" >&2
