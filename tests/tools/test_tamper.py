#!/usr/bin/env python3
"""The tamper test (issue 14): a stopped ledger of the worked examples
(docs/examples/*.jsonl) has one byte of data.mdb flipped at a time — every
byte, or 20 000 positions spread evenly over the file when it is larger —
and every copy must be refused when opened, or fail `verify` naming what
differs, or give byte-identical answers to every question the tamper
driver asks (tests/tools/tamper.c: the log, each event, parties, grants,
balances as of dates and as known at times, traces, repayments,
deadlines). The chain of the original is checked independently in Python
(check_chain.py); a copy whose log answer is byte-identical has the same
chain. Target: no copy UNDETECTED, none hanging; copies on which LMDB
itself crashes (SIGSEGV on a damaged node offset: no answer at all) are
counted and listed by the driver.

The driver's own teeth: with --no-verify a few hundred copies must show
answer-changing flips, so the comparison sees what verify has to catch.

Environment: MEDEL, TAMPER (the binaries), MEDEL_SOURCE_DIR;
TAMPER_SAMPLE (default 20000) and TAMPER_JOBS (default 2)."""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("MEDEL_SOURCE_DIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))
MEDEL = os.environ.get("MEDEL", "medel")
TAMPER = os.environ.get("TAMPER", "tamper")
EXAMPLES = sorted(glob.glob(os.path.join(SOURCE, "docs", "examples",
                                         "*.jsonl")))
SAMPLE = os.environ.get("TAMPER_SAMPLE", "20000")
JOBS = os.environ.get("TAMPER_JOBS", "2")


def counts(out):
    m = re.search(r"copies of (\d+) positions: (.*)", out)
    assert m, out
    c = {k: int(v) for v, k in
         (x.strip().split(" ")[::-1] for x in m.group(2).split(","))}
    c["positions"] = int(m.group(1))
    return c


class Tamper(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="medel-tamper-")
        cls.db = os.path.join(cls.tmp, "ledger")
        r = subprocess.run([MEDEL, "--db", cls.db, "append", *EXAMPLES],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def run_tamper(self, *args):
        r = subprocess.run([TAMPER, self.db, "--jobs", JOBS, *args],
                           capture_output=True, text=True, timeout=1800)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        return r

    def test_chain_in_python(self):
        log = os.path.join(self.tmp, "log.jsonl")
        with open(log, "wb") as f:
            r = subprocess.run([MEDEL, "--db", self.db, "export"],
                               stdout=f)
        self.assertEqual(r.returncode, 0)
        r = subprocess.run([sys.executable, os.path.join(
            SOURCE, "tests", "tools", "check_chain.py"), log],
            capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("chain ok", r.stdout)

    def test_teeth_without_verify(self):
        r = self.run_tamper("--sample", "300", "--no-verify")
        c = counts(r.stdout)
        self.assertGreater(c["UNDETECTED"], 0,
                           "flips that change answers were not seen")
        self.assertNotEqual(r.returncode, 0)

    def test_every_flip_caught_or_harmless(self):
        r = self.run_tamper("--sample", SAMPLE)
        c = counts(r.stdout)
        size = os.path.getsize(os.path.join(self.db, "data.mdb"))
        self.assertEqual(c["positions"], min(size, int(SAMPLE)))
        self.assertEqual(c["UNDETECTED"], 0, r.stdout)
        self.assertEqual(c["HANG"], 0, r.stdout)
        # A crash (LMDB reading a damaged node offset) gives no answer;
        # counted and listed, see docs/reliability.md.
        self.assertGreater(c["verify"], 0)
        self.assertGreater(c["same"], 0)
        self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
