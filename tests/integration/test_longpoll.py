"""GET /v1/events?after=N&wait=S: a catch-up subscription that is held
until a commit brings something newer, and released by that commit.

No test sleeps to hope: a poll is known to be parked when /metrics says
medeld_waiting_requests is 1, and the wake is the POST's commit itself.
"""
import os
import re
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase, setup_ledger  # noqa: E402

PARK_TIMEOUT_S = 20


def expense(eid, amount=100):
    return {"type": "expense", "date": "2020-07-01", "grant": "ph-2020",
            "party": "malmo-asn", "activity": "Väntan", "amount": amount,
            "id": eid}


class Poll(threading.Thread):
    """One long-poll on its own thread; .answer when it returns."""

    def __init__(self, d, path):
        super().__init__(daemon=True)
        self.d, self.path, self.answer, self.error = d, path, None, None
        self.start()

    def run(self):
        try:
            self.answer = self.d.get(self.path, timeout=90)
        except Exception as e:  # reported by the test
            self.error = e


class LongPoll(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld()
        self.head = setup_ledger(self.d)

    def wait_parked(self, n):
        deadline = time.monotonic() + PARK_TIMEOUT_S
        while self.d.metric("medeld_waiting_requests") != n:
            self.assertLess(time.monotonic(), deadline,
                            f"never saw {n} parked long-polls")

    def test_wakes_on_commit(self):
        poll = Poll(self.d, f"/v1/events?after={self.head}&wait=60")
        self.wait_parked(1)
        self.assertTrue(poll.is_alive())
        t0 = time.monotonic()
        a = self.d.post("/v1/events", expense("lp-1"))
        self.assertAnswer(a, 201)
        poll.join(30)
        self.assertFalse(poll.is_alive(), "the commit did not wake it")
        self.assertIsNone(poll.error)
        self.assertLess(time.monotonic() - t0, 30)
        self.assertAnswer(poll.answer, 200)
        j = poll.answer.json()
        self.assertEqual([e["id"] for e in j["events"]], ["lp-1"])
        self.assertEqual(j["next_after"], self.head + 1)
        self.assertEqual(self.d.metric("medeld_waiting_requests"), 0)

    def test_filtered_poll_waits_through_other_commits(self):
        poll = Poll(self.d, f"/v1/events?after={self.head}&type=payout"
                            "&wait=60")
        self.wait_parked(1)
        self.assertAnswer(self.d.post("/v1/events", expense("lp-2")), 201)
        # The commit re-asked the poll before the 201 left (same loop,
        # commit event first): it found no payout and is parked still.
        self.assertEqual(self.d.metric("medeld_waiting_requests"), 1)
        self.assertTrue(poll.is_alive())
        pay = {"type": "payout", "date": "2020-07-02", "grant": "ph-2020",
               "from": "malmo", "to": "malmo-asn", "amount": 0 + 1,
               "id": "lp-pay"}
        alloc = {"type": "allocation", "date": "2020-07-02",
                 "grant": "ph-2020", "from": "malmo", "to": "malmo-asn",
                 "amount": 1}
        self.assertAnswer(self.d.post("/v1/events", [alloc, pay]), 201)
        poll.join(30)
        self.assertFalse(poll.is_alive())
        j = poll.answer.json()
        self.assertEqual([e["id"] for e in j["events"]], ["lp-pay"])

    def test_times_out_with_an_empty_page(self):
        t0 = time.monotonic()
        a = self.d.get(f"/v1/events?after={self.head}&wait=1")
        self.assertAnswer(a, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        self.assertEqual(a.json(), {"events": [], "next_after": self.head})

    def test_something_newer_answers_at_once(self):
        t0 = time.monotonic()
        a = self.d.get(f"/v1/events?after={self.head - 1}&wait=60")
        self.assertAnswer(a, 200)
        self.assertLess(time.monotonic() - t0, 30)
        self.assertEqual(len(a.json()["events"]), 1)

    def test_many_pollers_all_wake(self):
        polls = [Poll(self.d, f"/v1/events?after={self.head}&wait=60")
                 for _ in range(20)]
        self.wait_parked(20)
        self.assertAnswer(self.d.post("/v1/events", expense("lp-3")), 201)
        for p in polls:
            p.join(30)
            self.assertFalse(p.is_alive())
            self.assertEqual(p.answer.json()["events"][0]["id"], "lp-3")

    def park_raw(self, path):
        """A long-poll sent over a raw Unix socket, left unread."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.d.socket)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        return s

    def test_a_client_that_hangs_up_is_dropped_at_once(self):
        socks = [self.park_raw(f"/v1/events?after={self.head}"
                               "&party=nobody&wait=60")
                 for _ in range(10)]
        self.wait_parked(10)
        for s in socks:
            s.close()
        # Well before the 60 s wait: the close itself releases them.
        t0 = time.monotonic()
        self.wait_parked(0)
        self.assertLess(time.monotonic() - t0, PARK_TIMEOUT_S)
        self.assertIsNotNone(self.d.wait_line(r"event=request .*status=499"))
        # The loop is free: a POST commits and a new poll still parks.
        self.assertAnswer(self.d.post("/v1/events", expense("lp-4")), 201)
        poll = Poll(self.d, f"/v1/events?after={self.head + 1}&wait=60")
        self.wait_parked(1)
        self.assertAnswer(self.d.post("/v1/events", expense("lp-5")), 201)
        poll.join(30)
        self.assertEqual(poll.answer.json()["events"][0]["id"], "lp-5")

    def test_one_caller_parks_a_limited_number(self):
        # Over the Unix socket every poll is one caller (the peer user);
        # beyond its places a poll is answered at once with an empty page.
        # The default (a quarter of a loop's 4096) is more than the Unix
        # socket's 64 connections: this medeld gets 5.
        self.d.stop()
        os.environ["MEDELD_WAITERS_PER_CALLER_MAX"] = "5"
        try:
            self.d = self.start_medeld()
        finally:
            del os.environ["MEDELD_WAITERS_PER_CALLER_MAX"]
        self.head = setup_ledger(self.d)
        line = self.d.wait_line(r"waiters_per_caller=\d+")
        self.assertIsNotNone(line)
        limit = int(re.search(r"waiters_per_caller=(\d+)", line).group(1))
        self.assertEqual(limit, 5)
        socks = [self.park_raw(f"/v1/events?after={self.head}&wait=60")
                 for _ in range(limit)]
        self.wait_parked(limit)
        t0 = time.monotonic()
        a = self.d.get(f"/v1/events?after={self.head}&wait=60")
        self.assertLess(time.monotonic() - t0, PARK_TIMEOUT_S)
        self.assertAnswer(a, 200)
        self.assertEqual(a.json(), {"events": [], "next_after": self.head})
        for s in socks:
            s.close()
        self.wait_parked(0)

    def test_sigterm_answers_parked_polls(self):
        poll = Poll(self.d, f"/v1/events?after={self.head}&wait=60")
        self.wait_parked(1)
        self.d.signal(signal.SIGTERM)
        poll.join(30)
        self.assertFalse(poll.is_alive())
        self.assertAnswer(poll.answer, 200)
        self.assertEqual(poll.answer.json()["events"], [])
        self.assertEqual(self.d.stop(), 0)


if __name__ == "__main__":
    unittest.main()
