"""Issue 14, attack 5: request smuggling and refusals medeld did not
answer in its own JSON.

  - Two Content-Length headers (2 and 50) on a body that hides a second
    request: exactly one answer, 400 in JSON, and nothing after it (the
    connection is closed) — over TCP with a token and over the Unix
    socket.
  - Every refusal the front door and the router give, each sent on its
    own connection: JSON (`{"error": {"code": …}}`), Content-Type
    application/json and an X-Request-Id, whatever the status.
"""
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attack import read_answer, split_answers  # noqa: E402
from medeld import MedeldTestCase  # noqa: E402

TOKENS = [("read", "reader", "r-secret"), ("write", "writer", "w-secret")]
SMUGGLED = (b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
            b"AUTH"
            b"Content-Type: application/json\r\n"
            b"Content-Length: 2\r\nContent-Length: 50\r\n\r\n"
            b"{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
BIG = 8 * 1024 * 1024


class Http(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld(tokens=TOKENS)

    def send(self, raw, unix=False, timeout=10):
        """raw on a new connection; every byte medeld answers until it
        closes (or timeout)."""
        if unix:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.d.socket)
        else:
            s = socket.create_connection(("127.0.0.1", self.d.port))
        try:
            try:
                s.sendall(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the rest was read: the answer waits
            return read_answer(s, time.monotonic() + timeout)
        finally:
            s.close()

    def test_two_content_lengths_answer_one_400_and_nothing_more(self):
        for unix in (False, True):
            auth = b"" if unix else b"Authorization: Bearer w-secret\r\n"
            t0 = time.monotonic()
            data = self.send(SMUGGLED.replace(b"AUTH", auth), unix)
            answers = split_answers(data)
            print(f"smuggling ({'unix' if unix else 'tcp'}): "
                  f"{len(answers)} answer(s) {[a[0] for a in answers]}, "
                  f"closed after {(time.monotonic() - t0) * 1000:.0f} ms",
                  file=sys.stderr)
            self.assertEqual([a[0] for a in answers], [400], data)
            status, headers, body = answers[0]
            self.assertEqual(json.loads(body)["error"]["code"],
                             "bad_request")
            self.assertIn("Content-Length", json.loads(body)["error"]
                          ["message"])
            self.assertTrue(headers.get("x-request-id"))
        self.assertEqual(self.d.head()[0], 0, "the smuggled body was taken")

    def refusals(self):
        """(what, raw request, expected status) for every refusal."""
        tok = b"Authorization: Bearer w-secret\r\n"
        close = tok + b"Connection: close\r\n"  # the router's keep alive
        rtok = b"Authorization: Bearer r-secret\r\n"
        get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
        return [
            ("no token", get + b"\r\n", 401),
            ("a wrong token", get + b"Authorization: Bearer no\r\n\r\n",
             401),
            ("a read token's POST", b"POST /v1/events HTTP/1.1\r\n" + rtok +
             b"Content-Length: 2\r\n\r\n{}", 403),
            ("an 8 MiB + 1 body", b"POST /v1/events HTTP/1.1\r\n" + tok +
             b"Content-Length: %d\r\n\r\n" % (BIG + 1), 413),
            ("a 16 KiB + head", get + tok + b"X-Pad: " + b"a" * 17000 +
             b"\r\n\r\n", 400),
            ("not HTTP", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
             400),
            ("an unknown method", b"BREW /healthz HTTP/1.1\r\n" + tok +
             b"\r\n", 501),
            ("Content-Length with Transfer-Encoding",
             b"POST /v1/events HTTP/1.1\r\n" + tok + b"Content-Length: 2"
             b"\r\nTransfer-Encoding: chunked\r\n\r\n{}", 400),
            ("a bad chunk size", b"POST /v1/events HTTP/1.1\r\n" + tok +
             b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
             400),
            ("HTTP/2.0", b"GET /healthz HTTP/2.0\r\n" + tok + b"\r\n", 400),
            ("a bare CR", b"GET /healthz HTTP/1.1\r\nX: a\rb\r\n" + tok +
             b"\r\n", 400),
            ("no route", b"GET /nowhere HTTP/1.1\r\n" + close + b"\r\n",
             404),
            ("a wrong method", b"DELETE /v1/events HTTP/1.1\r\n" + close +
             b"\r\n", 405),
            ("bad JSON", b"POST /v1/events HTTP/1.1\r\n" + close +
             b"Content-Length: 1\r\n\r\n{", 400),
        ]

    def test_every_refusal_is_json_with_a_request_id(self):
        for what, raw, status in self.refusals():
            with self.subTest(what):
                answers = split_answers(self.send(raw))
                self.assertGreaterEqual(len(answers), 1, what)
                got, headers, body = answers[0]
                self.assertEqual(got, status, (what, body))
                self.assertTrue(headers["content-type"].startswith(
                    "application/json"), (what, headers))
                self.assertTrue(headers.get("x-request-id"), what)
                self.assertTrue(json.loads(body)["error"]["code"], what)
        print(f"{len(self.refusals())} kinds of refusal: all JSON with "
              "X-Request-Id", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
