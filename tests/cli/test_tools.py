"""`medel export` read back by the real tools equals `medel balance`.

The worked examples are exported as a journal; `hledger bal -e D+1` and
`ledger bal -e D+1` (their end dates are exclusive) must report exactly
the non-zero figures `medel --csv balance --as-of D` reports, account
by account (medel:GRANT:PARTY:FIGURE), at dates across the examples'
life. bean-check must accept the beancount export. A tool that is not
installed skips its part (tools/bootstrap installs them); the ledger's
own unit test (test_export.c) checks every date and bean-query too.
"""
import csv
import datetime
import io
import os
import shutil
import subprocess
import unittest

from clitest import load_examples, medel, tmpdir

DATES = ["2012-12-31", "2013-02-26", "2013-12-31", "2014-01-31",
         "2014-04-15", "2014-12-31", "2020-11-20", "2020-12-31",
         "2021-03-16", "2021-04-01"]
FIGURES = ["allocated", "allocated_out", "unallocated", "claimed",
           "received", "paid_out", "spent", "repaid", "returned",
           "carried_in", "carried_out", "held"]


def ore(text):
    """'9995307,50' or '9995307.50 SEK' or '9995307.5' → öre."""
    t = text.replace("SEK", "").strip().replace(",", ".")
    if "." not in t:
        return int(t) * 100
    kr, frac = t.split(".")
    sign = -1 if kr.startswith("-") else 1
    return int(kr) * 100 + sign * int((frac + "00")[:2])


def next_day(d):
    return (datetime.date.fromisoformat(d) +
            datetime.timedelta(days=1)).isoformat()


class Tools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = __import__("tempfile").mkdtemp(prefix="medel-tools-")
        cls.db = os.path.join(cls.root, "db")
        load_examples(cls.db)
        cls.journal = os.path.join(cls.root, "medel.journal")
        r = medel("--db", cls.db, "export", "--format", "ledger")
        assert r.rc == 0, r
        with open(cls.journal, "wb") as f:
            f.write(r.out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, True)

    def medel_balances(self, d):
        r = medel("--db", self.db, "--csv", "balance", "--as-of", d)
        self.assertEqual(r.rc, 0, r)
        rows = csv.DictReader(io.StringIO(r.out[3:].decode()),
                              delimiter=";")
        got = {}
        for row in rows:
            for f in FIGURES:
                v = ore(row[f])
                if v:
                    got[f"medel:{row['grant']}:{row['party']}:{f}"] = v
        return got

    def check_tool(self, name, argv_for, parse):
        if shutil.which(name) is None:
            self.skipTest(f"{name} is not installed")
        for d in DATES:
            out = subprocess.run(argv_for(next_day(d)), capture_output=True,
                                 check=True).stdout.decode()
            with self.subTest(tool=name, as_of=d):
                self.assertEqual(parse(out), self.medel_balances(d))

    def test_hledger(self):
        def parse(out):
            rows = csv.reader(io.StringIO(out))
            next(rows)
            return {a: ore(b) for a, b in rows if ore(b)}
        self.check_tool("hledger", lambda e: [
            "hledger", "-f", self.journal, "bal", "-e", e, "-O", "csv",
            "--no-total", "^medel:"], parse)

    def test_ledger(self):
        def parse(out):
            got = {}
            for line in out.splitlines():
                acct, amount = line.split("\t")
                if ore(amount):
                    got[acct] = ore(amount)
            return got
        self.check_tool("ledger", lambda e: [
            "ledger", "-f", self.journal, "bal", "-e", e, "--flat",
            "--no-total", "--balance-format",
            "%(account)\t%(quantity(scrub(display_total)))\n", "^medel:"],
            parse)

    def test_bean_check(self):
        if shutil.which("bean-check") is None:
            self.skipTest("bean-check is not installed")
        path = os.path.join(tmpdir(self), "medel.beancount")
        r = medel("--db", self.db, "export", "--format", "beancount")
        with open(path, "wb") as f:
            f.write(r.out)
        p = subprocess.run(["bean-check", path], capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr[:2000])


if __name__ == "__main__":
    unittest.main()
