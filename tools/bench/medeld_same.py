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
difference. The first commits define a grant whose use_by and repay_by
lie ahead and pay three legal entities from it; its repayments are
asked on the days around those deadlines, in date order and twice
each, so one kept summary and its rows' text (ml_summary.h row_text)
answer every status, and again after a payout more. Statements of the
first legal entities at today are asked after every commit too, the
last of which adds a member to one of them (the kept party tree);
balances of every grant and of the first legal entities are asked at
those views too, after the commit that defines a grant (the kept grant
list). Prints how many answers were compared and the first
difference; exits 1 on any difference.

A change meant to make an answer faster must leave its bytes alone: this
is the check for it, against the binary of the commit before.
"""
import argparse
import datetime
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
    """Deadlines, repayments and traces at the views medeld keeps
    summaries for (no as_of: today; the last day), each asked twice; and repayments of
    every grant with a use_by and a repay_by on the days around them,
    in date order, each asked twice: the first day's summary is settled
    (nothing is dated after today) and answers the later days, whose
    rows change status (open, then ok or due, then overdue)."""
    defs = json.loads(d.get("/v1/grants")[1])["grants"]
    grants = [g["grant"] for g in defs]
    out = []
    for view in ("", "as_of=2199-12-31"):
        sep = "&" if view else ""
        out += [f"/v1/deadlines?{view}"] * 2
        out += [f"/v1/repayments?grant={g}{sep}{view}" for g in grants] * 2
        # every grant: the kept grant list, which a grant definition
        # must make stale (ledger/ml_summary.h, struct ml_grants_kept)
        out += [f"/v1/balances?{view}"] * 2
        out += [f"/v1/trace?grant={g}{sep}{view}" for g in grants] * 2
    parties = json.loads(d.get("/v1/parties")[1])["parties"]
    entities = [p["party"] for p in parties if not p.get("parent")]
    out += [f"/v1/balances?party={e}" for e in entities[:4]] * 2
    out += [f"/v1/statement?party={e}&grant={g}"
            for e in entities[:4] for g in grants] * 2
    for g in defs:
        if "use_by" not in g or "repay_by" not in g:
            continue
        for day in phase_days(g["use_by"], g["repay_by"]):
            out += [f"/v1/repayments?grant={g['grant']}&as_of={day}",
                    f"/v1/repayments?year={g['use_by'][:4]}&as_of={day}",
                    f"/v1/trace?grant={g['grant']}&as_of={day}"] * 2
    return out


def phase_days(use_by, repay_by):
    """The day before use_by, use_by, the day after; repay_by and the
    day after."""
    day = datetime.date.fromisoformat
    one = datetime.timedelta(days=1)
    days = [day(use_by) - one, day(use_by), day(use_by) + one,
            day(repay_by), day(repay_by) + one]
    return [x.isoformat() for x in days]


PHASES = "same-phases"  # the grant phases() defines


def phases(d):
    """Batches for kept_views' days around use_by and repay_by: a grant
    whose use_by (2150-06-30) and repay_by (2150-12-31) are ahead, three
    legal entities paid from it, one of which spends it all (its row:
    ok after use_by; the others' due, then overdue); then a payout more,
    so the grant's kept rows must be written again; then a new member of
    a legal entity, so the kept party tree must be read again (its
    statements list the member)."""
    defs = json.loads(d.get("/v1/grants")[1])["grants"]
    payer = defs[0]["payer"]
    parties = json.loads(d.get("/v1/parties")[1])["parties"]
    to = [p["party"] for p in parties
          if not p.get("parent") and p["party"] != payer][:3]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    batch = [{"type": "grant", "date": today, "grant": PHASES,
              "name": "Faser", "payer": payer, "total": 100000,
              "use_by": "2150-06-30", "repay_by": "2150-12-31"}]
    for i, p in enumerate(to):
        for kind in ("allocation", "payout"):
            batch.append({"type": kind, "date": today, "grant": PHASES,
                          "from": payer, "to": p, "amount": 1000 * (i + 1)})
    batch.append({"type": "expense", "date": today, "grant": PHASES,
                  "party": to[0], "activity": "Faser", "amount": 1000})
    more = [{"type": kind, "date": today, "grant": PHASES, "from": payer,
             "to": to[1], "amount": 500}
            for kind in ("allocation", "payout")]
    member = {"type": "party", "date": today, "party": "same-member",
              "kind": "committee", "name": "Nämnd", "parent": to[0]}
    return [batch, more, member]


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


HEAD_HASH = re.compile(rb'"head":\{"seq":(\d+),"hash":"[0-9a-f]{64}"\}')
RECORDED = re.compile(rb'"recorded_at":"[^"]*"')


def same(a, b, qs, statuses, posted=False):
    """Asks a and b every query of qs; False at the first difference.
    After POSTs (posted) a statement's head hash and its reports'
    recorded_at are left out: each medeld stamped the POSTed events with
    its own recorded_at, which the chain's hash covers."""
    for q in qs:
        x, y = a.get(q), b.get(q)
        if posted and q.startswith("/v1/statement"):
            x, y = [(st, RECORDED.sub(b'"recorded_at":""', HEAD_HASH.sub(
                rb'"head":{"seq":\1}', body))) for st, body in (x, y)]
        statuses[x[0]] = statuses.get(x[0], 0) + 1
        if x != y:
            at = next((i for i, (p, r) in enumerate(zip(x[1], y[1]))
                       if p != r), min(len(x[1]), len(y[1])))
            at = max(0, at - 150)
            print(f"DIFFERENT: {q} (from byte {at})\n"
                  f"  before {x[0]} {x[1][at:at + 300]}\n"
                  f"  after  {y[0]} {y[1][at:at + 300]}")
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
        for body in phases(a) + commits(a):
            x, y = a.post(body), b.post(body)
            posted[x] = posted.get(x, 0) + 1
            if x != y:
                print(f"POST answered {x} before, {y} after: {body}")
                return 1
            kq = kept_views(a)
            if not same(a, b, kq, statuses, posted=True):
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
