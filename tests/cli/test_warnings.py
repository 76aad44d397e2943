"""Warnings (API.md, CLI.md): `medel append`, `record` and `import-csv`
print each warning of the answer to stderr as "medel: warning: …", one
line each, where an error would say where, and exit 0 — embedded and
through a live medeld, with the same stderr both ways. With --json,
stdout is the answer as sent, warnings included.
"""
import datetime
import json
import os
import shutil
import unittest

from clitest import daemon_on, medel, tmpdir

LINES = [
    '{"type":"party","date":"2020-01-01","party":"kk","name":"KK",'
    '"kind":"state","org_no":"232100-0016"}',
    '{"type":"party","date":"2020-01-01","party":"kk2","name":"KK2",'
    '"kind":"state","org_no":"232100-0017"}',
    '{"type":"grant","date":"2019-11-01","grant":"g","name":"G",'
    '"payer":"kk","total":100,"year":2020,"use_by":"2019-12-31"}',
]
CSV = ("party;name;kind;date;org_no\n"
       "sthlm;Stockholm;municipality;2020-01-01;212000-1354\n")


class Warnings(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir(self)
        self.file = os.path.join(self.dir, "w.jsonl")
        with open(self.file, "w", encoding="utf-8") as f:
            f.write("\n".join(LINES) + "\n")
        self.csv = os.path.join(self.dir, "p.csv")
        with open(self.csv, "w", encoding="utf-8") as f:
            f.write(CSV)

    def runs(self, how):
        """The writes, in order, with `how` (--db DIR or --socket S)."""
        out = []
        out.append(medel(*how, "append", "--dry-run", self.file))
        out.append(medel(*how, "append", self.file))
        out.append(medel(*how, "record", "party", "--party", "p3",
                         "--name", "P3", "--kind", "state", "--date",
                         "2020-01-01", "--org-no", "1234"))
        out.append(medel(*how, "import-csv", self.csv, "--type", "party"))
        for r in out:
            self.assertEqual(r.rc, 0, r)
        return out

    def check(self, runs):
        dry, append, record, imp = runs
        self.assertIn(b"dry-run", dry.out)
        want = [b"medel: warning: w.jsonl line 2, field org_no: org_no "
                b"232100-0017 has a wrong check digit",
                b"medel: warning: w.jsonl line 3, field use_by: use_by "
                b"2019-12-31 is before the year 2020 begins"]
        for r in (dry, append):
            lines = r.err.splitlines()
            self.assertEqual(len(lines), 2, r)
            for line, start in zip(lines, want):
                self.assertTrue(line.endswith(b"?"), r)
                self.assertIn(start, line.replace(
                    os.path.dirname(self.file).encode() + b"/", b""), r)
        self.assertEqual(record.err.splitlines(), [
            b'medel: warning: --org-no: org_no "1234" is not a Swedish '
            b'organisation number (ten digits, NNNNNN-NNNN)'], record)
        lines = imp.err.splitlines()
        self.assertEqual(len(lines), 1, imp)
        self.assertTrue(lines[0].startswith(b"medel: warning: "), imp)
        self.assertIn(b"212000-1354 has a wrong check digit", lines[0])
        self.assertEqual(len(append.out.splitlines()), 3, append)

    def test_embedded_and_daemon_alike(self):
        db = os.path.join(self.dir, "db")
        embedded = self.runs(["--db", db])
        self.check(embedded)
        data = os.path.join(self.dir, "data")
        os.makedirs(data)
        d = daemon_on(self, data)
        daemon = self.runs(["--socket", d.socket])
        self.check(daemon)
        for a, b in zip(embedded, daemon):
            self.assertEqual(a.err, b.err)
        self.assertEqual(medel("--db", db, "log").rc, 0)
        log = medel("--db", db, "--json", "log").out
        self.assertEqual(len(json.loads(log)["events"]), 5)

    def test_json_prints_the_answer(self):
        db = os.path.join(self.dir, "db")
        r = medel("--db", db, "--json", "append", self.file)
        self.assertEqual(r.rc, 0, r)
        j = json.loads(r.out)
        self.assertEqual([(w["index"], w["field"], w["code"])
                          for w in j["warnings"]],
                         [(1, "org_no", "org_no"),
                          (2, "use_by", "deadline_order")])
        self.assertEqual(len(r.err.splitlines()), 2, r)

    def test_ten_of_each_kind_then_a_count(self):
        """25 dates in the future over two files (two batches) and one
        bad org_no: ten far_future lines, the org_no line, then one line
        counting the 15 not shown; every event is stored."""
        far = (datetime.date.today() +
               datetime.timedelta(days=800)).isoformat()
        files = []
        for n, count in ((1, 12), (2, 13)):
            path = os.path.join(self.dir, "far%d.jsonl" % n)
            with open(path, "w", encoding="utf-8") as f:
                for i in range(count):
                    f.write(json.dumps({
                        "type": "party", "date": far, "party":
                        "p%d-%d" % (n, i), "name": "P", "kind": "state"})
                        + "\n")
            files.append(path)
        files.append(self.file)  # its org_no and use_by warnings
        db = os.path.join(self.dir, "db")
        r = medel("--db", db, "append", *files)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(r.out.splitlines()), 25 + 3, r)
        lines = r.err.decode().splitlines()
        far_lines = [x for x in lines if "is more than a year" in x]
        self.assertEqual(len(far_lines), 10, r)
        self.assertEqual(sum("org_no" in x for x in lines[:-1]), 1, r)
        self.assertEqual(sum("use_by" in x for x in lines[:-1]), 1, r)
        self.assertEqual(lines[-1], "medel: warning: 15 more warnings not "
                         "shown: dates more than a year after today "
                         "(far_future; the first 10 are above)")
        self.assertEqual(len(lines), 13, r)


if __name__ == "__main__":
    unittest.main()
