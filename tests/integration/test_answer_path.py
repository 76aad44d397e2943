"""The request path's shortcuts keep their promises (docs/performance.md,
2026-12-03 h-md):

  - a cached answer is sent by reference to the cache's slot (no copy):
    an answer still waiting in medeld's output for a client that does
    not read must arrive whole and unchanged even when the head moved,
    every other slot of the cache was given to other answers, and the
    same query was answered anew at the new head meanwhile (into the
    first free slot, which the held one was: with the hold ignored, the
    new answer is written over the bytes still to be sent);
  - request lines are written in batches, one write(2) per pass of the
    loop: every request still has exactly one whole line, also when a
    client pipelines many requests and medeld stops right after.
"""
import os
import re
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase, party, setup_ledger  # noqa: E402

# More answers than the cache holds (MD_CACHE_ENTRIES_MAX = 256).
CHURN = 300
# /v1/parties is then ~230 KB: kept by the cache (at most 256 KiB,
# MD_CACHE_ENTRY_BYTES_MAX) and more than a Unix socket's buffer holds
PARTIES = 2300


class Reader:
    """HTTP/1.1 answers with Content-Length, one after another, from a
    socket (pipelined answers may share a recv)."""

    def __init__(self, sock):
        self.sock, self.data = sock, b""

    def more(self, what):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise AssertionError("connection closed in the " + what)
        self.data += chunk

    def answer(self):
        """(head, body) of the next answer."""
        while b"\r\n\r\n" not in self.data:
            self.more("head")
        head, rest = self.data.split(b"\r\n\r\n", 1)
        m = re.search(rb"\r\ncontent-length:\s*(\d+)", head, re.I)
        want = int(m.group(1))
        self.data = rest
        while len(self.data) < want:
            self.more("body")
        body, self.data = self.data[:want], self.data[want:]
        return head, body


class AnswerPath(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld()
        setup_ledger(self.d)

    def slow_client(self):
        """A Unix socket connection that reads next to nothing."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(60)
        s.connect(self.d.socket)
        return s

    def churn(self, conn, year):
        """CHURN different cached answers (balances at CHURN dates)."""
        for i in range(CHURN):
            ans = self.d.request(
                "GET", f"/v1/balances?as_of={year}-{1 + i // 28:02d}-"
                f"{1 + i % 28:02d}", conn=conn)
            self.assertAnswer(ans, 200)

    def test_cached_answer_held_while_cache_churns(self):
        events = [party(f"p{i:05d}", f"Kommun {i}", "municipality")
                  for i in range(PARTIES)]
        for i in range(0, PARTIES, 1000):
            self.assertAnswer(self.d.post("/v1/events",
                                          events[i:i + 1000]), 201)
        first = self.d.get("/v1/parties")  # built, put in the first slot
        self.assertAnswer(first, 200)
        self.assertGreater(len(first.body), 150000)
        self.assertLessEqual(len(first.body), 256 * 1024)
        mark = self.d.line_count()
        slow = self.slow_client()
        slow.sendall(b"GET /v1/parties HTTP/1.1\r\nHost: medeld\r\n\r\n")
        # answered (from the cache) once its line is logged
        line = self.d.wait_line(r"event=request method=GET path=/v1/parties"
                                r" status=200", start=mark)
        self.assertIsNotNone(line, self.d.log())
        conn = self.d.conn()
        self.addCleanup(conn.close)
        self.churn(conn, 2020)  # every slot reused at this head
        self.assertAnswer(self.d.post("/v1/events", party(
            "late", "Sen", "municipality"), conn=conn), 201)
        later = self.d.request("GET", "/v1/parties", conn=conn)
        self.assertAnswer(later, 200)  # built anew at the new head
        self.assertNotEqual(later.body, first.body)
        self.churn(conn, 2021)
        head, body = Reader(slow).answer()
        self.assertIn(b" 200 ", head.split(b"\r\n", 1)[0])
        self.assertEqual(body, first.body)

    def test_pipelined_requests_one_whole_line_each(self):
        n = 64
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.settimeout(60)
        s.connect(self.d.socket)
        req = "".join(f"GET /v1/balances?as_of=2020-07-{1 + i % 28:02d} "
                      f"HTTP/1.1\r\nHost: medeld\r\nX-Request-Id: pipe-{i}"
                      "\r\n\r\n" for i in range(n))
        s.sendall(req.encode())
        reader = Reader(s)
        for i in range(n):
            head, _ = reader.answer()
            self.assertIn(f"X-Request-Id: pipe-{i}\r\n".encode(), head)
        s.close()
        self.assertEqual(self.d.stop(), 0)  # lines still batched go out
        lines = [ln for ln in self.d.log().splitlines()
                 if " id=pipe-" in ln]
        self.assertEqual(len(lines), n, self.d.log())
        for i, ln in enumerate(lines):
            self.assertRegex(ln, r"^ts=\S+ level=info event=request "
                             r"method=GET path=/v1/balances .* status=200 "
                             rf".* id=pipe-{i} .* peer=unix$")


if __name__ == "__main__":
    unittest.main()
