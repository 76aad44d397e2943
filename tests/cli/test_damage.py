#!/usr/bin/env python3
"""`medel verify` on a ledger with a page LMDB crashes on (issue 14).

LMDB 0.9 keeps no page checksums: a flipped byte in a node offset of a
page can make it read outside the page (SIGSEGV, or SIGBUS past the end
of the file), or stop on its own assertion (SIGABRT). `medel verify` must then say that the file is damaged and
what it was reading, and exit 1 as for any difference — not die by a
signal (cli/mc_guard.c, ledger/include/ml_damage.h).

The ledger is the tamper test's (tests/tools/test_tamper.py): the worked
examples in sorted order, appended with `medel --db`. Its page layout does
not depend on the recorded times, so each position below, taken from a
tamper run's "caught SIG…" lines, makes LMDB crash on every build of it.
If the examples change, the positions move: run `tamper LEDGER` on the
new ledger and take new ones from its "caught" lines.

Three tests find their page themselves, from the meta page down, so they
do not move with the layout (db_root): a node offset of the log's last
leaf pointing past the file (last_leaf_offsets), a child of the log's
root sent to another branch page (child_to_branch), and one damage that
does not crash LMDB and must still be found: a branch page's separator
made lower than the last key on its left, which sends that key's lookups
astray while a walk in key order sees nothing wrong (lowered_separator;
stop 22's verify missed it)."""
import glob
import os
import re
import shutil
import struct
import subprocess
import tempfile
import unittest

from clitest import MEDEL, SOURCE

EXAMPLES = sorted(glob.glob(os.path.join(SOURCE, "docs", "examples",
                                         "*.jsonl")))
DAMAGED = "the ledger file is damaged: LMDB "
HINT = ("flipping byte %d no longer makes LMDB crash (did docs/examples "
        "change? take a new position from a tamper run, see the docstring)")


def lmdb_nodes(data, psize, pgno):
    """(flags, [(node offset in the page, key, child page or 0)]) of an
    LMDB page: the 64-bit layout of mdb.c (a 16-byte header, then the
    nodes' offsets; a node is lo, hi, flags, key size, key; a branch
    node's child is lo | hi << 16 | flags << 32)."""
    base = pgno * psize
    flags, lower = struct.unpack_from("<HH", data, base + 10)
    nodes = []
    for i in range((lower - 16) // 2):
        off = struct.unpack_from("<H", data, base + 16 + 2 * i)[0]
        lo, hi, fl, ksize = struct.unpack_from("<HHHH", data, base + off)
        key = data[base + off + 8:base + off + 8 + ksize]
        nodes.append((off, key, lo | hi << 16 | fl << 32))
    return flags, nodes


def db_root(data, db):
    """(page size, root page) of database db, from the newer meta page
    down through the main database's node for db."""
    psize = struct.unpack_from("<I", data, 16 + 24)[0]  # meta's mm_psize
    metas = [struct.unpack_from("<QQ", data, m * psize + 136)
             for m in (0, 1)]  # mm_last_pg, mm_txnid
    meta = 0 if metas[0][1] >= metas[1][1] else 1
    main_root = struct.unpack_from("<Q", data, meta * psize + 88 + 40)[0]
    _, named = lmdb_nodes(data, psize, main_root)
    for off, key, _ in named:
        if key == db.encode():
            value = main_root * psize + off + 8 + len(key)
            return psize, struct.unpack_from("<Q", data, value + 40)[0]
    raise AssertionError("no database %s" % db)


def last_leaf_offsets(data, db):
    """The file position of the node offsets' high byte in db's last
    leaf (the rightmost page from the root down): a damaged offset there
    points past the end of the file."""
    psize, pg = db_root(data, db)
    flags, nodes = lmdb_nodes(data, psize, pg)
    while flags & 1:  # a branch: its last child
        pg = nodes[-1][2]
        flags, nodes = lmdb_nodes(data, psize, pg)
    return pg * psize + 17


def child_to_branch(data, db):
    """(file position, bit) in db's root, a branch page, such that the
    bit flipped in a child's page number makes it another branch page:
    LMDB then reads a branch where it expects a leaf."""
    psize, root = db_root(data, db)
    flags, nodes = lmdb_nodes(data, psize, root)
    assert flags & 1, "%s is one leaf" % db
    for off, _, child in nodes:
        for bit in range(8):
            other = child ^ (1 << bit)
            if other == root or (other + 1) * psize > len(data):
                continue
            if struct.unpack_from("<H", data, other * psize + 10)[0] & 1:
                return root * psize + off, 1 << bit
    raise AssertionError("no child of %s's root can be sent astray" % db)


def lowered_separator(data, db):
    """Where to write, in a branch page of database db, a separator key
    made lower than the last key of the leaf on its left (that key's
    first bytes, of the separator's length): (file position, new key).
    A lookup of that last key then descends to the wrong leaf, while a
    walk from leaf to leaf still meets every record in order."""
    psize, root = db_root(data, db)
    flags, nodes = lmdb_nodes(data, psize, root)
    assert flags & 1, "%s is one leaf: no separator to damage" % db
    for i in range(1, len(nodes)):
        off, sep, _ = nodes[i]
        lflags, left = lmdb_nodes(data, psize, nodes[i - 1][2])
        if not lflags & 2:
            continue
        low = left[-1][1][:len(sep)]
        if nodes[i - 1][1] < low < sep:
            return root * psize + off + 8, low
    raise AssertionError("no separator of %s can be lowered" % db)


class Damage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="medel-damage-")
        cls.db = os.path.join(cls.tmp, "ledger")
        r = subprocess.run([MEDEL, "--db", cls.db, "append", *EXAMPLES],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def verify_flipped(self, pos, mask=0xff):
        """medel verify on a copy with byte pos xor mask."""
        copy = os.path.join(self.tmp, "copy-%d" % pos)
        shutil.rmtree(copy, True)
        os.mkdir(copy)
        shutil.copy(os.path.join(self.db, "data.mdb"), copy)
        with open(os.path.join(copy, "data.mdb"), "r+b") as f:
            f.seek(pos)
            b = f.read(1)[0]
            f.seek(pos)
            f.write(bytes([b ^ mask]))
        return subprocess.run([MEDEL, "--db", copy, "verify"],
                              capture_output=True, text=True, timeout=60)

    def assert_named(self, r, pos, *words):
        self.assertGreaterEqual(r.returncode, 0,
                                "verify died by signal %d: %s"
                                % (-r.returncode, r.stderr))
        self.assertIn(DAMAGED, r.stderr, HINT % pos)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"(^|\n)medel: verify: ")
        for w in words:
            self.assertRegex(r.stderr, w)
        self.assertIn("restore the ledger from its last backup", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_original_verifies(self):
        r = subprocess.run([MEDEL, "--db", self.db, "verify"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("ok"), r.stdout)

    def test_ids_page_beside_the_chain(self):
        # A node offset of an ids leaf: the walk of the ids index beside
        # the log, on the chain's thread (ml_verify_logsums.c).
        r = self.verify_flipped(27228)
        self.assert_named(r, 27228, r"\(SIGSEGV\) reading the ids table",
                          r"at seq \d+ of the log, while verify was "
                          r"checking the id index against the log\.")

    def test_defs_page_while_comparing(self):
        r = self.verify_flipped(44462)
        self.assert_named(r, 44462,
                          r"\(SIGSEGV\) reading the definitions table "
                          r"while verify was comparing the stored tables")

    def data(self):
        with open(os.path.join(self.db, "data.mdb"), "rb") as f:
            return f.read()

    def test_page_past_the_file_while_opening(self):
        # The log's last leaf, found from the meta page down: opening
        # reads each table's last record, and the damaged offset points
        # past the end of the file.
        pos = last_leaf_offsets(self.data(), "log")
        r = self.verify_flipped(pos)
        self.assert_named(r, pos, r"\(SIGBUS\) reading the log while "
                          r"the ledger was being opened\.")

    def test_lowered_separator(self):
        # A separator of the balances table lowered below the last key
        # of the leaf on its left: that key's lookup (a balance at its
        # date) descends to the wrong leaf. The walk in key order never
        # reads separators; verify's lookups of each leaf's first and
        # last keys, from the root, must see it (ml_verify_cursor.c).
        copy = os.path.join(self.tmp, "copy-separator")
        shutil.rmtree(copy, True)
        os.mkdir(copy)
        path = os.path.join(copy, "data.mdb")
        shutil.copy(os.path.join(self.db, "data.mdb"), path)
        with open(path, "r+b") as f:
            pos, key = lowered_separator(f.read(), "acct")
            f.seek(pos)
            f.write(key)
        r = subprocess.run([MEDEL, "--db", copy, "verify"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("DIFFERENCE", r.stdout)
        self.assertIn("a lookup of it does not find it", r.stdout)

    def test_lmdb_assertion_on_a_log_page(self):
        # A child of the log's root sent to another branch page: LMDB's
        # "Assertion 'IS_LEAF(mp)' failed" and abort(). Either verify
        # thread may meet the page first: the log is read by the chain's
        # and by the replay.
        pos, bit = child_to_branch(self.data(), "log")
        r = self.verify_flipped(pos, bit)
        self.assertIn("IS_LEAF", r.stderr, HINT % pos)
        self.assert_named(r, pos,
                          r"LMDB stopped on its own check of a page "
                          r"\(SIGABRT\) reading the log, at seq \d+ of "
                          r"the log, while verify was (replaying the log"
                          r"|re-hashing the chain)\.")


if __name__ == "__main__":
    unittest.main(verbosity=2)
