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
]


def main(out):
    os.makedirs(out, exist_ok=True)
    led = browser.WebLedger().start()
    drv = browser.driver()
    try:
        browser.open_view(drv, led.base + "#token=" + browser.READ_TOKEN)
        for i, (name, frag) in enumerate(VIEWS):
            frag = frag.replace("{known}", led.first_batch_end)
            drv.set_window_size(1366, 768)
            browser.open_view(drv, led.base + frag)
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
