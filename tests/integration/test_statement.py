"""The återrapportering statement and the consolidated answers over
medeld (issue 12): GET /v1/statement on the Malmö 2020 example, its
figures checked against sums over the example's own events (not against
the program's output), its head against /healthz, its refusals; the
trace with posts=1 against the traces of the grant and its posts; the
balances' and repayments' totals against their rows."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "docs", "examples")
PH20 = "psykisk-halsa-2020"


def load(name):
    with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def subtree(events, top):
    parent = {e["party"]: e.get("parent") for e in events
              if e["type"] == "party"}
    def under(p):
        while p is not None:
            if p == top:
                return True
            p = parent.get(p)
        return False
    return {p for p in parent if under(p)}


class Statement(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld()
        self.events = load("malmo-2020.jsonl")
        a = self.d.post("/v1/events", json.dumps(self.events))
        self.assertEqual(a.status, 201, a)

    def get(self, path, status=200):
        a = self.d.get(path)
        self.assertEqual(a.status, status, a)
        return a.json()

    def test_statement_from_the_events(self):
        st = self.get(f"/v1/statement?party=malmo&grant={PH20}"
                      "&as_of=2021-04-01")
        city = subtree(self.events, "malmo")
        money = [e for e in self.events if e.get("grant") == PH20]
        came_in = sum(e["amount"] for e in money if e["type"] == "payout"
                      and e["to"] in city and e["from"] not in city)
        spent = sum(e["amount"] for e in money if e["type"] == "expense"
                    and e["party"] in city)
        repaid = sum(e["amount"] for e in money
                     if e["type"] == "repayment" and e["from"] in city
                     and e["to"] not in city)
        s = st["summary"]
        self.assertEqual(s["received"], came_in)
        self.assertEqual(s["spent"], spent)
        self.assertEqual(s["repaid"], repaid)
        self.assertEqual(st["received"]["amount"], came_in)
        self.assertEqual(sum(x["amount"] for x in st["received"]["from"]),
                         came_in)
        self.assertEqual(
            sum(x["amount"] for x in st["spent"]["activities"]), spent)
        self.assertEqual(s["received"] + s["returned"] + s["carried_in"]
                         - s["spent"] - s["paid_out"] - s["repaid"]
                         - s["carried_out"], s["held"])
        self.assertEqual({m["party"] for m in st["members"]}, city)
        seq, hsh = self.d.head()
        self.assertEqual(st["head"], {"seq": seq, "hash": hsh})
        reports = [e for e in money if e["type"] == "report"
                   and e["party"] in city]
        self.assertEqual([r["date"] for r in st["reports"]],
                         [r["date"] for r in reports])

    def test_statement_refusals(self):
        for path, status, field in (
                (f"/v1/statement?party=malmo-asn&grant={PH20}", 400,
                 "party"),
                (f"/v1/statement?party=nobody&grant={PH20}", 404, "party"),
                ("/v1/statement?party=malmo&grant=nothing", 404, "grant"),
                (f"/v1/statement?grant={PH20}", 400, "party"),
                (f"/v1/statement?party=malmo&grant={PH20}&format=csv",
                 400, "format")):
            err = self.get(path, status)["error"]
            self.assertEqual(err["field"], field, path)
        self.assertEqual(self.d.head()[0], len(self.events))

    def test_rollup_and_totals(self):
        b = self.get(f"/v1/balances?party=malmo&rollup=1&grant={PH20}"
                     "&as_of=2021-04-01")
        came_in = sum(e["amount"] for e in self.events
                      if e["type"] == "payout" and e["to"] == "malmo"
                      and e["from"] == "kammarkollegiet")
        self.assertEqual(b["rows"][0]["received"], came_in)
        for doc in (b, self.get("/v1/balances?as_of=2021-04-01"),
                    self.get(f"/v1/repayments?grant={PH20}")):
            for k, v in doc["totals"].items():
                self.assertEqual(v, sum(r[k] for r in doc["rows"]), k)

    def test_trace_posts(self):
        grants = [e["grant"] for e in self.events if e["type"] == "grant"]
        one = [self.get(f"/v1/trace?grant={g}&as_of=2021-04-01")
               for g in grants if g == PH20 or g.startswith(PH20 + "/")]
        both = self.get(f"/v1/trace?grant={PH20}&posts=1&as_of=2021-04-01")
        for n in both["nodes"]:
            want = sum(x["received"] for t in one for x in t["nodes"]
                       if x["party"] == n["party"])
            self.assertEqual(n["received"], want, n["party"])


if __name__ == "__main__":
    unittest.main()
