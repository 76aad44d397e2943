"""import-csv with files as Swedish Excel saves them (issue 13): the
encoding (UTF-8 with BOM, Windows-1252), Swedish column and type names,
Excel's row numbers, and ids derived from rows so a re-import stores
nothing.

Each file is checked against what a person sees in Excel: the amounts
and names stored, read back with `medel --json log` and `balance`.
"""
import json
import os
import re
import unittest

from clitest import medel, tmpdir

BASE = [
    {"type": "party", "date": "2020-01-01", "party": "kk",
     "name": "Kammarkollegiet", "kind": "state"},
    {"type": "party", "date": "2020-01-01", "party": "fsn",
     "name": "Folkhälsonämnden", "kind": "committee"},
    {"type": "grant", "date": "2020-01-01", "grant": "g",
     "name": "Psykisk hälsa 2020", "payer": "kk", "total": 1000000000},
]


class Import(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir(self)
        self.db = os.path.join(self.dir, "db")
        r = medel("--db", self.db, "append",
                  stdin="\n".join(json.dumps(e) for e in BASE).encode())
        self.assertEqual(r.rc, 0, r)

    def fund(self):
        """fsn gets 1 000 000 kr of g (seqs 4-6)."""
        move = {"date": "2020-02-01", "grant": "g", "from": "kk",
                "to": "fsn", "amount": 100000000}
        events = [dict(move, type=t)
                  for t in ("allocation", "requisition", "payout")]
        r = medel(
            "--db", self.db, "append",
            stdin="\n".join(json.dumps(e) for e in events).encode())
        self.assertEqual(r.rc, 0, r)

    def m(self, *args):
        return medel("--db", self.db, *args)

    def sheet(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def events(self, after):
        r = self.m("--json", "log", "--after", str(after))
        self.assertEqual(r.rc, 0, r)
        return json.loads(r.out)["events"]

    def head(self):
        return json.loads(self.m("--json", "log").out)["events"][-1]["seq"]

    def balance(self):
        r = self.m("--json", "balance", "--party", "fsn", "--as-of",
                   "2021-12-31")
        self.assertEqual(r.rc, 0, r)
        return json.loads(r.out)["rows"][0]

    def reimport_stores_nothing(self, *args):
        head = self.head()
        r = self.m("import-csv", *args)
        self.assertEqual(r.rc, 0, r)
        self.assertIn(b"already imported: ", r.out)
        self.assertIn(b"rows, nothing stored", r.out)
        self.assertEqual(self.head(), head)

    def test_windows_1252_with_no_break_spaces(self):
        text = ("Datum;Bidrag;Part;Aktivitet;Enhet;Belopp;;;\r\n"
                "2020-03-02;g;fsn;Lokal i Södertälje;Öppenvård;"
                "12\u00a0500;;;\r\n"
                "2020-03-03;g;fsn;Fika;;1\u00a0234,50 kr;;;\r\n"
                ";;;;;;;;\r\n")
        path = self.sheet("w.csv", text.encode("cp1252"))
        with open(path, "rb") as f:
            self.assertIn(b"\xa0", f.read())
        self.fund()
        r = self.m("import-csv", path, "--type", "förbrukning",
                   "--dry-run")
        self.assertEqual(r.rc, 0, r)
        self.assertIn(b"Windows-1252 (converted)", r.out)
        r = self.m("import-csv", path, "--type", "expense")
        self.assertEqual((r.rc, r.out), (0, b"7\n8\n"), r)
        ev = self.events(6)
        self.assertEqual([e["amount"] for e in ev], [1250000, 123450])
        self.assertEqual(ev[0]["activity"], "Lokal i Södertälje")
        self.assertEqual(ev[0]["unit"], "Öppenvård")
        self.assertTrue(all(e["id"].startswith("csv:") for e in ev))
        self.assertEqual(self.balance()["spent"], 1250000 + 123450)
        self.reimport_stores_nothing(path, "--type", "expense")

    def test_utf8_bom_swedish_headers_and_types(self):
        text = ("Datum;Typ;Bidrag;Från;Till;Part;Aktivitet;Belopp;"
                "Anteckning\r\n"
                "2020-02-01;Tilldelning;g;kk;fsn;;;1 000 000 kr;\r\n"
                "2020-02-10;rekvirering;g;kk;fsn;;;1 000 000;\r\n"
                "2020-02-20;UTBETALNING;g;kk;fsn;;;1 000 000;Första\r\n"
                "2020-03-01; Förbrukning ;g;;;fsn;Kurs;250 000,50;\r\n"
                "2021-01-20;återrapportering;g;;;fsn;;;\r\n")
        path = self.sheet("sv.csv", b"\xef\xbb\xbf" + text.encode())
        r = self.m("import-csv", path, "--dry-run")
        self.assertIn(b"as UTF-8", r.out)
        r = self.m("import-csv", path)
        self.assertEqual((r.rc, r.out), (0, b"4\n5\n6\n7\n8\n"), r)
        ev = self.events(3)
        self.assertEqual([e["type"] for e in ev],
                         ["allocation", "requisition", "payout", "expense",
                          "report"])
        self.assertEqual([e.get("amount") for e in ev],
                         [100000000] * 3 + [25000050, None])
        self.assertEqual(ev[2]["note"], "Första")
        b = self.balance()
        self.assertEqual((b["allocated"], b["received"], b["spent"]),
                         (100000000, 100000000, 25000050))
        self.reimport_stores_nothing(path)
        # --type beside a type column: a row that disagrees is named
        r = self.m("import-csv", path, "--type", "expense")
        self.assertEqual(r.rc, 2, r)
        self.assertTrue(r.err.startswith(
            b"medel: invalid_field: row 2, column B (type): "
            b"'Tilldelning' is allocation, but --type is expense"), r.err)

    def test_quoted_line_break_keeps_excel_rows(self):
        text = ("Datum;Bidrag;Part;Aktivitet;Belopp;Anteckning\n"
                '2020-03-01;g;fsn;Kurs;100;"rad ett\nrad två\nrad tre"\n'
                "2020-03-02;g;fsn;Fika;12.5;\n")
        path = self.sheet("q.csv", text.encode())
        self.fund()
        head = self.head()
        r = self.m("import-csv", path, "--type", "expense")
        self.assertEqual(r.rc, 2, r)
        # Excel shows the bad amount on row 3, not on line 5
        self.assertTrue(r.err.startswith(
            b"medel: invalid_field: row 3, column E (amount): "), r.err)
        self.assertEqual(self.head(), head)
        path = self.sheet("q.csv", text.replace("12.5", "12,5").encode())
        r = self.m("import-csv", path, "--type", "expense")
        self.assertEqual(r.rc, 0, r)
        ev = self.events(head)
        self.assertEqual(ev[0]["note"], "rad ett\nrad två\nrad tre")
        self.assertEqual([e["amount"] for e in ev], [10000, 1250])
        self.reimport_stores_nothing(path, "--type", "expense")

    def test_unknown_header_lists_known_columns(self):
        path = self.sheet("u.csv", "Datum;Bidrag;Beloppet\n"
                          "2020-03-01;g;1\n".encode())
        r = self.m("import-csv", path, "--type", "expense")
        self.assertEqual(r.rc, 2, r)
        err = r.err.decode()
        self.assertIn("row 1, column C: unknown column 'Beloppet'", err)
        for known in ("Datum", "Belopp", "Från", "Beslut senast",
                      "Förfallodag", "invoice_no"):
            self.assertIn(known, err)

    def test_docs_table_is_the_code_table(self):
        src = os.environ.get("MEDEL_SOURCE_DIR",
                             os.path.join(os.path.dirname(__file__), "..",
                                          ".."))
        with open(os.path.join(src, "docs", "cli.md"),
                  encoding="utf-8") as f:
            docs = f.read()
        start = docs.index("| Excel column | field |")
        rows = re.findall(r"^  \| ([^|`]+?) \| `(\w+)` \|$",
                          docs[start:docs.index("| Typ | type |")], re.M)
        self.assertEqual(len(rows), 20, rows)
        path = self.sheet("u.csv", b"Beloppet\n1\n")
        err = self.m("import-csv", path, "--type", "expense").err.decode()
        listed = err.split("known columns: ")[1].split(", or the API")[0]
        self.assertEqual(listed.split(", "), [r[0] for r in rows])
        types = re.findall(r"^  \| ([a-zåäö]+) \| `(\w+)` \|$", docs, re.M)
        self.assertEqual(len(types), 12, types)
        for sv, en in types:
            path = self.sheet("t.csv", f"Typ\n{sv.upper()}\n".encode())
            r = self.m("import-csv", path, "--type", "close")
            self.assertIn(f"is {en}, but --type is close".encode(), r.err)

    def test_no_type_anywhere(self):
        path = self.sheet("n.csv", b"Datum;Bidrag\n2020-03-01;g\n")
        r = self.m("import-csv", path)
        self.assertEqual(r.rc, 2, r)
        self.assertIn(b"no type (Typ) column", r.err)


if __name__ == "__main__":
    unittest.main()
