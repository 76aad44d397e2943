#!/usr/bin/env python3
"""medeld benchmarks with wrk on loopback, each beside its baseline.

  (a) reads: GET /v1/balances?party=P at 64 connections, and nginx serving
      a static file of exactly the same size in the same run; the ratio
      medeld / nginx (target ≥ 0.40). Both over TCP, both writing an
      access log, medeld checking a bearer token on every request.
  (b) durable appends: single-event POSTs from 1 and from 64 concurrent
      connections (wrk + medeld_append.lua, unique ids, a write token);
      events/s and the ratio 64 / 1 (target ≥ 5, from group commit).
  (c) threads: a second medeld with --threads 2 on a copy of the ledger,
      in the same rounds as (a), to see whether a second event loop pays.
  (d) TLS reads: a medeld with --tls-cert/--tls-key on a copy of the
      ledger, the same query as (a) over HTTPS, beside the same nginx
      serving the same file over HTTPS (one worker, the same certificate,
      TLS 1.2+); the ratio medeld / nginx. wrk keeps its 64 connections
      open, so this is the cost of encrypting answers, not of handshakes.
      The certificate is made for the run with openssl req.

  (e) before and after: with --before PATH (a medeld built from an
      earlier commit, e.g. main's merge base), a medeld of that binary on
      the same events, loaded by itself (an older medeld refuses a newer
      ledger format), joins the rounds of (a), and (b) runs on
      both, alternating before/after twice; the ratios after/before show
      whether a change made medeld slower, measured on the same machine
      in the same minutes.

  (f) every built answer: balances, trace, repayments, deadlines and
      a statement, each with a different as_of every request (never from
      the cache), beside nginx serving a static file of that answer's
      size, in the same rounds; req/s, the ratio medeld / nginx, and the
      CPU each server spent per answer (user+sys of the process and its
      children from /proc, over the whole wrk run), so a shared machine's
      noise shows less. Non-200 answers are counted, not fatal, so the
      trace's 503s (when it was sent off the loop) show as a number.
      --built-only runs (f) alone; with --before, the before medeld
      joins (f)'s rounds and its req/s and CPU per answer are compared.

Needs wrk and nginx (tools/bootstrap --bench). Builds a Release medeld in
build-bench/ unless --medeld is given. Works in tools/bench/out/ (on disk,
so fsync is real; git ignores it). Prints the numbers and the command
lines, and writes them as Markdown to tools/bench/out/medeld.md.

  tools/bench/medeld_bench.py [--duration 10] [--medeld PATH] [--tls-only]
                              [--before PATH] [--rounds 3] [--built-only]
                              [--instructions [--answer NAME]]

--rounds N: rounds of (a), (c), (d) and the before/after appends of (e);
the medians and the median ratios are over these (more on a busy
machine, where one round can be several times another).

--tls-only runs (d) alone (a quick check that it works).

--instructions runs (g) alone: the medeld (and, given, the --before one)
under valgrind's callgrind, counting only inside event_base_loop (so not
the start), asked balances (or --answer NAME: trace, repayments,
deadlines, statement; (f)'s query) built and cached by wrk -t2 -c8 for
--duration seconds each; prints user-space instructions per answer and
the ratio after/before. Unlike req/s and CPU time, the count does not
move with the machine's load (on a shared machine those moved ±10 %
between rounds of one binary, docs/performance.md 2026-12-03 h-req);
the kernel's TCP work is not in it.
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(HERE, "out")
READ_TOKEN, WRITE_TOKEN = "bench-read-token", "bench-write-token"
ADMIN_TOKEN = "bench-admin-token"
START_TIMEOUT_S = 30


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def build_medeld():
    build = os.path.join(ROOT, "build-bench")
    sh(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release"],
       stdout=subprocess.DEVNULL)
    sh(["cmake", "--build", build, "-j2", "--target", "medeld"],
       stdout=subprocess.DEVNULL)
    return os.path.join(build, "daemon", "medeld")


def make_cert():
    """A self-signed certificate for 127.0.0.1 in OUT: (cert, key)."""
    cert, key = os.path.join(OUT, "tls.pem"), os.path.join(OUT, "tls.key")
    sh(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
        cert, "-days", "2", "-subj", "/CN=localhost", "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost"],
       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class Medeld:
    def __init__(self, binary, data, threads, tls=None, tag="",
                 wrapper=()):
        self.binary, self.data, self.threads = binary, data, threads
        self.tls = tls
        name = (f"{threads}-tls" if tls else f"{threads}") + tag
        self.log_path = os.path.join(OUT, f"medeld-{name}.log")
        tokens = os.path.join(OUT, f"tokens-{name}")
        with open(tokens, "w") as f:
            for role, name, tok in (("read", "bench-reader", READ_TOKEN),
                                    ("write", "bench-writer", WRITE_TOKEN),
                                    ("admin", "bench-admin", ADMIN_TOKEN)):
                f.write(f"{role} {name} "
                        f"{hashlib.sha256(tok.encode()).hexdigest()}\n")
        self.cmd = [*wrapper, binary, "--data", data, "--listen",
                    "127.0.0.1:0",
                    "--tokens", tokens, "--threads", str(threads)]
        if tls:
            self.cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.log = open(self.log_path, "w")
        # wrk is one address with 64 connections, at medeld's limit per
        # address (MD_CONNS_PER_ADDR_MAX): a connection wrk replaces
        # (after a TLS handshake it retries, say) would race its own
        # close and be answered 503. One address stands for many here.
        env = dict(os.environ, MEDELD_CONNS_PER_ADDR_MAX="1024")
        self.proc = subprocess.Popen(self.cmd, stderr=self.log, env=env,
                                     stdout=subprocess.DEVNULL)
        self.port = self.wait_port()

    def wait_port(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                m = re.search(r"event=start .* tcp=127\.0\.0\.1:(\d+)",
                              f.read())
            if m:
                return int(m.group(1))
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)  # polling a file for a line, not a race
        raise SystemExit("medeld did not start: see " + self.log_path)

    def request(self, method, path, body=None, token=READ_TOKEN):
        if self.tls:
            c = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=120,
                context=ssl.create_default_context(cafile=self.tls[0]))
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port,
                                           timeout=120)
        h = {"Authorization": "Bearer " + token}
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        out = (r.status, r.read())
        c.close()
        return out

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(60)
        self.log.close()
        if rc != 0:
            raise SystemExit(f"medeld exited {rc}")


def ledger_events():
    """A ledger of realistic shape: 290 municipalities with two
    committees each, 12 grants, allocations, payouts and expenses — about
    12 000 events. malmo-asn has an account in every grant."""
    ev = [{"type": "party", "date": "2012-01-01", "party": "kammarkollegiet",
           "name": "Kammarkollegiet", "kind": "state"}]
    munis = [f"kommun-{i:03d}" for i in range(289)] + ["malmo"]
    for m in munis:
        ev.append({"type": "party", "date": "2012-01-01", "party": m,
                   "name": m.title(), "kind": "municipality"})
        for c in ("asn", "fsn"):
            ev.append({"type": "party", "date": "2012-01-01",
                       "party": f"{m}-{c}", "name": f"{m} {c}",
                       "kind": "committee", "parent": m})
    for y in range(2012, 2024):
        g = f"ph-{y}"
        ev.append({"type": "grant", "date": f"{y}-01-15", "grant": g,
                   "name": f"Psykisk hälsa {y}", "payer": "kammarkollegiet",
                   "total": 10**12, "use_by": f"{y}-12-31"})
        for m in munis:
            for t in ("allocation", "payout"):
                ev.append({"type": t, "date": f"{y}-03-01", "grant": g,
                           "from": "kammarkollegiet", "to": m,
                           "amount": 1000000000})
        for t in ("allocation", "payout"):
            ev.append({"type": t, "date": f"{y}-04-01", "grant": g,
                       "from": "malmo", "to": "malmo-asn",
                       "amount": 450000000})
        for i in range(5):
            ev.append({"type": "expense", "date": f"{y}-06-0{i + 1}",
                       "grant": g, "party": "malmo-asn",
                       "activity": f"Stadsdel {i}", "amount": 65000000})
    return ev


def load(d):
    events = ledger_events()
    for i in range(0, len(events), 5000):
        st, body = d.request("POST", "/v1/events",
                             json.dumps(events[i:i + 5000]), WRITE_TOKEN)
        if st != 201:
            raise SystemExit(f"loading failed: {st} {body[:300]}")
    return len(events)


NGINX_CONF = """
worker_processes {workers};
daemon off;
pid {out}/nginx.pid;
error_log {out}/nginx.error.log;
events {{ worker_connections 1024; }}
http {{
    access_log {out}/nginx.access.log;
    keepalive_requests 1000000;
    default_type application/json;
    server {{
        listen 127.0.0.1:{port};
        location / {{ root {out}/www; }}
    }}
    server {{
        listen 127.0.0.1:{tls_port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_prefer_server_ciphers on;
        location / {{ root {out}/www; }}
    }}
}}
"""


class Nginx:
    def __init__(self, body, tls, workers=1):
        os.makedirs(os.path.join(OUT, "www"), exist_ok=True)
        with open(os.path.join(OUT, "www", "balances.json"), "wb") as f:
            f.write(body)
        self.port, self.tls_port = free_port(), free_port()
        conf = os.path.join(OUT, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(workers=workers, out=OUT,
                                      port=self.port, tls_port=self.tls_port,
                                      cert=tls[0], key=tls[1]))
        self.cmd = ["nginx", "-c", conf, "-p", OUT]
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                for port in (self.port, self.tls_port):
                    socket.create_connection(("127.0.0.1", port)).close()
                return
            except OSError:
                time.sleep(0.05)  # waiting for nginx to listen
        raise SystemExit("nginx did not start")

    def serve(self, name, body):
        """Puts body in www/name, served at /name."""
        with open(os.path.join(OUT, "www", name), "wb") as f:
            f.write(body)

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(30)


def wrk(url, connections, duration, script, threads=2, env=None):
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
           "--latency", "-s", os.path.join(HERE, script), url]
    p = subprocess.run(cmd, check=True, capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", p.stdout).group(1))
    # the line "     99%    3.40ms" of --latency's distribution; a bare
    # "99%" also ends the thread stats' "+/- Stdev" column (e.g. 68.99%)
    p99 = re.search(r"^\s+99%\s+(\S+)", p.stdout, re.M).group(1)
    return rps, p99, p.stdout, " ".join(cmd)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def bench_rounds(runs, duration, rounds):
    """rounds × every (name, url, env) of runs with wrk at 64 connections,
    back to back; the first of runs is the baseline. Returns per name the
    median req/s and p99, the median of the per-round ratios to the
    baseline, and the rounds' req/s; and the command lines."""
    base = runs[0][0]
    got = {name: [] for name, _, _ in runs}
    cmds = {}
    for _ in range(rounds):
        for name, url, env in runs:
            rps, p99, out, cmd = wrk(url, 64, duration, "medeld_get.lua",
                                     env=env)
            if "non200=0" not in out:
                raise SystemExit(f"{name} answered non-200:\n{out}")
            got[name].append((rps, p99))
            cmds[name] = " ".join(f"{k}={'…' if 'TOKEN' in k else v}"
                                  for k, v in env.items()) + " " + cmd
    res = {}
    for name in got:
        rps = [r for r, _ in got[name]]
        ratios = [r / n for (r, _), (n, _) in zip(got[name], got[base])]
        p99 = sorted(got[name])[len(rps) // 2][1]
        res[name] = (median(rps), p99, median(ratios), rps)
    return res, cmds


def bench_tls_reads(d, nginx, party, duration, rounds=3):
    """(d): nginx over HTTPS, then medeld d (--tls-cert) over HTTPS, the
    same query cached and built, in rounds (bench_rounds)."""
    q = f"/v1/balances?party={party}"
    tok = {"MEDEL_BENCH_TOKEN": READ_TOKEN}
    vary = dict(tok, MEDEL_BENCH_VARY="1")
    return bench_rounds(
        (("nginx-tls", f"https://127.0.0.1:{nginx.tls_port}/balances.json",
          {}),
         ("tls-cached", f"https://127.0.0.1:{d.port}{q}", tok),
         ("tls-built", f"https://127.0.0.1:{d.port}{q}", vary)),
        duration, rounds)


# (f): every answer medeld builds per request, as (name, path with a
# query, so wrk's "&as_of=" can follow). The grant is the ledger's last.
BUILT = (("balances", "/v1/balances?party=malmo-asn"),
         ("trace", "/v1/trace?grant=ph-2023"),
         ("repayments", "/v1/repayments?grant=ph-2023"),
         ("deadlines", "/v1/deadlines?format=json"),
         ("statement", "/v1/statement?party=malmo&grant=ph-2023"))


def cpu_s(pid):
    """user+sys seconds of pid and its threads' children (nginx's
    workers), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            total += sum(cpu_s(int(c)) for c in f.read().split())
    return total


def wrk_cpu(pid, url, duration, env):
    """wrk at 64 connections with medeld_get.lua: (req/s, p99, non-200
    answers, CPU µs of pid per request, command line)."""
    c0 = cpu_s(pid)
    rps, p99, out, cmd = wrk(url, 64, duration, "medeld_get.lua", env=env)
    used_s = cpu_s(pid) - c0
    bad = int(re.search(r"non200=(\d+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return rps, p99, bad, used_s * 1e6 / max(total, 1), cmd


def bench_built(d, nginx, duration, rounds, before=None):
    """(f): per answer of BUILT, rounds of nginx (a file of the answer's
    size), medeld (a new as_of each request) and, given, the before
    medeld. Returns per answer (bytes, {side: [(rps, p99, non200,
    cpu_us)]}) and the command lines."""
    vary = {"MEDEL_BENCH_TOKEN": READ_TOKEN, "MEDEL_BENCH_VARY": "1"}
    res, cmds = {}, {}
    for name, q in BUILT:
        st, body = d.request("GET", q + "&as_of=2030-01-01")
        if st != 200:
            raise SystemExit(f"{name}: {st} {body[:300]}")
        nginx.serve(name + ".json", body)
        sides = [("nginx", nginx.proc.pid,
                  f"http://127.0.0.1:{nginx.port}/{name}.json", {}),
                 ("medeld", d.proc.pid, f"http://127.0.0.1:{d.port}{q}",
                  vary)]
        if before is not None:
            sides.append(("before", before.proc.pid,
                          f"http://127.0.0.1:{before.port}{q}", vary))
        got = {side[0]: [] for side in sides}
        for _ in range(rounds):
            for side, pid, url, env in sides:
                *r, cmd = wrk_cpu(pid, url, duration, env)
                got[side].append(tuple(r))
                cmds[(name, side)] = cmd
        res[name] = (len(body), got)
    return res, cmds


def instructions(binary, data, name, duration, answer="balances"):
    """(g): binary under callgrind on a copy of d's ledger (data): user
    instructions per answer inside the event loop, built and cached
    answers of BUILT's answer (balances unless told). Returns {mode:
    instructions per answer}."""
    out = {}
    q = dict(BUILT)[answer]
    for mode in ("built", "cached"):
        cg = os.path.join(OUT, f"callgrind-{name}-{mode}.out")
        d = Medeld(binary, data, 1, tag=f"-cg-{name}-{mode}",
                   wrapper=("valgrind", "--tool=callgrind",
                            "--toggle-collect=event_base_loop",
                            f"--callgrind-out-file={cg}"))
        env = {"MEDEL_BENCH_TOKEN": READ_TOKEN}
        if mode == "built":
            env["MEDEL_BENCH_VARY"] = "1"
        try:
            wrk(f"http://127.0.0.1:{d.port}{q}", 8, duration,
                "medeld_get.lua", env=env)
        finally:
            d.stop()  # callgrind writes its counts at the exit
        with open(d.log_path) as f:
            answers = sum(1 for line in f if "event=request" in line)
        with open(cg) as f:
            total = int(re.search(r"^(?:summary|totals): (\d+)", f.read(),
                                  re.M).group(1))
        out[mode] = total / max(answers, 1)
    return out


def report_instructions(duration, after, before, answer="balances"):
    lines = [f"(g) user-space instructions per {answer} answer inside "
             "medeld's event loop (callgrind), wrk -t2 -c8, "
             f"{duration} s each:"]
    for mode in ("built", "cached"):
        line = f"    {mode:7} after {after[mode]:9.0f}"
        if before is not None:
            line += (f"  before {before[mode]:9.0f}  after/before "
                     f"{after[mode] / before[mode]:.3f}")
        lines.append(line)
    return lines


def report_built(duration, rounds, res, cmds):
    lines = [
        "(f) every built answer (a new as_of each request) beside nginx "
        f"serving a file of the same size, 64 connections, {duration} s; "
        f"medians of {rounds} rounds, ratio = median of the rounds' "
        "medeld/nginx req/s; CPU = µs of user+sys per answer:",
        f"    {'answer':11} {'bytes':>7} {'nginx/s':>8} {'medeld/s':>8} "
        f"{'ratio':>5} {'p99':>8} {'non200':>6} {'CPU ng':>7} "
        f"{'CPU md':>7} {'CPU ratio':>9}",
    ]
    for name, (size, got) in res.items():
        ng, md = got["nginx"], got["medeld"]
        ratios = [m[0] / n[0] for m, n in zip(md, ng)]
        cpu_ratios = [m[3] / n[3] for m, n in zip(md, ng)]
        p99 = sorted(md)[len(md) // 2][1]
        lines.append(
            f"    {name:11} {size:7} {median([n[0] for n in ng]):8.0f} "
            f"{median([m[0] for m in md]):8.0f} {median(ratios):5.2f} "
            f"{p99:>8} {sum(m[2] for m in md):6} "
            f"{median([n[3] for n in ng]):7.1f} "
            f"{median([m[3] for m in md]):7.1f} "
            f"{median(cpu_ratios):9.1f}")
        lines.append("      rounds medeld/s: " +
                     ", ".join(f"{m[0]:.0f}" for m in md))
        if "before" in got:
            bf = got["before"]
            lines.append(
                f"      before: {median([b[0] for b in bf]):.0f}/s, "
                f"ratio {median([b[0] / n[0] for b, n in zip(bf, ng)]):.2f}"
                f", {median([b[3] for b in bf]):.1f} µs CPU, non200 "
                f"{sum(b[2] for b in bf)}; after/before: req/s "
                f"{median([m[0] / b[0] for m, b in zip(md, bf)]):.2f}, "
                f"CPU {median([m[3] / b[3] for m, b in zip(md, bf)]):.2f}")
    lines.append("    (target: ratio >= 0.40 for every answer)")
    name = BUILT[0][0]
    lines.append(f"    {cmds[(name, 'nginx')]}")
    lines.append(f"    MEDEL_BENCH_TOKEN=… MEDEL_BENCH_VARY=1 "
                 f"{cmds[(name, 'medeld')]}")
    return lines


def bench_reads(d1, d2, nginx, party, duration, rounds=3, before=None):
    """Rounds of: nginx; medeld with one event loop (d1) and with two (d2,
    on a copy of the same ledger), each asked the same query again and
    again (answered from its cache after the first) and with a different
    as_of every request (MEDEL_BENCH_VARY=1: every answer built from
    LMDB). All five run back to back in every round, so they saw the same
    machine. Returns per name the median req/s and p99, the median of the
    per-round ratios to nginx (robust against load that drifts), and the
    rounds' req/s."""
    q = f"/v1/balances?party={party}"
    tok = {"MEDEL_BENCH_TOKEN": READ_TOKEN}
    vary = dict(tok, MEDEL_BENCH_VARY="1")
    runs = (("nginx", f"http://127.0.0.1:{nginx.port}/balances.json", {}),
            ("cached-1", f"http://127.0.0.1:{d1.port}{q}", tok),
            ("built-1", f"http://127.0.0.1:{d1.port}{q}", vary),
            ("cached-2", f"http://127.0.0.1:{d2.port}{q}", tok),
            ("built-2", f"http://127.0.0.1:{d2.port}{q}", vary))
    if before is not None:
        runs += (("before-cached", f"http://127.0.0.1:{before.port}{q}", tok),
                 ("before-built", f"http://127.0.0.1:{before.port}{q}",
                  vary))
    return bench_rounds(runs, duration, rounds)


def bench_appends(d, duration):
    url = f"http://127.0.0.1:{d.port}/v1/events"
    res, cmds = {}, {}
    for conns, threads in ((1, 1), (64, 2)):
        env = {"MEDEL_BENCH_TOKEN": WRITE_TOKEN,
               "MEDEL_BENCH_RUN": f"c{conns}-{int(time.time())}"}
        b0, c0 = commit_shape(d)
        rps, p99, out, cmd = wrk(url, conns, duration, "medeld_append.lua",
                                 threads=threads, env=env)
        b1, c1 = commit_shape(d)
        m = re.search(r"created=(\d+) other=(\d+) seconds=([\d.]+)", out)
        created, other, secs = int(m.group(1)), int(m.group(2)), \
            float(m.group(3))
        if other:
            raise SystemExit(f"{other} appends were not 201:\n{out}")
        res[conns] = (created / secs, p99, (b1 - b0) / max(c1 - c0, 1))
        cmds[conns] = "MEDEL_BENCH_TOKEN=… MEDEL_BENCH_RUN=… " + cmd
    return res, cmds


def bench_appends_before_after(before, after, duration, rounds=2):
    """(e): (b) on the before and the after medeld, alternating, rounds
    times. Per side and connection count the median events/s, and per
    connection count the median of the rounds' after/before ratios."""
    got = {"before": {1: [], 64: []}, "after": {1: [], 64: []}}
    for _ in range(rounds):
        for side, d in (("before", before), ("after", after)):
            res, _ = bench_appends(d, duration)
            for conns in (1, 64):
                got[side][conns].append(res[conns][0])
    out = {}
    for conns in (1, 64):
        b, a = got["before"][conns], got["after"][conns]
        out[conns] = (median(b), median(a),
                      median([x / y for x, y in zip(a, b)]), b, a)
    return out


def commit_shape(d):
    st, body = d.request("GET", "/metrics")
    text = body.decode()
    s = float(re.search(r"^medeld_commit_batches_sum (\S+)", text,
                        re.M).group(1))
    n = float(re.search(r"^medeld_commit_batches_count (\S+)", text,
                        re.M).group(1))
    return s, n


def machine():
    cpus = os.cpu_count()
    model = ""
    with open("/proc/cpuinfo") as f:
        m = re.search(r"model name\s*:\s*(.*)", f.read())
        model = m.group(1) if m else "?"
    load1 = os.getloadavg()[0]
    return f"{cpus} × {model}, load average {load1:.2f} at start"


def stop_now(proc):
    """SIGTERM, then SIGKILL after 10 s. Not SIGKILL first: a killed nginx
    master leaves its workers running."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def before_ledger(binary, name):
    """The same events loaded by the baseline medeld into OUT/name. Not a
    backup of the build's ledger: that has the build's format, and an
    older medeld refuses a newer one (format 5 came with stop 23)."""
    path = os.path.join(OUT, name)
    d = Medeld(binary, path, 1, tag=f"-load-{name}")
    try:
        load(d)
    finally:
        d.stop()
    return path


def copy_ledger(d, name):
    """A copy (a backup over the API) of d's ledger in OUT/name."""
    st, copy = d.request("GET", "/v1/backup", token=ADMIN_TOKEN)
    if st != 200:
        raise SystemExit(f"backup failed: {st}")
    os.makedirs(os.path.join(OUT, name))
    with open(os.path.join(OUT, name, "data.mdb"), "wb") as f:
        f.write(copy)
    return os.path.join(OUT, name)


def row(label, r):
    runs = ", ".join(f"{x:.0f}" for x in r[3])
    return (f"    {label:32} {r[0]:8.0f} req/s  p99 {r[1]:>8}  "
            f"ratio {r[2]:.2f}  (rounds: {runs})")


def report_plain(duration, reads, rcmds, appends, acmds, rounds):
    a1, a64 = appends[1][0], appends[64][0]
    return [
        "",
        "(a) GET /v1/balances?party=malmo-asn, 64 connections, "
        f"{duration} s; medians of {rounds} rounds, ratio = median of the "
        "rounds' medeld/nginx:",
        row("nginx, same-size static file", reads["nginx"]),
        row("medeld, same query (cached)", reads["cached-1"]),
        row("medeld, as_of varies (built)", reads["built-1"]),
        "    (target: ratio >= 0.40)",
        f"    {rcmds['nginx']}",
        f"    {rcmds['cached-1']}",
        f"    {rcmds['built-1']}",
        "(b) single-event durable appends over TCP with a write token:",
        f"    1 connection        {a1:10.0f} events/s  p99 {appends[1][1]}"
        f"  {appends[1][2]:.1f} POSTs per commit",
        f"    64 connections      {a64:10.0f} events/s  p99 {appends[64][1]}"
        f"  {appends[64][2]:.1f} POSTs per commit",
        f"    ratio               {a64 / a1:10.2f}  (target >= 5)",
        f"    1:  {acmds[1]}",
        f"    64: {acmds[64]}",
        "(c) the same rounds, medeld --threads 2 (on a copy of the ledger):",
        row("medeld x2, same query (cached)", reads["cached-2"]),
        row("medeld x2, as_of varies (built)", reads["built-2"]),
        "    two loops / one loop (median of the rounds' ratios to nginx):"
        f" cached {reads['cached-2'][2] / reads['cached-1'][2]:.2f}, "
        f"built {reads['built-2'][2] / reads['built-1'][2]:.2f}",
    ]


def report_tls(duration, tls, tcmds):
    return [
        "(d) the same query over HTTPS (TLS 1.2+, kept-alive connections),"
        f" 64 connections, {duration} s; ratio = median of the rounds'"
        " medeld/nginx over TLS:",
        row("nginx over TLS, same file", tls["nginx-tls"]),
        row("medeld over TLS (cached)", tls["tls-cached"]),
        row("medeld over TLS (built)", tls["tls-built"]),
        f"    {tcmds['nginx-tls']}",
        f"    {tcmds['tls-cached']}",
    ]


def report_before_after(before, reads, appends):
    lines = [
        "(e) before (" + before + ") and after, the same rounds as (a) "
        "and (b):",
        row("before, same query (cached)", reads["before-cached"]),
        row("before, as_of varies (built)", reads["before-built"]),
        "    after / before (median of the rounds' ratios to nginx):"
        f" cached {reads['cached-1'][2] / reads['before-cached'][2]:.2f},"
        f" built {reads['built-1'][2] / reads['before-built'][2]:.2f}",
    ]
    for conns in (1, 64):
        b, a, ratio, bs, as_ = appends[conns]
        lines.append(
            f"    appends, {conns:2} connection(s): before {b:8.0f} events/s,"
            f" after {a:8.0f} events/s, after/before {ratio:.2f}  (rounds:"
            f" before {', '.join(f'{x:.0f}' for x in bs)};"
            f" after {', '.join(f'{x:.0f}' for x in as_)})")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--medeld")
    ap.add_argument("--tls-only", action="store_true",
                    help="run (d), the TLS reads, alone")
    ap.add_argument("--built-only", action="store_true",
                    help="run (f), every built answer, alone")
    ap.add_argument("--instructions", action="store_true",
                    help="run (g), instructions per answer, alone")
    ap.add_argument("--answer", default="balances",
                    choices=[name for name, _ in BUILT],
                    help="the answer (g) asks for (default balances)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before",
                    help="a medeld of an earlier commit, measured beside "
                    "this one in (a) and (b)")
    args = ap.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    binary = args.medeld or build_medeld()
    cert = make_cert()
    data = os.path.join(OUT, "data")
    lines = [f"machine: {machine()}", f"medeld: {binary}"]

    d = Medeld(binary, data, 1)
    nginx = d2 = d3 = d4 = None
    try:
        n = load(d)
        st, body = d.request("GET", "/v1/balances?party=malmo-asn")
        lines.append(f"ledger: {n} events; balances answer {len(body)} "
                     "bytes")
        nginx = Nginx(body, cert)
        # The two-loop and the TLS medeld serve copies of the ledger as
        # loaded (before (b) appends to it).
        data3 = copy_ledger(d, "data3")
        if args.instructions:
            after = instructions(binary, copy_ledger(d, "data-cg"),
                                 "after", args.duration, args.answer)
            before = None
            if args.before:
                before = instructions(args.before,
                                      before_ledger(args.before,
                                                    "data-cg-before"),
                                      "before", args.duration, args.answer)
            lines += report_instructions(args.duration, after, before,
                                         args.answer)
        if args.built_only and not args.instructions:
            if args.before:
                d4 = Medeld(args.before,
                            before_ledger(args.before, "data4"), 1,
                            tag="-before")
            built, bcmds = bench_built(d, nginx, args.duration, args.rounds,
                                       before=d4)
            lines += report_built(args.duration, args.rounds, built, bcmds)
            if d4 is not None:
                d4.stop()
                d4 = None
        if not (args.tls_only or args.built_only or args.instructions):
            d2 = Medeld(binary, copy_ledger(d, "data2"), 2)
            if args.before:
                d4 = Medeld(args.before,
                            before_ledger(args.before, "data4"), 1,
                            tag="-before")
            reads, rcmds = bench_reads(d, d2, nginx, "malmo-asn",
                                       args.duration, args.rounds,
                                       before=d4)
            d2.stop()
            d2 = None
            appends, acmds = bench_appends(d, args.duration)
            lines += report_plain(args.duration, reads, rcmds, appends,
                                  acmds, args.rounds)
            if d4 is not None:
                both = bench_appends_before_after(d4, d, args.duration,
                                                  args.rounds)
                lines += report_before_after(args.before, reads, both)
                d4.stop()
                d4 = None
        if not (args.built_only or args.instructions):
            d3 = Medeld(binary, data3, 1, tls=cert)
            tls, tcmds = bench_tls_reads(d3, nginx, "malmo-asn",
                                         args.duration, args.rounds)
            lines += report_tls(args.duration, tls, tcmds)
            d3.stop()
            d3 = None
        if not (args.tls_only or args.built_only or args.instructions):
            built, bcmds = bench_built(d, nginx, args.duration, args.rounds)
            lines += report_built(args.duration, args.rounds, built, bcmds)
        d.stop()
        d = None
        nginx.stop()
    finally:  # never leave a server behind
        for server in (d, d2, d3, d4, nginx):
            if server is not None and server.proc.poll() is None:
                stop_now(server.proc)
    text = "\n".join(lines)
    print(text)
    with open(os.path.join(OUT, "medeld.md"), "w") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
