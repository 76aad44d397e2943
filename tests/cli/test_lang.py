"""Answers in the controller's language (issue 13): Swedish and English
tables with names and total lines, CSV in Swedish conventions, events
said in words by `record`, its role flags, import-csv's dry-run table and
its --template.

Every figure a table or a CSV shows is checked against the --json answer
of the same question: the tables are parsed, never compared with pasted
output.
"""
import csv
import io
import json
import os
import re
import unittest

from clitest import EXAMPLES, STORSTHLM, load_examples, medel, tmpdir

AMOUNT = re.compile(r"-?\d{1,3}(?:[ \u00a0]\d{3})*(?:,\d\d)? kr")


def ore(text):
    """'4 570 307,50 kr' → 457030750."""
    m = re.fullmatch(r"(-?)([\d \u00a0]+)(?:,(\d\d))? kr", text.strip())
    assert m, text
    v = int(re.sub(r"\D", "", m.group(2))) * 100 + int(m.group(3) or 0)
    return -v if m.group(1) else v


def csv_ore(cell):
    """'433012,00' (Swedish Excel's decimal comma) → 43301200."""
    assert re.fullmatch(r"-?\d+(,\d\d)?", cell), cell
    kr, _, ore_part = cell.partition(",")
    sign = -1 if kr.startswith("-") else 1
    return sign * (abs(int(kr)) * 100 + int(ore_part or 0))


def amounts(line):
    return [ore(a) for a in AMOUNT.findall(line)]


def table(text, total_word):
    """The amount rows of a human table (lines with amounts that are not
    the total) and the total line's amounts."""
    rows, total = [], None
    for line in text.splitlines():
        found = amounts(line)
        if not found:
            continue
        if line.split()[0] == total_word:
            total = found
        else:
            rows.append((line, found))
    return rows, total


def read_csv(data):
    """A CSV the way Swedish Excel opens it: BOM, ';', CRLF."""
    assert data.startswith(b"\xef\xbb\xbf"), data[:10]
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


WORDS = {"en": {"total": "total", "party": "party", "held": "held"},
         "sv": {"total": "totalt", "party": "part", "held": "kvar"}}


class Lang(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.root = tempfile.mkdtemp(prefix="medel-lang-")
        cls.db = os.path.join(cls.root, "db")
        load_examples(cls.db)
        # a small ledger where claims and payouts still have room
        cls.small = os.path.join(cls.root, "small")
        events = [
            {"type": "party", "date": "2020-01-01", "party": "kk",
             "name": "Kammarkollegiet", "kind": "state"},
            {"type": "party", "date": "2020-01-01", "party": "storsthlm",
             "name": "Storsthlm", "kind": "county_association"},
            {"type": "party", "date": "2020-01-01", "party": "sodertalje",
             "name": "Södertälje kommun", "kind": "municipality"},
            {"type": "grant", "date": "2020-01-01", "grant": "g",
             "name": "Sammanhållen vård 2020", "payer": "kk",
             "total": 100000000},
            {"type": "allocation", "date": "2020-02-01", "grant": "g",
             "from": "kk", "to": "storsthlm", "amount": 50000000},
            {"type": "allocation", "date": "2020-02-01", "grant": "g",
             "from": "storsthlm", "to": "sodertalje", "amount": 10000000}]
        r = medel("--db", cls.small, "append",
                  stdin=json.dumps(events).encode())
        assert r.rc == 0, r

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.root, True)

    def m(self, *args, **kw):
        r = medel("--db", self.db, *args, **kw)
        return r

    def json(self, *args):
        r = self.m("--json", *args)
        self.assertEqual(r.rc, 0, r)
        return json.loads(r.out)

    # --- tables -----------------------------------------------------------

    def test_balance_tables_and_totals(self):
        q = ["balance", "--as-of", "2020-12-31", "--grant",
             "psykisk-halsa-2020", "--posts"]
        doc = self.json(*q)
        figures = ["allocated", "allocated_out", "unallocated", "claimed",
                   "received", "paid_out", "spent", "repaid", "returned",
                   "carried_in", "carried_out", "held"]
        shown = [f for f in figures
                 if f == "held" or any(r[f] for r in doc["rows"])]
        for lang in ("en", "sv"):
            with self.subTest(lang=lang):
                r = self.m("--lang", lang, *q)
                self.assertEqual(r.rc, 0, r)
                w = WORDS[lang]
                header = r.text.splitlines()[1].split()
                self.assertEqual(header[0], w["party"])
                self.assertEqual(header[-1], w["held"])
                rows, total = table(r.text, w["total"])
                self.assertEqual(len(rows), len(doc["rows"]))
                for (line, got), want in zip(rows, doc["rows"]):
                    self.assertEqual(got, [want[f] for f in shown], line)
                self.assertEqual(
                    total, [sum(x[f] for x in doc["rows"]) for f in shown])
                # names, not ids
                self.assertIn("Södertälje kommun", r.text)
                self.assertIn("Insatser inom området psykisk hälsa 2020",
                              r.text)
                self.assertNotRegex(r.text, r"(?m)^  sodertalje ")
                # right-aligned: each amount column ends at one place
                ends = {tuple(m.end() for m in AMOUNT.finditer(l))
                        for l in r.text.splitlines() if AMOUNT.search(l)}
                self.assertEqual(len(ends), 1, r.text)

    def test_locale_chooses_the_language(self):
        q = ["balance", "--as-of", "2020-12-31", "--party", "malmo-asn"]
        sv = self.m(*q, extra_env={"LANG": "sv_SE.UTF-8"})
        self.assertIn("Saldon per", sv.text)
        self.assertIn("totalt", sv.text)
        en = self.m(*q, extra_env={"LANG": "en_GB.UTF-8"})
        self.assertIn("Balances as of", en.text)
        forced = self.m("--lang", "en", *q,
                        extra_env={"LANG": "sv_SE.UTF-8"})
        self.assertEqual(forced.out, en.out)

    def test_statement_text_in_words_and_names(self):
        post = "psykisk-halsa-2020/lansgemensamma/sammanhallen-vard"
        q = ["statement", "--party", "storsthlm", "--grant", post,
             "--as-of", "2021-04-01"]
        doc = self.json(*q)
        parties = {}
        for f in EXAMPLES:  # the names the examples define
            with open(f, encoding="utf-8") as fh:
                for ev in map(json.loads, fh):
                    if ev["type"] == "party":
                        parties[ev["party"]] = ev["name"]
        for lang, received, summary in (("sv", "Mottaget från",
                                         "Sammanfattning"),
                                        ("en", "Received from", "Summary")):
            text = self.m("--lang", lang, *q).text
            self.assertIn(parties["storsthlm"], text.splitlines()[0])
            self.assertIn(doc["head"]["hash"], text)
            section = text.split(received + "\n")[1].split("\n\n")[0]
            lines = section.splitlines()
            for src, line in zip(doc["received"]["from"], lines):
                self.assertEqual(amounts(line), [src["amount"]], line)
                self.assertIn(parties[src["party"]], line)
            self.assertEqual(amounts(lines[-1]), [doc["received"]["amount"]])
            summ = text.split(summary + "\n")[1].split("\n\n")[0]
            got = [amounts(l)[0] for l in summ.splitlines()]
            want = [doc["summary"][k] for k in (
                "received", "returned", "carried_in", "spent", "paid_out",
                "repaid", "carried_out", "held", "pending", "pending_out")]
            self.assertEqual(got, want)

    def test_repayments_and_deadlines_totals(self):
        q = ["repayments", "--year", "2020", "--as-of", "2021-04-01"]
        doc = self.json(*q)
        # returned, carried_in and carried_out are columns only when some
        # row has one; every row then adds up on screen.
        optional = {"returned", "carried_in", "carried_out"}
        figs = [f for f in ["received", "returned", "carried_in", "spent",
                            "paid_out", "repaid", "carried_out",
                            "outstanding"]
                if f not in optional or any(x[f] for x in doc["rows"])]
        self.assertIn("carried_in", figs)  # Storsthlm's 4 141 043 kr
        for lang in ("en", "sv"):
            r = self.m("--lang", lang, *q)
            rows, total = table(r.text, WORDS[lang]["total"])
            self.assertEqual(len(rows), len(doc["rows"]), r.text)
            for (line, got), want in zip(rows, doc["rows"]):
                self.assertEqual(got, [want[f] for f in figs], line)
            self.assertEqual(total[-1], doc["total_outstanding"])
            self.assertEqual(total, [sum(x[f] for x in doc["rows"])
                                     for f in figs])
        sv = self.m("--lang", "sv", *q).text
        self.assertRegex(sv, r"Södertälje kommun .* försenad")
        self.assertIn("återbetala senast 2021-03-31", sv)
        q = ["deadlines", "--as-of", "2020-11-20"]
        doc = self.json(*q)
        self.assertGreater(len(doc["items"]), 0)
        for lang in ("en", "sv"):
            r = self.m("--lang", lang, *q)
            rows, total = table(r.text, WORDS[lang]["total"])
            self.assertEqual([g for _, g in rows],
                             [[i["amount"]] for i in doc["items"]])
            self.assertEqual(total, [sum(i["amount"] for i in doc["items"])])
        self.assertIn("rekvirera", self.m("--lang", "sv", *q).text)

    def test_trace_and_log_in_swedish(self):
        r = self.m("--lang", "sv", "trace", STORSTHLM, "--as-of",
                   "2021-04-01")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("av pott", r.text.splitlines()[1])
        self.assertIn("\u2514\u2500 finns kvar", r.text)
        self.assertIn("Storsthlm (Stockholms läns kommuner)", r.text)
        doc = self.json("trace", STORSTHLM, "--as-of", "2021-04-01")
        pool = [n for n in doc["nodes"] if n["party"] == "kammarkollegiet"]
        self.assertEqual(amounts(r.text.splitlines()[0]),
                         [pool[0]["received"]])
        log = self.m("--lang", "sv", "log", "--grant", "psykisk-halsa-2020",
                     "--type", "expense", "--limit", "3")
        self.assertEqual(log.text.split()[:5],
                         ["löpnr", "datum", "typ", "belopp", "vad"])
        self.assertEqual(log.text.count("förbrukning"), 3, log)

    # --- CSV in Swedish conventions ----------------------------------------

    def test_csv_outputs_in_swedish(self):
        q = ["balance", "--as-of", "2020-12-31"]
        doc = self.json(*q)
        rows = read_csv(self.m("--lang", "sv", "--csv", *q).out)
        self.assertEqual(rows[0][:3], ["bidrag", "part", "tilldelat"])
        self.assertEqual(rows[0][-1], "kvar")
        self.assertEqual(len(rows) - 1, len(doc["rows"]))
        for got, want in zip(rows[1:], doc["rows"]):
            self.assertEqual((got[0], got[1]), (want["grant"],
                                                want["party"]))
            self.assertEqual(csv_ore(got[-1]), want["held"])
            self.assertEqual(csv_ore(got[2]), want["allocated"])
        q = ["repayments", "--year", "2020", "--as-of", "2021-04-01"]
        doc = self.json(*q)
        rows = read_csv(self.m("--lang", "sv", "--csv", *q).out)
        out = rows[0].index("utestående")
        self.assertEqual(sum(csv_ore(r[out]) for r in rows[1:]),
                         doc["total_outstanding"])
        self.assertIn("Södertälje kommun", [r[2] for r in rows[1:]])
        en = read_csv(self.m("--lang", "en", "--csv", *q).out)
        self.assertEqual(en[0][0], "grant")
        # the log's CSV, which medel writes itself
        q = ["log", "--grant", "psykisk-halsa-2020", "--type", "expense"]
        doc = self.json(*q)
        rows = read_csv(self.m("--lang", "sv", "--csv", *q).out)
        self.assertEqual(rows[0][:3], ["löpnr", "datum", "typ"])
        at = rows[0].index("belopp")
        self.assertEqual([csv_ore(r[at]) for r in rows[1:]],
                         [e["amount"] for e in doc["events"]])
        self.assertEqual(read_csv(self.m("--lang", "sv", "--csv",
                                         "verify").out)[0][1], "händelser")

    # --- record: the event in words, role flags ----------------------------

    def invoice(self, *roles, lang="sv", dry=True):
        return medel("--db", self.small, "--lang", lang, "record",
                      "faktura", "--grant", "g", *roles,
                      "--amount", "1 000 kr",
                      "--invoice-no", "SOD-T-1", "--date", "2020-11-25",
                      *(["--dry-run"] if dry else []))

    def test_record_says_the_direction(self):
        r = self.invoice("--by", "sodertalje", "--payer", "storsthlm")
        self.assertEqual(r.rc, 0, r)
        said, seq = r.text.splitlines()
        self.assertEqual(said, "Södertälje kommun fakturerar Storsthlm "
                         "1 000 kr, faktura SOD-T-1")
        self.assertTrue(seq.endswith("dry-run"), r)
        en = self.invoice("--to", "sodertalje", "--from", "storsthlm",
                          lang="en")
        self.assertTrue(en.text.startswith(
            "Södertälje kommun invoices Storsthlm"), en)
        # the same event whichever way the roles were named
        a = medel("--db", self.small, "--json", "record", "invoice",
                  "--grant", "g",
                   "--by", "sodertalje", "--payer", "storsthlm",
                   "--amount", "1 kr", "--invoice-no", "X", "--date",
                   "2020-11-25", "--id", "same", "--dry-run")
        b = medel("--db", self.small, "--json", "record", "invoice",
                  "--grant", "g",
                   "--to", "sodertalje", "--from", "storsthlm",
                   "--amount", "1 kr", "--invoice-no", "X", "--date",
                   "2020-11-25", "--id", "same", "--dry-run")
        self.assertEqual((a.rc, b.rc), (0, 0), (a, b))
        self.assertEqual(json.loads(a.out)["events"][0]["id"], "same")
        for t, words in (("payout", "betalar ut"), ("expense", "förbrukar"),
                         ("repayment", "återbetalar"),
                         ("requisition", "rekvirerar")):
            r = self.m("--lang", "sv", "record", t, "--grant", STORSTHLM,
                       "--from", "storsthlm", "--to", "sodertalje",
                       "--party", "sodertalje", "--activity", "Kurs",
                       "--amount", "1 kr", "--date", "2020-11-25",
                       "--dry-run")
            self.assertIn(words, r.text.splitlines()[0] if r.out else "",
                          r)

    def test_role_flags_misused(self):
        r = self.invoice("--by", "sodertalje", "--to", "storsthlm",
                         "--payer", "storsthlm")
        self.assertEqual(r.rc, 2, r)
        self.assertIn(b"--by 'sodertalje' and --to 'storsthlm'", r.err)
        self.assertEqual(r.out, b"")
        r = self.m("record", "payout", "--grant", STORSTHLM, "--by",
                   "sodertalje", "--from", "storsthlm", "--amount", "1",
                   "--dry-run")
        self.assertEqual(r.rc, 2, r)
        self.assertIn(b"--by", r.err)

    def test_over_claim_said_in_words(self):
        r = self.invoice("--by", "sodertalje", "--payer", "storsthlm",
                         lang="en")
        big = medel("--db", self.small, "--lang", "en", "record",
                    "invoice", "--grant", "g", "--by", "sodertalje",
                    "--payer",
                     "storsthlm", "--amount", "10 mkr", "--invoice-no",
                     "SOD-T-2", "--date", "2020-11-25")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(big.rc, 1, big)
        self.assertIn(b"medel: over_claim: ", big.err)
        self.assertIn("medel: as written: Södertälje kommun invoices "
                      "Storsthlm 10 000 000 kr, invoice SOD-T-2".encode(),
                      big.err)

    def test_swedish_party_kind(self):
        db = os.path.join(tmpdir(self), "db")
        r = medel("--db", db, "record", "party", "--party", "t",
                  "--name", "Tälje", "--kind", "kommun", "--date",
                  "2020-01-01")
        self.assertEqual(r.rc, 0, r)
        log = json.loads(medel("--db", db, "--json", "log").out)
        self.assertEqual(log["events"][0]["kind"], "municipality")

    # --- import-csv: --template, the dry-run table ---------------------------

    def test_template_round_trip(self):
        d = tmpdir(self)
        for t in ("tilldelning", "rekvirering", "faktura", "utbetalning",
                  "förbrukning", "återbetalning", "återrapportering",
                  "allocation"):
            with self.subTest(type=t):
                r = medel("import-csv", "--template", t)
                self.assertEqual(r.rc, 0, r)
                rows = read_csv(r.out)
                self.assertEqual(len(rows), 2)
                self.assertEqual(rows[0][:2], ["Datum", "Typ"])
                self.assertTrue(r.out.endswith(b"\r\n"))
                path = os.path.join(d, "t.csv")
                with open(path, "wb") as f:
                    f.write(r.out)
                back = self.m("import-csv", path, "--dry-run")
                # read back: the ledger may refuse the example's money
                # (a rule, 1), never the sheet (a usage error, 2)
                self.assertIn(back.rc, (0, 1), back)
        r = medel("import-csv", "--template", "tilldelning")
        path = os.path.join(d, "alloc.csv")
        with open(path, "wb") as f:
            f.write(r.out)
        back = self.m("--lang", "sv", "import-csv", path, "--dry-run")
        self.assertEqual(back.rc, 0, back)
        rows, total = table(back.text, "totalt")
        self.assertEqual(len(rows), 1)
        line, got = rows[0]
        self.assertTrue(line.startswith("2 "), line)
        self.assertIn("tilldelning", line)
        self.assertIn("Kammarkollegiet tilldelar Malmö stad", line)
        sheet = read_csv(r.out)
        self.assertEqual(got[-1], ore(sheet[1][sheet[0].index("Belopp")]
                                      + " kr"))
        self.assertEqual(total, [got[-1]])
        self.assertEqual(medel("import-csv", "--template", "nope").rc, 2)

    def test_dry_run_table(self):
        text = ("Datum;Typ;Bidrag;Från;Till;Part;Aktivitet;Belopp\r\n"
                "2020-12-01;utbetalning;g;kk;storsthlm;;;100 000\r\n"
                ";;;;;;;\r\n"
                "2020-12-02;förbrukning;g;;;storsthlm;"
                "\"Kurs\nmed radbrytning\";20 000,50 kr\r\n")
        path = os.path.join(tmpdir(self), "x.csv")
        with open(path, "wb") as f:
            f.write(text.encode("cp1252"))
        for lang, words in (("en", ("total", "payout", "pays out",
                                    "Windows-1252", "separator ';'")),
                            ("sv", ("totalt", "utbetalning", "betalar ut",
                                    "Windows-1252", "avgränsare ';'"))):
            r = medel("--db", self.small, "--lang", lang, "import-csv",
                      path, "--dry-run")
            self.assertEqual(r.rc, 0, r)
            first = r.text.splitlines()[0]
            self.assertIn(words[3], first)
            self.assertIn(words[4], first)
            rows, total = table(r.text, words[0])
            self.assertEqual([l.split()[0] for l, _ in rows], ["2", "4"])
            self.assertIn(words[1], rows[0][0])
            self.assertIn(words[2], rows[0][0])
            self.assertEqual([g[-1] for _, g in rows],
                             [10000000, 2000050])
            self.assertEqual(total, [12000050])
        # nothing was stored
        log = json.loads(medel("--db", self.small, "--json", "log").out)
        self.assertEqual(len(log["events"]), 6)


if __name__ == "__main__":
    unittest.main()
