#!/usr/bin/env python3
"""The ledger's assertions fire (tests/unit/assert_fires.c).

ML_VERIFY aborts in every build; ML_ASSERT aborts where it is on (Debug,
the sanitizer build) and is compiled out, its case running through, where
it is off (the default RelWithDebInfo build). The program's first line
says which, and each case is held to it.
"""
import signal
import subprocess
import sys

PROGRAM = sys.argv[1]


def run(case):
    p = subprocess.run([PROGRAM, case], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def main():
    failures = []
    rc, out, _ = run("none")
    on = out.startswith("ML_ASSERT is on")
    if rc != 0 or not (on or out.startswith("ML_ASSERT is off")):
        failures.append(f"none: exit {rc}, printed {out!r}")
    expect = {"verify": ("zero == 1", True),
              "assert": ("zero == 1", on),
              "append": ("ml_chunk_append", on)}
    for case, (where, aborts) in expect.items():
        rc, out, err = run(case)
        if aborts:
            if rc != -signal.SIGABRT or "assertion `" not in err \
                    or where not in err:
                failures.append(f"{case}: expected an abort naming "
                                f"{where!r}, got exit {rc}, {err!r}")
        elif rc != 0:
            failures.append(f"{case}: expected to run through, exit {rc}")
    for f in failures:
        print("FAIL", f)
    print(f"{4 - len(failures)} passed, {len(failures)} failed "
          f"(ML_ASSERT {'on' if on else 'off'})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
