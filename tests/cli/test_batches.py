"""Files longer than one batch (issues 13 and 15): `import-csv` and
`append` send them in atomic batches of at most 10 000 events, and a run
stopped between batches is resumed by running it again, because every
event carries an id (derived from the row or line when the file has
none), so nothing is stored twice.

The interruption is a real kill -9 of the importing process, at a moment
the test knows: its stdout is a pipe the test does not read, shrunk to
one page, so after the first batch is committed the process blocks
printing that batch's seqs. The test polls the ledger's log until the
first batch is there (never a sleep), then kills.
"""
import fcntl
import json
import os
import signal
import subprocess
import unittest

from clitest import MEDEL, env, medel, tmpdir

ROWS = 100_000
BATCH = 10_000

BASE = [
    {"type": "party", "date": "2020-01-01", "party": "kk",
     "name": "Kammarkollegiet", "kind": "state"},
    {"type": "party", "date": "2020-01-01", "party": "fsn",
     "name": "Folkhälsonämnden", "kind": "committee"},
    {"type": "grant", "date": "2020-01-01", "grant": "g",
     "name": "Psykisk hälsa 2020", "payer": "kk",
     "total": 1_000_000_000_00},
]
MOVE = {"date": "2020-02-01", "grant": "g", "from": "kk", "to": "fsn",
        "amount": 1_000_000_000_00}
BASE += [dict(MOVE, type=t) for t in ("allocation", "requisition", "payout")]
HEAD0 = len(BASE)


def amount_ore(i):
    """Row i's amount: '<k> <nnn>,50' kronor, as written in the sheet."""
    return ((1 + i % 9) * 1000 + i % 1000) * 100 + 50


def sheet_text(rows):
    """A Windows-1252 sheet as Excel saves it: no-break thousands
    separators, ';;' tails, CRLF."""
    lines = ["Datum;Bidrag;Part;Aktivitet;Enhet;Belopp;Referens;;"]
    for i in range(rows):
        lines.append(f"2020-03-{1 + i % 28:02d};g;fsn;Lokal i Södertälje;"
                     f"Öppenvård;{1 + i % 9}\u00a0{i % 1000:03d},50;R-{i};;")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


class Batches(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir(self)
        self.db = os.path.join(self.dir, "db")
        r = self.m("append", stdin="\n".join(
            json.dumps(e) for e in BASE).encode())
        self.assertEqual(r.rc, 0, r)

    def m(self, *args, stdin=None):
        return medel("--db", self.db, *args, stdin=stdin, timeout=600)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def stored(self):
        """Every event after the setup, read with export (one stream)."""
        r = self.m("export", "--format", "jsonl")
        self.assertEqual(r.rc, 0, r)
        events = [json.loads(line) for line in r.out.splitlines()]
        return [e for e in events if e["seq"] > HEAD0]

    def has_seq(self, seq):
        r = self.m("--json", "log", "--after", str(seq - 1), "--limit", "1")
        self.assertEqual(r.rc, 0, r)
        return bool(json.loads(r.out)["events"])

    def start_blocked(self, *args):
        """medel ARGS with stdout a one-page pipe nobody reads: it blocks
        on its output once a page of seqs is written."""
        rd, wr = os.pipe()
        fcntl.fcntl(wr, fcntl.F_SETPIPE_SZ, 4096)
        p = subprocess.Popen([MEDEL, "--db", self.db, *args], stdout=wr,
                             stderr=subprocess.DEVNULL, env=env())
        os.close(wr)
        self.addCleanup(os.close, rd)
        return p

    def kill_after_first_batch(self, p):
        """Polls the log until the first batch is stored, then kill -9;
        returns how many events were stored by then."""
        while not self.has_seq(HEAD0 + BATCH):
            self.assertIsNone(p.poll(), "the import ended before its "
                                        "first batch was seen")
        self.assertIsNone(p.poll(), "the import was not interrupted")
        p.send_signal(signal.SIGKILL)
        p.wait()
        return len(self.stored())

    def test_import_csv_killed_and_run_again_stores_every_row_once(self):
        path = self.write("big.csv", sheet_text(ROWS))
        p = self.start_blocked("import-csv", path, "--type", "förbrukning")
        before = self.kill_after_first_batch(p)
        # Only whole batches: each is atomic.
        self.assertGreaterEqual(before, BATCH)
        self.assertLess(before, ROWS)
        self.assertEqual(before % BATCH, 0, before)

        r = self.m("import-csv", path, "--type", "förbrukning")
        self.assertEqual(r.rc, 0, r)
        last = r.out.splitlines()[-1].decode()
        self.assertEqual(
            last, f"already imported: {before} of {ROWS} rows; stored "
                  f"the other {ROWS - before}", r)

        ev = self.stored()
        self.assertEqual(len(ev), ROWS)
        self.assertEqual(sorted(int(e["ref"][2:]) for e in ev),
                         list(range(ROWS)))
        by_ref = {e["ref"]: e for e in ev}
        for i in (0, 1, BATCH - 1, BATCH, ROWS - 1):
            self.assertEqual(by_ref[f"R-{i}"]["amount"], amount_ore(i))
            self.assertEqual(by_ref[f"R-{i}"]["activity"],
                             "Lokal i Södertälje")
        self.assertEqual(len({e["id"] for e in ev}), ROWS)

        r = self.m("import-csv", path, "--type", "förbrukning")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.splitlines()[-1].decode(),
                         f"already imported: {ROWS} rows, nothing stored")
        self.assertEqual(len(self.stored()), ROWS)

    def test_import_csv_bad_cell_late_in_the_file_stores_nothing(self):
        text = sheet_text(BATCH + 5).decode("cp1252").split("\r\n")
        text[BATCH + 3] = text[BATCH + 3].replace(",50", ",505")
        path = self.write("bad.csv", "\r\n".join(text).encode("cp1252"))
        r = self.m("import-csv", path, "--type", "expense")
        self.assertEqual(r.rc, 2, r)
        self.assertIn(f"row {BATCH + 4}, column F (amount)".encode(), r.err)
        self.assertEqual(self.stored(), [])

    def test_import_csv_refused_in_a_later_batch_says_what_is_stored(self):
        text = sheet_text(BATCH + 5).decode("cp1252").split("\r\n")
        text[BATCH + 3] = text[BATCH + 3].replace(";fsn;", ";nobody;")
        path = self.write("late.csv", "\r\n".join(text).encode("cp1252"))
        r = self.m("import-csv", path, "--type", "expense")
        self.assertEqual(r.rc, 1, r)
        self.assertIn(f"row {BATCH + 4}, column C (party)".encode(), r.err)
        self.assertIn(f"the {BATCH} rows before row {BATCH + 2} are "
                      f"stored".encode(), r.err)
        self.assertEqual(len(self.stored()), BATCH)

    def jsonl(self, n):
        lines = [json.dumps({"type": "expense", "date": "2020-03-02",
                             "grant": "g", "party": "fsn",
                             "amount": amount_ore(i), "ref": f"J-{i}",
                             "activity": "Lokal"},
                            ensure_ascii=False) for i in range(n)]
        return lines

    def test_append_jsonl_killed_and_run_again_stores_every_line_once(self):
        n = 3 * BATCH + 7
        lines = self.jsonl(n)
        lines[5] = json.dumps({"id": "own-5", **json.loads(lines[5])})
        # an "id" inside meta is not the event's: it still gets one
        lines[6] = json.dumps({**json.loads(lines[6]),
                               "meta": {"id": "not-mine", "n": [1]}})
        lines.insert(9, "")  # a blank line still counts as a line
        path = self.write("big.jsonl", ("\n".join(lines) + "\n").encode())
        p = self.start_blocked("append", path)
        before = self.kill_after_first_batch(p)
        self.assertEqual(before % BATCH, 0, before)
        self.assertLess(before, n)

        r = self.m("append", path)
        self.assertEqual(r.rc, 0, r)
        out = r.out.decode().splitlines()
        self.assertEqual(len(out), n)
        self.assertEqual(sum(x.endswith(" duplicate") for x in out), before)

        ev = self.stored()
        self.assertEqual(sorted(int(e["ref"][2:]) for e in ev),
                         list(range(n)))
        ids = [e["id"] for e in ev]
        self.assertEqual(len(set(ids)), n)
        self.assertIn("own-5", ids)
        self.assertEqual(sum(i.startswith("jsonl:") for i in ids), n - 1)
        meta = [e for e in ev if e["ref"] == "J-6"][0]
        self.assertTrue(meta["id"].startswith("jsonl:"), meta)
        self.assertEqual(meta["meta"], {"id": "not-mine", "n": [1]})

    def test_append_refusal_in_a_later_batch_names_the_file_line(self):
        lines = self.jsonl(BATCH + 20)
        bad = json.loads(lines[BATCH + 10])
        bad["party"] = "nobody"
        lines[BATCH + 10] = json.dumps(bad)
        path = self.write("late.jsonl", ("\n".join(lines) + "\n").encode())
        r = self.m("append", path)
        self.assertEqual(r.rc, 1, r)
        self.assertIn(f"late.jsonl line {BATCH + 11}, field party".encode(),
                      r.err)
        self.assertEqual(len(self.stored()), BATCH)

    def test_append_syntax_error_in_a_later_batch_names_line_and_column(self):
        lines = self.jsonl(BATCH + 20)
        lines[BATCH + 10] = lines[BATCH + 10].replace('"grant"', 'grant')
        path = self.write("syntax.jsonl",
                          ("\n".join(lines) + "\n").encode())
        r = self.m("append", path)
        self.assertEqual(r.rc, 2, r)
        self.assertRegex(r.err.decode(),
                         rf"syntax\.jsonl:{BATCH + 11}:\d+: ")

    def test_append_batches_whose_json_outgrows_the_region(self):
        """medel --db decodes a batch's JSON in a 16 MiB region
        (mc_embed.c) and, beyond it, in blocks from malloc released
        with it; the tree is not deleted node by node. Arrays of 5 000
        events with 80-member metas make trees of ~30 MiB: both are
        stored whole, and a refused one after them stores nothing."""
        meta = {f"k{j:02d}": j for j in range(80)}
        def batch(first, n):
            return json.dumps([dict(json.loads(x), meta=meta, id=f"r-{i}")
                               for i, x in enumerate(self.jsonl(first + n))
                               if i >= first]).encode()
        a = self.write("a.json", batch(0, 5000))
        b = self.write("b.json", batch(5000, 5000))
        r = self.m("append", a, b)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(r.out.splitlines()), 10_000)
        ev = self.stored()
        self.assertEqual([e["ref"] for e in ev],
                         [f"J-{i}" for i in range(10_000)])
        self.assertEqual(ev[9_999]["meta"], meta)
        bad = json.loads(batch(10_000, 5000))
        bad[4_999]["party"] = "nobody"
        r = self.m("append", self.write("c.json", json.dumps(bad).encode()))
        self.assertEqual(r.rc, 1, r)
        self.assertIn(b"field party", r.err)
        self.assertEqual(len(self.stored()), 10_000)


if __name__ == "__main__":
    unittest.main()
