"""Screenshots of every view of the web view, Swedish, 1366×768, for a
person to look at (docs/web.md says what was seen). Not a test: run

    MEDELD=build/daemon/medeld /usr/bin/python3 tests/web/screenshots.py DIR

It starts a medeld with the worked examples (browser.WebLedger), opens
each view as tools/demo's link would and saves DIR/NN-view.png (the
window as the user sees it) and DIR/NN-view-full.png (the whole page, the
window made as tall as the page)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser  # noqa: E402

POST = "psykisk-halsa-2020/lansgemensamma/sammanhallen-vard"
VIEWS = [
    ("oversikt", "#/oversikt?date=2020-12-31"),
    ("handelser", "#/handelser?date=2020-12-31"),
    ("frister", "#/frister?date=2021-03-16"),
    ("aterbetalning", "#/aterbetalning?date=2021-04-01&year=2020"),
    ("flode", f"#/flode?date=2021-04-01&grant={POST}"),
    ("part", "#/part?date=2020-12-31&party=storsthlm"),
    ("part-xss", "#/part?date=2020-12-31&party=web-xss"),
    ("oversikt-known", "#/oversikt?date=2021-04-01&known={known}"),
    ("oversikt-en", "#/oversikt?date=2020-12-31&lang=en"),
    ("aterrapportering", "#/aterrapportering?date=2021-04-01&party=malmo"
     "&grant=psykisk-halsa-2020"),
    ("aterrapportering-storsthlm", "#/aterrapportering?date=2021-04-01"
     "&party=storsthlm&grant=psykisk-halsa-2020"),
    ("andrat", "#/andrat?date=2014-12-31&party=stockholm"
     "&grant=prestation-2012&since={since}"),
    ("handelser-rattelser", "#/handelser?date=2014-12-31"
     "&party=stockholm-socialnamnden"),
    ("handelser-datum", "#/handelser?date=2021-04-01&from=2021-01-01"
     "&to=2021-02-28"),
    ("registrera", "#/registrera?date=2013-12-20&type=expense", "ok"),
    ("registrera-faktura", "#/registrera?date=2020-12-02&type=invoice",
     "invoice"),
    ("registrera-las", "#/registrera?date=2020-12-20&type=expense", "read"),
]


def later_events(led):
    """After the examples: an expense, and one booked wrong and its
    correction (for Vad har ändrats and the corrections in Händelser).
    Returns the time before them."""
    h = led.api("/healthz")
    since = led.api(f"/v1/events/{h['head_seq']}")["recorded_at"]
    base = {"grant": "prestation-2012", "party": "stockholm-socialnamnden"}
    a = led.d.post("/v1/events", [
        dict(base, type="expense", id="shot:later", date="2014-01-15",
             activity="Uppföljning av Bostad först", amount=12000000),
        dict(base, type="expense", id="shot:wrong", date="2014-02-01",
             activity="Felbokad faktura", amount=5000000)])
    wrong = a.json()["events"][1]["seq"]
    led.d.post("/v1/events", {"type": "correction", "id": "shot:fix",
                              "date": "2014-02-03", "corrects": wrong,
                              "note": "Fakturan gällde ett annat bidrag"})
    return since


def act(drv, what):
    """Fills in the form as a person would, for the form's pictures."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    token = browser.READ_TOKEN if what == "read" else browser.WRITE_TOKEN
    drv.execute_script("sessionStorage.setItem('medel.token', arguments[0])",
                       token)
    pick = (lambda i, v: Select(drv.find_element(By.ID, i))
            .select_by_value(v))
    typ = (lambda i, v: drv.find_element(By.ID, i).send_keys(v))
    if what == "invoice":
        pick("in-grant", POST)
        pick("in-from", "storsthlm")
        pick("in-to", "sodertalje")
        typ("in-amount", "433 012 kr")
        typ("in-invoice_no", "SÖ-2020-118")
    else:
        pick("in-grant", "prestation-2012")
        pick("in-party", "stockholm-socialnamnden")
        typ("in-activity", "Bostad först: hyresgarantier")
        typ("in-unit", "Stadsdelsförvaltning Skärholmen")
        typ("in-amount", "120 000,50 kr")
    drv.find_element(By.ID, "rec-preview").click()
    # the dry run's answer, or a refusal by a field or above the buttons
    WebDriverWait(drv, 30).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll("
        "'#rec-answer, #form-error, .field-error')]"
        ".some((e) => e.textContent !== '')"))
    drv.execute_script("sessionStorage.setItem('medel.token', arguments[0])",
                       browser.READ_TOKEN)


def main(out):
    os.makedirs(out, exist_ok=True)
    led = browser.WebLedger().start()
    drv = browser.driver()
    try:
        since = later_events(led)
        browser.open_view(drv, led.base + "#token=" + browser.READ_TOKEN)
        for i, (name, frag, *what) in enumerate(VIEWS):
            frag = frag.replace("{known}", led.first_batch_end) \
                .replace("{since}", since)
            drv.set_window_size(1366, 768)
            if what:  # the form needs its token before it is drawn
                drv.execute_script(
                    "sessionStorage.setItem('medel.token', arguments[0])",
                    browser.WRITE_TOKEN)
            browser.open_view(drv, led.base + frag)
            if what:
                act(drv, what[0])
            drv.save_screenshot(os.path.join(out, f"{i:02d}-{name}.png"))
            height = drv.execute_script(
                "return document.documentElement.scrollHeight")
            drv.set_window_size(1366, min(height + 140, 6000))
            drv.save_screenshot(os.path.join(out,
                                             f"{i:02d}-{name}-full.png"))
            print(os.path.join(out, f"{i:02d}-{name}.png"))
    finally:
        drv.quit()
        led.stop()


if __name__ == "__main__":
    browser.skip_without_browser()
    main(sys.argv[1] if len(sys.argv) > 1 else "web-screenshots")
