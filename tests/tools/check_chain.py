#!/usr/bin/env python3
"""Recomputes a medel hash chain from stored events (JSON Lines), with
nothing but Python's json and hashlib, as DOMAIN.md says anyone can:

    hash = SHA-256(prev_hash_bytes || canonical)
    canonical = json.dumps(event without hash and prev_hash,
                           sort_keys=True, separators=(',', ':'),
                           ensure_ascii=False)

Exit 0 when every link holds, 1 with the first broken seq otherwise."""
import hashlib
import json
import sys


def main(path):
    prev = "0" * 64
    count = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            h = e.pop("hash")
            p = e.pop("prev_hash")
            if p != prev:
                print(f"seq {e['seq']}: prev_hash {p} != {prev}")
                return 1
            canon = json.dumps(e, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode("utf-8")
            want = hashlib.sha256(bytes.fromhex(p) + canon).hexdigest()
            if want != h:
                print(f"seq {e['seq']}: hash {h} != recomputed {want}")
                return 1
            if e["seq"] != count + 1:
                print(f"seq {e['seq']} after {count}: a gap")
                return 1
            prev = h
            count += 1
    print(f"{count} events, chain ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
