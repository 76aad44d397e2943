"""The front door (daemon/md_door.h): over TCP a request without a valid
token is answered 401 and closed before its body is read, so connections
that announce 8 MiB bodies cost medeld next to no memory (issue 14: 40 of
them used to take RssAnon from 1 MB to 334 MB).

Bounded: 40 loopback connections, answers polled with a deadline. A
connection that gets no answer to its head alone is then sent its body
(the attack as it was), so against a medeld without the door the test
fails on the answer and reports the memory the bodies took."""
import json
import os
import selectors
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import TIMEOUT_SCALE, MedeldTestCase, setup_ledger  # noqa: E402

TOKENS = [("write", "writer", "w-secret")]
CONNECTIONS = 40
BODY_BYTES = 8 * 1024 * 1024  # ML_BODY_BYTES_MAX: the largest body allowed
RSS_GROWTH_MAX_KIB = 16 * 1024
ANSWER_TIMEOUT_S = 10 * TIMEOUT_SCALE
HEAD = (b"POST /v1/events HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % BODY_BYTES)


def rss_anon_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon in /proc/PID/status")


class PeakRss:
    """The highest RssAnon of pid seen while the block runs (sampled every
    few milliseconds on a thread)."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kib = 0
        self.done = threading.Event()

    def _sample(self):
        while True:
            self.peak_kib = max(self.peak_kib, rss_anon_kib(self.pid))
            if self.done.wait(0.005):
                return

    def __enter__(self):
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.peak_kib = max(self.peak_kib, rss_anon_kib(self.pid))


def send_bodies(socks):
    """The attack as it was: every body at once, one thread each."""
    def send(s):
        try:
            s.sendall(b" " * BODY_BYTES)
        except OSError:
            pass
    threads = [threading.Thread(target=send, args=(s,), daemon=True)
               for s in socks]
    for t in threads:
        t.start()
    return threads


def read_answers(socks, timeout_s):
    """{socket: bytes} for the sockets that sent something; each is read
    until medeld closes it or the deadline passes."""
    got = {s: b"" for s in socks}
    open_socks = set(socks)
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while open_socks and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=deadline - time.monotonic()):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if chunk:
                got[s] += chunk
                continue
            sel.unregister(s)
            open_socks.discard(s)
    sel.close()
    for s in socks:
        s.setblocking(True)
    return {s: data for s, data in got.items() if data}


def parse_answer(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


class FrontDoor(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld(tokens=TOKENS)

    def test_no_token_no_body_read(self):
        pid = self.d.proc.pid
        before_kib = rss_anon_kib(pid)
        socks = [socket.create_connection(("127.0.0.1", self.d.port),
                                          timeout=ANSWER_TIMEOUT_S)
                 for _ in range(CONNECTIONS)]
        self.addCleanup(lambda: [s.close() for s in socks])
        with PeakRss(pid) as peak:
            for s in socks:
                s.sendall(HEAD)
            answers = read_answers(socks, ANSWER_TIMEOUT_S)
            silent = [s for s in socks if s not in answers]
            senders = send_bodies(silent)
            late = read_answers(silent, ANSWER_TIMEOUT_S) if silent else {}
            for t in senders:
                t.join(ANSWER_TIMEOUT_S)
        print(f"\nRssAnon of medeld: {before_kib} KiB before, peak "
              f"{peak.peak_kib} KiB during {CONNECTIONS} unauthenticated "
              f"POSTs announcing {BODY_BYTES} bytes ({len(answers)} "
              f"answered before the body, {len(late)} after it)",
              file=sys.stderr)
        self.assertEqual(len(silent), 0, f"{len(silent)} connections were "
                         "not answered before their body was sent")
        for data in answers.values():
            status, headers, body = parse_answer(data)
            self.assertEqual(status, 401, data[:200])
            self.assertTrue(headers["content-type"].startswith(
                "application/json"))
            self.assertTrue(headers.get("x-request-id"))
            self.assertEqual(headers.get("connection"), "close")
            err = json.loads(body)["error"]
            self.assertEqual(err["code"], "unauthorized")
            self.assertTrue(err["message"])
        self.assertLess(peak.peak_kib - before_kib, RSS_GROWTH_MAX_KIB)
        # medeld goes on answering.
        self.assertEqual(self.d.get("/healthz", token="w-secret").status,
                         200)


    def exchange_raw(self, data, tcp=True):
        """Sends data on one connection; every byte medeld answers until
        it closes the connection."""
        if tcp:
            s = socket.create_connection(("127.0.0.1", self.d.port),
                                         timeout=ANSWER_TIMEOUT_S)
        else:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(ANSWER_TIMEOUT_S)
            s.connect(self.d.socket)
        self.addCleanup(s.close)
        s.sendall(data)
        return read_answers([s], ANSWER_TIMEOUT_S).get(s, b"")

    def test_chunked_and_pipelined_requests_pass(self):
        # The door passes a chunked body chunk by chunk and then judges the
        # next request on the connection; answers keep their order.
        setup_ledger(self.d)
        event = json.dumps([{"type": "expense", "date": "2020-07-01",
                             "grant": "ph-2020", "party": "malmo-asn",
                             "activity": "Chunked", "amount": 100}]).encode()
        half = len(event) // 2
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c)
                          for c in (event[:half], event[half:]))
        data = (b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer w-secret\r\n"
                b"Content-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n" + chunks +
                b"0\r\n\r\n"
                b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                b"Authorization: Bearer w-secret\r\n\r\n"
                b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 1\r\nContent-Length: 1\r\n\r\nx")
        answers = self.exchange_raw(data).split(b"HTTP/1.1 ")[1:]
        self.assertEqual([a[:3] for a in answers], [b"201", b"200", b"400"],
                         answers)
        self.assertIn(b'"code":"bad_request"', answers[2])
        self.assertIn(b"Connection: close", answers[2])


if __name__ == "__main__":
    unittest.main()
