"""GET /v1/export: the four formats streamed, fixed at the head the export
began with while writes go on, with the query's errors; and, when the
tools are installed, the journal read back by hledger and ledger and the
beancount file accepted by bean-check (tests/unit/test_export.c checks
every balance on every date; this checks the daemon serves the same)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import (  # noqa: E402
    MedeldTestCase, expenses, setup_ledger, while_writing)


def jsonl_events(body):
    return [json.loads(line) for line in body.decode("utf-8").splitlines()]


class Export(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld()
        self.head = setup_ledger(self.d)

    def export(self, query, status=200, **kw):
        a = self.d.get("/v1/export?" + query, **kw)
        self.assertAnswer(a, status)
        return a

    def test_jsonl_is_the_stored_events(self):
        a = self.export("format=jsonl")
        self.assertEqual(a.headers["Content-Type"], "application/x-ndjson")
        self.assertIn("medel.jsonl", a.headers["Content-Disposition"])
        events = self.d.get("/v1/events?limit=10000").body
        lines = a.body.decode("utf-8").splitlines()
        self.assertEqual(len(lines), self.head)
        # The same bytes as GET /v1/events, one event a line.
        self.assertEqual(events.decode("utf-8"),
                         '{"events":[' + ",".join(lines) +
                         '],"next_after":%d}' % self.head)

    def test_csv_for_swedish_excel(self):
        a = self.export("format=csv")
        self.assertEqual(a.headers["Content-Type"],
                         "text/csv; charset=utf-8")
        self.assertTrue(a.body.startswith(b"\xef\xbb\xbfseq;date;type;"))
        rows = a.body.decode("utf-8-sig").split("\r\n")
        self.assertEqual(rows[-1], "")
        self.assertEqual(len(rows) - 2, self.head)
        payout = [r for r in rows if ";payout;ph-2020;" in r][0]
        self.assertIn(";kammarkollegiet;malmo;;500000,00;", payout)
        self.assertIn("Malmö stad", a.body.decode("utf-8"))

    def test_grant_filter(self):
        a = self.export("format=jsonl&grant=ph-2019")
        evs = jsonl_events(a.body)
        self.assertEqual([e["grant"] for e in evs], ["ph-2019"])
        a = self.export("format=jsonl&grant=ph-2020")
        types = [e["type"] for e in jsonl_events(a.body)]
        self.assertIn("correction", types)  # of exp-2, in ph-2020
        self.assertNotIn("party", types)

    def test_query_errors(self):
        for query, status, code in [
                ("", 400, "bad_query"),
                ("format=xlsx", 400, "bad_query"),
                ("format=csv&as_of=2020-01-01", 400, "bad_query"),
                ("format=ledger&grant=nope", 404, "not_found"),
                ("format=ledger&grant=Not%20an%20id", 400, "bad_query")]:
            with self.subTest(query=query):
                a = self.d.get("/v1/export?" + query)
                self.assertAnswer(a, status, code)
                self.assertEqual(a.json()["error"]["code"], code)

    def test_export_while_writes_go_on(self):
        a = while_writing(self, self.d,
                          lambda: self.export("format=jsonl", timeout=120))
        evs = jsonl_events(a.body)
        n = len(evs)
        self.assertGreater(n, 15000)
        # Exactly the first n events, unbroken, ending at a real head.
        self.assertEqual([e["seq"] for e in evs], list(range(1, n + 1)))
        for prev, e in zip(evs, evs[1:]):
            self.assertEqual(e["prev_hash"], prev["hash"])
        src = self.d.get(f"/v1/events/{n}").json()
        self.assertEqual(evs[-1]["hash"], src["hash"])

    def test_journals_read_back(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        journal = os.path.join(tmp, "medel.journal")
        bean = os.path.join(tmp, "medel.beancount")
        a = self.export("format=ledger")
        self.assertEqual(a.headers["Content-Type"],
                         "text/plain; charset=utf-8")
        with open(journal, "wb") as f:
            f.write(a.body)
        with open(bean, "wb") as f:
            f.write(self.export("format=beancount").body)
        b = self.d.get("/v1/balances?as_of=2020-12-31&grant=ph-2020"
                       "&party=malmo-asn").json()["rows"][0]
        want = "%d.%02d SEK" % (b["held"] // 100, b["held"] % 100)
        acct = "medel:ph-2020:malmo-asn:held"
        for tool, cmd in [
                ("hledger", ["hledger", "-f", journal, "bal", "-e",
                             "2021-01-01", "--flat", acct]),
                ("ledger", ["ledger", "--init-file", "/dev/null", "-f",
                            journal, "bal", "-e", "2021-01-01", "--flat",
                            acct])]:
            if shutil.which(tool) is None:
                print(f"SKIP {tool}: not installed", file=sys.stderr)
                continue
            out = subprocess.run(cmd, capture_output=True, timeout=60,
                                 check=True).stdout.decode()
            self.assertIn(want, out, tool)
        if shutil.which("bean-check") is None:
            print("SKIP bean-check: not installed", file=sys.stderr)
        else:
            p = subprocess.run(["bean-check", bean], capture_output=True,
                               timeout=120)
            self.assertEqual((p.returncode, p.stdout, p.stderr),
                             (0, b"", b""))


if __name__ == "__main__":
    unittest.main()
