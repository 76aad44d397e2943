"""docs/api.md's curl examples work as written.

Starts medeld the way the page says (in an empty directory, no options:
./medel-data and ./medel-data/medeld.sock), plus a TCP listener on
127.0.0.1:8080 with a token in $TOKEN when that port is free, runs every
```sh block of the page in order with bash from that directory, and
checks each exits 0 and answers what the ```json block after it shows:
the same top-level keys, or the same error code.
"""
import json
import os
import re
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import Medeld, MedeldTestCase  # noqa: E402

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "api.md")
TOKEN = "docs-example-token"


def blocks(path):
    """[(sh text, json text or None)] in page order."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r"```(sh|json)\n(.*?)```", text, re.S)
    out = []
    for i, (kind, body) in enumerate(found):
        if kind != "sh":
            continue
        nxt = found[i + 1] if i + 1 < len(found) else None
        out.append((body, nxt[1] if nxt and nxt[0] == "json" else None))
    return out


def port_free(port):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


class Docs(MedeldTestCase):
    def test_every_example(self):
        tcp = port_free(8080)
        d = self.start_medeld(
            as_documented=True, tcp_listen="127.0.0.1:8080",
            tokens=[("read", "docs-reader", TOKEN)] if tcp else None)
        cwd = d.tmp
        examples = blocks(DOC)
        self.assertGreater(len(examples), 15)
        for sh, want in examples:
            if "127.0.0.1:8080" in sh and not tcp:
                continue
            with self.subTest(example=sh[:80]):
                self.run_example(cwd, sh, want)

    def run_example(self, cwd, sh, want):
        p = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", sh],
                           cwd=cwd, capture_output=True, timeout=60,
                           env=dict(os.environ, TOKEN=TOKEN))
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        if want is None:
            return
        got = json.loads(p.stdout.decode("utf-8"))
        want = json.loads(want)
        if "error" in want:
            self.assertEqual(got.get("error", {}).get("code"),
                             want["error"]["code"], got)
        else:
            self.assertEqual(set(got), set(want), got)


if __name__ == "__main__":
    unittest.main()
