"""medeld's life: what it refuses to start on, its socket, and SIGTERM
under load — every event answered 201 is on disk after a restart."""
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from medeld import MEDELD, Medeld, MedeldTestCase, setup_ledger  # noqa

WRITERS = 8
ACKED_BEFORE_STOP = 400


def run_medeld(*args, timeout=30):
    """medeld run to its end (for refusals): (exit status, stderr)."""
    p = subprocess.run([MEDELD, *args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).decode()


def mdb_load(directory, dump_text):
    subprocess.run(["mdb_load", directory], input=dump_text.encode(),
                   check=True)


DUMP_HEADER = "VERSION=3\nformat=bytevalue\ntype=btree\n"


class Refusals(MedeldTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="medeld-lc-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_a_dir_held_by_another_medeld(self):
        d = self.start_medeld()
        rc, out = run_medeld("--data", d.data, "--socket",
                             os.path.join(self.tmp, "other.sock"))
        self.assertEqual(rc, 1, out)
        self.assertIn("held by another process", out)
        self.assertAnswer(d.get("/healthz"), 200)  # the first one is fine

    def test_a_dir_that_is_not_a_ledger(self):
        data = os.path.join(self.tmp, "foreign")
        os.makedirs(data)
        mdb_load(data, DUMP_HEADER + "HEADER=END\n 6b6579\n 76616c\n"
                 "DATA=END\n")
        rc, out = run_medeld("--data", data)
        self.assertEqual(rc, 1, out)
        self.assertIn("not a medel ledger", out)

    def test_an_unknown_format_version(self):
        data = os.path.join(self.tmp, "future")
        os.makedirs(data)
        mdb_load(data, DUMP_HEADER + "database=meta\nHEADER=END\n"
                 " 666f726d6174\n 00000063\nDATA=END\n")
        rc, out = run_medeld("--data", data)
        self.assertEqual(rc, 1, out)
        self.assertIn("format version 99", out)

    def test_a_garbage_data_file(self):
        data = os.path.join(self.tmp, "garbage")
        os.makedirs(data)
        with open(os.path.join(data, "data.mdb"), "wb") as f:
            f.write(b"not lmdb" * 1024)
        rc, out = run_medeld("--data", data)
        self.assertEqual(rc, 1, out)
        self.assertIn("medeld:", out)

    def test_usage(self):
        rc, out = run_medeld("--listen", "127.0.0.1:0")
        self.assertEqual(rc, 2)
        self.assertIn("--tokens", out)
        self.assertEqual(run_medeld("--bogus")[0], 2)
        self.assertEqual(run_medeld("--threads", "0")[0], 2)
        self.assertEqual(run_medeld("--map-size", "12Q")[0], 2)
        rc, out = run_medeld("--help")
        self.assertEqual(rc, 0)
        self.assertIn("--data", out)
        rc, out = run_medeld("--version")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^medeld \d+\.\d+\.\d+")

    def test_bad_tokens_file(self):
        tokens = os.path.join(self.tmp, "tokens")
        with open(tokens, "w") as f:
            f.write("read alice nothex\n")
        rc, out = run_medeld("--data", os.path.join(self.tmp, "d"),
                             "--listen", "127.0.0.1:0", "--tokens", tokens)
        self.assertEqual(rc, 1)
        self.assertIn("line 1", out)


class Socket(MedeldTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="medeld-sock-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_socket_mode_is_0600(self):
        d = self.start_medeld()
        mode = stat.S_IMODE(os.stat(d.socket).st_mode)
        self.assertEqual(mode, 0o600)
        self.assertTrue(stat.S_ISSOCK(os.stat(d.socket).st_mode))

    def test_data_dir_is_created(self):
        d = self.start_medeld()
        self.assertTrue(os.path.isfile(os.path.join(d.data, "data.mdb")))

    def test_stale_socket_is_replaced(self):
        path = os.path.join(self.tmp, "stale.sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.close()  # the file stays; nobody listens: connect is refused
        d = self.start_medeld(socket_path=path)
        self.assertAnswer(d.get("/healthz"), 200)

    def test_socket_in_use_is_refused(self):
        path = os.path.join(self.tmp, "busy.sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(path)
        s.listen(1)
        try:
            rc, out = run_medeld("--data", os.path.join(self.tmp, "d"),
                                 "--socket", path)
        finally:
            s.close()
        self.assertEqual(rc, 1)
        self.assertIn("in use", out)

    def test_a_file_in_the_sockets_place_is_refused(self):
        path = os.path.join(self.tmp, "file.sock")
        with open(path, "w") as f:
            f.write("keep me")
        rc, out = run_medeld("--data", os.path.join(self.tmp, "d"),
                             "--socket", path)
        self.assertEqual(rc, 1)
        self.assertIn("not a socket", out)
        with open(path) as f:
            self.assertEqual(f.read(), "keep me")

    def test_socket_removed_at_exit(self):
        d = self.start_medeld()
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(d.socket))


class SigtermUnderLoad(MedeldTestCase):
    def test_every_201_is_on_disk_after_restart(self):
        self.run_load([])

    def test_the_same_with_two_loops(self):
        self.run_load(["--threads", "2"])

    def run_load(self, args):
        d = Medeld(args=args)
        self.addCleanup(d.cleanup)
        d.start()
        setup_ledger(d)
        acked = {}  # id → seq, for every 201
        lock = threading.Condition()
        errors = []

        def writer(w):
            c, n = None, 0
            while True:
                eid = f"load-{w}-{n}"
                e = {"type": "expense", "date": "2020-07-01",
                     "grant": "ph-2020", "party": "malmo-asn",
                     "activity": "Last", "amount": 1, "id": eid}
                try:
                    c = c or d.conn(timeout=60)
                    a = d.post("/v1/events", e, conn=c)
                except (ConnectionError, FileNotFoundError, OSError):
                    return  # stopped: refused, reset or socket gone
                if a.status == 201:
                    with lock:
                        acked[eid] = a.json()["events"][0]["seq"]
                        lock.notify_all()
                elif a.status == 503:
                    return
                else:
                    errors.append(a)
                    return
                if a.headers.get("Connection") == "close":
                    return
                n += 1

        threads = [threading.Thread(target=writer, args=(w,), daemon=True)
                   for w in range(WRITERS)]
        for t in threads:
            t.start()
        with lock:
            self.assertTrue(lock.wait_for(
                lambda: len(acked) >= ACKED_BEFORE_STOP, 120))
        d.signal(signal.SIGTERM)
        for t in threads:
            t.join(90)
            self.assertFalse(t.is_alive())
        self.assertEqual(d.stop(), 0, d.log()[-2000:])
        self.assertEqual(errors, [])
        self.assertGreaterEqual(len(acked), ACKED_BEFORE_STOP)
        # Restart on the same directory: every acknowledged event is there.
        again = Medeld(data=d.data)
        self.addCleanup(again.cleanup)
        again.start()
        self.addCleanup(self.check_stop, again)
        head, _ = again.head()
        self.assertGreaterEqual(head, max(acked.values()))
        events = again.get("/v1/events?type=expense&limit=10000").json()
        stored = {e["id"]: e["seq"] for e in events["events"]
                  if e.get("id", "").startswith("load-")}
        for eid, seq in acked.items():
            self.assertEqual(stored.get(eid), seq, eid)
        self.assertIs(again.get("/v1/verify").json()["ok"], True)
        commits = again.metric("medeld_commits_total")
        self.assertEqual(commits, 0)  # a fresh process: nothing yet


class OutOfDescriptors(MedeldTestCase):
    def test_accept_pauses_and_recovers(self):
        d = self.start_medeld(nofile=48)
        mark = d.line_count()
        held = []
        for _ in range(64):  # more than medeld has descriptors for
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(d.socket)  # queued in the backlog if not accepted
            held.append(s)
        self.assertIsNotNone(d.wait_line(r"event=accept .*not accepting",
                                         30, start=mark))
        for s in held:
            s.close()
        # Descriptors are free again: the next request is served (the
        # listener comes back by itself after MD_ACCEPT_PAUSE_MS).
        self.assertAnswer(d.get("/healthz", timeout=30), 200)


class TwoLoops(MedeldTestCase):
    """--threads 2: a commit answered on one loop wakes long-polls parked
    on the other, and SIGTERM drains both."""

    def test_long_polls_on_both_loops_wake(self):
        import time
        d = self.start_medeld(args=["--threads", "2"])
        head = setup_ledger(d)
        results = []

        def poll():
            results.append(d.get(f"/v1/events?after={head}&wait=60",
                                 timeout=90))

        polls = [threading.Thread(target=poll) for _ in range(16)]
        for t in polls:
            t.start()
        deadline = time.monotonic() + 20
        while d.metric("medeld_waiting_requests") != 16:
            self.assertLess(time.monotonic(), deadline)
        e = {"type": "expense", "date": "2020-07-01", "grant": "ph-2020",
             "party": "malmo-asn", "activity": "Två", "amount": 1,
             "id": "two-loops"}
        self.assertAnswer(d.post("/v1/events", e), 201)
        for t in polls:
            t.join(30)
            self.assertFalse(t.is_alive())
        self.assertEqual(len(results), 16)
        for a in results:
            self.assertEqual(a.json()["events"][0]["id"], "two-loops")
        log = d.log()
        self.assertIn("threads=2", log)


class Writes(MedeldTestCase):
    def test_failing_batches_do_not_harm_their_group(self):
        d = self.start_medeld()
        head0, _ = setup_ledger(d), None
        results = []
        lock = threading.Lock()

        def client(w):
            c = d.conn()
            for n in range(40):
                ok = n % 2 == 0
                e = {"type": "expense", "date": "2020-07-01",
                     "grant": "ph-2020", "party": "malmo-asn",
                     "activity": "Grupp",
                     "amount": 1 if ok else 10**14, "id": f"g-{w}-{n}"}
                a = d.post("/v1/events", e, conn=c)
                with lock:
                    results.append((ok, a.status, a.body))
            c.close()

        threads = [threading.Thread(target=client, args=(w,))
                   for w in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        good = [r for r in results if r[0]]
        bad = [r for r in results if not r[0]]
        self.assertTrue(all(r[1] == 201 for r in good), good[:3])
        self.assertTrue(all(r[1] == 422 for r in bad), bad[:3])
        self.assertEqual(d.head()[0], head0 + len(good))
        self.assertIs(d.get("/v1/verify").json()["ok"], True)
        batches = d.metric("medeld_commit_batches_sum")
        commits = d.metric("medeld_commit_batches_count")
        print(f"\n{batches:.0f} batches in {commits:.0f} commits",
              file=sys.stderr)

    def test_full_map_answers_503_and_reads_go_on(self):
        d = self.start_medeld(args=["--map-size", "2M"])
        setup_ledger(d)
        full = None
        for i in range(200):
            batch = [{"type": "expense", "date": "2020-07-01",
                      "grant": "ph-2020", "party": "malmo-asn",
                      "activity": "Fyll", "amount": 1, "id": f"f-{i}-{j}"}
                     for j in range(500)]
            a = d.post("/v1/events", batch)
            if a.status != 201:
                full = a
                break
        self.assertIsNotNone(full, "the map never filled")
        self.assertAnswer(full, 503, "unavailable")
        head = d.head()
        self.assertAnswer(d.get("/v1/balances?party=malmo-asn"), 200)
        self.assertAnswer(d.get("/v1/events?limit=5"), 200)
        again = d.post("/v1/events", batch)
        self.assertAnswer(again, 503, "unavailable")
        self.assertEqual(d.head(), head)


if __name__ == "__main__":
    unittest.main()
