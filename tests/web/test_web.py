"""The web view in a real browser (headless Chromium through Selenium)
against medeld loaded with the worked examples, over loopback TCP with a
read token — as a controller would open it from tools/demo's link.

Each view is opened and what it shows is compared with the API's answer
to the same question, fetched by the test itself: the page is a thin
reader, so every figure must be the API's, formatted the Swedish way
(browser.money states the rule independently of fmt.js). Moving the date
must change the figures as the API says; a time for "as known at" must
show the older answer; a party named <script>alert(1)</script> is shown
as text; the token in the URL's fragment leaves the address bar; and no
Content-Security-Policy violation is reported while the page runs.
"""
import base64
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402
from browser import money, open_view  # noqa: E402

browser.skip_without_browser()
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.print_page_options import PrintOptions  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

COLUMNS = ["allocated", "allocated_out", "received", "paid_out", "spent",
           "repaid", "carried_out", "held"]
POST = "psykisk-halsa-2020/lansgemensamma/sammanhallen-vard"


def text(el):
    """An element's text as the page wrote it (WebDriver's .text turns
    the no-break spaces of an amount into plain ones)."""
    return el.get_attribute("textContent")


class Web(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.led = browser.WebLedger()
        try:
            cls.led.start()
            cls.downloads = os.path.join(cls.led.d.tmp, "downloads")
            os.mkdir(cls.downloads)
            cls.drv = browser.driver(downloads=cls.downloads)
        except BaseException:
            cls.led.stop()
            raise
        # The first visit brings the token in the fragment.
        open_view(cls.drv, cls.led.base + "#token=" + browser.READ_TOKEN)
        cls.url_after_token = cls.drv.current_url

    @classmethod
    def tearDownClass(cls):
        cls.drv.quit()
        cls.led.stop()

    def open(self, view, **params):
        from urllib.parse import urlencode
        self.caught_up()
        q = urlencode(params)
        open_view(self.drv, f"{self.led.base}#/{view}" + (f"?{q}" if q
                                                          else ""))

    def caught_up(self):
        """Waits until the page's live follow has seen the ledger's head
        (a test's POST would otherwise redraw the view under the test's
        feet once the long-poll answers); the next draw then replaces the
        pending one (app.js)."""
        head = str(self.led.api("/healthz")["head_seq"])
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "var l = document.getElementById('live');"
            "return !l || !l.dataset.seq || l.dataset.seq === arguments[0];",
            head))

    def cells(self, row):
        """{key: (text, data-ore)} of a row's money cells."""
        return {c.get_attribute("data-key"): (text(c),
                                              c.get_attribute("data-ore"))
                for c in row.find_elements(By.CSS_SELECTOR, "td[data-key]")}

    def assertRowIs(self, row, api_row, keys):
        got = self.cells(row)
        for k in keys:
            self.assertIn(k, got)
            self.assertEqual(got[k], (money(api_row[k]), str(api_row[k])),
                             f"{k} of {api_row}")

    # --- access and safety ----------------------------------------------
    def test_token_leaves_the_address_bar(self):
        self.assertNotIn("token", self.url_after_token)
        self.assertNotIn(browser.READ_TOKEN, self.url_after_token)
        self.assertIn("#/oversikt?date=", self.url_after_token)
        self.assertEqual(self.drv.execute_script(
            "return sessionStorage.getItem('medel.token')"),
            browser.READ_TOKEN)

    def test_asks_for_a_token_once(self):
        self.drv.execute_script("sessionStorage.clear()")
        self.drv.get(self.led.base + "#/frister?date=2021-03-16")
        self.drv.refresh()
        box = WebDriverWait(self.drv, 30).until(
            lambda d: d.find_element(By.ID, "login-token")
            if d.find_element(By.ID, "login").get_attribute("open")
            is not None else None)
        box.send_keys("not-the-token\n")
        WebDriverWait(self.drv, 30).until(lambda d: d.find_element(
            By.ID, "login-error").text != "")
        box.send_keys(browser.READ_TOKEN + "\n")
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "return document.getElementById('main').dataset.ready"
            " === '1'"))
        self.assertEqual(self.drv.execute_script(
            "return sessionStorage.getItem('medel.token')"),
            browser.READ_TOKEN)
        self.assertTrue(self.drv.find_elements(By.ID, "deadlines"))

    def test_markup_in_a_name_is_text(self):
        self.open("part", date="2020-12-31", party="web-xss")
        h2 = self.drv.find_element(By.CSS_SELECTOR, "main h2")
        self.assertEqual(h2.text, browser.XSS_NAME)
        self.assertEqual(self.drv.find_elements(By.CSS_SELECTOR,
                                                "main script"), [])
        with self.assertRaises(NoAlertPresentException):
            self.drv.switch_to.alert.text
        opts = [o.text for o in self.drv.find_elements(
            By.CSS_SELECTOR, "#f-party option")]
        self.assertIn(browser.XSS_NAME, opts)

    def test_csp_header(self):
        """The page the browser loaded came with the strict policy."""
        a = self.led.d.request("GET", "/", tcp=True)
        self.assertEqual(a.status, 200)
        csp = a.headers["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertEqual(a.headers["X-Content-Type-Options"], "nosniff")

    def test_no_policy_violations(self):
        self.open("flode", date="2021-04-01", grant=POST)
        self.open("oversikt", date="2020-12-31")
        # (A 401 another test provoked is logged too: only the policy
        # and script errors count here.)
        bad = [e for e in self.drv.get_log("browser")
               if "Content Security Policy" in e["message"] or
               "Uncaught" in e["message"]]
        self.assertEqual(bad, [])

    # --- the views ------------------------------------------------------
    def check_overview(self, date, known=None):
        names = {p["party"]: p["name"] for p in
                 self.led.api("/v1/parties", as_of=date)["parties"]}
        grants = self.led.api("/v1/grants", as_of=date)["grants"]
        shown = {}
        for g in grants:
            b = self.led.api("/v1/balances", grant=g["grant"], as_of=date,
                             known_at=known)
            table = self.drv.find_elements(
                By.CSS_SELECTOR, f'table.money[data-grant="{g["grant"]}"]')
            if not b["rows"]:
                self.assertEqual(table, [], g["grant"])
                continue
            rows = table[0].find_elements(By.CSS_SELECTOR, "tbody tr")
            self.assertEqual(len(rows), len(b["rows"]), g["grant"])
            by_party = {r.get_attribute("data-row"): r for r in rows}
            # pending columns only in a grant with conditional money
            pending = any(r["pending"] or r["pending_out"]
                          for r in b["rows"])
            keys = COLUMNS + (["pending", "pending_out"] if pending else [])
            for api_row in b["rows"]:
                row = by_party[api_row["party"]]
                self.assertEqual(row.find_element(By.CSS_SELECTOR,
                                                  "a.party").text,
                                 names[api_row["party"]])
                self.assertRowIs(row, api_row, keys)
                shown[(g["grant"], api_row["party"])] = self.cells(row)
                self.assertEqual("pending" in shown[(g["grant"],
                                                     api_row["party"])],
                                 pending, g["grant"])
            foot = table[0].find_elements(By.CSS_SELECTOR, "tfoot tr")
            if "totals" in b:
                self.assertRowIs(foot[0], b["totals"], keys)
            else:  # the page never sums by itself
                self.assertEqual(foot, [])
        return shown

    def test_overview_equals_the_api_and_follows_the_date(self):
        self.open("oversikt", date="2020-06-30")
        june = self.check_overview("2020-06-30")
        # Move the date with the picker.
        self.drv.execute_script("var e = document.getElementById('date');"
                                "e.value = '2021-04-01';"
                                "e.dispatchEvent(new Event('change'));")
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "return location.hash.includes('date=2021-04-01') &&"
            " document.getElementById('main').dataset.ready === '1' &&"
            " document.getElementById('main').dataset.drawn === location.hash"))
        april = self.check_overview("2021-04-01")
        self.assertNotEqual(june, april)
        # The worked example's own figure: Stockholm's 22 949 683 kr.
        self.assertEqual(april[("prestation-2012", "stockholm")]
                         ["received"][0], "22\u00a0949\u00a0683\u00a0kr")

    def test_no_amount_spills_out_of_its_column(self):
        # Kammarkollegiet's 2020 totals (1 679 524 693 kr, bold) were
        # wider than their column at 1300 px and stuck out of the table.
        size = self.drv.get_window_size()
        self.drv.set_window_size(1300, 900)
        try:
            self.open("oversikt", date="2021-04-01")
            spills = self.drv.execute_script(
                "var out = [];"
                "document.querySelectorAll('table.money').forEach(t => {"
                " var edge = t.parentElement.getBoundingClientRect().right;"
                " t.querySelectorAll('td.num').forEach(c => {"
                "  if (c.scrollWidth > c.clientWidth ||"
                "      c.getBoundingClientRect().right > edge + 0.5)"
                "   out.push(c.textContent); }); });"
                "return [out, document.querySelectorAll("
                "'table.money td.num').length];")
        finally:
            self.drv.set_window_size(size["width"], size["height"])
        self.assertGreater(spills[1], 100)  # the whole overview was there
        self.assertEqual(spills[0], [])
        self.assertIn("1\u00a0679\u00a0524\u00a0693\u00a0kr",
                      self.drv.execute_script(
                          "return document.body.textContent"))

    def test_overview_shows_pending_money(self):
        # SKL 2014 (docs/examples): eHälsa's estimate is still pending on
        # 2014-01-31, so its post shows the pending columns.
        self.open("oversikt", date="2014-01-31")
        shown = self.check_overview("2014-01-31")
        post = "evidensbaserad-praktik-2014/ehalsa"
        b = self.led.api("/v1/balances", grant=post, as_of="2014-01-31")
        county = [r for r in b["rows"] if r["party"] == "stockholms-lan"][0]
        self.assertGreater(county["pending"], 0)
        self.assertEqual(shown[(post, "stockholms-lan")]["pending"],
                         (money(county["pending"]), str(county["pending"])))

    def test_known_at_shows_the_older_answer(self):
        known = self.led.first_batch_end  # only malmo-2020 was known
        self.open("oversikt", date="2021-04-01", known=known)
        then = self.check_overview("2021-04-01", known)
        self.assertNotIn(("prestation-2012", "stockholm"), then)
        self.assertIn(known, self.drv.find_element(By.ID,
                                                   "known-banner").text)

    def test_events(self):
        self.open("handelser", date="2020-12-31", party="malmo")
        want = self.led.api("/v1/events", party="malmo", limit=200)
        seqs = [int(r.get_attribute("data-seq")) for r in
                self.drv.find_elements(By.CSS_SELECTOR, "#log tbody tr")]
        self.assertEqual(seqs, [e["seq"] for e in want["events"]])
        h = self.led.api("/healthz")
        self.assertEqual(self.drv.find_element(By.ID, "head-seq").text,
                         str(h["head_seq"]))
        self.assertEqual(self.drv.find_element(By.ID, "head-hash").text,
                         h["head_hash"])
        for e, row in zip(want["events"], self.drv.find_elements(
                By.CSS_SELECTOR, "#log tbody tr")):
            if "amount" in e:
                self.assertIn(money(e["amount"]), text(row))
        # A filter chosen on the page is the API's filter.
        self.drv.find_element(By.CSS_SELECTOR,
                              '#f-type option[value="payout"]').click()
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "return location.hash.includes('type=payout') &&"
            " document.getElementById('main').dataset.ready === '1' &&"
            " document.getElementById('main').dataset.drawn === location.hash"))
        want = self.led.api("/v1/events", party="malmo", type="payout",
                            limit=200)
        seqs = [int(r.get_attribute("data-seq")) for r in
                self.drv.find_elements(By.CSS_SELECTOR, "#log tbody tr")]
        self.assertEqual(seqs, [e["seq"] for e in want["events"]])
        self.assertTrue(seqs)

    def test_verify(self):
        self.open("handelser", date="2020-12-31")
        self.drv.find_element(By.ID, "verify").click()
        out = WebDriverWait(self.drv, 60).until(
            lambda d: d.find_element(By.ID, "verify-result")
            if d.find_element(By.ID, "verify-result")
            .get_attribute("data-ok") else None)
        v = self.led.api("/v1/verify")
        self.assertEqual(out.get_attribute("data-ok"), "1" if v["ok"]
                         else "0")
        self.assertIn(str(v["head_seq"]), out.text)
        self.assertIn(str(v["events"]), out.text)

    def test_deadlines(self):
        for date in ("2021-03-16", "2021-04-10"):
            self.open("frister", date=date)
            want = self.led.api("/v1/deadlines", as_of=date)["items"]
            rows = self.drv.find_elements(By.CSS_SELECTOR,
                                          "#deadlines tbody tr")
            self.assertEqual(len(rows), len(want), date)
            for item, row in zip(want, rows):
                self.assertEqual(row.get_attribute("class"), item["status"])
                self.assertTrue(row.text.startswith(item["due"]))
                self.assertRowIs(row, item, ["amount"])
                link = row.find_element(By.CSS_SELECTOR, "a.party")
                self.assertEqual(link.get_attribute("data-party"),
                                 item["party"])

    def test_repayments_and_csv(self):
        self.open("aterbetalning", date="2021-04-01", year="2020")
        want = self.led.api("/v1/repayments", year=2020, as_of="2021-04-01")
        rows = self.drv.find_elements(By.CSS_SELECTOR,
                                      "#repayments tbody tr[data-row]")
        self.assertEqual([r.get_attribute("data-row") for r in rows],
                         [f'{r["grant"]} {r["party"]}' for r in want["rows"]])
        keys = ["received", "spent", "paid_out", "repaid", "outstanding"]
        for api_row, row in zip(want["rows"], rows):
            self.assertRowIs(row, api_row, keys)
            self.assertEqual(row.get_attribute("class"), api_row["status"])
        total = self.drv.find_element(By.ID, "total-outstanding")
        self.assertEqual(text(total), money(want["total_outstanding"]))
        # The CSV button fetches the API's CSV with the token and the
        # browser saves it: the same bytes as the API's answer.
        self.drv.find_element(By.ID, "csv").click()
        path = os.path.join(self.downloads, "aterbetalning-2020.csv")
        WebDriverWait(self.drv, 30).until(lambda d: os.path.exists(path))
        csv = self.led.api("/v1/repayments", year=2020, as_of="2021-04-01",
                           format="csv", lang="sv")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), csv)

    def test_flow(self):
        self.open("flode", date="2021-04-01", grant=POST)
        img = self.drv.find_element(By.ID, "trace")
        self.assertTrue(img.get_attribute("src").startswith("blob:"))
        self.assertGreater(self.drv.execute_script(
            "return arguments[0].naturalWidth", img), 0)
        want = self.led.api("/v1/trace", grant=POST, as_of="2021-04-01")
        shown = [a.get_attribute("data-party") for a in
                 self.drv.find_elements(By.CSS_SELECTOR,
                                        "#trace-parties a.party")]
        self.assertEqual(shown, [n["party"] for n in want["nodes"]])

    def test_party(self):
        for rollup in (None, "1"):
            params = {"date": "2020-12-31", "party": "malmo"}
            if rollup:
                params["rollup"] = rollup
            self.open("part", **params)
            want = self.led.api("/v1/balances", party="malmo",
                                as_of="2020-12-31", rollup=rollup)
            rows = self.drv.find_elements(By.CSS_SELECTOR,
                                          "#party-balances tbody tr")
            self.assertEqual([r.get_attribute("data-row") for r in rows],
                             [r["grant"] for r in want["rows"]])
            for api_row, row in zip(want["rows"], rows):
                self.assertRowIs(row, api_row, COLUMNS)

    def test_english(self):
        self.open("oversikt", date="2020-12-31")
        self.drv.find_element(By.ID, "lang").click()
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "return location.hash.includes('lang=en') &&"
            " document.getElementById('main').dataset.ready === '1' &&"
            " document.getElementById('main').dataset.drawn === location.hash"))
        self.assertEqual(self.drv.find_element(By.ID, "nav-oversikt").text,
                         "Overview")
        b = self.led.api("/v1/balances", grant="prestation-2012",
                         as_of="2020-12-31")
        row = self.drv.find_element(
            By.CSS_SELECTOR, 'table[data-grant="prestation-2012"] '
            'tr[data-row="stockholm"]')
        api_row = [r for r in b["rows"] if r["party"] == "stockholm"][0]
        self.assertEqual(self.cells(row)["received"][0],
                         money(api_row["received"], "en"))

    # --- Återrapportering -------------------------------------------------
    def check_statement(self, st):
        """The statement view shows the API's answer st, figure by figure."""
        summary = {r.get_attribute("data-key"): r.find_element(
            By.CSS_SELECTOR, "td.num") for r in self.drv.find_elements(
            By.CSS_SELECTOR, "#st-summary tbody tr")}
        self.assertEqual(set(summary), set(st["summary"]))
        for k, v in st["summary"].items():
            self.assertEqual((text(summary[k]), summary[k].get_attribute(
                "data-ore")), (money(v), str(v)), k)
        for sec, lst in (("received", "from"), ("passed_on", "to"),
                         ("repaid", "to"), ("returned", "from")):
            rows = self.drv.find_elements(By.CSS_SELECTOR,
                                          f"#st-{sec} tbody tr")
            self.assertEqual([(r.get_attribute("data-key"),
                               r.find_element(By.CSS_SELECTOR, "td.num")
                               .get_attribute("data-ore")) for r in rows],
                             [(x["party"], str(x["amount"]))
                              for x in st[sec][lst]], sec)
            if st[sec][lst]:
                total = self.drv.find_element(By.CSS_SELECTOR,
                                              f"#st-{sec} tfoot td.num")
                self.assertEqual(text(total), money(st[sec]["amount"]))
        spent = self.drv.find_elements(By.CSS_SELECTOR,
                                       "#st-spent tbody td.num")
        self.assertEqual([x.get_attribute("data-ore") for x in spent],
                         [str(a["amount"]) for a in
                          st["spent"]["activities"]])
        self.assertEqual(text(self.drv.find_element(
            By.CSS_SELECTOR, "#st-spent tfoot td.num")),
            money(st["spent"]["amount"]))
        head = self.drv.find_element(By.ID, "st-head")
        self.assertEqual(head.find_element(By.CLASS_NAME, "head-seq").text,
                         str(st["head"]["seq"]))
        self.assertEqual(head.find_element(By.CLASS_NAME, "head-hash").text,
                         st["head"]["hash"])

    def test_statement(self):
        for party, grant in (("malmo", "psykisk-halsa-2020"),
                             ("storsthlm", "psykisk-halsa-2020")):
            self.open("aterrapportering", date="2021-04-01", party=party,
                      grant=grant)
            st = self.led.api("/v1/statement", party=party, grant=grant,
                              as_of="2021-04-01")
            self.check_statement(st)
        # A committee's page leads to its legal entity's statement.
        self.open("aterrapportering", date="2021-04-01", party="malmo-asn",
                  grant="psykisk-halsa-2020")
        self.assertEqual(Select(self.drv.find_element(By.ID, "f-party"))
                         .first_selected_option.get_attribute("value"),
                         "malmo")

    def test_statement_prints_on_a4(self):
        party, grant = "malmo", "psykisk-halsa-2020"
        self.open("aterrapportering", date="2021-04-01", party=party,
                  grant=grant)
        st = self.led.api("/v1/statement", party=party, grant=grant,
                          as_of="2021-04-01")
        opts = PrintOptions()
        opts.page_width, opts.page_height = 21.0, 29.7  # A4, in cm
        pdf = os.path.join(self.led.d.tmp, "statement.pdf")
        with open(pdf, "wb") as f:
            f.write(base64.b64decode(self.drv.print_page(opts)))
        info = subprocess.run(["pdfinfo", pdf], capture_output=True,
                              text=True, check=True).stdout
        self.assertRegex(info, r"Page size:\s+595\.\d+ x 841\.\d+ pts")
        out = subprocess.run(["pdftotext", "-layout", pdf, "-"],
                             capture_output=True, text=True,
                             check=True).stdout
        flat = " ".join(out.replace("\u00a0", " ").split())
        self.assertIn(f"händelse nr {st['head']['seq']}", flat)
        self.assertIn(st["head"]["hash"], flat)
        self.assertIn("Återrapportering: Malmö stad", flat)
        for k in ("received", "spent", "repaid", "held"):
            self.assertIn(money(st["summary"][k]).replace("\u00a0", " "),
                          flat, k)
        for a in st["spent"]["activities"]:
            self.assertIn(" ".join(a["activity"].split()[:2]), flat)
        # The frame is not printed: no navigation, pickers or buttons.
        for word in ("Översikt", "Vad har ändrats", "Skriv ut", "Juridisk person"):
            self.assertNotIn(word, flat)

    # --- Registrera -----------------------------------------------------
    def use_token(self, tok):
        self.drv.execute_script(
            "sessionStorage.setItem('medel.token', arguments[0])", tok)
        self.addCleanup(self.drv.execute_script,
                        "sessionStorage.setItem('medel.token', arguments[0])",
                        browser.READ_TOKEN)

    def fill_expense(self, amount, activity="Webbformulärets test"):
        self.open("registrera", date="2013-12-20", type="expense")
        Select(self.drv.find_element(By.ID, "in-grant")).select_by_value(
            "prestation-2012")
        Select(self.drv.find_element(By.ID, "in-party")).select_by_value(
            "stockholm-socialnamnden")
        self.drv.find_element(By.ID, "in-activity").send_keys(activity)
        self.drv.find_element(By.ID, "in-amount").send_keys(amount)

    def head(self):
        return self.led.api("/healthz")["head_hash"]

    def wait_text(self, el_id):
        return WebDriverWait(self.drv, 30).until(
            lambda d: text(d.find_element(By.ID, el_id)) or None)

    def test_record_an_expense_with_a_write_token(self):
        self.use_token(browser.WRITE_TOKEN)
        self.fill_expense("1 234,50 kr")
        form = self.drv.find_element(By.ID, "record")
        event_id = form.get_attribute("data-event-id")
        direction = text(self.drv.find_element(By.ID, "rec-direction"))
        names = {p["party"]: p["name"] for p in
                 self.led.api("/v1/parties")["parties"]}
        self.assertTrue(direction.startswith(names["stockholm-socialnamnden"]))
        self.assertIn("1\u00a0234,50\u00a0kr", direction)
        save = self.drv.find_element(By.ID, "rec-save")
        self.assertFalse(save.is_enabled())  # not before a dry run
        before = self.head()
        self.drv.find_element(By.ID, "rec-preview").click()
        WebDriverWait(self.drv, 30).until(lambda d: save.is_enabled())
        answer = text(self.drv.find_element(By.ID, "rec-answer"))
        seq = self.led.api("/healthz")["head_seq"] + 1
        self.assertIn(f"blir händelse nr {seq}", answer)
        self.assertEqual(self.head(), before)  # the dry run stored nothing
        # A double click stores the event once (one id, one button).
        ActionChains(self.drv).double_click(save).perform()
        WebDriverWait(self.drv, 30).until(
            lambda d: form.get_attribute("data-stored"))
        stored = [e for e in self.led.api("/v1/events", type="expense",
                                          limit=10000)["events"]
                  if e.get("id") == event_id]
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored[0]["amount"], 123450)
        self.assertEqual(stored[0]["party"], "stockholm-socialnamnden")
        self.assertEqual(stored[0]["recorded_by"], "clerk")
        self.assertEqual(form.get_attribute("data-stored"),
                         str(stored[0]["seq"]))
        # ... and it is in the log the page shows.
        self.drv.find_element(By.ID, "rec-log-link").click()
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "return location.hash.includes('handelser') &&"
            " document.getElementById('main').dataset.ready === '1' &&"
            " document.getElementById('main').dataset.drawn === location.hash"))
        row = self.drv.find_element(
            By.CSS_SELECTOR, f'#log tr[data-seq="{stored[0]["seq"]}"]')
        self.assertIn(money(123450), text(row))
        self.assertIn("clerk", text(row))

    def test_record_refused_with_a_read_token(self):
        self.use_token(browser.READ_TOKEN)
        self.fill_expense("500")
        before = self.head()
        self.drv.find_element(By.ID, "rec-preview").click()
        msg = self.wait_text("form-error")
        self.assertIn("bara läsa", msg)
        self.assertFalse(self.drv.find_element(By.ID, "rec-save")
                         .is_enabled())
        self.assertEqual(self.head(), before)

    def test_record_bad_input_by_its_field(self):
        self.use_token(browser.WRITE_TOKEN)
        before = self.head()
        # The API refuses: its message, by the field it names.
        self.fill_expense("-100")
        body = {"type": "expense", "date": "2013-12-20",
                "grant": "prestation-2012",
                "party": "stockholm-socialnamnden",
                "activity": "Webbformulärets test", "amount": -10000}
        want = self.led.d.post("/v1/events?dry_run=1", body).json()["error"]
        self.assertEqual(want["field"], "amount")
        self.drv.find_element(By.ID, "rec-preview").click()
        self.assertEqual(self.wait_text("err-amount"), want["message"])
        self.assertEqual(self.drv.find_element(By.ID, "in-amount")
                         .get_attribute("aria-invalid"), "true")
        self.assertEqual(text(self.drv.find_element(By.ID, "form-error")), "")
        # Not an amount at all: said by the field, nothing sent.
        self.fill_expense("tolv kronor")
        self.drv.find_element(By.ID, "rec-preview").click()
        self.assertIn("433 012", self.wait_text("err-amount")
                      .replace("\u00a0", " "))
        # A missing activity: the API names the field.
        self.fill_expense("100", activity="")
        self.drv.find_element(By.ID, "rec-preview").click()
        self.assertIn("activity", self.wait_text("err-activity"))
        self.assertEqual(self.head(), before)

    # --- Vad har ändrats ---------------------------------------------------
    def test_what_changed_since(self):
        h = self.led.api("/healthz")
        since = self.led.api(f"/v1/events/{h['head_seq']}")["recorded_at"]
        a = self.led.d.post("/v1/events", {
            "type": "expense", "id": "web-test:changed", "date": "2014-01-15",
            "grant": "prestation-2012", "party": "stockholm-socialnamnden",
            "activity": "Efter rapporten", "amount": 100000})
        self.assertIn(a.status, (200, 201), a.body)
        q = dict(party="stockholm", grant="prestation-2012",
                 as_of="2014-12-31")
        then = self.led.api("/v1/statement", known_at=since, **q)
        now = self.led.api("/v1/statement", **q)
        self.open("andrat", date="2014-12-31", party="stockholm",
                  grant="prestation-2012", since=since)
        rows = {r.get_attribute("data-key"): r for r in
                self.drv.find_elements(By.CSS_SELECTOR, "#changes tbody tr")}
        for k in now["summary"]:
            cells = rows[f"summary.{k}"].find_elements(By.CSS_SELECTOR,
                                                       "td.num")
            self.assertEqual(cells[0].get_attribute("data-ore"),
                             str(then["summary"][k]), k)
            self.assertEqual(cells[1].get_attribute("data-ore"),
                             str(now["summary"][k]), k)
            self.assertEqual("changed" in (rows[f"summary.{k}"]
                                           .get_attribute("class") or ""),
                             then["summary"][k] != now["summary"][k], k)
        self.assertIn("changed", rows["summary.spent"].get_attribute("class"))
        new = rows["spent.Efter rapporten|"]
        self.assertEqual(new.find_elements(By.CSS_SELECTOR, "td.num")[0]
                         .get_attribute("data-ore"), None)
        self.assertGreater(int(self.drv.find_element(
            By.ID, "changed-count").get_attribute("data-changed")), 0)
        self.assertEqual(self.drv.find_element(
            By.CSS_SELECTOR, "#then-head .head-hash").text,
            then["head"]["hash"])
        self.assertEqual(self.drv.find_element(
            By.CSS_SELECTOR, "#now-head .head-hash").text,
            now["head"]["hash"])

    # --- the date slider, the log's date range and corrections, live -----
    def test_date_slider(self):
        import datetime
        dates = sorted(g[k] for g in self.led.api("/v1/grants")["grants"]
                       for k in ("date", "use_by", "report_by", "repay_by")
                       if k in g)
        self.open("oversikt", date="2020-06-30")
        slider = self.drv.find_element(By.ID, "slider")
        self.assertEqual(slider.get_attribute("data-first"), dates[0])
        day = datetime.date.fromisoformat
        self.assertEqual(int(slider.get_attribute("max")),
                         (day(dates[-1]) - day(dates[0])).days)
        k = (day("2021-03-16") - day(dates[0])).days
        self.drv.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('change'));", slider, k)
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "return location.hash.includes('date=2021-03-16') &&"
            " document.getElementById('main').dataset.ready === '1' &&"
            " document.getElementById('main').dataset.drawn === location.hash"))
        self.check_overview("2021-03-16")

    def test_events_in_a_date_range(self):
        self.open("handelser", date="2021-04-01", **{"from": "2021-01-01",
                                                      "to": "2021-02-28"})
        everything = self.led.api("/v1/events", limit=10000)["events"]
        want = [e["seq"] for e in everything
                if "2021-01-01" <= e["date"] <= "2021-02-28"]
        self.assertTrue(want)
        seqs = [int(r.get_attribute("data-seq")) for r in
                self.drv.find_elements(By.CSS_SELECTOR, "#log tbody tr")]
        self.assertEqual(seqs, want)

    def test_corrections_linked_both_ways(self):
        a = self.led.d.post("/v1/events", {
            "type": "expense", "id": "web-test:to-correct",
            "date": "2014-02-01", "grant": "prestation-2012",
            "party": "stockholm-socialnamnden", "activity": "Felbokad",
            "amount": 50000})
        self.assertIn(a.status, (200, 201), a.body)
        wrong = a.json()["events"][0]["seq"]
        before = a.json()["events"][0]["recorded_at"]
        a = self.led.d.post("/v1/events", {
            "type": "correction", "id": "web-test:the-correction",
            "date": "2014-02-02", "corrects": wrong, "note": "Fel nämnd"})
        self.assertIn(a.status, (200, 201), a.body)
        fix = a.json()["events"][0]["seq"]
        # Known at a time before the correction: the old figure.
        for known in (before, None):
            params = {"date": "2014-12-31", "party": "stockholm-socialnamnden"}
            if known:
                params["known"] = known
            self.open("part", **params)
            want = self.led.api("/v1/balances", party=params["party"],
                                as_of="2014-12-31", known_at=known)
            row = self.drv.find_element(
                By.CSS_SELECTOR, '#party-balances tr[data-row="prestation-2012"]')
            api_row = [r for r in want["rows"]
                       if r["grant"] == "prestation-2012"][0]
            self.assertRowIs(row, api_row, COLUMNS)
            if known:
                spent_then = api_row["spent"]
        self.assertEqual(spent_then - api_row["spent"], 50000)
        self.open("handelser", date="2014-12-31", type="correction")
        link = self.drv.find_element(
            By.CSS_SELECTOR, f'#log tr[data-seq="{fix}"] .corr '
            f'a[data-seq="{wrong}"]')
        link.click()
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            f"return location.hash.includes('hl={wrong}') &&"
            " document.getElementById('main').dataset.ready === '1' &&"
            " document.getElementById('main').dataset.drawn === location.hash"))
        target = self.drv.find_element(By.ID, "target")
        self.assertEqual(target.get_attribute("data-seq"), str(wrong))
        back = target.find_element(By.CSS_SELECTOR,
                                   f'.corr a[data-seq="{fix}"]')
        self.assertIn(str(fix), back.text)

    def test_live_follow(self):
        self.open("handelser", date="2014-12-31",
                  party="stockholm-socialnamnden")
        a = self.led.d.post("/v1/events", {
            "type": "expense", "id": "web-test:live", "date": "2014-03-01",
            "grant": "prestation-2012", "party": "stockholm-socialnamnden",
            "activity": "Syns direkt", "amount": 100})
        self.assertIn(a.status, (200, 201), a.body)
        seq = a.json()["events"][0]["seq"]
        WebDriverWait(self.drv, 60).until(lambda d: d.find_elements(
            By.CSS_SELECTOR, f'#log tr[data-seq="{seq}"]'))

    def test_a_party_in_the_flow_picture_opens_its_page(self):
        self.open("flode", date="2021-04-01", grant=POST)
        want = self.led.api("/v1/trace", grant=POST, as_of="2021-04-01")
        hot = {a.get_attribute("data-party"): a for a in
               self.drv.find_elements(By.CSS_SELECTOR, "#trace-wrap a.hot")}
        self.assertEqual(set(hot), {n["party"] for n in want["nodes"]})
        img = self.drv.find_element(By.ID, "trace")
        box = hot["sodertalje"].rect
        # the link lies over the picture
        self.assertGreaterEqual(box["x"], img.rect["x"])
        self.assertLessEqual(box["y"] + box["height"],
                             img.rect["y"] + img.rect["height"] + 1)
        ActionChains(self.drv).move_to_element(hot["sodertalje"]).click() \
            .perform()
        WebDriverWait(self.drv, 30).until(lambda d: d.execute_script(
            "return location.hash.includes('#/part') &&"
            " location.hash.includes('party=sodertalje') &&"
            " document.getElementById('main').dataset.ready === '1' &&"
            " document.getElementById('main').dataset.drawn === location.hash"))
        names = {p["party"]: p["name"] for p in
                 self.led.api("/v1/parties")["parties"]}
        self.assertEqual(self.drv.find_element(By.CSS_SELECTOR, "main h2")
                         .text, names["sodertalje"])


if __name__ == "__main__":
    unittest.main()
