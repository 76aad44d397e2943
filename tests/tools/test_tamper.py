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
chain. Target: no copy UNDETECTED, none hanging, none crashing. A copy
on which LMDB itself crashes while the ledger opens or verify reads
(SIGSEGV or SIGBUS on a damaged node offset, SIGABRT on LMDB's own page
assertion) is caught by the handler `medel verify` installs, which names
the table read (cli/mc_guard.c; the driver installs the same one) and
counts as refused or verify; a crash anywhere else — above all while
answering after verify said ok — is a CRASH and fails the test.

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
    m = re.search(r"(\d+) of them caught by the damage guard", out)
    assert m, out
    c["caught"] = int(m.group(1))
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
        # LMDB reading a damaged node offset is named by the damage
        # guard (counted as refused or verify); anything else is a crash.
        self.assertEqual(c["CRASH"], 0, r.stdout)
        if int(SAMPLE) >= 20000:
            # ~84 of the 20 000 copies: the guard is what names them.
            self.assertGreater(c["caught"], 0, r.stdout)
        self.assertGreater(c["verify"], 0)
        self.assertGreater(c["same"], 0)
        self.assertEqual(r.returncode, 0, r.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
