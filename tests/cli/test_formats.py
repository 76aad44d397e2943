"""What people and spreadsheets see: amounts, CSV bytes, errors, the
ASCII tree, the SVG picture, import-csv.

Embedded only (test_modes.py shows the daemon prints the same bytes).
"""
import json
import os
import re
import unittest
import xml.etree.ElementTree as ET

from clitest import (STORSTHLM, STORSTHLM_DIST, example_event, head_seq,
                     load_examples, medel, shares, tmpdir)

BOM = b"\xef\xbb\xbf"


def sv_csv(ore):
    """43301300 → '433013,00' (Swedish Excel's decimal comma)."""
    return f"{ore // 100},{ore % 100:02d}"


def sv_kr(ore):
    """43301300 → '433 013 kr' (whole kronor, as the tables print)."""
    assert ore % 100 == 0
    return f"{ore // 100:,} kr".replace(",", " ")


def ore(text):
    """'4 570 307,50 kr' → 457030750."""
    m = re.fullmatch(r"(-?[\d ]+)(?:,(\d\d))? kr", text.strip())
    assert m, text
    kr = int(m.group(1).replace(" ", ""))
    return kr * 100 + (int(m.group(2)) if m.group(2) else 0) * (
        -1 if kr < 0 else 1)


class Formats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile
        cls.root = tempfile.mkdtemp(prefix="medel-fmt-")
        cls.db = os.path.join(cls.root, "db")
        load_examples(cls.db)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.root, True)

    def m(self, *args, **kw):
        return medel("--db", self.db, *args, **kw)

    def test_human_amounts(self):
        r = self.m("balance", "--as-of", "2020-12-31", "--party",
                   "malmo-asn")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("4 500 000 kr", r.text)
        # right-aligned: every amount of a column ends in the same place
        lines = [l for l in r.text.splitlines() if l.endswith(" kr")]
        ends = {len(l) for l in lines}
        self.assertEqual(len(ends), 1, r.text)

    def test_ore_shown_only_when_not_zero(self):
        db = os.path.join(tmpdir(self), "db")
        events = [
            {"type": "party", "date": "2020-01-01", "party": "kk",
             "name": "KK", "kind": "state"},
            {"type": "party", "date": "2020-01-01", "party": "fsn",
             "name": "FSN", "kind": "committee"},
            {"type": "grant", "date": "2020-01-01", "grant": "g",
             "name": "G", "payer": "kk", "total": 1000000000}]
        r = medel("--db", db, "append", stdin=json.dumps(events).encode())
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, b"1\n2\n3\n")
        r = medel("--db", db, "record", "allocation", "--grant", "g",
                  "--from", "kk", "--to", "fsn", "--amount",
                  "4 570 307,50 kr", "--date", "2020-02-01")
        # the event in words (names from the definitions), then its seq
        self.assertEqual((r.rc, r.out),
                         (0, b"KK allocates 4 570 307,50 kr to FSN\n4\n"), r)
        r = medel("--db", db, "balance", "--as-of", "2020-12-31",
                  "--party", "fsn")
        self.assertIn("4 570 307,50 kr", r.text)
        r = medel("--db", db, "--csv", "balance", "--as-of", "2020-12-31",
                  "--party", "fsn")
        self.assertIn(b";457030750;", r.out.replace(b",", b""))
        self.assertIn(b"4570307,50", r.out)

    def test_csv_bytes(self):
        r = self.m("repayments", "--year", "2020", "--as-of", "2021-04-01",
                   "--csv")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.startswith(BOM), r.out[:10])
        rows = r.out[3:].split(b"\r\n")
        self.assertEqual(rows[-1], b"")  # CRLF after every row
        self.assertEqual(rows[0], b"grant;party;name;received;returned;"
                         b"carried_in;spent;paid_out;repaid;carried_out;"
                         b"outstanding;repay_by;status")
        self.assertEqual(len(rows) - 2, 11)
        # Södertälje's share of Storsthlm's distribution, recomputed from
        # the event; it spent 300 000 kr (its expense) and holds the rest.
        share = shares(example_event(*STORSTHLM_DIST))["sodertalje"]
        spent = example_event("storsthlm-2020.jsonl",
                              "storsthlm-2020:expense-sodertalje")["amount"]
        sod = [x for x in rows if b";sodertalje;" in x][0].decode()
        self.assertEqual(sod, STORSTHLM + ";sodertalje;S\u00f6dert\u00e4lje "
                         f"kommun;{sv_csv(share)};0,00;0,00;{sv_csv(spent)};"
                         "0,00;0,00;0,00;"
                         f"{sv_csv(share - spent)};2021-03-31;overdue")
        malmo = [x for x in rows if b";malmo;" in x][0].decode()
        self.assertIn(";9995307,00;0,00;0,00;9675307,00;0,00;320000,00;"
                      "0,00;0,00;2021-03-31;ok", malmo)

    def test_csv_quoting(self):
        r = self.m("--csv", "log", "--after", "20", "--limit", "1")
        self.assertTrue(r.out.startswith(BOM))
        row = r.out.split(b"\r\n")[1].decode()
        # the note holds '"' (quoted, doubled)
        self.assertIn('"Rad ur ASN:s tabell ""Rapportering', row)
        self.assertIn(";650000,00;", row)

    def test_bad_amount(self):
        r = self.m("record", "expense", "--grant", "psykisk-halsa-2020",
                   "--party", "malmo-asn", "--activity", "x", "--amount",
                   "12.5", "--date", "2020-06-01")
        self.assertEqual(r.rc, 2, r)
        self.assertTrue(r.err.startswith(b"medel: invalid_field: --amount: "),
                        r.err)
        self.assertIn(b"'12.5' is ambiguous", r.err)
        self.assertEqual(r.out, b"")

    def test_unknown_party(self):
        r = self.m("record", "payout", "--grant", "psykisk-halsa-2020",
                   "--from", "malmo", "--to", "nobody", "--amount", "1 kr",
                   "--date", "2020-06-30")
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.err.decode(),
                         r"^medel: unknown_party: --to: .*nobody.*\n$")
        j = self.m("--json", "record", "payout", "--grant",
                   "psykisk-halsa-2020", "--from", "malmo", "--to",
                   "nobody", "--amount", "1 kr", "--date", "2020-06-30")
        self.assertEqual(j.rc, 1)
        err = json.loads(j.err)["error"]
        self.assertEqual((err["code"], err["field"]), ("unknown_party", "to"))

    def test_exit_3_unreachable(self):
        d = tmpdir(self)
        r = medel("balance", cwd=d)
        self.assertEqual(r.rc, 3, r)
        self.assertIn(b"./medel-data/medeld.sock", r.err)
        r = medel("--db", os.path.join(d, "nothing"), "balance")
        self.assertEqual(r.rc, 3, r)
        self.assertIn(b"not a medel ledger", r.err)
        r = medel("balance", extra_env={"MEDEL_URL": "http://127.0.0.1:9"})
        self.assertEqual(r.rc, 3, r)

    def test_usage(self):
        for args in (["balance", "--as-of", "2020-13-01"], ["nonsense"],
                     ["repayments"], ["trace"], ["--csv", "--json", "log"],
                     ["log", "--limit", "x"], ["trace", "g", "--format",
                                               "png"]):
            r = self.m(*args)
            self.assertEqual(r.rc, 2, r)
            if "--json" in args:
                self.assertEqual(json.loads(r.err)["error"]["code"], "usage")
            else:
                self.assertTrue(r.err.startswith(b"medel: usage: "), r)

    def test_help(self):
        r = medel("--help")
        self.assertEqual(r.rc, 0)
        for c in (b"append", b"record", b"import-csv", b"log", b"balance",
                  b"trace", b"repayments", b"deadlines", b"verify",
                  b"export", b"backup"):
            self.assertIn(b"  " + c + b" ", r.out)
            h = medel(c.decode(), "--help")
            self.assertEqual(h.rc, 0)
            self.assertIn(b"Example", h.out)
        self.assertRegex(medel("--version").text, r"^medel \d+\.\d+\.\d+\n$")

    def test_ascii_tree(self):
        u = self.m("trace", STORSTHLM, "--as-of", "2021-04-01")
        self.assertIn("\u251c\u2500 Sveriges Kommuner och Regioner", u.text)
        a = self.m("trace", STORSTHLM, "--as-of", "2021-04-01",
                   extra_env={"LANG": "C"})
        self.assertEqual(a.rc, 0)
        a.out.decode("ascii")  # nothing but ASCII
        self.assertIn(b"|- Sveriges Kommuner och Regioner", a.out)
        self.assertIn(b"Sodertalje", medel(
            "--db", self.db, "repayments", "--year", "2020", "--as-of",
            "2021-04-01", "--csv", extra_env={"LANG": "C"}).out.replace(
            "ö".encode(), b"o").replace("ä".encode(), b"a"))

    def test_tree_shares(self):
        r = self.m("trace", STORSTHLM, "--as-of", "2021-04-01")
        line = [l for l in r.text.splitlines()
                if "Södertälje kommun" in l][0]
        # the share of the distribution, and its part of the 26,8 mnkr
        share = shares(example_event(*STORSTHLM_DIST))["sodertalje"]
        permille = (share * 1000 + 2680000000 // 2) // 2680000000
        self.assertRegex(line, re.escape(sv_kr(share)) + r"\s+" +
                         f"{permille // 10},{permille % 10} %$")
        self.assertIn("holds", r.text)

    def test_svg(self):
        r = self.m("trace", STORSTHLM, "--as-of", "2021-04-01", "--format",
                   "svg")
        self.assertEqual(r.rc, 0, r)
        root = ET.fromstring(r.out)
        self.assertTrue(root.tag.endswith("svg"))
        ns = "{http://www.w3.org/2000/svg}"
        amounts = {"party": [], "sink": [], "source": [], "kept": []}
        for t in root.iter(ns + "tspan"):
            if t.get("class") == "amount":
                amounts[t.get("data-kind")].append(ore(t.text))
        trace = json.loads(self.m("trace", STORSTHLM, "--as-of",
                                  "2021-04-01", "--format", "json").out)
        nodes = {n["party"]: n for n in trace["nodes"]}
        pool = nodes["kammarkollegiet"]["received"]
        carried = sum(n["carried_in"] for n in trace["nodes"])
        self.assertEqual(pool, 2680000000)
        self.assertEqual(sum(amounts["source"]), carried)
        # where the money ended (+ what the payer keeps, not drawn)
        # = the pool + what came from outside
        self.assertEqual(sum(amounts["sink"]) + sum(amounts["kept"]),
                         pool + carried)
        # every party's label is what came to it: the pool, or payouts
        paid_in = {}
        for e in trace["edges"]:
            if e["kind"] == "payout":
                paid_in[e["to"]] = paid_in.get(e["to"], 0) + e["amount"]
        want = sorted([pool] + list(paid_in.values()))
        self.assertEqual(sorted(amounts["party"]), want)
        spent = sum(a["amount"] for n in trace["nodes"]
                    for a in n["activities"])
        sinks = root.findall(f".//{ns}text[@class='label sink']")
        self.assertEqual(len(sinks), len(amounts["sink"]))
        self.assertGreater(spent, 0)
        self.assertEqual(len(root.findall(f".//{ns}path")),
                         len([e for e in trace["edges"]
                              if e["kind"] == "payout"]) +
                         len(amounts["sink"]) + len(amounts["source"]))

    def test_svg_national_grant(self):
        """The payer keeps most of a national pool: said, not drawn."""
        r = self.m("trace", "psykisk-halsa-2020", "--as-of", "2021-04-01",
                   "--format", "svg")
        root = ET.fromstring(r.out)
        ns = "{http://www.w3.org/2000/svg}"
        got = {}
        for t in root.iter(ns + "tspan"):
            if t.get("class") == "amount":
                got.setdefault(t.get("data-kind"), []).append(ore(t.text))
        self.assertEqual(got["kept"], [167920469300])
        self.assertEqual(got["source"], [32000000])  # malmo got back
        self.assertEqual(sum(got["sink"]) + sum(got["kept"]),
                         168920000000 + 32000000)

    def test_dot(self):
        r = self.m("trace", STORSTHLM, "--as-of", "2021-04-01", "--format",
                   "dot")
        self.assertTrue(r.out.startswith(b"digraph trace {"))
        self.assertIn(b'"p:skr" -> "p:storsthlm" [label="13 400 000 kr"',
                      r.out)

    def test_import_csv(self):
        d = tmpdir(self)
        db = os.path.join(d, "db")
        load_examples(db)
        sheet = os.path.join(d, "asn.csv")
        with open(sheet, "wb") as f:
            f.write(BOM + ("Grant;Party;Activity;Unit;Amount;Date;Ref\r\n"
                    + STORSTHLM + ";sodertalje;\"Kaffe; och kakor\";"
                    "SOC;1\u00a0000,50 kr;2020-12-30;T1\r\n"
                    "\r\n" + STORSTHLM + ";sodertalje;Fika;;2 tkr;"
                    "2020-12-30;T2\r\n").encode())
        head = head_seq(db)
        r = medel("--db", db, "import-csv", sheet, "--type", "expense")
        self.assertEqual((r.rc, r.out),
                         (0, f"{head + 1}\n{head + 2}\n".encode()), r)
        ev = json.loads(medel("--db", db, "--json", "log", "--after",
                              str(head)).out)["events"]
        self.assertEqual([e["amount"] for e in ev], [100050, 200000])
        self.assertEqual(ev[0]["activity"], "Kaffe; och kakor")
        self.assertNotIn("unit", ev[1])
        # a bad cell: named by row and column, nothing stored
        with open(sheet, "w") as f:
            f.write("grant,party,activity,amount,date\n"
                    "psykisk-halsa-2020,malmo-fsn,a,100,2020-12-30\n"
                    "psykisk-halsa-2020,malmo-fsn,b,12.5,2020-12-30\n")
        r = medel("--db", db, "import-csv", sheet, "--type", "expense")
        self.assertEqual(r.rc, 2, r)  # a bad value in a file: usage
        self.assertTrue(r.err.startswith(
            b"medel: invalid_field: row 3, column D (amount): "), r.err)
        # a cell the ledger refuses: row and column from index and field
        with open(sheet, "w") as f:
            f.write("grant;party;activity;amount;date\n"
                    f"{STORSTHLM};sodertalje;a;100;2020-12-30\n"
                    f"{STORSTHLM};nobody;b;100;2020-12-30\n")
        r = medel("--db", db, "import-csv", sheet, "--type", "expense")
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(r.err.startswith(
            b"medel: unknown_party: row 3, column B (party): "), r.err)
        after = medel("--db", db, "log", "--after", str(head + 2))
        self.assertEqual(after.out.count(b"\n"), 1)  # the header only

    def test_append_lines_and_errors(self):
        d = tmpdir(self)
        db = os.path.join(d, "db")
        load_examples(db)
        again = medel("--db", db, "append", os.path.join(
            os.environ.get("MEDEL_SOURCE_DIR", "."), "docs", "examples",
            "malmo-2020.jsonl"))
        self.assertEqual(again.rc, 0)
        self.assertTrue(all(l.endswith(b" duplicate")
                            for l in again.out.splitlines()))
        bad = os.path.join(d, "bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"type":"report","date":"2021-01-20","grant":'
                    '"psykisk-halsa-2020","party":"malmo"}\n\n'
                    '{"type":"report","date":"2021-01-20","grant":'
                    '"psykisk-halsa-2020","party":"nobody"}\n')
        r = medel("--db", db, "append", bad)
        self.assertEqual(r.rc, 1)
        self.assertEqual(r.err.decode().split(":")[:3],
                         ["medel", " unknown_party", " " + bad + " line 3, "
                          "field party"])
        h = medel("--db", db, "append", "--expected-head", "5", bad)
        self.assertEqual(h.rc, 1)
        self.assertIn(b"head_moved", h.err)


if __name__ == "__main__":
    unittest.main()
