"""The web view's files as medeld serves them (md_ui.h): GET / and
/ui/… over TCP without a token (a browser opening a link sends none),
the headers that keep the page safe (a strict Content-Security-Policy
with no inline script or style, nosniff), ETag revalidation, 404 JSON for
an unknown file, 405 for other methods, and the API still asking for the
token. The page itself is driven in a browser by tests/web/."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase  # noqa: E402

TOKENS = [("read", "viewer", "v-secret"), ("write", "clerk", "w-secret")]


class Ui(MedeldTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(os.path.dirname(__file__), "..", "..",
                               "daemon", "ui")

    def setUp(self):
        self.d = self.start_medeld(tokens=TOKENS)

    def tcp(self, method, path, **kw):
        return self.d.request(method, path, tcp=True, **kw)

    def assertSafeHeaders(self, a):
        csp = a.headers.get("Content-Security-Policy", "")
        self.assertIn("default-src 'self'", csp)
        self.assertIn("object-src 'none'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe", csp)
        self.assertEqual(a.headers.get("X-Content-Type-Options"), "nosniff")

    def test_index_without_token(self):
        a = self.tcp("GET", "/")
        self.assertAnswer(a, 200)
        self.assertSafeHeaders(a)
        self.assertEqual(a.headers["Content-Type"], "text/html; charset=utf-8")
        with open(os.path.join(self.dir, "index.html"), "rb") as f:
            self.assertEqual(a.body, f.read())
        # The API still needs the token.
        self.assertAnswer(self.tcp("GET", "/v1/parties"), 401, "unauthorized")
        self.assertAnswer(self.tcp("GET", "/v1/parties",
                                   token="v-secret"), 200)

    def test_every_file_served_as_is(self):
        types = {".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8",
                 ".html": "text/html; charset=utf-8",
                 ".svg": "image/svg+xml"}
        total = 0
        for root, _, files in os.walk(self.dir):
            for name in files:
                ext = os.path.splitext(name)[1]
                if ext not in types:
                    continue
                rel = os.path.relpath(os.path.join(root, name), self.dir)
                a = self.tcp("GET", "/ui/" + rel)
                self.assertAnswer(a, 200)
                self.assertSafeHeaders(a)
                self.assertEqual(a.headers["Content-Type"], types[ext], rel)
                with open(os.path.join(root, name), "rb") as f:
                    self.assertEqual(a.body, f.read(), rel)
                total += len(a.body)
        # The page's own assets stay small (issue 16: ≤ 150 KiB).
        self.assertLessEqual(total, 150 * 1024)

    def test_no_inline_script_or_style(self):
        html = self.tcp("GET", "/").body.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            self.assertIn("src=", tag)
        self.assertNotRegex(html, r"<style\b|\sstyle=|\son[a-z]+=")
        for root, _, files in os.walk(self.dir):
            for name in files:
                if name.endswith(".js"):
                    with open(os.path.join(root, name)) as f:
                        code = re.sub(r"^\s*//.*$", "", f.read(),
                                      flags=re.M)
                    self.assertNotRegex(
                        code, r"innerHTML|outerHTML|insertAdjacentHTML|"
                        r"document\.write|\beval\(|new Function", name)

    def test_etag_revalidation(self):
        a = self.tcp("GET", "/ui/app.js")
        etag = a.headers["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]{16}"$')
        self.assertEqual(a.headers["Cache-Control"], "no-cache")
        b = self.tcp("GET", "/ui/app.js", headers={"If-None-Match": etag})
        self.assertEqual(b.status, 304, b)
        self.assertEqual(b.body, b"")
        c = self.tcp("GET", "/ui/app.js",
                     headers={"If-None-Match": '"0000000000000000"'})
        self.assertAnswer(c, 200)
        self.assertEqual(c.body, a.body)

    def test_unknown_file_is_404_json(self):
        for path in ("/ui/nope.js", "/ui/", "/ui/../v1/parties",
                     "/ui/%3Cscript%3E"):
            a = self.tcp("GET", path)
            self.assertAnswer(a, 404, "not_found")
            self.assertEqual(a.headers["Content-Type"], "application/json")
            self.assertSafeHeaders(a)
        a = self.tcp("GET", "/ui/nope.js", token="v-secret")
        self.assertAnswer(a, 404, "not_found")
        self.assertIn("/ui/nope.js", a.json()["error"]["message"])

    def test_other_methods(self):
        # Without a token a body-carrying request is refused at the door.
        self.assertAnswer(self.tcp("POST", "/ui/app.js", body="x"), 401,
                          "unauthorized")
        for m in ("POST", "PUT", "DELETE"):
            a = self.tcp(m, "/", token="w-secret", body="x")
            self.assertAnswer(a, 405, "method_not_allowed")
            self.assertEqual(a.headers["Allow"], "GET, HEAD")
        a = self.tcp("HEAD", "/ui/style.css")
        self.assertEqual(a.status, 200)
        self.assertEqual(a.body, b"")

    def test_unix_socket(self):
        a = self.d.get("/")
        self.assertAnswer(a, 200)
        self.assertSafeHeaders(a)
        line = self.d.wait_line(r"event=request .*path=/ .*via=unix")
        self.assertIsNotNone(line, self.d.log())


    def test_figures_have_the_words_of_medel(self):
        """The page's words for the figures and codes are medel's
        (ma_words.c): figures.js, written from that table at build time,
        holds the very words the Swedish CSV headers have, and i18n.js
        has no word of its own for any of them that would hide it."""
        a = self.tcp("GET", "/ui/figures.js")
        self.assertAnswer(a, 200)
        self.assertSafeHeaders(a)
        text = a.body.decode("utf-8")

        def table(name):
            m = re.search(r"export const %s = (\{.*?\});" % name, text,
                          re.S)
            self.assertIsNotNone(m, text)
            return json.loads(m.group(1))

        figures, codes = table("FIGURES"), table("CODES")
        self.assertEqual(figures["allocated_out"],
                         ["tilldelat vidare", "allocated out"])
        for path, query, skip, keys in [
                ("/v1/balances", "format=csv&lang=sv", 2, BALANCE_KEYS),
                ("/v1/repayments", "year=2020&format=csv&lang=sv", 3,
                 REPAY_KEYS)]:
            r = self.d.request("GET", path + "?" + query, token="v-secret")
            self.assertAnswer(r, 200)
            head = r.body.decode("utf-8-sig").split("\r\n")[0].split(";")
            words = head[skip:skip + len(keys)]
            self.assertEqual(words, [figures[k][0] for k in keys], path)
        # deadline kinds and statuses: the codes' words
        self.assertEqual(set(codes), {"ok", "open", "due", "overdue",
                                      "claim", "report", "repay",
                                      "condition"})
        with open(os.path.join(self.dir, "i18n.js"), encoding="utf-8") as f:
            own = set(re.findall(r"^  ([a-z_]+): \[", f.read(), re.M))
        self.assertGreater(len(own), 100)
        shadowed = own & (set(figures) | {p + c for c in codes
                                          for p in ("k_", "s_")})
        self.assertEqual(shadowed, set())


# API.md's order of a balance's figures, and of a repayments row's.
BALANCE_KEYS = ["allocated", "allocated_out", "pending", "pending_out",
                "unallocated", "claimed", "received", "paid_out", "spent",
                "repaid", "returned", "carried_in", "carried_out", "held"]
REPAY_KEYS = ["received", "returned", "carried_in", "spent", "paid_out",
              "repaid", "carried_out", "outstanding"]


if __name__ == "__main__":
    unittest.main()
