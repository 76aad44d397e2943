"""TCP with bearer tokens: who may do what, recorded_by from the token's
name, and SIGHUP reloading the tokens file (401 and 403 themselves are in
test_errors.py with the rest of the error table)."""
import json
import os
import signal
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase, setup_ledger  # noqa: E402

TOKENS = [("read", "reader", "r-secret"), ("write", "storsthlm-import",
                                            "w-secret"),
          ("admin", "controller", "a-secret")]
EXPENSE = {"type": "expense", "date": "2020-07-01", "grant": "ph-2020",
           "party": "malmo-asn", "activity": "Över TCP", "amount": 100}


class Tcp(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld(tokens=TOKENS)
        setup_ledger(self.d)

    def test_log_names_the_client(self):
        """Each request line says who connected: the TCP peer's address
        and port, or "unix" for the socket (whose user is who=)."""
        c = self.d.conn(tcp=True)
        try:
            c.connect()
            port = c.sock.getsockname()[1]
            ans = self.d.request("GET", "/v1/balances?as_of=2020-01-02", token="r-secret",
                                 conn=c)
        finally:
            c.close()
        self.assertAnswer(ans, 200)
        line = self.d.wait_line(r"event=request .*query=\"as_of=2020-01-02\"")
        self.assertIsNotNone(line, self.d.log())
        self.assertIn(" peer=127.0.0.1:%d" % port, line)
        self.assertIn(" who=reader ", line)
        self.assertAnswer(self.d.get("/v1/balances?as_of=2020-01-03"), 200)
        line = self.d.wait_line(r"event=request .*query=\"as_of=2020-01-03\"")
        self.assertIsNotNone(line, self.d.log())
        self.assertRegex(line, r" via=unix peer=unix\b")
        # refused at the door (a bad token) is logged with the peer too
        bad = self.d.get("/healthz", token="wrong")
        self.assertEqual(bad.status, 401)
        line = self.d.wait_line(r"event=request .*status=401")
        self.assertIsNotNone(line, self.d.log())
        self.assertRegex(line, r" peer=127\.0\.0\.1:\d+")

    def test_roles(self):
        self.assertAnswer(self.d.get("/v1/balances", token="r-secret"), 200)
        self.assertAnswer(self.d.get("/healthz", token="r-secret"), 200)
        self.assertAnswer(self.d.get("/metrics", token="r-secret"), 200)
        self.assertAnswer(self.d.post("/v1/events", EXPENSE,
                                      token="r-secret"), 403, "forbidden")
        self.assertAnswer(self.d.post("/v1/events", EXPENSE,
                                      token="w-secret"), 201)
        close = {"type": "close", "date": "2019-12-31", "grant": "ph-2019"}
        self.assertAnswer(self.d.post("/v1/events", close, token="w-secret"),
                          403, "forbidden")
        self.assertAnswer(self.d.post("/v1/events", close, token="a-secret"),
                          201)
        b = self.d.get("/v1/backup", token="a-secret")
        self.assertAnswer(b, 200)
        self.assertGreater(len(b.body), 4096)

    def test_recorded_by_is_the_token_name(self):
        a = self.d.post("/v1/events", EXPENSE, token="w-secret")
        self.assertAnswer(a, 201)
        seq = a.json()["events"][0]["seq"]
        e = self.d.get(f"/v1/events/{seq}", token="r-secret").json()
        self.assertEqual(e["recorded_by"], "storsthlm-import")
        self.assertIsNotNone(self.d.wait_line(
            r"path=/v1/events status=201 .*who=storsthlm-import via=tcp"))

    def test_tokens_never_logged(self):
        self.d.get("/v1/balances", token="r-secret")
        self.d.get("/v1/balances", token="not-a-valid-one")
        # Both lines are in the log (read by another thread) before it is
        # searched for what must not be there.
        self.assertIsNotNone(self.d.wait_line(
            r"path=/v1/balances status=401 "))
        log = self.d.log()
        self.assertNotIn("r-secret", log)
        self.assertNotIn("not-a-valid-one", log)
        self.assertNotIn("Authorization", log)

    def test_credentials_in_the_query_are_redacted(self):
        # A client that puts a credential in the query string (where many
        # tools put one) must not find it in medeld's log.
        for q in ("token=secret123", "party=x&Access_Token=secret124",
                  "API_KEY=secret125&key=secret126",
                  "%70assword=secret127"):
            self.d.get("/v1/balances?" + q, token="r-secret")
            self.d.get("/v1/balances?" + q)  # refused at the door
            self.d.get("/v1/balances?" + q, tcp=False)
        self.assertIsNotNone(self.d.wait_line(
            r"%70assword=\[redacted\].* via=unix"))
        log = self.d.log()
        for n in range(123, 128):
            self.assertNotIn(f"secret{n}", log)
        self.assertIn("token=[redacted]", log)
        self.assertIn("Access_Token=[redacted]", log)
        self.assertIn("%70assword=[redacted]", log)
        self.assertIn("party=x&", log)

    def test_sighup_reloads_tokens(self):
        self.assertAnswer(self.d.get("/healthz", token="new-secret"), 401,
                          "unauthorized")
        self.d.write_tokens(TOKENS[1:] + [("read", "newcomer",
                                            "new-secret")])
        mark = self.d.line_count()
        self.d.signal(signal.SIGHUP)
        self.assertIsNotNone(self.d.wait_line(r"event=tokens .*reloaded 3",
                                              start=mark))
        self.assertAnswer(self.d.get("/healthz", token="new-secret"), 200)
        self.assertAnswer(self.d.get("/healthz", token="r-secret"), 401,
                          "unauthorized")

    def test_token_revoked_between_head_and_body(self):
        """The door checks a head's token and the request takes its
        verdict instead of hashing the token again (md_door.h). A verdict
        must not outlive a reload: a write token revoked after the door
        passed a POST's head (evhttp's 100 Continue says it did) and
        before its body came is refused when the request starts."""
        body = json.dumps(EXPENSE).encode()
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=30)
        s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer w-secret\r\n"
                  b"Content-Type: application/json\r\n"
                  b"Expect: 100-continue\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        f = s.makefile("rb")
        self.assertIn(b" 100 ", f.readline())  # the head passed the door
        self.assertEqual(f.readline(), b"\r\n")
        self.d.write_tokens([TOKENS[0], TOKENS[2]])
        mark = self.d.line_count()
        self.d.signal(signal.SIGHUP)
        self.assertIsNotNone(self.d.wait_line(r"event=tokens .*reloaded 2",
                                              start=mark))
        s.sendall(body)
        status = f.readline()
        s.close()
        self.assertIn(b" 401 ", status)
        self.assertAnswer(self.d.get("/healthz", token="r-secret"), 200)

    def test_bad_tokens_file_on_reload_keeps_the_old(self):
        with open(self.d.tokens_path, "a") as f:
            f.write("superuser someone 1234\n")
        mark = self.d.line_count()
        self.d.signal(signal.SIGHUP)
        line = self.d.wait_line(r"event=tokens .*reload failed", start=mark)
        self.assertIsNotNone(line)
        self.assertIn("line 5", line)
        self.assertAnswer(self.d.get("/healthz", token="r-secret"), 200)

    def test_unix_socket_needs_no_token(self):
        self.assertAnswer(self.d.get("/v1/balances"), 200)


if __name__ == "__main__":
    unittest.main()
