"""Headless Chromium for the web view's tests and screenshots.

Debian's chromium, chromium-driver and python3-selenium (tools/bootstrap);
nothing is downloaded at run time: the driver is /usr/bin/chromedriver,
named explicitly so Selenium never looks for one of its own. A test
module calls skip_without_browser() first: without chromium it says so
and exits 77, which CTest reports as skipped.

WebLedger starts a medeld (tests/integration/medeld.py) with a loopback
listener, a read token and a write token, and loads the worked examples
(docs/examples/*.jsonl, each file one batch, in name order) over its Unix
socket; it also defines a party whose name is markup, to see it shown as
text. open() drives the page to a fragment and waits until the view says
it is drawn (#main[data-ready="1"]), never for a fixed time.
"""
import glob
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from medeld import Medeld  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
READ_TOKEN = "web-read-secret"
WRITE_TOKEN = "web-write-secret"
XSS_NAME = "<script>alert(1)</script>"
XSS_PARTY = {"type": "party", "id": "party:web-xss", "date": "2019-01-01",
             "party": "web-xss", "name": XSS_NAME, "kind": "other"}
SKIP = 77


def skip_without_browser():
    missing = [p for p in (CHROMIUM, DRIVER) if not os.access(p, os.X_OK)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("python3-selenium")
    if missing:
        print("SKIPPED: the web view's browser tests need " +
              ", ".join(missing) + " (tools/bootstrap installs them)")
        sys.exit(SKIP)


def driver(lang="sv-SE", downloads=None):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu",
              "--window-size=1366,768", f"--lang={lang}",
              "--disable-dev-shm-usage"):
        o.add_argument(a)
    prefs = {"intl.accept_languages": lang}
    if downloads:
        prefs.update({"download.default_directory": downloads,
                      "download.prompt_for_download": False})
    o.add_experimental_option("prefs", prefs)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The date field follows the locale of the process (LANG), not only
    # --lang: a Swedish controller sees 2020-12-31, and so do the tests.
    env = dict(os.environ, LANG="sv_SE.UTF-8" if lang.startswith("sv")
               else "en_GB.UTF-8", LANGUAGE=lang.replace("-", "_"))
    return webdriver.Chrome(service=Service(executable_path=DRIVER, env=env),
                            options=o)


class WebLedger:
    def __init__(self):
        self.d = Medeld(tokens=[("read", "viewer", READ_TOKEN),
                                ("write", "clerk", WRITE_TOKEN)])

    def start(self):
        self.d.start()
        self.files = sorted(glob.glob(os.path.join(SOURCE, "docs",
                                                   "examples", "*.jsonl")))
        self.first_batch_end = None  # recorded_at of file 1's last event
        for i, path in enumerate(self.files):
            with open(path, encoding="utf-8") as f:
                batch = [json.loads(x) for x in f if x.strip()]
            a = self.d.post("/v1/events", batch)
            if a.status != 201:
                raise AssertionError(f"{path}: {a}")
            if i == 0:
                self.first_batch_end = a.json()["events"][-1]["recorded_at"]
        a = self.d.post("/v1/events", [XSS_PARTY])
        if a.status != 201:
            raise AssertionError(f"the markup party: {a}")
        return self

    def stop(self):
        self.d.cleanup()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.d.port}/"

    def api(self, path, **params):
        """The API's answer (JSON) over TCP with the read token."""
        from urllib.parse import urlencode
        q = {k: v for k, v in params.items() if v is not None}
        a = self.d.get(path + ("?" + urlencode(q) if q else ""),
                       token=READ_TOKEN)
        if a.status != 200:
            raise AssertionError(f"{path} {q}: {a}")
        return a.json() if path != "/v1/repayments" or \
            q.get("format") != "csv" else a.body


def money(ore, lang="sv"):
    """Öre as the page must show them, by integer arithmetic (an
    independent statement of fmt.js's rule)."""
    neg, n = ore < 0, abs(int(ore))
    kr, rest = divmod(n, 100)
    digits = str(kr)
    sep = "," if lang == "en" else "\u00a0"
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    s = sep.join(groups)
    if rest:
        s += ("." if lang == "en" else ",") + f"{rest:02d}"
    return ("\u2212" if neg else "") + s + "\u00a0kr"


def open_view(drv, url, timeout_s=30):
    """Navigates to url and waits until the page has drawn the view the
    address names (#main[data-ready="1"] after being marked stale)."""
    from selenium.webdriver.support.ui import WebDriverWait
    drv.execute_script(
        "var m = document.getElementById('main');"
        "if (m) m.dataset.ready = 'stale';")
    if drv.current_url == url:
        drv.refresh()
    else:
        drv.get(url)
    WebDriverWait(drv, timeout_s).until(lambda d: d.execute_script(
        "var m = document.getElementById('main');"
        "return m && m.dataset.ready === '1' &&"
        " m.dataset.drawn === location.hash;"))
    errors = drv.find_elements("id", "error")
    if errors:
        raise AssertionError(f"{url}: the page says {errors[0].text}")
