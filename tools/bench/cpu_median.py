#!/usr/bin/env python3
"""cpu_median.py — two builds of one command, alternating run by run.

    tools/bench/cpu_median.py RUNS OLD NEW ARG...

Runs `OLD ARG...` and `NEW ARG...` (stdout to /dev/null) one after the
other RUNS times each, after three uncounted warm-up pairs, and prints
for each the median CPU time (user + system of the child, from wait4),
the median wall-clock time and the median minor faults, then the ratios
NEW / OLD. Alternating each run (not each batch of runs) and taking
medians is what keeps the ratio usable on a shared machine: whatever
else runs slows both builds alike. posix_spawn, so the child's faults and
CPU are its own, not a forked Python's. Exits 1 if a run fails.
CPU_MEDIAN_OLD_DB=DIR gives OLD its own ledger in place of the one after
--db (OLD of an older ledger format: NEW migrates what it opens, and an
older medel refuses a newer format).
Used by docs/performance.md's 2026-12-03 (h-tree) section.
"""
import os
import statistics
import sys
import time


def run(binary, args, devnull):
    start = time.perf_counter()
    pid = os.posix_spawn(binary, [binary] + args, os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
    _, status, usage = os.wait4(pid, 0)
    wall_ms = (time.perf_counter() - start) * 1e3
    if status != 0:
        sys.exit(f"cpu_median: {binary} {' '.join(args)} failed ({status})")
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1e3
    return cpu_ms, wall_ms, usage.ru_minflt


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: cpu_median.py RUNS OLD NEW ARG...")
    runs, builds, args = int(sys.argv[1]), sys.argv[2:4], sys.argv[4:]
    argv = {b: args for b in builds}
    old_db = os.environ.get("CPU_MEDIAN_OLD_DB")
    if old_db and "--db" in args:
        at = args.index("--db") + 1
        argv[builds[0]] = args[:at] + [old_db] + args[at + 1:]
    devnull = os.open(os.devnull, os.O_WRONLY)
    got = {b: ([], [], []) for b in builds}
    for i in range(runs + 3):
        for b in builds:
            figures = run(b, argv[b], devnull)
            for k in range(3):
                if i >= 3:
                    got[b][k].append(figures[k])
    med = {b: [statistics.median(v) for v in got[b]] for b in builds}
    for name, b in zip(("old", "new"), builds):
        cpu, wall, faults = med[b]
        print(f"{name} cpu {cpu:6.3f} ms  wall {wall:6.3f} ms  "
              f"faults {faults:.0f}  ({b})")
    old, new = med[builds[0]], med[builds[1]]
    print(f"new / old: cpu {new[0] / old[0]:.3f}  wall {new[1] / old[1]:.3f}")


main()
