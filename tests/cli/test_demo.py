"""tools/demo, the README's first command, as a newcomer runs it.

The demo runs on a temporary data directory (MEDEL_DEMO_DATA) with the
binaries under test (MEDEL_DEMO_BUILD), twice: each run must exit 0,
load the worked examples (the second run as harmless re-sends, so both
runs print the same lines about them), print a web-view link whose token
opens the API and the page, keep the data directory 0750, and leave its
medeld running; the test stops that medeld itself.
"""
import os
import re
import shutil
import select
import signal
import stat
import subprocess
import tempfile
import unittest
import urllib.request

from clitest import MEDEL, SOURCE, env

LINK = re.compile(rb"http://(127\.0\.0\.1:\d+)/#token=([0-9a-f]{32})")
LOADED = re.compile(rb"^docs/examples/.*events, the last stored as seq.*$",
                    re.M)


class Demo(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="medel-demo-")
        self.data = os.path.join(self.root, "medel-data")
        build = os.path.dirname(os.path.dirname(os.path.abspath(MEDEL)))
        self.env = env()
        self.env.update(MEDEL_DEMO_DATA=self.data, MEDEL_DEMO_BUILD=build)

    def tearDown(self):
        self.stop()
        shutil.rmtree(self.root, True)

    def stop(self):
        """SIGTERM to the medeld the demo left, then wait for it to go."""
        try:
            with open(os.path.join(self.data, "medeld.pid")) as f:
                pid = int(f.read())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
            # not our child: wait with the kernel's own pidfd
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            return
        select.select([fd], [], [], 30)
        os.close(fd)

    def demo(self):
        r = subprocess.run([os.path.join(SOURCE, "tools", "demo")],
                           env=self.env, capture_output=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        return r.stdout

    def get(self, url, token):
        req = urllib.request.Request(
            url, headers={"Authorization": "Bearer " + token.decode()})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()

    def test_twice(self):
        first = self.demo()
        loaded = LOADED.findall(first)
        self.assertGreaterEqual(len(loaded), 2, first)
        self.assertIn(b"13 878 000", first)  # SKL 2014: certain
        mode = stat.S_IMODE(os.stat(self.data).st_mode)
        self.assertEqual(mode, 0o750)
        addr, token = LINK.search(first).groups()
        status, body = self.get(
            "http://%s/v1/balances?party=sodertalje&as_of=2021-04-01"
            % addr.decode(), token)
        self.assertEqual(status, 200)
        self.assertIn(b'"party":"sodertalje"', body)
        status, page = self.get("http://%s/" % addr.decode(), token)
        self.assertEqual(status, 200)
        self.assertIn(b"<html", page.lower())

        second = self.demo()  # stops the first medeld, starts another
        self.assertEqual(LOADED.findall(second), loaded)
        addr2, token2 = LINK.search(second).groups()
        self.assertNotEqual(token2, token)  # a fresh token each run
        status, _ = self.get(
            "http://%s/v1/balances?party=sodertalje" % addr2.decode(),
            token2)
        self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()
