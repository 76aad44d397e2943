"""Connection limits (issue 14, item 2): more half-open TCP connections
than medeld serves never cost it its descriptors; the Unix socket and a
client with a token from another address still get answers within 1 s,
also when the half-open ones come from many addresses and hold every
served slot (the oldest one without a token gives its slot up); the
half-open ones are closed by medeld after the head timeout.

medeld runs with RLIMIT_NOFILE 512 (preexec_fn), so its TCP ceilings are
small: tcp_fds_max = 512 - 128 - 64 = 320, of which 240 are served
(md_limits.h, md_conns.h). Everything is on loopback; 127.0.0.2 is a
second client address (Linux routes 127/8 to lo without setup)."""
import http.client
import json
import os
import re
import select
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase, TIMEOUT_SCALE  # noqa: E402

TOKENS = [("read", "reader", "r-secret"), ("write", "writer", "w-secret")]
NOFILE = 512  # asked for; valgrind keeps a few for itself (500)
PER_ADDR_MAX = 64  # MD_CONNS_PER_ADDR_MAX
HALF_OPEN = 400  # more than the 240 served at nofile 512
HEAD_TIMEOUT_S = 10  # MD_HEAD_TIMEOUT_S
ANSWER_S = 1.0 * TIMEOUT_SCALE


def half_open(port, n):
    """n connections from 127.0.0.1 that send a request line and stop."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\n")
        s.setblocking(False)
        socks.append(s)
    return socks


def read_all_until_closed(socks, deadline):
    """Polls every socket until medeld closes it (EOF or reset) or the
    deadline passes. Returns {socket: (seconds, bytes read)} of the
    closed ones; the rest stayed open."""
    start = time.monotonic()
    got = {s: b"" for s in socks}
    closed = {}
    p = select.poll()
    for s in socks:
        p.register(s, select.POLLIN)
    by_fd = {s.fileno(): s for s in socks}
    while len(closed) < len(socks) and time.monotonic() < deadline:
        for fd, _ in p.poll(200):
            s = by_fd[fd]
            try:
                data = s.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
            except BlockingIOError:
                continue
            if data:
                got[s] += data
                continue
            closed[s] = (time.monotonic() - start, got[s])
            p.unregister(fd)
    return closed


class ConnLimits(MedeldTestCase):
    def request_from(self, d, source, timeout):
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=timeout,
                                       source_address=(source, 0))
        try:
            c.request("GET", "/healthz",
                      headers={"Authorization": "Bearer r-secret"})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def check_others_answered(self, d):
        t0 = time.monotonic()
        self.assertAnswer(d.get("/healthz", timeout=ANSWER_S), 200)
        unix_s = time.monotonic() - t0
        t0 = time.monotonic()
        status, body = self.request_from(d, "127.0.0.2", ANSWER_S)
        tcp_s = time.monotonic() - t0
        print(f"  unix answered in {unix_s * 1000:.1f} ms, "
              f"tcp from 127.0.0.2 ({status}) in {tcp_s * 1000:.1f} ms",
              file=sys.stderr)
        return status, body

    def check_no_emfile(self, d):
        self.assertNotIn("Too many open files", d.log())

    def tcp_conns_max(self, d):
        """The TCP ceiling medeld derived from the descriptors it got,
        checked against md_limits.h's rule (nofile - 128 - 64, 75 %)."""
        line = d.wait_line(r"event=limits ")
        self.assertIsNotNone(line)
        m = re.search(r"nofile=(\d+) tcp_conns_max=(\d+) ", line)
        nofile, tcp_max = int(m[1]), int(m[2])
        self.assertLessEqual(nofile, NOFILE)
        self.assertEqual(tcp_max, (nofile - 128 - 64) * 75 // 100)
        self.assertLess(tcp_max, HALF_OPEN)
        return tcp_max

    def test_one_address_cannot_take_every_slot(self):
        d = self.start_medeld(tokens=TOKENS, nofile=NOFILE)
        self.tcp_conns_max(d)
        t0 = time.monotonic()
        socks = half_open(d.port, HALF_OPEN)
        status, _ = self.check_others_answered(d)
        self.assertEqual(status, 200)
        closed = read_all_until_closed(
            socks, t0 + (HEAD_TIMEOUT_S + 10) * TIMEOUT_SCALE)
        self.check_no_emfile(d)
        refused = [c for c in closed.values() if b" 503 " in c[1][:20]]
        timed_out = [c for c in closed.values() if not c[1]]
        print(f"  {HALF_OPEN} half-open: {len(refused)} answered 503, "
              f"{len(timed_out)} closed without answer after "
              f"{min(c[0] for c in timed_out):.1f} to "
              f"{max(c[0] for c in timed_out):.1f} s", file=sys.stderr)
        self.assertEqual(len(closed), HALF_OPEN, "medeld left some open")
        self.assertEqual(len(timed_out), PER_ADDR_MAX)
        for _, data in refused:
            body = json.loads(data.split(b"\r\n\r\n", 1)[1])
            self.assertEqual(body["error"]["code"], "unavailable")
            self.assertIn(b"Connection: close", data)
        # The held ones were closed by the head timeout, not at once.
        self.assertGreaterEqual(min(c[0] for c in timed_out),
                                HEAD_TIMEOUT_S - 1)
        for s in socks:
            s.close()
        self.assertAnswer(d.get("/healthz"), 200)

    def test_over_the_tcp_ceiling_no_descriptor_runs_out(self):
        os.environ["MEDELD_CONNS_PER_ADDR_MAX"] = str(HALF_OPEN)
        try:
            d = self.start_medeld(tokens=TOKENS, nofile=NOFILE)
        finally:
            del os.environ["MEDELD_CONNS_PER_ADDR_MAX"]
        tcp_max = self.tcp_conns_max(d)
        socks = half_open(d.port, HALF_OPEN)
        # Every served slot is taken by a connection without a token:
        # the token client takes the oldest one's slot and is answered.
        status, body = self.check_others_answered(d)
        self.assertEqual(status, 200, body)
        self.check_no_emfile(d)
        closed = read_all_until_closed(
            socks, time.monotonic() + (HEAD_TIMEOUT_S + 10) * TIMEOUT_SCALE)
        refused = [c for c in closed.values() if b" 503 " in c[1][:20]]
        print(f"  {HALF_OPEN} half-open, one address: {len(refused)} "
              f"answered 503, {len(closed)} closed", file=sys.stderr)
        self.assertEqual(len(closed), HALF_OPEN)
        # The first ones lost their slots to the later ones and to the
        # token client: one more than those over the ceiling.
        self.assertEqual(len(refused), HALF_OPEN - tcp_max + 1)
        for _, data in refused:
            body = json.loads(data.split(b"\r\n\r\n", 1)[1])
            self.assertEqual(body["error"]["code"], "unavailable")
            self.assertIn("too many connections", body["error"]["message"])
        for s in socks:
            s.close()
        status, _ = self.request_from(d, "127.0.0.2", 5)
        self.assertEqual(status, 200)

    def test_many_addresses_cannot_shut_out_a_token(self):
        """Half-open connections from 100 addresses (127.0.0.10 ..
        127.0.0.109, 4 each: under the per-address ceiling) hold every
        served slot; a client with a token from 127.0.0.2 and one on the
        Unix socket are answered within 1 s, again and again."""
        d = self.start_medeld(tokens=TOKENS, nofile=NOFILE)
        tcp_max = self.tcp_conns_max(d)
        socks = []
        for n in range(HALF_OPEN):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((f"127.0.0.{10 + n % 100}", 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", d.port))
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            s.setblocking(False)
            socks.append(s)
            self.addCleanup(s.close)
        for _ in range(5):
            status, _ = self.check_others_answered(d)
            self.assertEqual(status, 200)
        # HALF_OPEN - tcp_max of the oldest half-open ones lost their
        # slots to the later ones, one more to the token client's first
        # connection (its slot was free again for the four after it).
        closed = read_all_until_closed(socks, time.monotonic() + 5)
        refused = [c for c in closed.values() if b" 503 " in c[1][:20]]
        self.assertEqual(len(refused), HALF_OPEN - tcp_max + 1)
        self.assertEqual(d.metric("medeld_connections_evicted_total"),
                         HALF_OPEN - tcp_max + 1)
        self.check_no_emfile(d)

    def test_only_a_token_keeps_a_slot(self):
        """Before a flood from one address fills every slot: a kept-alive
        connection that asked the web view's page without a token, and
        one that asked /healthz with a token. After it, the token's
        connection is still served; the other lost its slot (it was the
        oldest without a token) and its next request is answered 503."""
        os.environ["MEDELD_CONNS_PER_ADDR_MAX"] = str(HALF_OPEN)
        try:
            d = self.start_medeld(tokens=TOKENS, nofile=NOFILE)
        finally:
            del os.environ["MEDELD_CONNS_PER_ADDR_MAX"]
        tcp_max = self.tcp_conns_max(d)
        page = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5,
                                          source_address=("127.0.0.3", 0))
        page.request("GET", "/")
        r = page.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        auth = {"Authorization": "Bearer r-secret"}
        kept = http.client.HTTPConnection("127.0.0.1", d.port, timeout=5,
                                          source_address=("127.0.0.2", 0))
        kept.request("GET", "/healthz", headers=auth)
        r = kept.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        socks = half_open(d.port, tcp_max)
        self.addCleanup(lambda: [s.close() for s in socks])
        # Two over the ceiling: the page's connection went first, then
        # the oldest half-open one; the token's was passed over.
        self.assertEqual(d.metric("medeld_connections_evicted_total"), 2)
        kept.request("GET", "/healthz", headers=auth)
        r = kept.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        page.request("GET", "/")
        r = page.getresponse()
        body = json.loads(r.read())
        self.assertEqual(r.status, 503)
        self.assertIn("had shown no token", body["error"]["message"])
        kept.close()
        page.close()

    def test_a_slow_body_is_cut_off(self):
        # 100 bytes of a 1 000 000-byte body, then nothing: the first body
        # window (MD_BODY_WINDOW_S, 10 s) brings less than the floor
        # (16 KiB/s) and medeld closes the connection.
        d = self.start_medeld(tokens=TOKENS)
        s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
        s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer w-secret\r\n"
                  b"Content-Length: 1000000\r\n\r\n" + b"x" * 100)
        s.setblocking(False)
        closed = read_all_until_closed([s], time.monotonic() +
                                       (HEAD_TIMEOUT_S + 10) * TIMEOUT_SCALE)
        self.assertEqual(len(closed), 1, "medeld kept a stalled body")
        took_s, data = closed[s]
        print(f"  a stalled body closed after {took_s:.1f} s",
              file=sys.stderr)
        self.assertEqual(data, b"")
        self.assertGreaterEqual(took_s, 9)
        s.close()
        self.assertAnswer(d.get("/healthz"), 200)

    def test_idle_connections_close_and_long_polls_do_not(self):
        # Over one keep-alive connection: an answer, then nothing; medeld
        # closes it MD_IDLE_TIMEOUT_S (30 s) later. Meanwhile a long-poll
        # parked for 35 s on another connection (after a first request on
        # it) is not cut by the door's timers: evhttp's request is not
        # timed by the door.
        import threading
        d = self.start_medeld(tokens=TOKENS)
        polled = []

        def poll():
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
            auth = {"Authorization": "Bearer r-secret"}
            c.request("GET", "/healthz", headers=auth)
            c.getresponse().read()
            t0 = time.monotonic()
            c.request("GET", "/v1/events?after=0&wait=35", headers=auth)
            r = c.getresponse()
            r.read()
            polled.append((r.status, time.monotonic() - t0))
            c.close()

        t = threading.Thread(target=poll)
        t.start()
        s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer r-secret\r\n\r\n")
        closed = read_all_until_closed([s], time.monotonic() +
                                       45 * TIMEOUT_SCALE)
        t.join(60 * TIMEOUT_SCALE)
        self.assertEqual(len(closed), 1, "medeld kept an idle connection")
        took_s, data = closed[s]
        print(f"  idle connection closed {took_s:.1f} s after its "
              f"request; long-poll {polled}", file=sys.stderr)
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
        self.assertGreaterEqual(took_s, 29)
        self.assertEqual(len(polled), 1)
        self.assertEqual(polled[0][0], 200)
        self.assertGreaterEqual(polled[0][1], 34)
        s.close()


if __name__ == "__main__":
    unittest.main()
