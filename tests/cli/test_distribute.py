"""medel distribute: a key file as Swedish Excel saves it (Windows-1252,
';', a Swedish header, populations with spaces between thousands), the
shares printed before anything is stored, --dry-run storing nothing, and
GET /v1/distributions/{seq} from medeld giving the same shares.

The expected shares are computed here from DOMAIN.md's sentence with
Python's exact fractions, not taken from medel's output.
"""
import json
import os
import unittest
from fractions import Fraction

from clitest import copy_ledger, daemon_on, medel, tmpdir

BASE = [
    {"type": "party", "date": "2020-01-01", "party": "kk",
     "name": "Kammarkollegiet", "kind": "state"},
    {"type": "party", "date": "2020-01-01", "party": "storsthlm",
     "name": "Storsthlm", "kind": "county_association"},
    {"type": "party", "date": "2020-01-01", "party": "stockholm",
     "name": "Stockholms stad", "kind": "municipality"},
    {"type": "party", "date": "2020-01-01", "party": "solna",
     "name": "Solna stad", "kind": "municipality"},
    {"type": "party", "date": "2020-01-01", "party": "sodertalje",
     "name": "Södertälje kommun", "kind": "municipality"},
    {"type": "party", "date": "2020-01-01", "party": "nykvarn",
     "name": "Nykvarns kommun", "kind": "municipality"},
    {"type": "grant", "date": "2020-02-01", "grant": "ph-2020",
     "name": "Psykisk hälsa 2020", "payer": "kk", "total": 2000000000},
    {"type": "allocation", "date": "2020-02-10", "grant": "ph-2020",
     "from": "kk", "to": "storsthlm", "amount": 1057097300},
]
KEY = {"stockholm": 975551, "solna": 82918, "sodertalje": 100000,
       "nykvarn": 11000}
AMOUNT_KR = 10570973


def shares(amount_units, key):
    """DOMAIN.md: floor, then the leftover units by largest remainder,
    ties by larger weight, then id."""
    total = sum(key.values())
    exact = {p: Fraction(amount_units * w, total) for p, w in key.items()}
    out = {p: int(x) for p, x in exact.items()}
    left = amount_units - sum(out.values())
    order = sorted(key, key=lambda p: (-(exact[p] - out[p]), -key[p], p))
    for p in order[:left]:
        out[p] += 1
    return out


def kr(n):
    """22 949 683 kr, as medel prints whole kronor."""
    return f"{n:,}".replace(",", " ") + " kr"


class Distribute(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir(self)
        self.db = os.path.join(self.dir, "db")
        r = medel("--db", self.db, "append",
                  stdin="\n".join(json.dumps(e) for e in BASE).encode())
        self.assertEqual(r.rc, 0, r)
        # As Excel saves "CSV (semikolonavgränsad)": Windows-1252, CRLF,
        # populations with a space or a no-break space (0xA0) between
        # thousands.
        rows = ["Part;Folkmängd", "stockholm;975 551", "solna;82\xa0918",
                "", "sodertalje;100 000", "nykvarn;11000"]
        self.key = os.path.join(self.dir, "befolkning.csv")
        with open(self.key, "wb") as f:
            f.write("\r\n".join(rows).encode("cp1252") + b"\r\n")
        self.expected = shares(AMOUNT_KR, KEY)

    def distribute(self, *extra):
        return medel("--db", self.db, "distribute", "--grant", "ph-2020",
                     "--from", "storsthlm", "--amount", "10 570 973 kr",
                     "--key", self.key, "--key-name",
                     "SCB folkmängd 2019-11-01", "--date", "2020-03-10",
                     *extra)

    def logged(self):
        r = medel("--db", self.db, "--json", "log", "--type",
                  "distribution")
        self.assertEqual(r.rc, 0, r)
        return json.loads(r.out)["events"]

    def test_dry_run_prints_every_share_and_stores_nothing(self):
        r = self.distribute("--dry-run")
        self.assertEqual(r.rc, 0, r)
        lines = r.text.splitlines()
        for party, name in [("stockholm", "Stockholms stad"),
                            ("solna", "Solna stad"),
                            ("sodertalje", "Södertälje kommun"),
                            ("nykvarn", "Nykvarns kommun")]:
            line = [ln for ln in lines if ln.startswith(party + " ")]
            self.assertEqual(len(line), 1, r)
            self.assertIn(name, line[0])
            self.assertIn(str(KEY[party]), line[0])
            self.assertTrue(line[0].endswith(kr(self.expected[party])),
                            line[0])
        total = [ln for ln in lines if ln.startswith("total")]
        self.assertEqual(len(total), 1, r)
        self.assertTrue(total[0].endswith(kr(AMOUNT_KR)))
        self.assertIn(str(sum(KEY.values())), total[0])
        self.assertEqual(self.logged(), [])

    def test_stores_one_event_with_the_shares(self):
        r = self.distribute()
        self.assertEqual(r.rc, 0, r)
        events = self.logged()
        self.assertEqual(len(events), 1)
        ev = events[0]
        self.assertEqual(ev["key"], KEY)
        self.assertEqual(ev["amount"], AMOUNT_KR * 100)
        self.assertEqual(ev["key_name"], "SCB folkmängd 2019-11-01")
        r = medel("--db", self.db, "--json", "balance", "--grant",
                  "ph-2020")
        rows = {row["party"]: row for row in json.loads(r.out)["rows"]}
        for party, share in self.expected.items():
            self.assertEqual(rows[party]["allocated"], share * 100, party)
        self.assertEqual(rows["storsthlm"]["allocated_out"],
                         AMOUNT_KR * 100)
        # medeld answers the shares, every party in code-point order.
        copy = os.path.join(self.dir, "copy")
        copy_ledger(self.db, copy)
        d = daemon_on(self, copy)
        ans = d.get(f"/v1/distributions/{ev['seq']}")
        self.assertEqual(ans.status, 200, ans)
        doc = ans.json()
        self.assertEqual([s["party"] for s in doc["shares"]], sorted(KEY))
        self.assertEqual({s["party"]: s["amount"] for s in doc["shares"]},
                         {p: a * 100 for p, a in self.expected.items()})
        self.assertEqual(doc["round_to"], "kr")
        self.assertEqual(d.get("/v1/distributions/1").status, 404)

    def test_a_bad_row_names_row_and_column(self):
        with open(self.key, "wb") as f:
            f.write("Part;Folkmängd\r\nsolna;82,5\r\n".encode("cp1252"))
        r = self.distribute()
        self.assertEqual(r.rc, 2, r)
        self.assertIn(b"row 2, column B", r.err)
        self.assertIn(b"'82,5'", r.err)
        self.assertEqual(self.logged(), [])

    def test_unknown_party_is_the_ledgers_refusal(self):
        with open(self.key, "wb") as f:
            f.write(b"party;weight\nsolna;1\nnowhere;2\n")
        r = self.distribute()
        self.assertEqual(r.rc, 1, r)
        self.assertIn(b"unknown_party", r.err)
        self.assertIn(b"nowhere", r.err)
        self.assertEqual(self.logged(), [])


if __name__ == "__main__":
    unittest.main()
