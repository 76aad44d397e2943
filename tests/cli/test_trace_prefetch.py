"""`medel trace`'s prefetch is advice: the same bytes with it on or off.

medel --db trace may have threads read the trace's pages before it walks
them (ml_prefetch.h): automatically when they are on disk, always with
MEDEL_TRACE_PREFETCH=N walkers, never with MEDEL_TRACE_PREFETCH=0. Here
every format of several grants of the worked examples, at dates before,
inside and after their years, with and without --posts, is compared byte
for byte (output and exit status) between the prefetch off and each of
the others. tests/unit/test_prefetch.c covers a walker that cannot get a
read transaction.
"""
import unittest

from clitest import STORSTHLM, load_examples, medel, tmpdir

GRANTS = ["psykisk-halsa-2020", STORSTHLM, "prestation-2012",
          "evidensbaserad-praktik-2014", "no-such-grant"]
DATES = [None, "2012-06-30", "2020-06-30", "2021-04-01"]
FORMATS = ["tree", "json", "csv", "svg", "dot"]
WAYS = [None, "1", "3", "32", "x"]  # unset and "x": the default (auto)


class TracePrefetch(unittest.TestCase):
    def setUp(self):
        self.db = tmpdir(self)
        load_examples(self.db)

    def trace(self, way, args):
        extra = {} if way is None else {"MEDEL_TRACE_PREFETCH": way}
        r = medel("--db", self.db, "trace", *args, extra_env=extra)
        return r.rc, r.out, r.err

    def test_same_bytes(self):
        compared = 0
        for g in GRANTS:
            for d in DATES:
                for posts in ([], ["--posts"]):
                    for f in FORMATS:
                        args = [g, "--format", f, *posts]
                        if d is not None:
                            args += ["--as-of", d]
                        off = self.trace("0", args)
                        for way in WAYS:
                            with self.subTest(args=args, way=way):
                                self.assertEqual(self.trace(way, args), off)
                            compared += 1
        self.assertEqual(compared, len(GRANTS) * len(DATES) * 2 *
                         len(FORMATS) * len(WAYS))

    def test_known_at_unchanged(self):
        # a known view is never prefetched; the answer is the same anyway
        args = ["psykisk-halsa-2020", "--as-of", "2021-04-01", "--known-at",
                "2030-01-01T00:00:00Z", "--format", "json"]
        off = self.trace("0", args)
        self.assertEqual(off[0], 0, off)
        self.assertEqual(self.trace("4", args), off)


if __name__ == "__main__":
    unittest.main()
