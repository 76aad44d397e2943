"""What `medel append` prints (issue 15): embedded, each event's line is
printed from the ledger's own result (ma_request.on_appended) instead of
the API's JSON answer parsed back; through medeld it is still printed
from the answer. Both must print the same bytes: human lines, --csv rows
(seq;id;duplicate;recorded_at;hash) and the dry run, for first sends and
for re-sends, events with ids and JSON Lines that get a derived one.

recorded_at (and so the hash) is the clock's at the commit, so two first
sends into two ledgers differ there; a re-send answers with the stored
values, so the first send's rows must equal a later re-send's rows but
for "duplicate" — through medeld, where they come from the JSON answer.
(The worked examples share parties, so a first send has duplicates.)
"""
import os
import unittest

from clitest import EXAMPLES, copy_ledger, daemon_on, medel, tmpdir

NO_IDS = [
    '{"type":"party","date":"2020-01-01","party":"x1","name":"X1",'
    '"kind":"state"}',
    '',
    '{"type":"party","date":"2020-01-01","party":"x2","name":"X \\u00e5",'
    '"kind":"municipality"}',
]


def rows(out):
    """A --csv output as cells, header dropped."""
    return [line.split(b";") for line in out.splitlines()[1:]]


class AppendOutput(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir(self)
        self.no_ids = os.path.join(self.dir, "no-ids.jsonl")
        with open(self.no_ids, "w", encoding="utf-8") as f:
            f.write("\n".join(NO_IDS) + "\n")
        self.files = [*EXAMPLES, self.no_ids]
        self.db = os.path.join(self.dir, "embedded")
        os.makedirs(self.db)
        self.data = os.path.join(self.dir, "daemon")
        os.makedirs(self.data)

    def both(self, d, *args):
        """The same command embedded and through the daemon d."""
        a = medel("--db", self.db, *args)
        b = medel("--socket", d.socket, *args)
        self.assertEqual(a.rc, 0, a)
        self.assertEqual(b.rc, 0, b)
        return a, b

    def test_embedded_prints_what_the_answer_says(self):
        d = daemon_on(self, self.data)
        for mode in ([], ["--lang", "sv"]):
            dry = self.both(d, *mode, "append", "--dry-run", *self.files)
            self.assertEqual(dry[0].out, dry[1].out)
            self.assertIn(b" dry-run\n", dry[0].out)
        first = self.both(d, "--csv", "append", *self.files)
        a, b = rows(first[0].out), rows(first[1].out)
        self.assertGreater(len(a), 100)
        self.assertEqual(first[0].out.splitlines()[0],
                         first[1].out.splitlines()[0])
        # seq, id, duplicate alike; the times (and hashes) are each
        # ledger's own clock's
        self.assertEqual([r[:3] for r in a], [r[:3] for r in b])
        self.assertIn(b"false", [r[2] for r in a])
        self.assertIn(b"true", [r[2] for r in a])  # shared parties
        # the daemon, re-sent the embedded ledger's events, answers with
        # what the embedded first send printed
        copy = os.path.join(self.dir, "copy")
        copy_ledger(self.db, copy)
        d2 = daemon_on(self, copy)
        again = medel("--socket", d2.socket, "--csv", "append",
                      *self.files)
        self.assertEqual(again.rc, 0, again)
        self.assertEqual([r[:2] + r[3:] for r in rows(again.out)],
                         [r[:2] + r[3:] for r in a])
        self.assertTrue(all(r[2] == b"true" for r in rows(again.out)))
        # a re-send: the same ledger's bytes embedded and through medeld
        resend = medel("--db", self.db, "--csv", "append", *self.files)
        self.assertEqual(resend.rc, 0, resend)
        self.assertEqual(resend.out, again.out)
        self.assertEqual(resend.err, again.err)
        self.assertEqual(resend.out.count(b";true;"), len(a))
        dup = self.both(d, "append", *self.files)
        self.assertEqual(dup[0].out, dup[1].out)

    def test_human_lines_alike(self):
        d = daemon_on(self, self.data)
        first = self.both(d, "append", *self.files)
        self.assertEqual(first[0].out, first[1].out)
        self.assertIn(b"1 duplicate\n", first[0].out)  # shared parties
        dup = self.both(d, "append", self.no_ids)
        self.assertEqual(dup[0].out, dup[1].out)
        self.assertEqual(dup[0].out.count(b" duplicate\n"), 2)

    def test_a_tree_larger_than_the_region(self):
        """Embedded, cJSON allocates a batch's tree from a 16 MiB region
        and from malloc beyond it (mc_embed.c): a 7 MiB event of 600 000
        members makes a tree of ~50 MiB. It is refused (no such field)
        without harm, as through medeld, and the next run stores."""
        big = os.path.join(self.dir, "big.jsonl")
        with open(big, "w", encoding="utf-8") as f:
            f.write('{"type":"party","date":"2020-01-01","party":"b",'
                    '"name":"B","kind":"state"')
            f.write("".join(',"m%d":1' % i for i in range(600000)))
            f.write("}\n")
        d = daemon_on(self, self.data)
        a = medel("--db", self.db, "append", big)
        b = medel("--socket", d.socket, "append", big)
        self.assertEqual(a.rc, b.rc)
        self.assertNotEqual(a.rc, 0, a)
        self.assertEqual(a.err, b.err)
        self.assertIn(b"m0", a.err)
        ok = medel("--db", self.db, "append", self.no_ids)
        self.assertEqual(ok.rc, 0, ok)
        self.assertEqual(ok.out, b"1\n2\n")


if __name__ == "__main__":
    unittest.main()
