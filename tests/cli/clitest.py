"""Helpers for medel's command-line tests: run medel, start medeld.

Standard library only. $MEDEL and $MEDELD name the binaries under test
(ctest sets them), $MEDEL_SOURCE_DIR the source tree (for the worked
examples). medeld is started with the integration tests' Medeld class
(tests/integration/medeld.py), on a directory the test chose.

Every run gets the same environment: a UTF-8 locale (unless a test asks
otherwise), no NO_COLOR games (stdout is a pipe, so there is no colour),
and no MEDEL_* variables leaking in from the caller's shell.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("MEDEL_SOURCE_DIR",
                        os.path.abspath(os.path.join(HERE, "..", "..")))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from medeld import Medeld  # noqa: E402

MEDEL = os.environ.get("MEDEL", "medel")
EXAMPLES = [os.path.join(SOURCE, "docs", "examples", f)
            for f in ("malmo-2020.jsonl", "storsthlm-2020.jsonl",
                      "stockholm-2012.jsonl", "skl-2014.jsonl")]
STORSTHLM = "psykisk-halsa-2020/lansgemensamma/sammanhallen-vard"


class Run:
    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    @property
    def text(self):
        return self.out.decode("utf-8")

    def __repr__(self):
        return (f"<medel {' '.join(self.args)} rc={self.rc} "
                f"out={self.out[:400]!r} err={self.err[:400]!r}>")


def env(extra=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("MEDEL_")
         or k == "MEDEL_SOURCE_DIR"}
    e["LANG"] = "C.UTF-8"
    e.pop("LC_ALL", None)
    e.pop("LC_CTYPE", None)
    e.update(extra or {})
    return e


def medel(*args, stdin=None, extra_env=None, cwd=None, timeout=120):
    p = subprocess.run([MEDEL, *args], input=stdin, capture_output=True,
                       env=env(extra_env), cwd=cwd, timeout=timeout)
    return Run(list(args), p.returncode, p.stdout, p.stderr)


def load_examples(db):
    r = medel("--db", db, "append", *EXAMPLES)
    assert r.rc == 0, r
    return r


def head_seq(db):
    """The seq of the last event in the ledger in db (embedded): what
    tests used to write as a number, which changes when an example
    does."""
    import json
    r = medel("--db", db, "--json", "log", "--limit", "10000")
    assert r.rc == 0, r
    return json.loads(r.out)["events"][-1]["seq"]


def example_event(name, event_id):
    """The event with this id in docs/examples/NAME, as a dict."""
    import json
    with open(os.path.join(SOURCE, "docs", "examples", name),
              encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if e.get("id") == event_id:
                return e
    raise KeyError(f"{name} has no event {event_id}")


def shares(dist):
    """{party: öre} of a distribution event, recomputed here from
    DOMAIN.md's words (largest remainder; ties: the larger weight, then
    the party id), independently of the ledger's code."""
    unit = 1 if dist.get("round_to") == "ore" else 100
    amount, key = dist["amount"], dist["key"]
    assert amount % unit == 0, dist
    units, total = amount // unit, sum(key.values())
    got = {p: units * w // total for p, w in key.items()}
    left = units - sum(got.values())
    for p in sorted(key, key=lambda p: (-(units * key[p] % total),
                                        -key[p], p))[:left]:
        got[p] += 1
    return {p: n * unit for p, n in got.items()}


STORSTHLM_DIST = ("storsthlm-2020.jsonl",
                  "storsthlm-2020:fordelning-kommunerna")


def tmpdir(test, prefix="medel-cli-"):
    d = tempfile.mkdtemp(prefix=prefix)
    test.addCleanup(shutil.rmtree, d, True)
    return d


def daemon_on(test, data):
    """A medeld on data (a copy the test made), stopped at the end."""
    sock = os.path.join(tempfile.mkdtemp(prefix="medel-sock-"), "m.sock")
    test.addCleanup(shutil.rmtree, os.path.dirname(sock), True)
    d = Medeld(data=data, socket_path=sock)
    test.addCleanup(d.cleanup)
    d.start()
    return d


def examples_twice(test):
    """The worked examples loaded into a fresh ledger, and a byte copy of
    it for a medeld to serve: (embedded dir, copy dir)."""
    root = tmpdir(test)
    db = os.path.join(root, "embedded")
    load_examples(db)
    copy = os.path.join(root, "daemon")
    copy_ledger(db, copy)
    return db, copy


def copy_ledger(src, dst):
    os.makedirs(dst, exist_ok=True)
    shutil.copyfile(os.path.join(src, "data.mdb"),
                    os.path.join(dst, "data.mdb"))
