"""Storage full: medeld answers 503 unavailable, keeps serving reads,
stays consistent, and takes writes again when there is room.

Two ways to run out of room:

- the LMDB map reaches its ceiling (--map-size 2M): writes answer 503
  until medeld is restarted with a larger --map-size;
- the filesystem fills: a 4 MiB tmpfs mounted by the test (needs root and
  permission to mount; skipped, with the reason printed, otherwise), and
  a 128 MiB btrfs on a loop device where mkfs.btrfs is installed, with
  a filler file beside the ledger. medeld refuses a group that would
  leave less than MD_DISK_FULL_BYTES (1 MiB) + MD_DISK_EVENT_BYTES (2 KiB)
  per event free, so it stops short of the last megabyte. Deleting the
  filler frees space and the very same medeld, not restarted, accepts
  writes again.

Run: MEDELD=build/daemon/medeld python3 tests/integration/test_storage_full.py
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from medeld import Medeld, MedeldTestCase, setup_ledger

# Batches tried in turn, each size until one is refused, so the filesystem
# ends up as full as medeld lets it get.
FILL_SIZES = (500, 50, 5, 1)
FILL_POSTS_MAX = 400  # per size: 4 MiB holds ~12 000 events in all
TMPFS_SIZE = "4m"
FILLER_BYTES = 1024 * 1024
DISK_FULL_BYTES = 1024 * 1024  # daemon/md_limits.h MD_DISK_FULL_BYTES
# btrfs: the smallest image mkfs.btrfs makes comfortably, filled but for
# 9 MiB; batches up to 10 000 events (a group the size of a whole batch).
BTRFS_IMAGE_BYTES = 128 * 1024 * 1024
BTRFS_LEFT_BYTES = 9 * 1024 * 1024
BTRFS_FILL_SIZES = (10000, 2000, 500, 50, 5, 1)


def expense(eid):
    return {"type": "expense", "date": "2020-07-01", "grant": "ph-2020",
            "party": "malmo-asn", "activity": "Fyll", "amount": 1,
            "id": eid}


class StorageFullCase(MedeldTestCase):
    def fill(self, d, prefix, sizes=FILL_SIZES, settle=None):
        """Posts batches of each size until one is refused; returns the
        refusals (they must all be 503 unavailable; one per size) and the
        events acknowledged.

        settle, where given, runs after a refusal and the size is tried
        again: btrfs counts blocks freed by copy-on-write only once its
        transaction commits (os.sync), so a refusal counts only when it
        comes right after a settle."""
        refused, acked = [], {}
        for size in sizes:
            settled = settle is None
            for i in range(FILL_POSTS_MAX):
                batch = [expense(f"{prefix}-{size}-{i}-{j}")
                         for j in range(size)]
                a = d.post("/v1/events", batch)
                if a.status == 201:
                    for e in a.json()["events"]:
                        acked[e["id"]] = (e["seq"], e["hash"])
                    settled = settle is None
                    continue
                self.assertAnswer(a, 503, "unavailable")
                if not settled:
                    settle()
                    settled = True
                    continue
                refused.append(a)
                break
            else:
                self.fail(f"{FILL_POSTS_MAX} batches of {size} all fit")
        return refused, acked

    def check_reads(self, d, head):
        """Every kind of read answers while writes cannot."""
        self.assertEqual(d.head(), head)
        seq = head[0]
        self.assertAnswer(d.get("/v1/balances?party=malmo-asn"), 200)
        self.assertAnswer(d.get("/v1/balances?grant=ph-2020&posts=1"), 200)
        self.assertAnswer(d.get("/v1/trace?grant=ph-2020"), 200)
        self.assertAnswer(d.get("/v1/repayments?year=2020"), 200)
        self.assertAnswer(d.get("/v1/parties"), 200)
        evs = d.get(f"/v1/events?after={seq - 5}")
        self.assertAnswer(evs, 200)
        self.assertEqual(evs.json()["events"][-1]["hash"], head[1])
        one = d.get(f"/v1/events/{seq}")
        self.assertAnswer(one, 200)
        self.assertEqual(one.json()["hash"], head[1])
        self.assertAnswer(d.get("/metrics"), 200)
        verify = d.get("/v1/verify")
        self.assertAnswer(verify, 200)
        self.assertIs(verify.json()["ok"], True, verify)

    def check_stored(self, d, acked):
        """Every acknowledged event is there with its seq and hash."""
        stored, after = {}, 0
        while True:
            page = d.get(f"/v1/events?after={after}&limit=10000").json()
            for e in page["events"]:
                stored[e.get("id")] = (e["seq"], e["hash"])
            if not page["events"]:
                break
            after = page["next_after"]
        for eid, seq_hash in acked.items():
            self.assertEqual(stored.get(eid), seq_hash, eid)


class MapCeiling(StorageFullCase):
    def test_full_map_503_then_a_larger_map_takes_writes(self):
        d = Medeld(args=["--map-size", "2M"])
        self.addCleanup(d.cleanup)
        d.start()
        setup_ledger(d)
        refused, acked = self.fill(d, "m")
        self.assertIn("map", refused[0].json()["error"]["message"])
        head = d.head()
        self.check_reads(d, head)
        # Which single event still fits depends on which B-tree pages it
        # splits (its id, whether its chunk is full), so the "still
        # refused" check is a batch far larger than the room left.
        again = d.post("/v1/events",
                       [expense(f"m-again-{j}") for j in range(500)])
        self.assertAnswer(again, 503, "unavailable")
        self.assertEqual(d.head(), head)
        self.assertGreater(d.metric("medeld_commit_failures_total"), 0)
        self.assertEqual(d.stop(), 0, d.log()[-2000:])

        # The same directory with a larger ceiling: writes go in again.
        bigger = Medeld(data=d.data, args=["--map-size", "64M"])
        self.addCleanup(bigger.cleanup)
        bigger.start()
        self.addCleanup(self.check_stop, bigger)
        self.assertEqual(bigger.head(), head)
        a = bigger.post("/v1/events", [expense(f"m-big-{j}")
                                       for j in range(500)])
        self.assertAnswer(a, 201)
        self.assertEqual(bigger.head()[0], head[0] + 500)
        self.check_stored(bigger, acked)
        self.assertIs(bigger.get("/v1/verify").json()["ok"], True)


class TinyFilesystem(StorageFullCase):
    def mount(self, what, *argv):
        """Mounts a filesystem of the test's own (mount ARGV DIR), unmounted
        at the end (after medeld has stopped: cleanups run last-in
        first-out); skips, saying why, where that is not allowed."""
        if os.geteuid() != 0:
            self.skip(f"mounting a {what} needs root")
        top = tempfile.mkdtemp(prefix="medeld-full-")
        self.addCleanup(os.rmdir, top)
        r = subprocess.run(["mount", *argv, top], capture_output=True,
                           text=True)
        if r.returncode != 0:
            self.skip(f"cannot mount a {what}: " +
                      (r.stderr.strip() or f"exit {r.returncode}"))
        self.addCleanup(subprocess.run, ["umount", top], check=True)
        return top

    def skip(self, reason):
        print(f"\nskipped: {reason}", file=sys.stderr)
        self.skipTest(reason)

    def free_bytes(self, path):
        st = os.statvfs(path)
        return st.f_bavail * st.f_frsize

    def test_full_tmpfs_503_reads_go_on_and_freed_space_takes_writes(self):
        top = self.mount("tmpfs", "-t", "tmpfs", "-o",
                         f"size={TMPFS_SIZE},mode=0700", "tmpfs")
        self.full_disk(top, FILLER_BYTES, FILL_SIZES)

    def test_full_btrfs_the_same(self):
        """btrfs copies on write: had medeld filled it, LMDB's next write
        to its memory-mapped lock file would find no block and medeld
        would die of SIGBUS (it did, before md_writer refused groups the
        disk has no room for)."""
        if shutil.which("mkfs.btrfs") is None:
            self.skip("no mkfs.btrfs (Debian package btrfs-progs)")
        image = os.path.join(tempfile.mkdtemp(prefix="medeld-btrfs-"),
                             "image")
        self.addCleanup(shutil.rmtree, os.path.dirname(image))
        with open(image, "wb") as f:
            f.truncate(BTRFS_IMAGE_BYTES)
        r = subprocess.run(["mkfs.btrfs", "-q", "-f", image],
                           capture_output=True, text=True)
        if r.returncode != 0:
            self.skip("mkfs.btrfs failed: " + r.stderr.strip())
        top = self.mount("btrfs", "-o", "loop", image)
        filler = self.free_bytes(top) - BTRFS_LEFT_BYTES
        self.full_disk(top, filler, BTRFS_FILL_SIZES)

    def full_disk(self, top, filler_bytes, sizes):
        filler = os.path.join(top, "filler")
        with open(filler, "wb") as f:
            f.write(b"\xa5" * filler_bytes)
        os.sync()  # btrfs counts the filler's blocks once it is written
        d = self.start_medeld(data=os.path.join(top, "data"))
        setup_ledger(d)

        refused, acked = self.fill(d, "t", sizes, settle=os.sync)
        self.assertEqual(len(refused), len(sizes))
        for a in refused:
            self.assertIn("disk is full", a.json()["error"]["message"])
        os.sync()
        self.assertLess(self.free_bytes(top), 2 * DISK_FULL_BYTES)
        head = d.head()
        self.check_reads(d, head)
        # 500 events need ~100 KiB more than the single one just
        # refused: a margin against the few pages LMDB's lock file and
        # btrfs's own bookkeeping may move meanwhile.
        again = d.post("/v1/events",
                       [expense(f"t-again-{j}") for j in range(500)])
        self.assertAnswer(again, 503, "unavailable")
        self.assertEqual(d.head(), head)
        self.assertIsNotNone(d.wait_line(
            "failed: shutting down or storage full"))
        self.assertNotIn("input/output error", d.log())

        # Space returns; the same process, not restarted, takes writes.
        os.unlink(filler)
        os.sync()  # btrfs frees the blocks when its transaction commits
        self.assertGreater(self.free_bytes(top), filler_bytes // 2)
        one = d.post("/v1/events", [expense("t-after-0")])
        self.assertAnswer(one, 201)
        acked["t-after-0"] = (one.json()["events"][0]["seq"],
                              one.json()["events"][0]["hash"])
        self.assertEqual(acked["t-after-0"][0], head[0] + 1)
        many = d.post("/v1/events", [expense(f"t-after-{j}")
                                     for j in range(1, 501)])
        self.assertAnswer(many, 201)
        for e in many.json()["events"]:
            acked[e["id"]] = (e["seq"], e["hash"])
        self.assertEqual(d.head()[0], head[0] + 501)
        self.assertIs(d.get("/v1/verify").json()["ok"], True)
        self.check_stored(d, acked)
        self.assertEqual(d.stop(), 0, d.log()[-2000:])

        # And a restart finds all of it.
        later = Medeld(data=d.data)
        self.addCleanup(later.cleanup)
        later.start()
        self.addCleanup(self.check_stop, later)
        self.check_stored(later, acked)
        self.assertIs(later.get("/v1/verify").json()["ok"], True)


if __name__ == "__main__":
    unittest.main()
