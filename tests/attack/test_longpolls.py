"""Issue 14, attack 3: parked long-polls must not stall the event loop.

The test builds a ledger of EVENTS events once (tools/bench's
bench_gen_ledger, split into batches of 10 000 appended with
`medel --db DIR append`; the times are printed), starts medeld on it and
parks 1 000 `GET /v1/events?after=0&party=nobody&wait=60` over TCP with
one read token (MEDELD_WAITERS_PER_CALLER_MAX raised for it; 20
addresses 127.0.0.10 …, 50 each), waiting on /metrics until
medeld_waiting_requests says all 1 000 are parked. Then 5 + 100 POSTs
(one event each; the first 5 not counted) over TCP with a write token,
each waking every parked one: p99 (nearest rank: the second slowest of
100) ≤ 50 ms; and /healthz, asked between the POSTs, within 50 ms every
time — in one of at most 3 rounds (a noisy machine's one fsync can pass
50 ms; the regression this guards against fails every round by far). The long-polls are still
parked at the end (no commit was about `nobody`).

EVENTS is 1 000 000 (the issue's number), or $MEDEL_ATTACK_EVENTS.
Skipped for a sanitizer build, whose times are not medeld's.
"""
import glob
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attack import connect, raise_nofile, sanitized  # noqa: E402
from medeld import Medeld, MedeldTestCase  # noqa: E402

EVENTS = int(os.environ.get("MEDEL_ATTACK_EVENTS", "1000000"))
PARKED = 1000
POSTS = 100
WARMUP = 5  # the first commits after the open: not counted
# A round whose p99 or slowest /healthz is over the bound is taken again,
# up to ROUNDS in all: one fsync or a descheduling on a shared machine
# can pass 50 ms; a loop that scans per parked request (issue 14: 6.4 s
# per POST) fails every round by far.
ROUNDS = 3
LIMIT_S = 0.050
NOFILE = 4096
MEDEL = os.path.abspath(os.environ.get("MEDEL", "medel"))
GEN = os.path.abspath(os.environ.get("BENCH_GEN_LEDGER", "bench_gen_ledger"))
TOKENS = [("read", "reader", "r-secret"), ("write", "writer", "w-secret")]


def build_ledger(directory):
    """EVENTS generated events in directory/data; (gen s, append s)."""
    t0 = time.monotonic()
    batches = os.path.join(directory, "batches")
    os.makedirs(batches)
    with open(os.path.join(directory, "events.jsonl"), "wb") as f:
        subprocess.run([GEN, str(EVENTS)], stdout=f, check=True)
    subprocess.run(["split", "-l", "10000", "-d", "-a", "4",
                    "--additional-suffix=.jsonl",
                    os.path.join(directory, "events.jsonl"),
                    os.path.join(batches, "b")], check=True)
    os.remove(os.path.join(directory, "events.jsonl"))
    gen_s = time.monotonic() - t0
    t0 = time.monotonic()
    subprocess.run([MEDEL, "--db", os.path.join(directory, "data"),
                    "append"] + sorted(glob.glob(batches + "/*.jsonl")),
                   check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(batches)
    return gen_s, time.monotonic() - t0


class LongPolls(MedeldTestCase):
    def setUp(self):
        if sanitized():
            self.skipTest("a sanitizer build's times are not medeld's")
        if raise_nofile(NOFILE) < PARKED + 100:
            self.skipTest("this process may not open enough descriptors")
        self.tmp = tempfile.mkdtemp(prefix="medel-attack-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        gen_s, append_s = build_ledger(self.tmp)
        print(f"ledger of {EVENTS} events: generated in {gen_s:.1f} s, "
              f"appended in {append_s:.1f} s", file=sys.stderr)

    def waiting(self, d):
        return d.metric("medeld_waiting_requests")

    def test_posts_and_healthz_stay_fast_with_1000_parked(self):
        os.environ["MEDELD_WAITERS_PER_CALLER_MAX"] = str(PARKED)
        try:
            d = self.start_medeld(tokens=TOKENS, nofile=NOFILE,
                                  data=os.path.join(self.tmp, "data"))
        finally:
            del os.environ["MEDELD_WAITERS_PER_CALLER_MAX"]
        self.assertEqual(d.head()[0], EVENTS)
        socks = []
        for n in range(PARKED):
            s = connect(d.port, n)
            s.sendall(b"GET /v1/events?after=0&party=nobody&wait=60 "
                      b"HTTP/1.1\r\nHost: x\r\n"
                      b"Authorization: Bearer r-secret\r\n\r\n")
            socks.append(s)
            self.addCleanup(s.close)
        deadline = time.monotonic() + 30
        while self.waiting(d) < PARKED and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.waiting(d), PARKED)
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10,
                                       source_address=("127.0.0.2", 0))
        self.addCleanup(c.close)
        results = []
        for n in range(ROUNDS):
            post_s, health_s = self.round(d, c, n)
            results.append((post_s[-(-99 * len(post_s) // 100) - 1],
                            max(health_s)))
            self.assertEqual(self.waiting(d), PARKED)
            print(f"round {n + 1}: {PARKED} parked party=nobody long-polls "
                  f"on {EVENTS} events: {POSTS} POSTs p50 "
                  f"{post_s[len(post_s) // 2] * 1000:.1f} ms, p99 "
                  f"{results[-1][0] * 1000:.1f} ms, max "
                  f"{post_s[-1] * 1000:.1f} ms; /healthz max "
                  f"{results[-1][1] * 1000:.1f} ms", file=sys.stderr)
            if max(results[-1]) <= LIMIT_S:
                break
        self.assertLessEqual(min(max(r) for r in results), LIMIT_S,
                             f"no round of {ROUNDS} within the bound")

    def round(self, d, c, n):
        """WARMUP + POSTS POSTs, each followed by a /healthz: the sorted
        POST times and the /healthz times, warm-up left out."""
        post_s, health_s = [], []
        for i in range(WARMUP + POSTS):
            body = json.dumps([{"type": "party", "date": "2020-01-01",
                                "party": f"attack-{n}-{i}", "name": "A",
                                "kind": "municipality"}])
            t = time.monotonic()
            c.request("POST", "/v1/events", body=body,
                      headers={"Authorization": "Bearer w-secret",
                               "Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            if i >= WARMUP:
                post_s.append(time.monotonic() - t)
            self.assertEqual(r.status, 201)
            t = time.monotonic()
            self.assertAnswer(d.get("/healthz", timeout=5), 200)
            if i >= WARMUP:
                health_s.append(time.monotonic() - t)
        return sorted(post_s), health_s

if __name__ == "__main__":
    unittest.main()
