"""medel over TCP with tokens, and the connection order of CLI.md.

A medeld with --listen and a tokens file: a read token may read (same
bytes as embedded), not write (403 → exit 1); a wrong token cannot use
the ledger (401 → exit 3). --url beats --socket, MEDEL_URL beats
MEDEL_SOCKET, and --db beats everything.
"""
import os
import unittest

from clitest import Medeld, examples_twice, head_seq, medel


class Url(unittest.TestCase):
    def setUp(self):
        self.db, copy = examples_twice(self)
        self.d = Medeld(data=copy, tokens=[("read", "controller", "r-tok"),
                                           ("write", "job", "w-tok")])
        self.addCleanup(self.d.cleanup)
        self.d.start()
        self.url = f"http://127.0.0.1:{self.d.port}"

    def test_read_token(self):
        args = ["repayments", "--year", "2020", "--as-of", "2021-04-01"]
        a = medel("--db", self.db, *args)
        b = medel("--url", self.url, "--token", "r-tok", *args)
        c = medel(*args, extra_env={"MEDEL_URL": self.url,
                                    "MEDEL_TOKEN": "r-tok"})
        self.assertEqual((a.rc, a.out, a.err), (b.rc, b.out, b.err))
        self.assertEqual((a.rc, a.out, a.err), (c.rc, c.out, c.err))

    def test_roles(self):
        rec = ["record", "report", "--grant", "psykisk-halsa-2020",
               "--party", "malmo", "--date", "2021-01-29"]
        r = medel("--url", self.url, "--token", "r-tok", *rec)
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(r.err.startswith(b"medel: forbidden: "), r)
        head = head_seq(self.db)
        w = medel("--url", self.url, "--token", "w-tok", *rec)
        self.assertEqual((w.rc, w.out.splitlines()[-1]),
                         (0, str(head + 1).encode()), w)
        log = medel("--url", self.url, "--token", "r-tok", "--csv", "log",
                    "--after", str(head))
        self.assertTrue(log.out.endswith(b";job\r\n"), log)  # recorded_by
        bad = medel("--url", self.url, "--token", "nope", "verify")
        self.assertEqual(bad.rc, 3, bad)
        self.assertTrue(bad.err.startswith(b"medel: unauthorized: "), bad)

    def test_unauthorized_names_the_fix(self):
        """A 401 says what to type; --json keeps the daemon's object."""
        bad = medel("--url", self.url, "--token", "nope", "balance")
        self.assertEqual((bad.rc, bad.out), (3, b""), bad)
        self.assertEqual(bad.err,
                         b"medel: unauthorized: the token was refused: give "
                         b"a valid one with --token or MEDEL_TOKEN\n")
        env = medel("log", extra_env={"MEDEL_URL": self.url,
                                      "MEDEL_TOKEN": "nope"})
        self.assertEqual((env.rc, env.out, env.err),
                         (bad.rc, b"", bad.err), env)
        none = medel("--url", self.url, "balance")
        self.assertEqual(none.rc, 3, none)
        self.assertEqual(none.err,
                         b"medel: unauthorized: the ledger needs a token: "
                         b"give one with --token or MEDEL_TOKEN\n")
        js = medel("--url", self.url, "--token", "nope", "--json", "balance")
        self.assertEqual(js.rc, 3, js)
        self.assertTrue(js.err.startswith(
            b'{"error":{"code":"unauthorized"'), js)
        self.assertNotIn(b"MEDEL_TOKEN", js.err)

    def test_order(self):
        sock = self.d.socket
        # --db first, then --url, then --socket
        r = medel("--socket", "/nonexistent.sock", "--db", self.db,
                  "verify")
        self.assertEqual(r.rc, 0, r)
        r = medel("--socket", "/nonexistent.sock", "--url", self.url,
                  "--token", "r-tok", "verify")
        self.assertEqual(r.rc, 0, r)
        # --socket beats the environment
        r = medel("--socket", sock, "verify",
                  extra_env={"MEDEL_URL": "http://127.0.0.1:9"})
        self.assertEqual(r.rc, 0, r)
        # MEDEL_URL beats MEDEL_SOCKET
        r = medel("verify", extra_env={"MEDEL_URL": "http://127.0.0.1:9",
                                       "MEDEL_SOCKET": sock})
        self.assertEqual(r.rc, 3, r)
        self.assertIn(b"MEDEL_URL", r.err)
        r = medel("verify", extra_env={"MEDEL_SOCKET": sock})
        self.assertEqual(r.rc, 0, r)

    def test_locked(self):
        r = medel("--db", self.d.data, "balance")
        self.assertEqual(r.rc, 3, r)
        self.assertIn(b"use the daemon", r.err)


if __name__ == "__main__":
    unittest.main()
