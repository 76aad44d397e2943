"""GET /v1/backup: a compacted, consistent copy streamed while writes go
on, which opens as a ledger of its own (a second medeld on it answers the
same head and verifies)."""
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import (  # noqa: E402
    Medeld, MedeldTestCase, expenses, setup_ledger, while_writing)


class Backup(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld()
        setup_ledger(self.d)

    def restore(self, body):
        """A second medeld on a fresh directory holding body as data.mdb."""
        copy = Medeld()
        os.makedirs(copy.data)
        with open(os.path.join(copy.data, "data.mdb"), "wb") as f:
            f.write(body)
        self.addCleanup(copy.cleanup)
        copy.start()
        self.addCleanup(self.check_stop, copy)
        return copy

    def test_backup_opens_and_verifies(self):
        head = self.d.head()
        a = self.d.get("/v1/backup")
        self.assertAnswer(a, 200)
        self.assertEqual(a.headers["Content-Type"],
                         "application/octet-stream")
        data_mdb = os.path.join(self.d.data, "data.mdb")
        self.assertLessEqual(len(a.body), os.path.getsize(data_mdb))
        copy = self.restore(a.body)
        self.assertEqual(copy.head(), head)
        v = copy.get("/v1/verify")
        self.assertAnswer(v, 200)
        self.assertIs(v.json()["ok"], True)
        self.assertEqual(copy.get("/v1/events?limit=10000").body,
                         self.d.get("/v1/events?limit=10000").body)
        # The copy is a working ledger: it takes new events.
        self.assertAnswer(copy.post("/v1/events", expenses("after", 1)), 201)

    def test_backup_while_writes_go_on(self):
        a = while_writing(self, self.d,
                          lambda: self.d.get("/v1/backup", timeout=120))
        self.assertAnswer(a, 200)
        copy = self.restore(a.body)
        seq, _ = copy.head()
        self.assertGreater(seq, 15000)
        # A consistent copy: exactly the source's first seq events.
        src = self.d.get(f"/v1/events/{seq}").json()
        self.assertEqual(copy.head()[1], src["hash"])
        self.assertIs(copy.get("/v1/verify").json()["ok"], True)

    def test_client_leaving_mid_stream_frees_the_stream(self):
        for i in range(4):
            self.assertAnswer(self.d.post("/v1/events",
                                          expenses(f"big{i}", 10000)), 201)
        for n in range(6):  # more than MD_STREAMS_MAX
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.d.socket)
            s.sendall(b"GET /v1/backup HTTP/1.1\r\nHost: x\r\n"
                      b"X-Request-Id: gone-%d\r\n\r\n" % n)
            self.assertTrue(s.recv(1024).startswith(b"HTTP/1.1 200"))
            s.close()
            # The stream is over (cut short or complete) when its log
            # line is written; only then is its slot free again.
            line = self.d.wait_line(f"id=gone-{n} ", 60)
            self.assertIsNotNone(line)
            self.assertRegex(line, r"status=(200|499) ")
        a = self.d.get("/v1/backup", timeout=120)
        self.assertAnswer(a, 200)
        self.assertAnswer(self.d.get("/healthz"), 200)


if __name__ == "__main__":
    unittest.main()
