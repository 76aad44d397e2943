"""Issue 14, attack 1: 1 000 connections without a token, each sending
`POST /v1/events` with `Content-Length: 8388608` and the first 64 KiB of
such a body, from 20 addresses (127.0.0.10 …, 50 each). medeld's RssAnon
(/proc/PID/status), sampled every 10 ms meanwhile, may grow by 64 MiB at
most; every connection is answered 401 (JSON) before its body; and
within 10 s of the client closing them RssAnon is back within 4 MiB of
what it was before. Skipped for a sanitizer build, whose memory is
AddressSanitizer's (shadow, quarantine) more than medeld's.
"""
import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attack import (  # noqa: E402
    connect, raise_nofile, read_answer, rss_anon_kib, sanitized,
    split_answers)
from medeld import MedeldTestCase  # noqa: E402

CONNS = 1000
NOFILE = 4096
GROWTH_MAX_KIB = 64 * 1024
# What a second round may keep: the heap's fragmentation after 1 000
# connections opened at once and closed in another order, and whatever
# part of libevent's per-descriptor entries the first round happened not
# to pin (below). Measured 2026-12-02 (Debug): 0 to 1 400 KiB kept by
# round 2. 2026-12-03 (stop 22; docs/reliability.md, "Attacks"): the
# first round sometimes keeps only 0.4-1.1 MiB and the second then
# 2.6-2.8 MiB; after both, both builds (before and after that stop)
# stand at 2.0-5.0 MiB, and a third round adds at most 0.2 MiB. So a round may
# keep up to 4 MiB, as the docstring says, and the two together no more
# than FIRST_KEPT_KIB.
BACK_KIB = 4096
BACK_S = 10
FIRST_KEPT_KIB = 8 * 1024
HEAD = (b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: 8388608\r\n\r\n")
PIECE = b"[" + b" " * (64 * 1024 - 1)
TOKENS = [("write", "writer", "w-secret")]


class Memory(MedeldTestCase):
    def attack(self, d):
        """One round: CONNS connections, answered, closed. Returns (RssAnon
        before, peak, after all were answered, after they closed, seconds
        it took after they closed) in KiB."""
        pid = d.proc.pid
        # The last round's connections, closed by this side, may still
        # be open on medeld's: more than MD_CONNS_PER_ADDR_MAX from one
        # address would be answered 503, not 401.
        deadline = time.monotonic() + 30
        while (d.metric("medeld_tcp_connections") > 0 and
               time.monotonic() < deadline):
            time.sleep(0.01)
        base = rss_anon_kib(pid)
        peak = [base]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_anon_kib(pid))
                time.sleep(0.01)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        socks = []
        try:
            for n in range(CONNS):
                s = connect(d.port, n)
                s.sendall(HEAD)
                s.setblocking(False)
                try:
                    s.send(PIECE)
                except (BlockingIOError, ConnectionResetError,
                        BrokenPipeError):
                    pass  # answered and shut already, or buffers full
                socks.append(s)
                self.addCleanup(s.close)
            deadline = time.monotonic() + 30
            for s in socks:
                s.setblocking(True)
                answers = split_answers(read_answer(s, deadline))
                self.assertEqual([a[0] for a in answers[:1]], [401])
                self.assertEqual(json.loads(answers[0][2])["error"]
                                 ["code"], "unauthorized")
        finally:
            stop.set()
            t.join()
        during = rss_anon_kib(pid)
        for s in socks:
            s.close()
        t0 = time.monotonic()
        after = rss_anon_kib(pid)
        while after > base + BACK_KIB and time.monotonic() - t0 < BACK_S:
            time.sleep(0.05)
            after = rss_anon_kib(pid)
        return base, peak[0], during, after, time.monotonic() - t0

    def test_unauthenticated_bodies_cost_no_memory(self):
        if sanitized():
            self.skipTest("a sanitizer build's memory is not medeld's")
        if raise_nofile(NOFILE) < CONNS + 100:
            self.skipTest("this process may not open enough descriptors")
        d = self.start_medeld(tokens=TOKENS, nofile=NOFILE)
        self.assertAnswer(d.get("/healthz"), 200)
        rounds = [self.attack(d) for _ in range(2)]
        for i, (base, peak, during, after, back_s) in enumerate(rounds):
            print(f"round {i + 1}: RssAnon of medeld {base} KiB before, "
                  f"peak {peak} KiB (+{peak - base} KiB) under {CONNS} "
                  f"unauthenticated 8 MiB bodies (all answered 401), "
                  f"{during} KiB when all were answered, {after} KiB "
                  f"{back_s:.2f} s after they closed", file=sys.stderr)
            self.assertLessEqual(peak - base, GROWTH_MAX_KIB)
        # The rounds leave what libevent keeps per descriptor number it
        # has seen (bounded by ulimit -n, not by the attack) and the
        # heap's fragmentation around it: up to FIRST_KEPT_KIB in all,
        # most often in the first round, sometimes in the second; a
        # round that kept more than BACK_KIB, or two that kept more
        # than FIRST_KEPT_KIB together, hold what they should have
        # given back.
        first_base = rounds[0][0]
        self.assertLessEqual(rounds[0][3], first_base + FIRST_KEPT_KIB)
        base, _, _, after, _ = rounds[1]
        self.assertLessEqual(after, base + BACK_KIB,
                             f"not back within {BACK_S} s")
        self.assertLessEqual(after, first_base + FIRST_KEPT_KIB,
                             "two rounds kept more than one may")

    def test_memory_of_read_bodies_goes_back(self):
        """Three 8 MiB bodies a write token may send (bad JSON: 400 once
        read) take ~24 MiB while they are read; within 10 s of the
        answers RssAnon is back within 4 MiB of before (malloc_trim: glibc
        would keep it)."""
        if sanitized():
            self.skipTest("a sanitizer build's memory is not medeld's")
        d = self.start_medeld(tokens=TOKENS)
        pid = d.proc.pid
        self.assertAnswer(d.get("/healthz"), 200)
        base = rss_anon_kib(pid)
        body = b"[" + b" " * (8 * 1024 * 1024 - 3) + b"x]"
        for _ in range(3):
            self.assertAnswer(d.post("/v1/events", body, token="w-secret"),
                              400, "invalid_json")
        high = rss_anon_kib(pid)
        t0 = time.monotonic()
        after = high
        while after > base + 4 * 1024 and time.monotonic() - t0 < BACK_S:
            time.sleep(0.05)
            after = rss_anon_kib(pid)
        print(f"three 8 MiB bodies read: RssAnon {base} KiB before, {high} "
              f"KiB after, {after} KiB {time.monotonic() - t0:.2f} s later",
              file=sys.stderr)
        self.assertLessEqual(after, base + 4 * 1024)


if __name__ == "__main__":
    unittest.main()
