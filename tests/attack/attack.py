"""Helpers the attack tests share (tests/attack/README.md says what each
test repeats and asserts).

Everything is on loopback. Linux routes all of 127.0.0.0/8 to lo, so a
client socket bound to 127.0.0.N before it connects is a client of its
own address to medeld: that is how one test process fakes many clients
(medeld lets one address hold MD_CONNS_PER_ADDR_MAX connections).
"""
import os
import resource
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import medeld  # noqa: E402,F401  (re-exported for the tests)
from medeld import MEDELD  # noqa: E402

PER_ADDR = 50  # connections per 127.0.0.N: under MD_CONNS_PER_ADDR_MAX


def raise_nofile(want):
    """Raises this process's descriptor limit to want (or the hard
    limit); returns what it got."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    new = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if new > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def sanitized():
    """Whether medeld is an AddressSanitizer build (.ci/run's second
    pass): its memory and its times are not medeld's own then."""
    try:
        out = subprocess.run(["nm", "-D", MEDELD], capture_output=True,
                             text=True).stdout
    except OSError:
        return False
    return "__asan_init" in out


def source(n):
    """The source address of the n-th fake client connection."""
    return f"127.0.0.{10 + (n // PER_ADDR) % 240}"


def connect(port, n, timeout=10):
    """A TCP connection to medeld from source(n)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source(n), 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def rss_anon_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise AssertionError("no RssAnon in /proc/%d/status" % pid)


def read_answer(s, deadline):
    """Bytes from s until medeld closes it or deadline (monotonic)."""
    got = b""
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            piece = s.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, BrokenPipeError):
            break
        if not piece:
            break
        got += piece
    return got


def split_answers(data):
    """The HTTP answers in data, as (status, headers dict lower-cased,
    body); raises on bytes that are not a whole answer."""
    answers = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"not an HTTP answer: {data[:200]!r}")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        answers.append((status, headers, rest[:n]))
        data = rest[n:]
    return answers
