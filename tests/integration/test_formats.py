"""The formats of an answer, served by the API layer (issue 11): GET
/v1/trace?format=svg and format=csv, /v1/balances?format=csv in sv and
en words, over medeld's Unix socket; the bytes `medel --db … --csv
balance` prints are the API's own; a format a route does not take is
400 bad_query naming the ones it does; JSON is unchanged by it all."""
import os
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MEDELD, MedeldTestCase, setup_ledger  # noqa: E402

BOM = b"\xef\xbb\xbf"
CSV_TYPE = "text/csv; charset=utf-8"
# medel, built beside medeld (CMake passes $MEDEL; the fallback is the
# build tree's layout).
MEDEL = os.environ.get("MEDEL") or os.path.join(
    os.path.dirname(os.path.dirname(MEDELD)), "cli", "medel")


def csv_rows(body):
    return body[len(BOM):].split(b"\r\n")


class Formats(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld()
        setup_ledger(self.d)

    def get(self, path, status=200, code=None):
        a = self.d.get(path)
        self.assertAnswer(a, status, code)
        return a

    def test_trace_svg(self):
        a = self.get("/v1/trace?grant=ph-2020&format=svg")
        self.assertEqual(a.headers["Content-Type"], "image/svg+xml")
        root = ET.fromstring(a.body)
        self.assertTrue(root.tag.endswith("svg"))
        self.assertIn(b"Vart pengarna gick", a.body)  # sv, the default
        en = self.get("/v1/trace?grant=ph-2020&format=svg&lang=en")
        # the grant and the parties by their names (ma_names.h)
        self.assertIn("Where the money went: Psykisk hälsa 2020".encode(),
                      en.body)
        self.assertIn("Malmö stad".encode(), en.body)
        ET.fromstring(en.body)

    def test_trace_csv(self):
        a = self.get("/v1/trace?grant=ph-2020&format=csv&lang=en")
        self.assertEqual(a.headers["Content-Type"], CSV_TYPE)
        rows = csv_rows(a.body)
        self.assertTrue(a.body.startswith(BOM))
        self.assertEqual(rows[0], b"grant;from;to;kind;activity;unit;amount")
        self.assertTrue(any(b";payout;" in r for r in rows), rows)

    def test_balances_csv(self):
        sv = self.get("/v1/balances?format=csv&lang=sv")
        en = self.get("/v1/balances?format=csv&lang=en")
        for a in (sv, en):
            self.assertEqual(a.headers["Content-Type"], CSV_TYPE)
            self.assertTrue(a.body.startswith(BOM), a.body[:8])
            self.assertIn(b";", csv_rows(a.body)[0])
            self.assertEqual(csv_rows(a.body)[-1], b"")  # CRLF after all
        self.assertTrue(csv_rows(en.body)[0].startswith(b"grant;party;"))
        self.assertTrue(
            csv_rows(sv.body)[0].startswith("bidrag;part;".encode()))
        # the header row is in the words of lang; the figures are not
        self.assertNotEqual(csv_rows(sv.body)[0], csv_rows(en.body)[0])
        self.assertEqual(csv_rows(sv.body)[1:], csv_rows(en.body)[1:])
        self.assertGreater(len(csv_rows(en.body)), 2)
        # sv is the default (API.md)
        self.assertEqual(self.get("/v1/balances?format=csv").body, sv.body)

    def test_medel_prints_the_api_bytes(self):
        api = self.get("/v1/balances?format=csv&lang=en&as_of=2020-12-31")
        sv = self.get("/v1/balances?format=csv&lang=sv&as_of=2020-12-31")
        self.assertEqual(self.d.stop(), 0)  # medel --db needs the lock
        for lang, want in ((None, api), ("en", api), ("sv", sv)):
            args = [MEDEL, "--db", self.d.data, "--csv", "balance",
                    "--as-of", "2020-12-31"]
            if lang:
                args[1:1] = ["--lang", lang]
            with self.subTest(lang=lang):
                p = subprocess.run(args, capture_output=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(p.stdout, want.body)

    def test_json_is_unchanged(self):
        plain = self.get("/v1/balances")
        asked = self.get("/v1/balances?format=json&lang=en")
        self.assertEqual(plain.headers["Content-Type"], "application/json")
        self.assertEqual(asked.headers["Content-Type"], "application/json")
        self.assertEqual(plain.body, asked.body)

    def test_a_format_the_route_does_not_take(self):
        for path, allowed in [
                ("/v1/balances?format=svg", "json or csv"),
                ("/v1/deadlines?format=jsonl", "json or csv"),
                ("/v1/trace?grant=ph-2020&format=ledger", "json, csv or svg"),
                ("/v1/export?format=svg", "jsonl, csv, ledger or beancount")]:
            with self.subTest(path=path):
                a = self.get(path, 400, "bad_query")
                err = a.json()["error"]
                self.assertEqual(err["field"], "format")
                self.assertIn(allowed, err["message"])
        a = self.get("/v1/balances?format=csv&lang=de", 400, "bad_query")
        self.assertEqual(a.json()["error"]["field"], "lang")
        # a route without formats takes neither parameter
        self.get("/v1/parties?format=csv", 400, "bad_query")
        self.get("/v1/events?lang=sv", 400, "bad_query")


if __name__ == "__main__":
    unittest.main()
