"""POST /v1/events "warnings" (API.md) through a real medeld: each warning
on a stored batch, a dry run and a re-send, with its index, field and
code; the events are stored as sent; concurrent POSTs (group commit)
each get their own warnings; and an answer without any says "[]".
"""
import datetime
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MedeldTestCase, party, setup_ledger  # noqa: E402


def far_date():
    """A date two years after today (UTC), as medeld's clock sees it."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return (today + datetime.timedelta(days=731)).isoformat()


def provoking():
    """One batch that earns every warning, and what it should earn."""
    batch = [
        party("stockholm", "Stockholms stad", "municipality",
              org_no="212000-1355"),                       # fine
        party("kk2", "Kammarkollegiet", "state",
              org_no="232100-0017"),                       # 0: org_no
        {"type": "grant", "date": "2019-11-01", "grant": "ph-2021",
         "name": "Psykisk hälsa 2021", "payer": "kammarkollegiet",
         "total": 1000, "year": 2021, "use_by": "2020-12-31",
         "report_by": "2019-10-31",
         "repay_by": "2020-06-30"},                        # 2: three
        {"type": "allocation", "date": "2020-02-10", "grant": "ph-2020",
         "from": "kammarkollegiet", "to": "malmo", "amount": 1,
         "claim_by": "2020-01-31"},                        # 3: claim_by
        dict(party("framtid", "Framtida nämnd", "committee",
                   parent="malmo"), date=far_date(),
             id="far-1"),                                  # 4: date
    ]
    want = [
        (1, "org_no", "org_no"),
        (2, "use_by", "deadline_order"),
        (2, "report_by", "deadline_order"),
        (2, "repay_by", "deadline_order"),
        (3, "claim_by", "deadline_order"),
        (4, "date", "far_future"),
    ]
    return batch, want


def triples(answer):
    return [(w["index"], w["field"], w["code"])
            for w in answer.json()["warnings"]]


class Warnings(MedeldTestCase):
    def setUp(self):
        self.d = self.start_medeld()
        self.head_seq = setup_ledger(self.d)

    def test_every_warning_on_dry_run_store_and_resend(self):
        batch, want = provoking()
        dry = self.d.post("/v1/events?dry_run=1", batch)
        self.assertAnswer(dry, 200)
        self.assertEqual(triples(dry), want)
        self.assertEqual(self.d.head()[0], self.head_seq)
        a = self.d.post("/v1/events", batch)
        self.assertAnswer(a, 201)
        self.assertEqual(triples(a), want)
        j = a.json()
        self.assertEqual(list(j), ["events", "head", "warnings"])
        for w in j["warnings"]:
            self.assertEqual(list(w), ["index", "field", "code", "message"])
            self.assertTrue(w["message"])
        msgs = {w["field"]: w["message"] for w in j["warnings"]}
        self.assertIn("232100-0017", msgs["org_no"])
        self.assertIn(far_date(), msgs["date"])
        self.assertIn("before use_by 2020-12-31", msgs["repay_by"])
        # stored, exactly as sent
        self.assertEqual(self.d.head()[0], self.head_seq + len(batch))
        got = self.d.get(f"/v1/events?after={self.head_seq}").json()
        self.assertEqual(len(got["events"]), len(batch))
        self.assertEqual(got["events"][1]["org_no"], "232100-0017")
        self.assertEqual(got["events"][4]["date"], far_date())
        # the re-send of the far-future expense: 200, still warned
        again = self.d.post("/v1/events", batch[4])
        self.assertAnswer(again, 200)
        self.assertTrue(again.json()["events"][0]["duplicate"])
        self.assertEqual(triples(again), [(0, "date", "far_future")])

    def test_use_by_before_the_grant_year(self):
        g = {"type": "grant", "date": "2019-11-01", "grant": "ph-2020b",
             "name": "G", "payer": "kammarkollegiet", "total": 1,
             "year": 2020, "use_by": "2019-12-31"}
        a = self.d.post("/v1/events", g)
        self.assertAnswer(a, 201)
        self.assertEqual(triples(a), [(0, "use_by", "deadline_order")])

    def test_no_warnings_is_an_empty_list(self):
        e = {"type": "expense", "date": "2020-07-01", "grant": "ph-2020",
             "party": "malmo-asn", "activity": "Vanlig", "amount": 1}
        for path in ("/v1/events?dry_run=1", "/v1/events"):
            a = self.d.post(path, e)
            self.assertIn(a.status, (200, 201))
            self.assertEqual(a.json()["warnings"], [])
            self.assertTrue(a.body.endswith(b',"warnings":[]}'), a)

    def test_group_commit_answers_carry_their_own_warnings(self):
        results = {}

        def post(i):
            batch = [dict(party(f"g{i}-{k}", "G", "committee",
                                parent="malmo"),
                          date=far_date() if i % 2 else "2020-07-01")
                     for k in range(2)]
            results[i] = self.d.post("/v1/events", batch)

        threads = [threading.Thread(target=post, args=(i,))
                   for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, a in results.items():
            self.assertAnswer(a, 201)
            want = ([(0, "date", "far_future"), (1, "date", "far_future")]
                    if i % 2 else [])
            self.assertEqual(triples(a), want)


if __name__ == "__main__":
    unittest.main()
