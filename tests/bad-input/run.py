#!/usr/bin/env python3
"""The bad-input corpus: every refusal medeld owes a client, case by case.

Each tests/bad-input/cases/NNNN-CATEGORY-what.case holds one request and
the answer API.md promises for it (README.md here describes the format).
This driver starts a real medeld per ledger setup (tests/integration/
medeld.py's harness: a temporary directory, the Unix socket, loopback TCP
with three tokens), loads the setup, and for each case:

  1. reads /healthz's head_hash over the Unix socket,
  2. sends the request byte for byte on a fresh connection (the Unix
     socket, or TCP for access cases) and reads the answer,
  3. checks the status, the error code (and field, index, message text,
     Allow header when the case names them), that the body is API.md's
     error document {"error":{"code","message"[,"index"][,"field"]}} with
     Content-Type application/json and an X-Request-Id, and that a 422
     names the event's index and the field,
  4. reads /healthz again: the head_hash must not have moved.

After the cases of a setup it also checks that the Unix socket is mode
0600, presents every token (and a wrong one) in six forms of Authorization
header, stops medeld and checks that it exited 0 (it did not crash on
anything it was sent; under ASan: no error, no leak) and that no token is
in its log or in any file of its data directory.

A case may carry `known-bug: CHECKS -- why` for a disagreement between
medeld and API.md that has been reported: the listed checks may fail
(KNOWN), every other check still must pass; if the listed checks all
pass the case fails (XPASS) so the marker is removed once the bug is
fixed. --strict treats known bugs as failures.

Standard library only. One line per case, a summary, exit 1 on any
failure. Usage: MEDELD=build/daemon/medeld python3 tests/bad-input/run.py
[--only SUBSTRING] [--show] [--strict]
"""
import argparse
import glob
import http.client
import json
import os
import re
import socket
import stat
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from medeld import Medeld  # noqa: E402

# The tokens over TCP; distinctive, so the log can be searched for them.
TOKENS = {
    "read": ("read", "bi-reader", "bi-READ-tok-5c1e0a9d7f"),
    "write": ("write", "bi-writer", "bi-WRITE-tok-83b2f4e610"),
    "admin": ("admin", "bi-admin", "bi-ADMIN-tok-e47d19c2ab"),
}
# Presented but not in the tokens file: must not be logged either.
WRONG_TOKEN = "bi-WRONG-tok-00d3adb33f"
CASE_TIMEOUT_S = 60
CHECKS = ("status", "code", "shape", "named", "request-id", "field",
          "index", "message", "allow", "head", "alone")
ERROR_KEYS = {"code", "message", "index", "field"}
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
ERROR_STATUS_CODES = {
    400: {"invalid_json", "invalid_field", "missing_field", "unknown_field",
          "unknown_type", "amount_out_of_range", "date_out_of_range",
          "bad_query", "bad_request"},
    401: {"unauthorized"}, 403: {"forbidden"}, 404: {"not_found"},
    405: {"method_not_allowed"}, 409: {"id_conflict", "head_moved"},
    413: {"too_large"},
    422: {"unknown_party", "unknown_grant", "unknown_event", "exists",
          "parent_cycle", "insufficient_funds", "over_allocation",
          "not_allocated", "over_claim", "use_by_passed",
          "bad_repayment_target", "carry_over_not_allowed", "period_closed",
          "already_corrected", "already_resolved", "post_exceeds_parent"},
    501: {"not_implemented"},
}


class CaseError(Exception):
    pass


# --- the case files ---------------------------------------------------------

MACRO_RE = re.compile(rb"%(repeat|hex)\[(.*?)\]%", re.S)


def expand(text):
    """Text with %repeat[N x TEXT]% and %hex[HH HH ..]% → bytes."""
    raw = text.encode("utf-8")
    out = bytearray()
    pos = 0
    for m in MACRO_RE.finditer(raw):
        out += raw[pos:m.start()]
        kind, arg = m.group(1), m.group(2)
        if kind == b"hex":
            out += bytes.fromhex(arg.decode("ascii"))
        else:
            mm = re.match(rb"(\d+) x (.*)$", arg, re.S)
            if not mm:
                raise CaseError(f"bad %repeat[...]%: {arg[:40]!r}")
            out += mm.group(2) * int(mm.group(1))
        pos = m.end()
    out += raw[pos:]
    return bytes(out)


def generate(spec):
    """body-gen: a whole body made by a directive."""
    m = re.match(r"repeat '(.*)' (\d+)$", spec)
    if m:
        return expand(m.group(1)) * int(m.group(2))
    m = re.match(r"nesting (\d+)$", spec)
    if m:
        n = int(m.group(1))
        return b"[" * n + b"]" * n
    m = re.match(r"nesting-object (\d+)$", spec)
    if m:
        n = int(m.group(1))
        return b'{"a":' * n + b"1" + b"}" * n
    m = re.match(r"batch (\d+) (.*?)(?: then (.*))?$", spec)
    if m:
        # N copies of an event ({n} in it becomes the copy's index), then
        # optionally one last, different event.
        n, ev, last = int(m.group(1)), m.group(2), m.group(3)
        parts = [expand(ev.replace("{n}", str(i))) for i in range(n)]
        if last:
            parts.append(expand(last))
        return b"[" + b",".join(parts) + b"]"
    raise CaseError(f"unknown body-gen directive: {spec!r}")


SINGLE_KEYS = {"desc", "setup", "via", "token", "method", "path", "body",
               "body-hex", "body-gen", "raw", "status", "code", "field",
               "index", "message-has", "allow", "known-bug", "shutdown",
               "content-length", "alone"}
MULTI_KEYS = {"header"}


class Case:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len(".case")]
        m = re.match(r"^(\d{4})-([a-z0-9]+)-", self.name)
        if not m:
            raise CaseError(f"{self.name}: name is not NNNN-category-what")
        self.category = m.group(2)
        self.fields = {}
        self.headers = []
        self._parse()
        f = self.fields
        for key in ("desc", "status"):
            if key not in f:
                raise CaseError(f"{self.name}: no '{key}:'")
        bodies = [k for k in ("body", "body-hex", "body-gen") if k in f]
        if len(bodies) > 1 or ("raw" in f and (bodies or "path" in f)):
            raise CaseError(f"{self.name}: give one of body, body-hex, "
                            "body-gen; raw stands alone")
        if "raw" not in f and "path" not in f:
            raise CaseError(f"{self.name}: no 'path:' (or 'raw')")
        self.setup = f.get("setup", "standard")
        self.via = f.get("via", "unix")
        if self.via not in ("unix", "tcp"):
            raise CaseError(f"{self.name}: via is unix or tcp")
        self.token = f.get("token")
        if self.token not in (None, "read", "write", "admin", "wrong"):
            raise CaseError(f"{self.name}: token is read, write, admin or "
                            "wrong")
        self.status = None if f["status"] == "none" else int(f["status"])
        self.code = f.get("code")
        if self.status is not None and self.code is not None and \
                self.code not in ERROR_STATUS_CODES.get(self.status, ()):
            raise CaseError(f"{self.name}: {self.code} is not a "
                            f"{self.status} code of API.md")
        self.known = set()
        self.known_why = ""
        if "known-bug" in f:
            checks, _, why = f["known-bug"].partition("--")
            self.known = set(checks.split())
            self.known_why = why.strip()
            bad = self.known - set(CHECKS)
            if bad or not self.known:
                raise CaseError(f"{self.name}: known-bug checks are among "
                                f"{', '.join(CHECKS)}")

    def _parse(self):
        with open(self.path, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip() or line.startswith("#"):
                continue
            m = re.match(r"^([a-z-]+) <<(\w+)$", line)
            if m:
                key, tag = m.group(1), m.group(2)
                block = []
                while i < len(lines) and lines[i] != tag:
                    block.append(lines[i])
                    i += 1
                if i == len(lines):
                    raise CaseError(f"{self.name}: no closing {tag}")
                i += 1
                self._set(key, block)
                continue
            m = re.match(r"^([a-z-]+): ?(.*)$", line)
            if not m:
                raise CaseError(f"{self.name}: cannot read line {i}: "
                                f"{line[:60]!r}")
            self._set(m.group(1), m.group(2))

    def _set(self, key, value):
        if key in MULTI_KEYS:
            self.headers.append(value)
            return
        if key not in SINGLE_KEYS:
            raise CaseError(f"{self.name}: unknown key '{key}'")
        if key in self.fields:
            raise CaseError(f"{self.name}: '{key}' given twice")
        if isinstance(value, list):
            if key == "raw":
                # Each line ends in CRLF, as HTTP wants.
                value = "".join(v + "\r\n" for v in value)
            elif key == "body-hex":
                value = " ".join(value)
            else:
                value = "\n".join(value)
        self.fields[key] = value

    def body(self):
        f = self.fields
        if "body" in f:
            return expand(f["body"])
        if "body-hex" in f:
            return bytes.fromhex(f["body-hex"])
        if "body-gen" in f:
            return generate(f["body-gen"])
        return None

    def request_bytes(self):
        """The exact bytes sent."""
        f = self.fields
        if "raw" in f:
            return expand(f["raw"])
        method = f.get("method", "GET")
        body = self.body()
        head = [f"{method} ".encode() + expand(f["path"]) + b" HTTP/1.1",
                b"Host: localhost"]
        token = None
        if self.token == "wrong":
            token = WRONG_TOKEN
        elif self.token is not None:
            token = TOKENS[self.token][2]
        if token is not None:
            head.append(b"Authorization: Bearer " + token.encode())
        for h in self.headers:
            head.append(expand(h))
        # A case that says how its body is framed (Content-Length or
        # Transfer-Encoding) gets no Content-Length added.
        given_len = any(h.lower().startswith(("content-length:",
                                              "transfer-encoding:"))
                        for h in self.headers)
        if body is not None and not given_len:
            if body and method == "POST":
                head.append(b"Content-Type: application/json")
            head.append(b"Content-Length: %d" % len(body))
        elif body is None and method == "POST" and not given_len:
            head.append(b"Content-Length: 0")
        head.append(b"Connection: close")
        return b"\r\n".join(head) + b"\r\n\r\n" + (body or b"")


def load_cases(directory, only=None):
    cases = []
    for path in sorted(glob.glob(os.path.join(directory, "*.case"))):
        if only and only not in os.path.basename(path):
            continue
        cases.append(Case(path))
    names = [c.name[:4] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise CaseError(f"case numbers used twice: {sorted(dup)}")
    return cases


def load_setup(name):
    """setups/NAME.jsonl → a list of batches (lists of events)."""
    path = os.path.join(HERE, "setups", name + ".jsonl")
    if not os.path.exists(path):
        raise CaseError(f"no setup {name} ({path})")
    batches, cur = [], []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line == "commit":
                batches.append(cur)
                cur = []
                continue
            try:
                cur.append(json.loads(line))
            except ValueError as e:
                raise CaseError(f"{path}:{n}: {e}")
    if cur:
        batches.append(cur)
    return batches


# --- talking to medeld ------------------------------------------------------

class Reply:
    def __init__(self, status=None, headers=None, body=b"", note=""):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.note = note  # how the connection ended, when it did oddly
        self.after = b""  # bytes after the answer (read with alone: yes)

    def header(self, name):
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None


def connect(d, via):
    if via == "tcp":
        s = socket.create_connection(("127.0.0.1", d.port),
                                     timeout=CASE_TIMEOUT_S)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(CASE_TIMEOUT_S)
        s.connect(d.socket)
    return s


def read_after(resp, s):
    """Whatever medeld sends after the first answer, until it closes."""
    after = resp.fp.read1(65536) if resp.fp else b""
    while True:
        try:
            chunk = s.recv(65536)
        except (OSError, socket.timeout):
            break
        if not chunk:
            break
        after += chunk
    return after


def exchange(d, via, data, shutdown=False, method="GET", alone=False):
    """Sends data on a new connection and reads one HTTP answer. The send
    runs on a thread: medeld may answer (413) and close before a large
    body is all sent. alone: also read what follows the answer until
    medeld closes the connection (Reply.after)."""
    s = connect(d, via)
    send_err = []

    def sender():
        try:
            s.sendall(data)
            if shutdown:
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            send_err.append(e)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    resp = http.client.HTTPResponse(s, method=method)
    try:
        resp.begin()
        body = resp.read()
        reply = Reply(resp.status, dict(resp.getheaders()), body)
        if alone:
            reply.after = read_after(resp, s)
    except (http.client.RemoteDisconnected, http.client.IncompleteRead,
            ConnectionResetError, BrokenPipeError) as e:
        reply = Reply(None, note=f"connection closed without an answer "
                                 f"({type(e).__name__})")
    except socket.timeout:
        reply = Reply(None, note=f"no answer in {CASE_TIMEOUT_S} s")
    finally:
        t.join(CASE_TIMEOUT_S)
        resp.close()
        s.close()
    return reply


def head_hash(d):
    """(seq, hash) from /healthz over the Unix socket."""
    r = exchange(d, "unix", b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                            b"Connection: close\r\n\r\n")
    if r.status != 200:
        raise CaseError(f"/healthz answered {r.status} {r.note}")
    j = json.loads(r.body)
    return j["head_seq"], j["head_hash"]


# --- checking one case ------------------------------------------------------

def check_shape(reply):
    """API.md's error document; returns (problems, error object or None)."""
    problems = []
    ctype = reply.header("Content-Type") or ""
    if not ctype.startswith("application/json"):
        problems.append(f"Content-Type is {ctype!r}, not application/json")
    try:
        doc = json.loads(reply.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return problems + [f"body is not JSON: {reply.body[:80]!r}"], None
    if not isinstance(doc, dict) or set(doc) != {"error"} or \
            not isinstance(doc["error"], dict):
        return problems + [f"body is not {{\"error\":{{…}}}}: "
                           f"{reply.body[:120]!r}"], None
    err = doc["error"]
    extra = set(err) - ERROR_KEYS
    if extra:
        problems.append(f"error has keys {sorted(extra)} beyond API.md's")
    if not isinstance(err.get("code"), str) or not err.get("code"):
        problems.append("error.code is not a non-empty string")
    if not isinstance(err.get("message"), str) or not err.get("message"):
        problems.append("error.message is not a non-empty string")
    if "index" in err and (not isinstance(err["index"], int) or
                           isinstance(err["index"], bool) or
                           err["index"] < 0):
        problems.append(f"error.index {err['index']!r} is not an integer "
                        "≥ 0")
    if "field" in err and (not isinstance(err["field"], str) or
                           not err["field"]):
        problems.append(f"error.field {err['field']!r} is not a non-empty "
                        "string")
    return problems, err


def run_case(d, case, show=False):
    """Returns {check: problem} for the checks that failed."""
    failed = {}
    before = head_hash(d)
    method = case.fields.get("method", "GET")
    if "raw" in case.fields:
        method = case.fields["raw"].split(" ", 1)[0]
    alone = case.fields.get("alone") == "yes"
    reply = exchange(d, case.via, case.request_bytes(),
                     shutdown=case.fields.get("shutdown") == "yes",
                     method=method, alone=alone)
    if alone and reply.after:
        failed["alone"] = (f"{len(reply.after)} bytes after the answer: "
                           f"{reply.after[:120]!r}")
    if show:
        print(f"    -> {reply.status} {reply.note} "
              f"{reply.header('Content-Type')} {reply.body[:400]!r}")
    if reply.status != case.status:
        failed["status"] = (f"status {reply.status} {reply.note}, "
                            f"expected {case.status}")
    if case.status is not None and reply.status is not None:
        rid = reply.header("X-Request-Id")
        if not rid or not REQUEST_ID_RE.match(rid):
            failed["request-id"] = f"X-Request-Id is {rid!r}"
        problems, err = check_shape(reply)
        if problems:
            failed["shape"] = "; ".join(problems)
        err = err or {}
        # DOMAIN.md: a rejected event's answer names the rule, the event
        # (its index in the batch) and the field.
        if reply.status == 422 and ("index" not in err or
                                    "field" not in err):
            failed["named"] = "a 422 without index and field"
        if case.code is not None and err.get("code") != case.code:
            failed["code"] = (f"code {err.get('code')!r}, expected "
                              f"{case.code!r}")
        if "field" in case.fields:
            want = case.fields["field"] or None
            if err.get("field") != want:
                failed["field"] = (f"field {err.get('field')!r}, "
                                   f"expected {want!r}")
        if "index" in case.fields:
            want = None if case.fields["index"] == "none" else \
                int(case.fields["index"])
            if err.get("index") != want:
                failed["index"] = (f"index {err.get('index')!r}, "
                                   f"expected {want!r}")
        if "message-has" in case.fields:
            if case.fields["message-has"] not in str(err.get("message")):
                failed["message"] = (f"message {err.get('message')!r} does "
                                     f"not contain "
                                     f"{case.fields['message-has']!r}")
        if "allow" in case.fields:
            if reply.header("Allow") != case.fields["allow"]:
                failed["allow"] = (f"Allow is {reply.header('Allow')!r}, "
                                   f"expected {case.fields['allow']!r}")
    try:
        after = head_hash(d)
    except (CaseError, OSError) as e:
        failed["head"] = f"medeld no longer answers /healthz: {e}"
        raise CaseError(f"{case.name}: medeld died: {e}\n" +
                        "\n".join(d.log().splitlines()[-30:]))
    if after != before:
        failed["head"] = f"head moved from {before} to {after}"
    return failed


# --- a daemon per setup -----------------------------------------------------

def start_daemon(setup):
    d = Medeld(tokens=list(TOKENS.values()))
    d.start()
    try:
        n = 0
        for batch in load_setup(setup):
            body = json.dumps(batch, ensure_ascii=False).encode("utf-8")
            r = exchange(d, "unix",
                         b"POST /v1/events HTTP/1.1\r\nHost: localhost\r\n"
                         b"Content-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                         % len(body) + body, method="POST")
            if r.status != 201:
                raise CaseError(f"setup {setup}: {r.status} {r.body[:300]}")
            n += len(batch)
        if head_hash(d)[0] != n:
            raise CaseError(f"setup {setup}: head is not seq {n}")
    except BaseException:
        d.cleanup()
        raise
    return d


ALL_TOKENS = [t[2] for t in TOKENS.values()] + [WRONG_TOKEN]


def files_holding(directory, needles):
    """[(file name, needle)] for each needle found in a file below
    directory (sockets skipped), read in chunks that overlap."""
    found = []
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                continue
            tail = b""
            with open(path, "rb") as fh:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        break
                    buf = tail + chunk
                    found += [(name, n.decode()) for n in needles
                              if n in buf]
                    tail = buf[-256:]
    return sorted(set(found))


class Daemon:
    """The medeld of one setup; started again when a case changed its
    ledger (a bug), so the cases after it still meet the setup. Each
    medeld, when stopped, must exit 0 and must have written no token to
    its log or its data directory."""

    def __init__(self, setup):
        self.setup = setup
        self.d = start_daemon(setup)
        self.problems = []
        self.log_lines = 0

    def present_tokens(self):
        """Every token in the forms a client might send it."""
        for tok in ALL_TOKENS:
            for auth in (f"Bearer {tok}", f"bearer {tok}", f"Token {tok}",
                         tok, f"Bearer  {tok}", f"Bearer {tok}x"):
                exchange(self.d, "tcp",
                         b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                         b"Authorization: " + auth.encode() +
                         b"\r\nConnection: close\r\n\r\n")

    def stop(self):
        d = self.d
        rc = d.stop()  # its stderr has been read to the end
        log = d.log()
        self.log_lines += log.count("\n") + 1
        if rc != 0:
            self.problems.append(("exit", f"medeld exited {rc} on SIGTERM:"
                                  "\n" + "\n".join(log.splitlines()[-20:])))
        leaked = [t for t in ALL_TOKENS if t in log]
        if leaked:
            self.problems.append(("log", f"the log holds {leaked}"))
        found = files_holding(d.data, [t.encode() for t in ALL_TOKENS])
        if found:
            self.problems.append(("data", f"data files hold {found}"))
        d.cleanup()

    def restart(self):
        self.stop()
        self.d = start_daemon(self.setup)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default=os.path.join(HERE, "cases"))
    ap.add_argument("--only", help="run the cases whose file name "
                    "contains this")
    ap.add_argument("--show", action="store_true",
                    help="print each answer")
    ap.add_argument("--strict", action="store_true",
                    help="known bugs fail too")
    args = ap.parse_args()
    t0 = time.monotonic()
    cases = load_cases(args.cases, args.only)
    setups = []
    for c in cases:
        if c.setup not in setups:
            setups.append(c.setup)
    counts = {"PASS": 0, "FAIL": 0, "KNOWN": 0, "XPASS": 0}
    by_category = {}
    failures = []
    for setup in setups:
        daemon = Daemon(setup)
        try:
            for c in [c for c in cases if c.setup == setup]:
                by_category[c.category] = by_category.get(c.category, 0) + 1
                failed = run_case(daemon.d, c, args.show)
                known = c.known and not args.strict
                if not failed:
                    verdict = "XPASS" if known else "PASS"
                elif known and set(failed) <= c.known:
                    verdict = "KNOWN"
                else:
                    verdict = "FAIL"
                counts[verdict] += 1
                print(f"{verdict:5} {c.name}: {c.fields['desc']}", flush=True)
                for check, why in failed.items():
                    print(f"        {check}: {why}")
                if verdict == "KNOWN":
                    print(f"        known bug: {c.known_why}")
                if verdict == "XPASS":
                    print(f"        passes now: remove its known-bug line "
                          f"({c.known_why})")
                if verdict in ("FAIL", "XPASS"):
                    failures.append(c.name)
                if "head" in failed:
                    print(f"        (medeld restarted on a fresh {setup} "
                          "ledger for the cases after this one)")
                    daemon.restart()
            mode = stat.S_IMODE(os.stat(daemon.d.socket).st_mode)
            ok = mode == 0o600
            counts["PASS" if ok else "FAIL"] += 1
            print(f"{'PASS' if ok else 'FAIL':5} {setup}: the Unix socket is "
                  f"mode 0600" + ("" if ok else f" (it is {mode:04o})"))
            if not ok:
                failures.append(f"{setup}: socket mode")
            daemon.present_tokens()
        finally:
            daemon.stop()
        for key, what in (("exit", "medeld exits 0 on SIGTERM"),
                          ("log", f"no token in medeld's log "
                                  f"({daemon.log_lines} lines)"),
                          ("data", "no token in medeld's data directory")):
            problems = [p for k, p in daemon.problems if k == key]
            verdict = "FAIL" if problems else "PASS"
            counts[verdict] += 1
            print(f"{verdict:5} {setup}: {what}", flush=True)
            for p in problems:
                print("        " + p.replace("\n", "\n        "))
                failures.append(f"{setup}: {key}")
    cats = ", ".join(f"{k} {v}" for k, v in sorted(by_category.items()))
    print(f"\n{len(cases)} cases ({cats})")
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, "
          f"{counts['KNOWN']} known bugs, {counts['XPASS']} known bugs "
          f"passing, in {time.monotonic() - t0:.1f} s")
    if failures:
        print("failed: " + ", ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except CaseError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
