"""Streams under a read token that stops reading (issue 14, item 4).

Four exports opened by one read token and never read used to fill the
four stream slots that backups share, so an admin's backup got 503 for as
long as the reader cared to wait. Now (md_limits.h, md_stream.c) one
caller runs at most MD_STREAMS_PER_CALLER_MAX (2) streams, read and write
tokens together half of MD_STREAMS_MAX (8), the last slot is kept for a
backup, and a stream whose client reads nothing for
MEDELD_STREAM_STALL_S (here 2 s; 30 s by default) is cut.

A stalled reader is a TCP client with a 4 KiB receive buffer that sends
its request, reads the answer's first bytes and then nothing: medeld's
send buffer (at most 4 MiB on Linux) fills long before the ~10 MiB JSONL
export of 30 000 events is through.
"""
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import (  # noqa: E402
    TIMEOUT_SCALE, MedeldTestCase, expenses, setup_ledger)

STALL_S = int(2 * TIMEOUT_SCALE)  # valgrind (tools/memcheck) is slower
PER_CALLER = 2  # MD_STREAMS_PER_CALLER_MAX
TOKENS = [("read", "reader", "read-token"), ("read", "other", "other-token"),
          ("read", "third", "third-token"), ("admin", "boss", "admin-token"),
          ("admin", "boss2", "admin-2")]


class Streams(MedeldTestCase):
    def setUp(self):
        os.environ["MEDELD_STREAM_STALL_S"] = str(STALL_S)
        try:
            self.d = self.start_medeld(tokens=TOKENS)
        finally:
            del os.environ["MEDELD_STREAM_STALL_S"]
        setup_ledger(self.d)
        for i in range(3):
            self.assertAnswer(self.d.post("/v1/events",
                                          expenses(f"big{i}", 10000)), 201)

    def stalled_export(self, rid, token="read-token"):
        """Opens an export and reads only its first bytes: (socket, the
        status line)."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(30)
        s.connect(("127.0.0.1", self.d.port))
        self.addCleanup(s.close)
        s.sendall(b"GET /v1/export?format=jsonl HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + token.encode() + b"\r\n"
                  b"X-Request-Id: " + rid.encode() + b"\r\n\r\n")
        first = s.recv(512)
        return s, first.split(b"\r\n", 1)[0].decode()

    def test_stalled_exports_leave_room_for_backups(self):
        self.assertIn(f"stream_stall_s={STALL_S}",
                      self.d.wait_line(r"event=limits "))
        stalled = []
        for n in range(4):
            s, status = self.stalled_export(f"exp-{n}")
            stalled.append((s, status))
        self.assertEqual([st for _, st in stalled],
                         ["HTTP/1.1 200 OK"] * PER_CALLER +
                         ["HTTP/1.1 503 Service Unavailable"] * 2)
        # The refusal is the API's JSON, naming the ceiling.
        a = self.d.get("/v1/export?format=csv", token="read-token")
        self.assertAnswer(a, 503, "unavailable")
        self.assertIn("this caller already runs", a.json()["error"]
                      ["message"])
        # Another read token still gets a stream; then the read and write
        # tokens' half is taken.
        s, status = self.stalled_export("exp-other", "other-token")
        self.assertEqual(status, "HTTP/1.1 200 OK")
        s, status = self.stalled_export("exp-other-2", "other-token")
        self.assertEqual(status, "HTTP/1.1 200 OK")
        a = self.d.get("/v1/export?format=csv", token="third-token")
        self.assertAnswer(a, 503, "unavailable")
        self.assertIn("read and write tokens", a.json()["error"]["message"])
        # Admins' exports may take all but the last slot (8 in all).
        for rid, tok in (("adm-1", "admin-token"), ("adm-2", "admin-token"),
                         ("adm-3", "admin-2")):
            s, status = self.stalled_export(rid, tok)
            self.assertEqual(status, "HTTP/1.1 200 OK", rid)
        a = self.d.get("/v1/export?format=csv", token="admin-2")
        self.assertAnswer(a, 503, "unavailable")
        self.assertIn("kept for an admin's backup", a.json()["error"]
                      ["message"])
        # An admin's backup starts, over TCP and over the Unix socket,
        # while seven exports stall (before any is cut).
        t0 = time.monotonic()
        b = self.d.get("/v1/backup", token="admin-2", timeout=60)
        self.assertAnswer(b, 200)
        self.assertGreater(len(b.body), 1 << 20)
        u = self.d.get("/v1/backup", timeout=60)
        self.assertAnswer(u, 200)
        self.assertEqual(len(u.body), len(b.body))
        self.assertIsNone(self.d.wait_line(r"event=stream .*cut after", 0),
                          "a stall was cut before the backups ran: "
                          f"{time.monotonic() - t0:.1f} s")

    def test_a_stalled_export_is_cut(self):
        s, status = self.stalled_export("stall-1")
        self.assertEqual(status, "HTTP/1.1 200 OK")
        t0 = time.monotonic()
        line = self.d.wait_line(r"event=stream .*id=stall-1 cut after", 30)
        took = time.monotonic() - t0
        self.assertIsNotNone(line, self.d.log())
        self.assertIn(f"read nothing for {STALL_S} s", line)
        self.assertGreaterEqual(took, STALL_S - 0.5)
        print(f"a stalled export was cut {took:.1f} s after its first "
              f"bytes (stall timeout {STALL_S} s)", file=sys.stderr)
        req = self.d.wait_line(r"event=request .*status=408 .*id=stall-1 ",
                               30)
        self.assertIsNotNone(req, self.d.log())
        # The client sees the connection end without the final chunk.
        got = b""
        while True:
            piece = s.recv(1 << 20)
            if not piece:
                break
            got += piece
        self.assertFalse(got.endswith(b"0\r\n\r\n"))
        # Its slot is free again: this caller gets two streams.
        for n in range(PER_CALLER):
            _, status = self.stalled_export(f"again-{n}")
            self.assertEqual(status, "HTTP/1.1 200 OK")


if __name__ == "__main__":
    unittest.main()
