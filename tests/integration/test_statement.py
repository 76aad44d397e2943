"""The återrapportering statement and the consolidated answers over
medeld (issue 12): GET /v1/statement on the Malmö 2020 example, its
figures checked against sums over the example's own events (not against
the program's output), its head against /healthz, its refusals; the
trace with posts=1 against the traces of the grant and its posts; the
balances' and repayments' totals against their rows."""
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
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


def kr(ore):
    return f"{ore // 100},{ore % 100:02d}"


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


class Loaded(MedeldTestCase):
    """medeld with the Malmö 2020 example loaded."""

    def setUp(self):
        self.d = self.start_medeld()
        self.events = load("malmo-2020.jsonl")
        a = self.d.post("/v1/events", json.dumps(self.events))
        self.assertEqual(a.status, 201, a)

    def get(self, path, status=200):
        a = self.d.get(path)
        self.assertEqual(a.status, status, a)
        return a.json()

    def names(self, key="parties"):
        """id -> name of /v1/parties (or /v1/grants) as of 2021-04-01."""
        doc = self.get(f"/v1/{key}?as_of=2021-04-01")
        idkey = "grant" if key == "grants" else "party"
        return {x[idkey]: x["name"] for x in doc[key]}


class Statement(Loaded):

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

    def test_known_at_head_is_the_last_event_known_then(self):
        seq, _ = self.d.head()
        k = seq // 2
        ev = self.get(f"/v1/events?after={k - 1}&limit=1")["events"][0]
        self.assertEqual(ev["seq"], k)
        known = ev["recorded_at"]
        st = self.get(f"/v1/statement?party=malmo&grant={PH20}"
                      f"&as_of=2021-04-01&known_at={known}")
        self.assertEqual(st["head"], {"seq": k, "hash": ev["hash"]})
        now = self.get(f"/v1/statement?party=malmo&grant={PH20}"
                       "&as_of=2021-04-01")
        self.assertEqual(now["head"]["seq"], seq)

    def test_statement_refusals(self):
        for path, status, field in (
                (f"/v1/statement?party=malmo-asn&grant={PH20}", 400,
                 "party"),
                (f"/v1/statement?party=nobody&grant={PH20}", 404, "party"),
                ("/v1/statement?party=malmo&grant=nothing", 404, "grant"),
                (f"/v1/statement?grant={PH20}", 400, "party"),
                (f"/v1/statement?party=malmo&grant={PH20}&format=svg",
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


class StatementFormats(Loaded):
    """format=csv and format=html: every figure the JSON's."""

    def doc(self, fmt, lang="sv"):
        a = self.d.get(f"/v1/statement?party=malmo&grant={PH20}"
                       f"&as_of=2021-04-01&format={fmt}&lang={lang}")
        self.assertEqual(a.status, 200, a)
        return a

    def test_csv(self):
        st = self.get(f"/v1/statement?party=malmo&grant={PH20}"
                      "&as_of=2021-04-01")
        a = self.doc("csv")
        self.assertEqual(a.headers["Content-Type"],
                         "text/csv; charset=utf-8")
        self.assertTrue(a.body.startswith(b"\xef\xbb\xbf"))
        rows = [r.split(";") for r in
                a.body[3:].decode("utf-8").split("\r\n") if r]
        self.assertEqual(rows[0], ["avsnitt", "part", "namn", "aktivitet",
                                   "enhet", "belopp"])
        got = {(r[0], r[1]): r[5] for r in rows[1:] if r[0] == "received"
               and r[1]}
        want = {("received", x["party"]): kr(x["amount"])
                for x in st["received"]["from"]}
        self.assertEqual(got, want)
        # every row naming a party names it as /v1/parties does
        names = self.names()
        named = [r for r in rows[1:] if r[1]]
        self.assertTrue(named)
        for r in named:
            self.assertEqual(r[2], names[r[1]], r)
        head = [r for r in rows if r[0] == "head"][0]
        self.assertEqual(head[3:5], [str(st["head"]["seq"]),
                                     st["head"]["hash"]])

    def test_html_names_parties_and_grants(self):
        # Where the JSON has ids the page has names, each followed by its
        # id (what an auditor matches against the events).
        st = self.get(f"/v1/statement?party=malmo&grant={PH20}"
                      "&as_of=2021-04-01")
        page = self.doc("html", "sv").body.decode("utf-8")
        parties, grants = self.names(), self.names("grants")
        h1 = page.split("<h1>")[1].split("</h1>")[0]
        self.assertIn(html.escape(parties["malmo"]), h1)
        self.assertIn('<span class="id">malmo</span>', h1)
        self.assertIn(html.escape(grants[PH20]), page.split("</h1>")[1])
        received = page.split("<h2>Mottaget från</h2>")[1].split(
            "</table>")[0]
        for x in st["received"]["from"]:
            self.assertIn(f'{html.escape(parties[x["party"]])} '
                          f'<span class="id">{x["party"]}</span>', received)
        for m in st["members"]:
            self.assertIn(html.escape(parties[m["party"]]), h1 + page)

    def test_html_summary_labels_its_figures(self):
        # In English the summary's labels are the API's keys: each row's
        # amount must be the JSON's figure under that label (a column
        # table once went out of step and put every label on another
        # figure).
        st = self.get(f"/v1/statement?party=malmo&grant={PH20}"
                      "&as_of=2021-04-01")
        page = self.doc("html", "en").body.decode("utf-8")
        part = page.split("<h2>Summary</h2>")[1].split("</table>")[0]
        rows = re.findall(r"<td>([^<]*)</td><td class=\"amt\">([^<]*)</td>",
                          part)
        self.assertGreaterEqual(len(rows), 8, part)
        for label, amount in rows:
            digits = re.sub(r"[^0-9-]", "", amount.split(",")[0])
            kr = int(digits) if digits not in ("", "-") else 0
            self.assertEqual(kr * 100, st["summary"][label] // 100 * 100,
                             (label, amount))

    def test_html_deadlines_in_swedish(self):
        # The deadlines' kinds and statuses are API codes; the Swedish
        # page shows them in the words of CLI.md's tables.
        sv = {"claim": "rekvirera", "report": "återrapportera",
              "repay": "återbetala", "condition": "villkor", "ok": "ok",
              "open": "öppen", "due": "förfaller", "overdue": "försenad"}
        q = f"/v1/statement?party=malmo&grant={PH20}&as_of=2021-03-15"
        st = self.get(q)
        self.assertTrue(st["deadlines"])
        a = self.d.get(q + "&format=html&lang=sv")
        self.assertEqual(a.status, 200, a)
        page = a.body.decode("utf-8")
        part = page.split("<h2>Frister</h2>")[1].split("</table>")[0]
        rows = re.findall(r"<tr>(.*?)</tr>", part)[1:]
        self.assertEqual(len(rows), len(st["deadlines"]), part)
        for d, row in zip(st["deadlines"], rows):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            self.assertEqual(cells[0], d["due"], row)
            self.assertEqual(cells[1], sv[d["kind"]], row)
            self.assertEqual(cells[3], sv[d["status"]], row)

    def test_html_and_pdf(self):
        st = self.get(f"/v1/statement?party=malmo&grant={PH20}"
                      "&as_of=2021-04-01")
        for lang, word in (("sv", "Återrapportering"),
                           ("en", "Statement")):
            a = self.doc("html", lang)
            self.assertEqual(a.headers["Content-Type"],
                             "text/html; charset=utf-8")
            page = a.body.decode("utf-8")
            self.assertIn(word, page)
            self.assertIn("@page{size:A4", page)
            self.assertIn(st["head"]["hash"], page)
            self.assertNotIn("<script", page)
        chromium = shutil.which("chromium")
        pdftotext = shutil.which("pdftotext")
        if not chromium or not pdftotext:
            self.skipTest("chromium or pdftotext not installed")
        with tempfile.TemporaryDirectory() as tmp:
            html = os.path.join(tmp, "s.html")
            pdf = os.path.join(tmp, "s.pdf")
            with open(html, "wb") as f:
                f.write(self.doc("html", "sv").body)
            subprocess.run([chromium, "--headless", "--no-sandbox",
                            "--disable-gpu", "--no-pdf-header-footer",
                            f"--print-to-pdf={pdf}", "file://" + html],
                           check=True, timeout=120,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            text = subprocess.run([pdftotext, "-layout", pdf, "-"],
                                  check=True, capture_output=True,
                                  text=True).stdout
            info = subprocess.run(["pdfinfo", pdf], capture_output=True,
                                  text=True).stdout
        self.assertIn("A4", info)
        self.assertIn("Mottaget från", text)
        self.assertIn("9 995 307 kr", text)  # what came in, once
        self.assertIn(f"seq {st['head']['seq']}", text)


class Pending(Loaded):
    """Money promised on a condition is in every format of the
    statement: the summary's pending, and a condition deadline."""

    def setUp(self):
        super().setUp()
        self.cond = {"type": "allocation", "date": "2021-03-01",
                     "grant": PH20, "from": "kammarkollegiet",
                     "to": "malmo-fsn", "amount": 7500000,
                     "condition": "om nämnden ansöker",
                     "decide_by": "2021-05-01"}
        a = self.d.post("/v1/events", json.dumps(self.cond))
        self.assertEqual(a.status, 201, a)

    def statement(self, fmt="json", lang="sv"):
        a = self.d.get(f"/v1/statement?party=malmo&grant={PH20}"
                       f"&as_of=2021-04-01&format={fmt}&lang={lang}")
        self.assertEqual(a.status, 200, a)
        return a.json() if fmt == "json" else a.body.decode("utf-8")

    def test_pending_in_json_csv_html(self):
        amount = self.cond["amount"]
        st = self.statement()
        self.assertEqual(st["summary"]["pending"], amount)
        self.assertEqual(st["summary"]["pending_out"], 0)
        cond = [d for d in st["deadlines"] if d["kind"] == "condition"]
        self.assertEqual([(d["party"], d["due"], d["amount"]) for d in cond],
                         [("malmo-fsn", "2021-05-01", amount)])
        rows = [r.split(";") for r in
                self.statement("csv")[1:].split("\r\n") if r]
        self.assertIn(["summary", "", "", "pending", "", kr(amount)], rows)
        self.assertIn(["deadline", "malmo-fsn", self.names()["malmo-fsn"],
                       "condition", "2021-05-01", kr(amount)], rows)
        page = self.statement("html", "en")
        summary = page.split("<h2>Summary</h2>")[1].split("</table>")[0]
        self.assertRegex(summary, r"<td>pending</td><td class=\"amt\">"
                         + f"{amount // 100:,}".replace(",", " ") + " kr<")


if __name__ == "__main__":
    unittest.main()
