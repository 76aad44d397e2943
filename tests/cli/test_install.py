"""What `cmake --install` puts in place for an installation (issue 13,
operations): the programs, the man pages and, beside them, the documents
the man pages point to; the systemd unit with its dedicated user,
StateDirectory, LimitNOFILE and hardening; the sysusers.d entry.

Installs the build medel was built in ($MEDEL's build tree) into a
temporary prefix.
"""
import os
import re
import shutil
import subprocess
import unittest

from clitest import MEDEL, SOURCE, tmpdir


class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.build = os.path.dirname(os.path.dirname(os.path.abspath(MEDEL)))
        assert os.path.exists(os.path.join(cls.build, "CMakeCache.txt")), \
            cls.build

    def install(self):
        prefix = tmpdir(self, "medel-install-")
        p = subprocess.run(["cmake", "--install", self.build, "--prefix",
                            prefix], capture_output=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return prefix

    def test_docs_beside_the_man_pages(self):
        prefix = self.install()
        man = os.path.join(prefix, "share", "man", "man1")
        doc = os.path.join(prefix, "share", "doc", "medel")
        for page in ("medel.1", "medeld.1"):
            with open(os.path.join(man, page)) as f:
                text = f.read()
            named = set(re.findall(r"docs/([a-z-]+\.md)", text))
            self.assertTrue(named, page)
            for name in named:
                self.assertTrue(os.path.isfile(os.path.join(doc, name)),
                                (page, name))
            self.assertIn("share/doc/medel", text)
        self.assertTrue(os.path.isfile(
            os.path.join(doc, "examples", "malmo-2020.jsonl")))

    def test_systemd_unit(self):
        prefix = self.install()
        unit = os.path.join(prefix, "lib", "systemd", "system",
                            "medeld.service")
        with open(unit) as f:
            text = f.read()
        keys = {}
        for line in text.splitlines():
            if "=" in line and not line.startswith("#"):
                k, _, v = line.partition("=")
                keys[k] = v
        self.assertEqual(keys["User"], "medel")
        self.assertEqual(keys["StateDirectory"], "medel")
        self.assertEqual(keys["StateDirectoryMode"], "0750")
        self.assertGreaterEqual(int(keys["LimitNOFILE"]), 4096)
        for k in ("NoNewPrivileges", "ProtectSystem", "ProtectHome",
                  "PrivateTmp", "RestrictAddressFamilies",
                  "CapabilityBoundingSet"):
            self.assertIn(k, keys)
        self.assertRegex(keys["ExecStart"],
                         r"^/\S*/bin/medeld --data /var/lib/medel$")
        self.assertNotRegex(text, r"@[A-Z_]+@")  # every @VAR@ configured
        with open(os.path.join(prefix, "lib", "sysusers.d",
                               "medel.conf")) as f:
            self.assertRegex(f.read(), r"(?m)^u medel ")
        if shutil.which("systemd-analyze"):
            p = subprocess.run(["systemd-analyze", "verify", unit],
                               capture_output=True, text=True, timeout=60)
            # the installed medeld is not at its configured path here
            for line in p.stderr.splitlines():
                self.assertRegex(line, r"not executable|man |Command",
                                 p.stderr)

    def test_demo_data_directory_mode(self):
        with open(os.path.join(SOURCE, "tools", "demo")) as f:
            self.assertIn('chmod 0750 "$DATA"', f.read())


if __name__ == "__main__":
    unittest.main()
