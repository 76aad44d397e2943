#!/usr/bin/env python3
"""Byte identity of medeld's built answers between two binaries.

  tools/bench/medeld_same.py BEFORE AFTER DATA [--dates N]

Starts medeld BEFORE and medeld AFTER, each on its own copy of the ledger
in DATA (a directory holding data.mdb, e.g. loaded from `bench_gen_ledger
--new-types` with `medel --db DIR append`), asks both the same built
answers — balances (every account, and per party), trace, repayments,
deadlines and statement, for every grant and legal entity of the ledger,
at N as_of dates spread over the ledger's years and with a known_at —
and compares the bodies byte for byte. Also at "today" (no as_of) and
at the last day medel can write (2199-12-31), the views medeld's kept
summaries answer (ledger/ml_summary.h): deadlines and repayments are
asked there before and after a few commits (the same events POSTed to
both), so a summary a commit failed to make stale shows as a
difference. Prints how many answers were compared and the first
difference; exits 1 on any difference.

A change meant to make an answer faster must leave its bytes alone: this
is the check for it, against the binary of the commit before.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "same-read-token"
WRITE_TOKEN = "same-write-token"


class Medeld:
    def __init__(self, binary, data, work):
        self.dir = os.path.join(work, os.path.basename(binary) + "-" +
                                hashlib.sha256(binary.encode()).hexdigest()
                                [:8])
        shutil.copytree(data, self.dir)
        for f in ("lock.mdb", "medel.lock"):
            if os.path.exists(os.path.join(self.dir, f)):
                os.remove(os.path.join(self.dir, f))
        tokens = os.path.join(self.dir, "tokens")
        with open(tokens, "w") as f:
            f.write("read same-reader "
                    f"{hashlib.sha256(TOKEN.encode()).hexdigest()}\n"
                    "write same-writer "
                    f"{hashlib.sha256(WRITE_TOKEN.encode()).hexdigest()}"
                    "\n")
        self.log = os.path.join(self.dir, "medeld.log")
        self.proc = subprocess.Popen(
            [binary, "--data", self.dir, "--listen", "127.0.0.1:0",
             "--tokens", tokens], stderr=open(self.log, "w"),
            stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.log) as f:
                m = re.search(r"event=start .* tcp=127\.0\.0\.1:(\d+)",
                              f.read())
            if m:
                self.port = int(m.group(1))
                return
            time.sleep(0.05)  # polling a file for a line, not a race
        raise SystemExit("medeld did not start: see " + self.log)

    def get(self, path):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            headers={"Authorization": "Bearer " + TOKEN})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def post(self, body):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/v1/events",
            data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": "Bearer " + WRITE_TOKEN,
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


def queries(d, dates):
    """Every built answer's paths for the ledger d serves."""
    grants = [g["grant"] for g in json.loads(d.get("/v1/grants")[1])
              ["grants"]]
    parties = json.loads(d.get("/v1/parties")[1])["parties"]
    entities = [p["party"] for p in parties if not p.get("parent")]
    some = [p["party"] for p in parties][:: max(1, len(parties) // 8)]
    years = sorted({int(g["use_by"][:4]) for g in json.loads(
        d.get("/v1/grants")[1])["grants"] if g.get("use_by")}) or [2020]
    lo, hi = years[0] - 1, years[-1] + 2
    days = [f"{lo + (hi - lo) * i // dates}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            for i in range(dates)]
    out = []
    for i, day in enumerate(days):
        view = f"as_of={day}"
        if i % 3 == 2:
            view += "&known_at=2030-01-01T00:00:00Z"
        out += [f"/v1/balances?{view}", f"/v1/deadlines?{view}",
                f"/v1/repayments?year={day[:4]}&{view}"]
        out += [f"/v1/balances?party={p}&{view}" for p in some]
        for g in grants:
            out += [f"/v1/trace?grant={g}&{view}",
                    f"/v1/repayments?grant={g}&{view}"]
            out += [f"/v1/statement?party={e}&grant={g}&{view}"
                    for e in entities[:4]]
    return out


def kept_views(d):
    """Deadlines and repayments at the views medeld keeps summaries for
    (no as_of: today; the last day), each asked twice."""
    grants = [g["grant"] for g in json.loads(d.get("/v1/grants")[1])
              ["grants"]]
    out = []
    for view in ("", "as_of=2199-12-31"):
        sep = "&" if view else ""
        out += [f"/v1/deadlines?{view}"] * 2
        out += [f"/v1/repayments?grant={g}{sep}{view}" for g in grants] * 2
    return out


def commits(d):
    """Batches that change the grants' deadlines and repayments: per
    grant, an allocation with a claim_by from its payer to a party and a
    payout of part of it (today; refused alike by both if the rules say
    no), then a report of the party."""
    grants = json.loads(d.get("/v1/grants")[1])["grants"]
    parties = [p["party"] for p in json.loads(d.get("/v1/parties")[1])
               ["parties"]]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    out = []
    for i, g in enumerate(grants[:4]):
        to = parties[(7 * i + 3) % len(parties)]
        if to == g.get("payer"):
            continue
        out.append([{"type": "allocation", "date": today,
                     "grant": g["grant"], "from": g["payer"], "to": to,
                     "amount": 1000 + i, "claim_by": today},
                    {"type": "payout", "date": today, "grant": g["grant"],
                     "from": g["payer"], "to": to, "amount": 400 + i}])
        out.append({"type": "report", "date": today, "grant": g["grant"],
                    "party": to})
    return out


def same(a, b, qs, statuses):
    for q in qs:
        x, y = a.get(q), b.get(q)
        statuses[x[0]] = statuses.get(x[0], 0) + 1
        if x != y:
            print(f"DIFFERENT: {q}\n  before {x[0]} {x[1][:300]}\n"
                  f"  after  {y[0]} {y[1][:300]}")
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("data")
    ap.add_argument("--dates", type=int, default=12)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="medeld-same-")
    a = b = None
    try:
        a = Medeld(os.path.abspath(args.before), args.data, work)
        b = Medeld(os.path.abspath(args.after), args.data, work)
        qs = queries(a, args.dates) + kept_views(a)
        statuses, posted, n = {}, {}, 0
        if not same(a, b, qs, statuses):
            return 1
        n += len(qs)
        for body in commits(a):
            x, y = a.post(body), b.post(body)
            posted[x] = posted.get(x, 0) + 1
            if x != y:
                print(f"POST answered {x} before, {y} after: {body}")
                return 1
            kq = kept_views(a)
            if not same(a, b, kq, statuses):
                return 1
            n += len(kq)
        print(f"{n} answers byte for byte the same "
              f"(statuses {statuses}; POSTs between the last "
              f"{n - len(qs)}: {posted})")
        return 0
    finally:
        for d in (a, b):
            if d is not None:
                d.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
