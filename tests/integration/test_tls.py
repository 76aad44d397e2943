"""TLS on medeld's TCP listener (issue 14, item 8): --tls-cert/--tls-key
serve HTTPS through libevent's OpenSSL bufferevents under the front door.

Each test makes its own certificate with `openssl req -x509` for
127.0.0.1 and localhost (subjectAltName) and a second, unrelated one as
a wrong CA. Asserted: curl and Python's ssl with the right CA get
answers, with the wrong CA (or none) they are refused; the protocol is
TLS 1.2 or newer without compression; plain HTTP sent to the TLS port is
never answered in HTTP and medeld goes on serving; the medel CLI reads
and appends over https with --cacert and MEDEL_CACERT and exits 3 naming
the URL when the certificate does not verify; the front door still
holds over TLS (a connection over the per-address limit is answered
503, a request without a token 401 before its body is sent, a client
that never finishes its handshake is closed after the head timeout);
SIGHUP takes a renewed certificate and keeps the old one when the new
files are broken;
and a bad certificate or key, or plain HTTP on a non-loopback address,
stops medeld at start with exit 1 and a sentence saying why.

Everything is on loopback; 0.0.0.0 is bound only with --insecure-http,
for a moment, and reached through 127.0.0.1."""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import (MEDELD, TIMEOUT_SCALE, MedeldTestCase,  # noqa: E402
                    make_cert, tls_context)

# medel, built beside medeld (CMake passes $MEDEL; tools/memcheck does
# not, and the build tree's layout is the fallback).
MEDEL = os.environ.get("MEDEL") or os.path.join(
    os.path.dirname(os.path.dirname(MEDELD)), "cli", "medel")
TOKENS = [("read", "reader", "r-secret"), ("write", "writer", "w-secret")]
HEAD_TIMEOUT_S = 10  # MD_HEAD_TIMEOUT_S
EVENT = {"type": "party", "date": "2020-01-01", "party": "malmo",
         "name": "Malmö stad", "kind": "municipality"}


def run(cmd, env=None, timeout=60):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=timeout, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def tls_socket(port, cafile, timeout=10):
    """A TLS connection to medeld on 127.0.0.1:port, handshake done."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return tls_context(cafile).wrap_socket(raw, server_hostname="127.0.0.1")


def read_until_closed(sock, timeout_s):
    """Everything sock gives until EOF, a reset or timeout_s: (bytes,
    closed)."""
    data = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            got = sock.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return data, True
        if not got:
            return data, True
        data += got
    return data, False


class Tls(MedeldTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="medeld-tls-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.cert, self.key = make_cert(self.tmp)
        self.wrong_ca, _ = make_cert(self.tmp, name="other", cn="other")

    def start_tls(self, **kw):
        d = self.start_medeld(tokens=TOKENS, tls=(self.cert, self.key), **kw)
        self.assertIn("tls=on", d.wait_line(r"event=start "))
        return d

    def test_curl_with_the_right_ca_only(self):
        d = self.start_tls()
        url = f"https://127.0.0.1:{d.port}/healthz"
        rc, out, err = run(["curl", "-sS", "--cacert", self.cert, "-H",
                            "Authorization: Bearer r-secret", url])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["status"], "ok")
        rc, out, err = run(["curl", "-sS", "--cacert", self.wrong_ca, url])
        self.assertEqual(rc, 60, err)  # peer certificate not verified
        self.assertEqual(out, "")

    def test_python_right_and_wrong_ca(self):
        d = self.start_tls()
        self.assertAnswer(d.get("/healthz", token="r-secret"), 200)
        with tls_socket(d.port, self.cert) as s:
            self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))
            self.assertIsNone(s.compression())
        # TLS 1.2 alone is still served (the minimum, not the only one).
        ctx = tls_context(self.cert)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        raw = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            self.assertEqual(s.version(), "TLSv1.2")
        with self.assertRaises(ssl.SSLCertVerificationError):
            tls_socket(d.port, self.wrong_ca)
        # medeld is unharmed by the refused handshake.
        self.assertAnswer(d.get("/healthz", token="r-secret"), 200)

    def test_plain_http_to_the_tls_port_is_refused(self):
        d = self.start_tls()
        for request in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                        b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                        b"Authorization: Bearer r-secret\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", d.port),
                                          timeout=10) as s:
                s.sendall(request)
                data, closed = read_until_closed(s, 10 * TIMEOUT_SCALE)
            self.assertTrue(closed, "medeld left the connection open")
            self.assertFalse(data.startswith(b"HTTP/"), data)
            # Nothing or a TLS alert record (content type 21).
            self.assertTrue(data == b"" or data[0] == 21, data)
        self.assertAnswer(d.get("/healthz", token="r-secret"), 200)
        self.assertIsNone(d.proc.poll())

    def test_cli_reads_and_appends_over_https(self):
        d = self.start_tls()
        url = f"https://127.0.0.1:{d.port}"
        batch = os.path.join(self.tmp, "batch.json")
        with open(batch, "w") as f:
            json.dump([EVENT], f)
        rc, out, err = run([MEDEL, "--url", url, "--token", "w-secret",
                            "--cacert", self.cert, "append", batch])
        self.assertEqual((rc, out), (0, "1\n"), err)
        env = dict(os.environ, MEDEL_CACERT=self.cert)
        rc, out, err = run([MEDEL, "--url", url, "--token", "r-secret",
                            "--json", "log"], env=env)
        self.assertEqual(rc, 0, err)
        events = json.loads(out)["events"]
        self.assertEqual([e["party"] for e in events], ["malmo"])
        self.assertEqual(events[0]["recorded_by"], "writer")
        rc, out, err = run([MEDEL, "--url", url, "--token", "r-secret",
                            "--cacert", self.cert, "--json", "balance"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["head_seq"], 1)

    def test_cli_refuses_a_certificate_it_cannot_verify(self):
        d = self.start_tls()
        url = f"https://127.0.0.1:{d.port}"
        for extra in (["--cacert", self.wrong_ca], []):
            rc, out, err = run([MEDEL, "--url", url, "--token", "r-secret",
                                *extra, "balance"])
            self.assertEqual((rc, out), (3, ""), err)
            self.assertIn(url, err)
            self.assertIn("certificate could not be verified", err)
        rc, out, err = run([MEDEL, "--url", url, "--token", "r-secret",
                            "--cacert", os.path.join(self.tmp, "none.pem"),
                            "balance"])
        self.assertEqual(rc, 2, err)
        self.assertIn("none.pem cannot be read", err)
        # https to a port that speaks plain HTTP: the handshake fails.
        plain = self.start_medeld(tokens=TOKENS)
        purl = f"https://127.0.0.1:{plain.port}"
        rc, out, err = run([MEDEL, "--url", purl, "--token", "r-secret",
                            "--cacert", self.cert, "balance"])
        self.assertEqual(rc, 3, err)
        self.assertIn(purl, err)
        self.assertIn("TLS handshake failed", err)
        # http:// to the TLS port: closed without an answer, and said so.
        hurl = f"http://127.0.0.1:{d.port}"
        rc, out, err = run([MEDEL, "--url", hurl, "--token", "r-secret",
                            "balance"])
        self.assertEqual(rc, 3, err)
        self.assertIn(hurl, err)
        self.assertIn("use an https:// URL", err)

    def test_connection_limit_holds(self):
        os.environ["MEDELD_CONNS_PER_ADDR_MAX"] = "2"
        try:
            d = self.start_tls()
        finally:
            del os.environ["MEDELD_CONNS_PER_ADDR_MAX"]
        held = [tls_socket(d.port, self.cert) for _ in range(2)]
        for s in held:
            s.sendall(b"GET /healthz HTTP/1.1\r\n")  # half a head
        with tls_socket(d.port, self.cert) as s:
            data, closed = read_until_closed(s, 10 * TIMEOUT_SCALE)
        self.assertTrue(closed)
        self.assertTrue(data.startswith(b"HTTP/1.1 503 "), data)
        body = json.loads(data.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(body["error"]["code"], "unavailable")
        for s in held:
            s.close()

    def test_no_token_is_refused_before_the_body(self):
        d = self.start_tls()
        with tls_socket(d.port, self.cert) as s:
            s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: 8388608\r\n\r\n")
            data, closed = read_until_closed(s, 10 * TIMEOUT_SCALE)
        self.assertTrue(closed, "no answer before the body was sent")
        self.assertTrue(data.startswith(b"HTTP/1.1 401 "), data)
        self.assertIn(b"X-Request-Id: ", data)
        body = json.loads(data.split(b"\r\n\r\n", 1)[1])
        self.assertEqual(body["error"]["code"], "unauthorized")
        self.assertIsNotNone(d.wait_line(r"status=401 .*door=refused"))

    def test_sighup_reloads_the_certificate(self):
        d = self.start_tls()
        with tls_socket(d.port, self.cert):
            pass
        # A renewed certificate (another key, so another CA to trust) in
        # the same files; a connection open across the reload keeps
        # working on the old one.
        kept = tls_socket(d.port, self.cert)
        new_cert, new_key = make_cert(self.tmp, name="renewed")
        old_ca = os.path.join(self.tmp, "old-ca.pem")
        shutil.copy(self.cert, old_ca)
        shutil.copy(new_cert, self.cert)
        shutil.copy(new_key, self.key)
        n = d.line_count()
        d.signal(signal.SIGHUP)
        self.assertIsNotNone(d.wait_line(r"event=tls .*reloaded", start=n))
        renewed_ca = new_cert
        with tls_socket(d.port, renewed_ca) as s:
            self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))
        with self.assertRaises(ssl.SSLCertVerificationError):
            tls_socket(d.port, old_ca)
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                     b"Authorization: Bearer r-secret\r\n"
                     b"Connection: close\r\n\r\n")
        data, closed = read_until_closed(kept, 10 * TIMEOUT_SCALE)
        kept.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
        # A broken file: the reload fails, says why, the renewed
        # certificate stays in force.
        with open(self.key, "w") as f:
            f.write("not a key\n")
        n = d.line_count()
        d.signal(signal.SIGHUP)
        line = d.wait_line(r"event=tls ", start=n)
        self.assertIn("level=error", line)
        self.assertIn("old certificate kept", line)
        self.assertIn(self.key, line)
        with tls_socket(d.port, renewed_ca):
            pass

    def test_a_handshake_never_finished_is_closed(self):
        d = self.start_tls()
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", d.port),
                                      timeout=10) as s:
            data, closed = read_until_closed(
                s, (HEAD_TIMEOUT_S + 10) * TIMEOUT_SCALE)
        took_s = time.monotonic() - t0
        self.assertTrue(closed, "the silent connection was kept")
        self.assertEqual(data, b"")
        self.assertGreaterEqual(took_s, HEAD_TIMEOUT_S - 1)


class Refusals(unittest.TestCase):
    """medeld that must not start: run to its end, unwrapped."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="medeld-tlsr-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.cert, self.key = make_cert(self.tmp)
        self.tokens = os.path.join(self.tmp, "tokens")
        with open(self.tokens, "w") as f:
            f.write("read r " + "0" * 64 + "\n")

    def medeld(self, *args):
        return run([MEDELD, "--data", os.path.join(self.tmp, "d"),
                    "--tokens", self.tokens, *args])

    def test_non_loopback_without_tls(self):
        rc, out, err = self.medeld("--listen", "0.0.0.0:0")
        self.assertEqual(rc, 1, err)
        self.assertIn("0.0.0.0:0", err)
        self.assertIn("not a loopback address", err)
        self.assertIn("--tls-cert FILE --tls-key FILE", err)
        self.assertIn("--insecure-http", err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "d")),
                         "the refusal came after the ledger was made")

    def test_bad_certificates(self):
        other_cert, other_key = make_cert(self.tmp, name="other", cn="x")
        missing = os.path.join(self.tmp, "missing.pem")
        cases = [
            ([missing, self.key], "--tls-cert " + missing +
             " cannot be read: No such file or directory"),
            ([self.cert, missing], "--tls-key " + missing +
             " cannot be read"),
            ([self.key, self.key], "is not a PEM certificate"),
            ([self.cert, self.cert], "is not a PEM private key"),
            ([self.cert, other_key], "not the one of the certificate"),
        ]
        for (cert, key), said in cases:
            rc, out, err = self.medeld("--listen", "127.0.0.1:0",
                                       "--tls-cert", cert, "--tls-key", key)
            self.assertEqual(rc, 1, (cert, key, err))
            self.assertIn(said, err)
        os.chmod(other_cert, 0)
        if os.access(other_cert, os.R_OK):
            return  # root reads anything
        rc, out, err = self.medeld("--listen", "127.0.0.1:0", "--tls-cert",
                                   other_cert, "--tls-key", other_key)
        self.assertEqual(rc, 1, err)
        self.assertIn("cannot be read: Permission denied", err)

    def test_usage(self):
        rc, _, err = self.medeld("--listen", "127.0.0.1:0",
                                 "--tls-cert", self.cert)
        self.assertEqual(rc, 2, err)
        self.assertIn("--tls-key", err)
        rc, _, err = run([MEDELD, "--data", os.path.join(self.tmp, "d"),
                          "--tls-cert", self.cert, "--tls-key", self.key])
        self.assertEqual(rc, 2, err)
        self.assertIn("--tls-cert needs --listen", err)


class Listen(MedeldTestCase):
    def test_insecure_http_lets_it_start(self):
        d = self.start_medeld(tokens=TOKENS, tcp_listen="0.0.0.0:0",
                              args=["--insecure-http"])
        self.assertIsNotNone(d.wait_line(r"level=warn event=listen .*"
                                         r"0\.0\.0\.0:0"))
        self.assertAnswer(d.get("/healthz", token="r-secret"), 200)

    def test_loopback_stays_plain(self):
        for listen in ("127.0.0.2:0", "localhost:0"):
            d = self.start_medeld(tokens=TOKENS, tcp_listen=listen)
            line = d.wait_line(r"event=start ")
            self.assertIn("tls=off", line)
            self.assertNotIn("event=listen", d.log())
            host = "127.0.0.2" if listen.startswith("127") else "127.0.0.1"
            self.assertIn(f" tcp={host}:", line)


if __name__ == "__main__":
    unittest.main(verbosity=2)
