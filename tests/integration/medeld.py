"""A real medeld for integration tests: start, talk HTTP, stop.

Standard library only. A Medeld starts the binary named by $MEDELD on a
fresh temporary directory, reads its stderr on a thread (so the tests can
wait for a line such as the start line or a reload line instead of
sleeping), and speaks HTTP/1.1 over the Unix socket (http.client with a
socket subclass) or loopback TCP. Every answer is checked for an
X-Request-Id. stop() sends SIGTERM and returns the exit status; a test
registers it with addCleanup so medeld is stopped whatever happens.

$MEDELD_WRAPPER, when set, is a command line put before medeld's: tools/
memcheck runs the suite with MEDELD_WRAPPER="valgrind --leak-check=full
--error-exitcode=99 ...", so every medeld a test starts runs under
memcheck, and one that leaks or touches bad memory exits 99 instead of 0.
A wrapped medeld is slower: the start and stop timeouts are multiplied by
$MEDELD_TIMEOUT_SCALE (default 10 when wrapped, 1 otherwise).

TLS: make_cert() writes a self-signed certificate for 127.0.0.1 and
localhost with `openssl req -x509`; Medeld(tls=(cert, key)) starts medeld
with --tls-cert/--tls-key, and conn(tcp=True) then speaks HTTPS trusting
that certificate (or the CA file given as tls_ca).
"""
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

MEDELD = os.environ.get("MEDELD", "medeld")
if os.sep in MEDELD:
    MEDELD = os.path.abspath(MEDELD)
WRAPPER = shlex.split(os.environ.get("MEDELD_WRAPPER", ""))
TIMEOUT_SCALE = float(os.environ.get("MEDELD_TIMEOUT_SCALE",
                                     "10" if WRAPPER else "1"))
START_TIMEOUT_S = 20 * TIMEOUT_SCALE
STOP_TIMEOUT_S = 60 * TIMEOUT_SCALE


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix socket."""

    def __init__(self, path, timeout=60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def make_cert(directory, name="cert", cn="localhost",
              san="IP:127.0.0.1,DNS:localhost"):
    """A self-signed EC certificate and its key, made by openssl req, in
    directory: (cert path, key path). It is its own CA."""
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=" + cn, "-addext",
                    "subjectAltName=" + san],
                   check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def tls_context(cafile):
    """A client context that verifies against cafile only."""
    return ssl.create_default_context(cafile=cafile)


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def error_code(self):
        return self.json()["error"]["code"]

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Medeld:
    """One medeld process on its own directory."""

    def __init__(self, data=None, args=(), tokens=None, socket_path=None,
                 tcp_listen="127.0.0.1:0", as_documented=False,
                 nofile=None, tls=None, tls_ca=None):
        """as_documented: run `medeld` with no --data/--socket, from the
        temporary directory, so its defaults (./medel-data) are used."""
        self.tmp = tempfile.mkdtemp(prefix="medeld-it-")
        self.as_documented = as_documented
        self.nofile = nofile  # RLIMIT_NOFILE for medeld, when given
        self.tcp_listen = tcp_listen
        if as_documented:
            data = os.path.join(self.tmp, "medel-data")
        self.data = data or os.path.join(self.tmp, "data")
        self.socket = socket_path or os.path.join(self.data, "medeld.sock")
        self.args = list(args)
        self.tls = tls  # (cert, key) or None
        self.tls_ca = tls_ca or (tls[0] if tls else None)
        self.tokens_path = None
        if tokens is not None:
            self.tokens_path = os.path.join(self.tmp, "tokens")
            self.write_tokens(tokens)
        self.proc = None
        self.lines = []
        self.cond = threading.Condition()
        self.port = None
        self.returncode = None
        self.stopping = False

    # --- tokens ---------------------------------------------------------
    def write_tokens(self, tokens):
        """tokens: [(role, name, plain token)] → the file medeld reads."""
        import hashlib
        with open(self.tokens_path, "w") as f:
            f.write("# role name sha256(token)\n")
            for role, name, tok in tokens:
                h = hashlib.sha256(tok.encode()).hexdigest()
                f.write(f"{role} {name} {h}\n")

    # --- process --------------------------------------------------------
    def command(self):
        cmd = WRAPPER + [MEDELD]
        if not self.as_documented:
            cmd += ["--data", self.data, "--socket", self.socket]
        if self.tokens_path:
            cmd += ["--listen", self.tcp_listen, "--tokens",
                    self.tokens_path]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
        return cmd + self.args

    def start(self):
        def limits():
            if self.nofile is not None:
                import resource
                resource.setrlimit(resource.RLIMIT_NOFILE,
                                   (self.nofile, self.nofile))

        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, cwd=self.tmp,
                                     preexec_fn=limits)
        self.reader = threading.Thread(target=self._read_stderr,
                                       args=(self.proc,), daemon=True)
        self.reader.start()
        line = self.wait_line(r"event=start |event=stop ", START_TIMEOUT_S,
                              or_exit=True)
        if line is None or "event=start" not in line:
            raise AssertionError("medeld did not start:\n" + self.log())
        m = re.search(r" tcp=(\S+)", line)
        if m and m.group(1) != "-":
            self.port = int(m.group(1).rsplit(":", 1)[1])
        return self

    def _read_stderr(self, proc):
        for raw in proc.stderr:
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        proc.stderr.close()
        rc = proc.wait()
        with self.cond:
            self.returncode = rc
            self.cond.notify_all()

    def wait_line(self, pattern, timeout_s=30, start=0, or_exit=False):
        """The first log line at index ≥ start matching pattern; waits for
        it (woken by each new line), None at timeout or when medeld
        exited first."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.returncode is not None):
                    return None
                self.cond.wait(left)

    def log(self):
        with self.cond:
            return "\n".join(self.lines)

    def line_count(self):
        with self.cond:
            return len(self.lines)

    def signal(self, sig):
        if sig in (signal.SIGTERM, signal.SIGINT):
            self.stopping = True
        self.proc.send_signal(sig)

    def stop(self):
        """SIGTERM (unless the test sent one) and wait; returns the exit
        status (None if it had to be killed)."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None and not self.stopping:
            self.signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.reader.join()
        self.proc = None
        self.returncode = rc
        return rc

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- HTTP -----------------------------------------------------------
    def conn(self, tcp=False, timeout=60):
        if tcp and self.tls:
            return http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=timeout,
                context=tls_context(self.tls_ca))
        if tcp:
            return http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=timeout)
        return UnixHTTPConnection(self.socket, timeout=timeout)

    def request(self, method, path, body=None, token=None, tcp=None,
                headers=None, conn=None, timeout=60):
        """One request on a new (or the given) connection."""
        if tcp is None:
            tcp = token is not None
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
            h.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        c = conn or self.conn(tcp, timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            ans = Answer(r.status, r.headers, r.read())
        finally:
            if conn is None:
                c.close()
        return ans

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body=body, **kw)

    def head(self):
        """(seq, hash) from /healthz."""
        j = self.get("/healthz").json()
        return j["head_seq"], j["head_hash"]

    def metric(self, name):
        """The value of an unlabelled metric."""
        text = self.get("/metrics").body.decode()
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        raise KeyError(name)


class MedeldTestCase(unittest.TestCase):
    """Starts medeld per test (or per class) and always stops it."""

    def start_medeld(self, **kw):
        """A started medeld that is stopped (and must exit 0) at the end."""
        d = Medeld(**kw)
        self.addCleanup(d.cleanup)
        d.start()
        self.addCleanup(self.check_stop, d)
        return d

    def check_stop(self, d):
        rc = d.stop()
        self.assertEqual(rc, 0, "medeld did not exit 0 on SIGTERM:\n" +
                         "\n".join(d.log().splitlines()[-20:]))

    def assertAnswer(self, ans, status, code=None):
        self.assertEqual(ans.status, status, ans)
        self.assertTrue(ans.headers.get("X-Request-Id"), "no X-Request-Id")
        if code is not None:
            self.assertEqual(ans.error_code(), code, ans)


# --- a small ledger the tests share ------------------------------------------

def party(pid, name, kind, parent=None, **extra):
    e = {"type": "party", "date": "2020-01-01", "party": pid, "name": name,
         "kind": kind}
    if parent:
        e["parent"] = parent
    e.update(extra)
    return e


SETUP = [
    party("kammarkollegiet", "Kammarkollegiet", "state"),
    party("skr", "Sveriges Kommuner och Regioner", "association"),
    party("storsthlm", "Storsthlm", "county_association"),
    party("malmo", "Malmö stad", "municipality"),
    party("malmo-asn", "Malmö ASN", "committee", parent="malmo"),
    {"type": "grant", "date": "2020-02-06", "grant": "ph-2020",
     "name": "Psykisk hälsa 2020", "payer": "kammarkollegiet",
     "total": 100000000, "use_by": "2020-12-31", "report_by": "2021-01-31",
     "repay_by": "2021-03-31", "year": 2020},
    {"type": "grant", "date": "2019-02-01", "grant": "ph-2019",
     "name": "Psykisk hälsa 2019", "payer": "kammarkollegiet",
     "total": 5000000, "use_by": "2019-12-31", "carry_over": True},
    {"type": "grant", "date": "2018-02-01", "grant": "old-2018",
     "name": "Gammalt 2018", "payer": "kammarkollegiet", "total": 1000000},
    {"type": "allocation", "date": "2020-02-10", "grant": "ph-2020",
     "from": "kammarkollegiet", "to": "malmo", "amount": 50000000,
     "claim_by": "2020-03-31"},
    {"type": "requisition", "date": "2020-02-20", "grant": "ph-2020",
     "from": "kammarkollegiet", "to": "malmo", "amount": 50000000},
    {"type": "payout", "date": "2020-03-01", "grant": "ph-2020",
     "from": "kammarkollegiet", "to": "malmo", "amount": 50000000,
     "id": "pay-km-malmo"},
    {"type": "allocation", "date": "2020-03-10", "grant": "ph-2020",
     "from": "malmo", "to": "malmo-asn", "amount": 10000000},
    {"type": "payout", "date": "2020-03-15", "grant": "ph-2020",
     "from": "malmo", "to": "malmo-asn", "amount": 10000000},
    {"type": "expense", "date": "2020-06-01", "grant": "ph-2020",
     "party": "malmo-asn", "activity": "Personal", "amount": 2000000,
     "id": "exp-1"},
    {"type": "expense", "date": "2020-06-02", "grant": "ph-2020",
     "party": "malmo-asn", "activity": "Kurs", "amount": 100000,
     "id": "exp-2"},
]
# Appended after SETUP by setup_ledger: a correction of exp-2, and a
# close of old-2018 (needs admin: the socket is admin).
SETUP_SEQ_EXP2 = len(SETUP)
SETUP_MORE = [
    {"type": "correction", "date": "2020-06-03", "corrects": SETUP_SEQ_EXP2,
     "note": "dubbelbokförd"},
    {"type": "close", "date": "2018-12-31", "grant": "old-2018"},
]


def setup_ledger(d, testcase=None):
    """Appends SETUP and SETUP_MORE; returns the head seq."""
    for batch in (SETUP, SETUP_MORE):
        a = d.post("/v1/events", batch)
        if a.status != 201:
            raise AssertionError(f"setup failed: {a}")
    return d.head()[0]


def expenses(prefix, n, amount=1, activity="Test"):
    """n expenses of malmo-asn on ph-2020 (set up by setup_ledger), with
    ids PREFIX-0 … PREFIX-(n-1)."""
    return [{"type": "expense", "date": "2020-07-01", "grant": "ph-2020",
             "party": "malmo-asn", "activity": f"{activity} {prefix}",
             "amount": amount, "id": f"{prefix}-{i}"} for i in range(n)]


def while_writing(testcase, d, read):
    """Loads 15 000 expenses, then calls read() while a thread keeps
    posting batches of 20; read starts only after the thread's first
    commit, so the two really overlap. Returns read()'s result."""
    for i in range(3):
        testcase.assertAnswer(d.post("/v1/events",
                                     expenses(f"bulk{i}", 5000)), 201)
    stop, first = threading.Event(), threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            if d.post("/v1/events", expenses(f"w{n}", 20)).status == 201:
                first.set()
            n += 1

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    testcase.assertTrue(first.wait(60), "the writer never committed")
    try:
        return read()
    finally:
        stop.set()
        t.join(60)
