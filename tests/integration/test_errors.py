"""Every 4xx of API.md's error table, provoked by a request to a real
medeld, with the error document's shape checked and the log's head hash
(from /healthz) unchanged after each refusal.

401 and 403 need TCP and tokens: they are here too, on a second listener
of the same medeld.
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase, setup_ledger  # noqa: E402

G = "ph-2020"
TOKENS = [("read", "reader", "tok-read-1"), ("write", "writer", "tok-write-1"),
          ("admin", "boss", "tok-admin-1")]


def ev(type_, date="2020-07-01", **fields):
    e = {"type": type_, "date": date}
    e.update(fields)
    return e


def expense(amount=1000, date="2020-07-01", grant=G, party="malmo-asn",
            activity="X", **kw):
    return ev("expense", date, grant=grant, party=party, activity=activity,
              amount=amount, **kw)


# (status, code, field or None, method, path, body) — POST bodies are
# events or raw text; the expected field is checked when given.
CASES = [
    # 400
    (400, "invalid_json", None, "POST", "/v1/events", '{"type":'),
    (400, "invalid_json", None, "POST", "/v1/events", ""),
    (400, "invalid_field", "grant", "POST", "/v1/events",
     expense(grant="PH-2020")),
    (400, "invalid_field", "date", "POST", "/v1/events",
     expense(date="2020-02-30")),
    (400, "missing_field", "activity", "POST", "/v1/events",
     ev("expense", grant=G, party="malmo-asn", amount=5)),
    (400, "unknown_field", "colour", "POST", "/v1/events",
     expense(colour="red")),
    (400, "unknown_type", "type", "POST", "/v1/events", ev("gift")),
    (400, "amount_out_of_range", "amount", "POST", "/v1/events",
     expense(amount=0)),
    (400, "amount_out_of_range", "amount", "POST", "/v1/events",
     expense(amount=10**15 + 1)),
    (400, "date_out_of_range", "date", "POST", "/v1/events",
     expense(date="2200-01-01")),
    (400, "date_out_of_range", "as_of", "GET",
     "/v1/balances?as_of=1899-12-31", None),
    (400, "date_out_of_range", "year", "GET", "/v1/repayments?year=2200",
     None),
    (400, "bad_query", "colour", "GET", "/v1/balances?colour=red", None),
    (400, "bad_query", "as_of", "GET", "/v1/balances?as_of=yesterday", None),
    (400, "bad_query", "as_of", "GET",
     "/v1/balances?as_of=2020-01-01&as_of=2020-01-02", None),
    (400, "bad_query", "limit", "GET", "/v1/events?limit=10001", None),
    (400, "bad_query", "wait", "GET", "/v1/events?wait=61", None),
    (400, "bad_query", "posts", "GET", "/v1/balances?posts=1", None),
    (400, "bad_query", "grant", "GET", "/v1/trace", None),
    (400, "bad_query", None, "GET", "/v1/balances?party=a%00b", None),
    (400, "bad_query", "known_at", "GET", "/v1/balances?known_at=soon",
     None),
    (400, "bad_query", "dry_run", "POST", "/v1/events?dry_run=yes",
     expense()),
    (400, "bad_query", None, "GET", "/v1/balances?party", None),
    # 404
    (404, "not_found", None, "GET", "/v1/events/99999", None),
    (404, "not_found", None, "GET", "/v1/nothing", None),
    (404, "not_found", None, "GET", "/v1/events/abc", None),
    (404, "not_found", "party", "GET", "/v1/balances?party=nobody", None),
    # 409
    (409, "id_conflict", "id", "POST", "/v1/events",
     expense(amount=2000001, date="2020-06-01", id="exp-1",
             activity="Personal")),
    (409, "head_moved", None, "POST", "/v1/events?expected_head=1",
     expense()),
    # 422 — one request per code of API.md's table
    (422, "unknown_party", "to", "POST", "/v1/events",
     ev("allocation", grant=G, **{"from": "malmo"}, to="nobody",
        amount=5)),
    (422, "unknown_grant", "grant", "POST", "/v1/events",
     expense(grant="no-such-grant")),
    (422, "unknown_event", "corrects", "POST", "/v1/events",
     ev("correction", corrects=99999, note="fel")),
    (422, "exists", None, "POST", "/v1/events",
     ev("grant", "2020-02-07", grant=G, name="Psykisk hälsa 2020",
        payer="malmo", total=100000000)),
    (422, "parent_cycle", "parent", "POST", "/v1/events",
     ev("party", "2020-02-01", party="malmo", name="Malmö stad",
        kind="municipality", parent="malmo-asn")),
    (422, "insufficient_funds", "party", "POST", "/v1/events",
     expense(amount=20000000)),
    (422, "over_allocation", "from", "POST", "/v1/events",
     ev("allocation", grant=G, **{"from": "malmo"}, to="malmo-asn",
        amount=45000000)),
    (422, "not_allocated", "to", "POST", "/v1/events",
     ev("payout", grant=G, **{"from": "malmo"}, to="malmo-asn",
        amount=1000000)),
    (422, "over_claim", "to", "POST", "/v1/events",
     ev("requisition", grant=G, **{"from": "malmo"}, to="malmo-asn",
        amount=20000000)),
    (422, "use_by_passed", None, "POST", "/v1/events",
     expense(date="2021-01-15")),
    (422, "bad_repayment_target", None, "POST", "/v1/events",
     ev("repayment", grant=G, **{"from": "malmo-asn"}, to="storsthlm",
        amount=1000)),
    (422, "carry_over_not_allowed", None, "POST", "/v1/events",
     ev("carryover", grant=G, to_grant="ph-2019", party="malmo",
        amount=1000)),
    (422, "period_closed", None, "POST", "/v1/events",
     ev("grant", "2018-06-01", grant="old-2018", name="Gammalt 2018",
        payer="kammarkollegiet", total=2000000)),
    (422, "already_corrected", "corrects", "POST", "/v1/events",
     ev("correction", corrects=15, note="igen")),
    (422, "post_exceeds_parent", None, "POST", "/v1/events",
     ev("grant", "2020-03-01", grant="ph-2020/suicidprevention",
        name="Suicidprevention", payer="kammarkollegiet",
        total=60000000, parent=G)),
]


class Errors(MedeldTestCase):
    @classmethod
    def setUpClass(cls):
        from medeld import Medeld
        cls.d = Medeld(tokens=TOKENS).start()
        try:
            setup_ledger(cls.d)
        except Exception:
            cls.d.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        cls.d.cleanup()
        assert rc == 0, f"medeld exited {rc}"

    def check_refused(self, status, code, field, method, path, body,
                      **kw):
        before = self.d.head()
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        a = self.d.request(method, path, body=body, **kw)
        self.assertAnswer(a, status, code)
        err = a.json()["error"]
        self.assertIsInstance(err["message"], str)
        self.assertTrue(err["message"])
        if field is not None:
            self.assertEqual(err.get("field"), field, a)
        self.assertEqual(self.d.head(), before,
                         f"{code}: the head moved after a refusal")
        return err

    def test_every_error_of_the_table(self):
        for status, code, field, method, path, body in CASES:
            with self.subTest(code=code, path=path):
                self.check_refused(status, code, field, method, path, body)

    def test_batch_error_names_the_index(self):
        batch = [expense(amount=10), expense(amount=20000000)]
        err = self.check_refused(422, "insufficient_funds", None, "POST",
                                 "/v1/events", batch)
        self.assertEqual(err["index"], 1)

    def test_too_large_batch(self):
        batch = [expense(amount=1)] * 10001
        self.check_refused(413, "too_large", None, "POST", "/v1/events",
                           batch)

    def test_too_large_body(self):
        # Over 8 MiB: evhttp refuses it before medeld sees it (413).
        before = self.d.head()
        big = "[" + ",".join([json.dumps(expense(note="x" * 900))] *
                             9000) + "]"
        self.assertGreater(len(big), 8 * 1024 * 1024)
        try:
            a = self.d.post("/v1/events", big)
            self.assertEqual(a.status, 413)
        except (ConnectionResetError, BrokenPipeError):
            pass  # refused while the body was still being sent
        self.assertEqual(self.d.head(), before)

    def test_unauthorized_over_tcp(self):
        for token in (None, "wrong-token", ""):
            with self.subTest(token=token):
                headers = {}
                if token is not None:
                    headers["Authorization"] = "Bearer " + token
                self.check_refused(401, "unauthorized", None, "GET",
                                   "/v1/balances", None, tcp=True,
                                   headers=headers)
        self.check_refused(401, "unauthorized", None, "POST", "/v1/events",
                           expense(), tcp=True,
                           headers={"Authorization": "Basic dXNlcjpwdw=="})

    def test_forbidden_over_tcp(self):
        self.check_refused(403, "forbidden", None, "POST", "/v1/events",
                           expense(), token="tok-read-1")
        err = self.check_refused(403, "forbidden", "type", "POST",
                                 "/v1/events",
                                 [expense(), ev("close", "2019-12-31",
                                                grant="ph-2019")],
                                 token="tok-write-1")
        self.assertEqual(err["index"], 1)
        self.check_refused(403, "forbidden", None, "GET", "/v1/backup",
                           None, token="tok-write-1")


if __name__ == "__main__":
    unittest.main()
