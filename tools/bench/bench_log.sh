#!/bin/sh
# bench_log.sh — `medel log` filtered by a name, as a whole process, on a
# generated ledger: the cost of a filter must be what it finds, not the
# length of the log (the log's index, docs/architecture.md).
#
#   tools/bench/bench_log.sh [BUILD_DIR] [EVENTS] [DB]
#                            (defaults: build, 1000000, a new ledger)
#
# DB: a ledger made before (bench_gen_ledger EVENTS appended by `medel
# append`, e.g. the 10 000 000-event one in docs/performance.md), used as
# it is instead of generating one.
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
#
# Then the whole log, in the same run, against `export --format jsonl`
# (the target: every form of `medel log` at ≥ 0.9 of its rate), each
# written to /dev/null, hyperfine --runs 3:
#   export     medel export --format jsonl      the baseline
#   table      medel log                        (LC_ALL=C.UTF-8)
#   csv        medel --csv log
#   json       medel --json log --limit 10000 --after K, for 20 pages
#              spread over the log (the API's page is --json's unit):
#              its rate counts 200 000 events over the 20 processes
# and prints events per second and the ratio to export's, by wall clock
# and by CPU time (user + system: what a busy machine disturbs least).
#
# Last, `--json log` alone by CPU time, alternating (on a shared machine
# the load changes between hyperfine's blocks of runs): the whole log as
# --json pages, `--json log --limit 10000 --after K` for K = 0, 10 000,
# … (EVENTS / 10 000 processes, as many events as export writes), RUNS
# rounds (default 5) of export once, the pages once (and the pages with
# OLD_MEDEL, a build to compare, when given); the CPU seconds of each
# from /usr/bin/time (user + system, children included); prints each
# one's median rate and its ratio to export's median. With PART=json
# only this part runs (no hyperfine needed).
#
# PART=start runs only this: one process's start, which each --json page
# pays, by CPU time (user + system from wait4, the process spawned with
# posix_spawn; no hyperfine, no shell), START_RUNS (default 300) times
# each, alternating: `medel --version`, `--json log --limit 1 --after
# 5000` (start, open, one event) and `--json log --limit 10000 --after
# EVENTS/2` (a full page), with OLD_MEDEL beside each when given; prints
# the medians in ms and new ÷ old.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
EVENTS=${2:-1000000}
MEDEL=$BUILD/cli/medel
GEN=$BUILD/tools/bench/bench_gen_ledger
WORK=$(mktemp -d "${TMPDIR:-/tmp}/medel-logbench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

PART=${PART:-all}
RUNS=${RUNS:-5}
OLD_MEDEL=${OLD_MEDEL:-}
[ "$PART" = json ] || [ "$PART" = start ] || command -v hyperfine >/dev/null ||
	{ echo "bench_log: hyperfine is missing: tools/bootstrap --bench" >&2; exit 1; }
[ -x "$MEDEL" ] && [ -x "$GEN" ] ||
	{ echo "bench_log: build $MEDEL and $GEN first" >&2; exit 1; }
DB=${3:-$WORK/db}
if [ -z "${3:-}" ]; then
	mkdir -p "$WORK/batches"
	echo "== generating and appending $EVENTS events" >&2
	"$GEN" "$EVENTS" >"$WORK/events.jsonl"
	split -l 10000 -d -a 4 --additional-suffix=.jsonl \
		"$WORK/events.jsonl" "$WORK/batches/b"
	"$MEDEL" --db "$DB" append "$WORK"/batches/*.jsonl >/dev/null
	rm -rf "$WORK/batches" "$WORK/events.jsonl"
fi
M="$MEDEL --db $DB"
if [ "$PART" = start ]; then
python3 - "$MEDEL" "$OLD_MEDEL" "$DB" "$EVENTS" "${START_RUNS:-300}" <<'PY'
import os, statistics, sys
new, old, db, events, runs = sys.argv[1:4] + [int(x) for x in sys.argv[4:]]
cases = [("--version", ["--version"]),
         ("log --limit 1", ["--db", db, "--json", "log", "--limit", "1",
                            "--after", "5000"]),
         ("log, a page", ["--db", db, "--json", "log", "--limit", "10000",
                          "--after", str(events // 2)])]
null = os.open(os.devnull, os.O_WRONLY)
def cpu_ms(argv):
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
    _, status, ru = os.wait4(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, argv
    return (ru.ru_utime + ru.ru_stime) * 1000
bins = [b for b in (new, old) if b]
print(f"one process, CPU ms (user + system), median of {runs} alternating"
      f" runs; machine load {os.getloadavg()[0]:.1f}")
for name, args in cases:
    n = runs if name != "log, a page" else max(runs // 5, 3)
    t = {b: [] for b in bins}
    for _ in range(n):
        for b in bins:
            t[b].append(cpu_ms([b] + args))
    med = {b: statistics.median(t[b]) for b in bins}
    line = f"  {name:14} new {med[new]:6.3f}"
    if old:
        line += f"   old {med[old]:6.3f}   new ÷ old {med[new] / med[old]:4.2f}"
    print(line)
PY
exit 0
fi
if [ "$PART" != json ]; then
echo "m17 has $("$MEDEL" --db "$DB" --csv log --party m17 --limit 100 |
	wc -l) lines in its first page" >&2

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
fi # PART != json

# --- the whole log against export --format jsonl --------------------------
HEAD=$("$MEDEL" --db "$DB" --csv log --after $((EVENTS - 1)) | tail -1 |
	cut -d';' -f1)
[ "$HEAD" = "$EVENTS" ] ||
	{ echo "bench_log: $DB does not end at seq $EVENTS" >&2; exit 1; }
PAGES=20
# json-pages.sh [MEDEL]: the pages, each its own process.
cat >"$WORK/json-pages.sh" <<EOF
#!/bin/sh
m=\${1:-$MEDEL}
i=0
while [ \$i -lt $PAGES ]; do
	\$m --db $DB --json log --limit 10000 \\
		--after \$(( (i * ($EVENTS - 10000)) / $PAGES ))
	i=\$((i + 1))
done
EOF
chmod +x "$WORK/json-pages.sh"
if [ "$PART" != json ]; then
LC_ALL=C.UTF-8 hyperfine -N --warmup 1 --runs 3 --output null \
	--export-json "$WORK/whole.json" \
	-n export "$M export --format jsonl" \
	-n table "$M log" \
	-n csv "$M --csv log" \
	-n json "$WORK/json-pages.sh" >&2

python3 - "$WORK/whole.json" "$EVENTS" "$PAGES" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
events, pages = int(sys.argv[2]), int(sys.argv[3])
count = {"export": events, "table": events, "csv": events,
         "json": pages * 10000}
rate = {k: count[k] / r[k]["mean"] for k in count}
# CPU seconds (user + system) as well: on a shared machine the wall
# clock carries the load of the moment, the CPU time much less of it.
cpu = {k: count[k] / (r[k]["user"] + r[k]["system"]) for k in count}
print(f"the whole log of {events:,} events (hyperfine, 3 runs, mean ± sd;"
      f" rate ÷ export's, by wall clock and by CPU time)")
for name in ("export", "table", "csv", "json"):
    x = r[name]
    print(f"  {name:7} {x['mean']:8.2f} s ± {x['stddev']:5.2f}"
          f"   {rate[name]:12,.0f} ev/s   {rate[name] / rate['export']:5.2f}"
          f"   cpu {x['user'] + x['system']:7.2f} s"
          f"   {cpu[name]:12,.0f} ev/s   {cpu[name] / cpu['export']:5.2f}")
PY
fi # PART != json

# --- --json log by CPU time, alternating ---------------------------------
# json-all.sh [MEDEL]: the whole log, page by page, a process a page.
cat >"$WORK/json-all.sh" <<EOF
#!/bin/sh
m=\${1:-$MEDEL}
after=0
while [ \$after -lt $EVENTS ]; do
	\$m --db $DB --json log --limit 10000 --after \$after
	after=\$((after + 10000))
done
EOF
chmod +x "$WORK/json-all.sh"
: >"$WORK/cpu"
"$WORK/json-all.sh" >/dev/null # the map's pages in the cache once
r=0
while [ $r -lt "$RUNS" ]; do
	/usr/bin/time -f "export %U %S" -a -o "$WORK/cpu" \
		$M export --format jsonl >/dev/null
	/usr/bin/time -f "json %U %S" -a -o "$WORK/cpu" \
		"$WORK/json-all.sh" >/dev/null
	[ -z "$OLD_MEDEL" ] || /usr/bin/time -f "json-old %U %S" -a \
		-o "$WORK/cpu" "$WORK/json-all.sh" "$OLD_MEDEL" >/dev/null
	r=$((r + 1))
done
python3 - "$WORK/cpu" "$EVENTS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, user, system = line.split()
    runs.setdefault(name, []).append(float(user) + float(system))
events = int(sys.argv[2])
count = {"export": events, "json": events, "json-old": events}
base = events / statistics.median(runs["export"])
print(f"the whole log of {events:,} events as --json pages of 10 000 (a"
      f" process each) against export --format jsonl: CPU s (user +"
      f" system), {len(runs['export'])} alternating rounds, median;"
      f" rate ÷ export's")
for name in ("export", "json", "json-old"):
    if name not in runs:
        continue
    med = statistics.median(runs[name])
    rate = count[name] / med
    print(f"  {name:8} {med:7.3f} s   {rate:12,.0f} ev/s   {rate / base:5.2f}"
          f"   rounds {' '.join(f'{x:.3f}' for x in runs[name])}")
PY
