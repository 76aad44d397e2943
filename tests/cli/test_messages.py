"""Messages a controller reads, and the exit status CLI.md gives them.

Provokes a broad set of failures, of medel's own and of the ledger's
(bad dates and amounts typed or in a file, unknown parties, over-
allocation, each event type with a field missing or one too many, bad
options and commands, JSON that does not parse, a stopped medeld), and
checks each one's exit status and wording:

  - stderr starts "medel: CODE: " (CODE in lower case and '_');
  - no "a " before a vowel-initial word ("a expense", "a allocation");
  - no doubled prefix ("--date: date:", "date: date:");
  - no "..=" (a range is written in words).

It also scans the C sources' string literals (ledger/, ledger/api/,
cli/) for "..=" and for an article written before a type name that
printf fills in ("a %s event"), which reads wrong for half the types.
"""
import glob
import os
import re
import unittest

from clitest import (SOURCE, STORSTHLM, head_seq, load_examples, medel,
                     tmpdir)

EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 1, 2, 3
PREFIX = re.compile(rb"^medel: [a-z_0-9]+: ")
A_VOWEL = re.compile(rb"\ba [aeiouAEIOU]")
DOUBLED = re.compile(rb"(--)?([a-z_-]+): \2: ")
TYPES = ["party", "grant", "allocation", "decline", "requisition",
         "invoice", "payout", "expense", "repayment", "carryover", "report",
         "correction"]


class Messages(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir(self)
        self.db = os.path.join(self.dir, "db")
        load_examples(self.db)

    def check_words(self, r):
        first = r.err.split(b"\n")[0]
        self.assertRegex(first, PREFIX, r)
        self.assertNotRegex(r.err, A_VOWEL, r)
        self.assertNotRegex(r.err, DOUBLED, r)
        self.assertNotIn(b"..=", r.err, r)

    def run_db(self, rc, *args):
        r = medel("--db", self.db, *args)
        self.assertEqual(r.rc, rc, r)
        self.check_words(r)
        return r

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_typed_values_are_usage(self):
        """Every value typed wrongly exits 2, found by medel or ledger."""
        expense = ["record", "expense", "--grant", "psykisk-halsa-2020",
                   "--party", "malmo-asn", "--activity", "a", "--unit", "u"]
        r = self.run_db(EXIT_USAGE, *expense, "--date", "2020-13-01",
                        "--amount", "100")
        self.assertIn(b"--date: '2020-13-01'", r.err)
        r = self.run_db(EXIT_USAGE, *expense, "--date", "2020-12-01",
                        "--amount", "1x")
        self.assertIn(b"--amount: ", r.err)
        r = self.run_db(EXIT_USAGE, *expense, "--date", "2020-12-01",
                        "--amount", "0")
        self.assertIn(b"from 1 \xc3\xb6re", r.err)
        r = self.run_db(EXIT_USAGE, *expense, "--date", "2250-01-01",
                        "--amount", "100")
        self.run_db(EXIT_USAGE, "balance", "--as-of", "2020-02-30")
        self.run_db(EXIT_USAGE, "balance", "--known-at", "yesterday")
        self.run_db(EXIT_USAGE, "log", "--after", "x")
        self.run_db(EXIT_USAGE, "log", "--type", "bogus")
        self.run_db(EXIT_USAGE, "repayments", "--year", "1850")
        self.run_db(EXIT_USAGE, "balance", "--nope")
        self.run_db(EXIT_USAGE, "frobnicate")
        self.run_db(EXIT_USAGE, "append", os.path.join(self.dir, "none"))
        self.run_db(EXIT_USAGE, "record", "expense", "--id", "bad id!",
                    "--amount", "100")

    def test_ledger_refusals(self):
        """A rule or a missing thing exits 1, with a readable message."""
        r = self.run_db(EXIT_REFUSED, "record", "expense", "--grant",
                        "psykisk-halsa-2020", "--party", "nobody",
                        "--activity", "a", "--unit", "u", "--amount", "100",
                        "--date", "2020-12-01")
        self.assertTrue(r.err.startswith(b"medel: unknown_party: --party: "),
                        r)
        self.assertIn(b"define it with a party event", r.err)
        r = self.run_db(EXIT_REFUSED, "record", "allocation", "--grant",
                        "psykisk-halsa-2020", "--from", "kammarkollegiet",
                        "--to", "malmo", "--amount", "9 000 000 000 kr",
                        "--date", "2020-12-01", "--dry-run")
        self.assertTrue(r.err.startswith(b"medel: over_allocation: "), r)
        r = self.run_db(EXIT_REFUSED, "trace", "no-such-grant")
        self.assertEqual(r.err,
                         b"medel: not_found: grant: no grant "
                         b"'no-such-grant'\n")
        # a seq that names the wrong kind of event: a value (400), 2
        r = self.run_db(EXIT_USAGE, "record", "correction",
                        "--corrects", "1", "--note", "n",
                        "--date", "2020-12-01")
        self.assertIn(b"is a party event", r.err)

    def test_every_type_missing_a_field(self):
        for t in TYPES:
            with self.subTest(type=t):
                r = self.run_db(EXIT_USAGE, "record", t, "--dry-run")
                self.assertTrue(r.err.startswith(b"medel: missing_field: "),
                                r)
                art = "an" if t[0] in "aeiou" else "a"
                self.assertIn(f"{art} {t} event needs".encode(), r.err)
        r = self.run_db(EXIT_USAGE, "record", "close", "--amount", "100",
                        "--dry-run")
        self.assertIn(b"a close event has no such field", r.err)
        r = self.run_db(EXIT_USAGE, "record", "invoice", "--total", "100",
                        "--dry-run")
        self.assertIn(b"an invoice event has no such field", r.err)

    def test_file_errors(self):
        good = ('{"type":"party","id":"p:a","date":"2020-01-01",'
                '"party":"a","kind":"other","name":"A"}\n')
        lines = self.write("events.jsonl", good * 2 +
                           '{"type": "party", "id" "b"}\n')
        r = self.run_db(EXIT_USAGE, "append", lines)
        self.assertTrue(r.err.startswith(
            f"medel: invalid_json: {lines}:3:24: ".encode()), r)
        array = self.write("events.json", "[\n  {\"type\": \"party\",\n"
                           "   \"kind\": }\n]\n")
        r = self.run_db(EXIT_USAGE, "append", array)
        self.assertTrue(r.err.startswith(
            f"medel: invalid_json: {array}:3:12: ".encode()), r)
        wide = self.write("wide.jsonl", '{"note": "\u00e5\u00e4\u00f6"} x\n')
        r = self.run_db(EXIT_USAGE, "append", wide)
        self.assertIn(f"{wide}:1:17: ".encode(), r.err)  # not bytes
        date = self.write("date.jsonl", good + good.replace(
            "2020-01-01", "2020-02-30"))
        r = self.run_db(EXIT_USAGE, "append", date)
        self.assertIn(b"line 2, field date: '2020-02-30'", r.err)
        party = self.write("party.jsonl", (
            '{"type":"expense","grant":"%s","party":"nobody",'
            '"activity":"a","unit":"u","amount":100,"date":"2020-12-01"}\n'
            % STORSTHLM))
        self.run_db(EXIT_REFUSED, "append", party)

    def test_log_prints_nothing_before_an_error(self):
        sock = os.path.join(self.dir, "none.sock")
        r = medel("--socket", sock, "log")
        self.assertEqual((r.rc, r.out), (EXIT_UNREACHABLE, b""), r)
        self.check_words(r)
        r = self.run_db(EXIT_USAGE, "log", "--type", "bogus")
        self.assertEqual(r.out, b"")
        r = self.run_db(EXIT_USAGE, "--csv", "log", "--grant", "Bad Id")
        self.assertEqual(r.out, b"")
        r = medel("--db", self.db, "log", "--after",
                  str(head_seq(self.db)))
        self.assertEqual((r.rc, r.out.count(b"\n")), (0, 1), r)  # header

    def test_json_errors_stay_the_apis(self):
        r = medel("--db", self.db, "--json", "record", "expense",
                  "--dry-run")
        self.assertEqual(r.rc, EXIT_USAGE, r)
        self.assertTrue(r.err.startswith(b'{"error":{"code":'), r)


LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')


class Sources(unittest.TestCase):
    def test_literals(self):
        files = []
        for d in ("ledger", os.path.join("ledger", "api"), "cli"):
            files += glob.glob(os.path.join(SOURCE, d, "*.c"))
        self.assertGreater(len(files), 20)
        bad = []
        for path in files:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
            for lit in LITERAL.findall(text):
                if "..=" in lit:
                    bad.append((path, lit))
                if re.search(r"\ba %(\.\*|\.\d+)?s\b", lit):
                    bad.append((path, lit))
                if re.search(r"\ba [aeiou]", lit):
                    bad.append((path, lit))
        self.assertEqual(bad, [])


if __name__ == "__main__":
    unittest.main()
