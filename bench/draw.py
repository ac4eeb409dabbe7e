"""Lucky draw over 1,000,000 synthetic entries: canonical lines, digest, the beacon round's check,
10 winners; one figure a line (the BLS verification is also reported on its own)."""

from __future__ import annotations

import hashlib
import resource
import statistics
import sys
import time
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as `python bench/draw.py`

from wocs.beacon import QUICKNET_PUBLIC_KEY, check_round
from wocs.drand_rounds import RECORDED
from wocs.draw import canonical_entries, entries_digest, new_seed, pick_winners

ENTRIES = 1_000_000
WINNERS = 10
ROUND = 1000  # a recorded real quicknet round: its signature is checked as the draw job does
VERIFY_RUNS = 50  # the BLS check alone, repeated for a steady median
START = datetime(2026, 11, 1, 0, 0, 0)


def synthetic_entries(total: int) -> Iterator[tuple[int, str, datetime]]:
    """Entries as a draw job streams them from the database: id order, Malaysian mobile numbers."""
    submitted_at = START
    step = timedelta(seconds=2, microseconds=7)  # a fraction, so truncation to seconds is exercised
    for entry_id in range(1, total + 1):
        submitted_at += step  # one new datetime per entry: cheap, so generation barely counts
        # 6011 + 8 digits like Malaysian 011 mobiles; distinct per id, as the unique index demands.
        yield entry_id, "60" + str(1_100_000_000 + entry_id), submitted_at


def sha256_reference(size: int) -> float:
    """Seconds to SHA-256 `size` bytes from one 1 MiB buffer: the floor for the digest step."""
    block = bytes(1 << 20)  # reused buffer, so the reference adds no memory to the peak
    began = time.perf_counter()
    digest = hashlib.sha256()
    for _ in range(size >> 20):
        digest.update(block)
    digest.update(block[: size & ((1 << 20) - 1)])
    return time.perf_counter() - began


def main() -> None:
    """Time each step of a draw and print the figures."""
    generate_began = time.perf_counter()
    deque(synthetic_entries(ENTRIES), maxlen=0)  # generation alone: part of canonical_seconds
    began = time.perf_counter()
    lines = canonical_entries(synthetic_entries(ENTRIES))  # includes generating the entries
    canonical_done = time.perf_counter()
    digest = entries_digest(lines)
    digest_done = time.perf_counter()
    signature, randomness = RECORDED[ROUND]
    assert check_round(QUICKNET_PUBLIC_KEY, ROUND, signature, randomness) == []
    beacon_done = time.perf_counter()
    winners = pick_winners(
        new_seed(), digest, "BENCH2026", WINNERS, len(lines), bytes.fromhex(randomness)
    )
    pick_done = time.perf_counter()
    verify_seconds = []
    for _ in range(VERIFY_RUNS):
        began_verify = time.perf_counter()
        check_round(QUICKNET_PUBLIC_KEY, ROUND, signature, randomness)
        verify_seconds.append(time.perf_counter() - began_verify)
    reference_seconds = sha256_reference(sum(map(len, lines)) + len(lines) - 1)
    assert len(set(winners)) == WINNERS
    print(f"entries: {len(lines)}")
    print(f"generate_seconds: {began - generate_began:.3f}")
    print(f"canonical_seconds: {canonical_done - began:.3f}")
    print(f"digest_seconds: {digest_done - canonical_done:.3f}")
    print(f"beacon_check_seconds: {beacon_done - digest_done:.6f}")
    print(f"beacon_verify_median_seconds: {statistics.median(verify_seconds):.6f}")
    print(f"pick_seconds: {pick_done - beacon_done:.6f}")
    print(f"total_seconds: {pick_done - began:.3f}")
    print(f"reference_sha256_seconds: {reference_seconds:.3f}")
    # ru_maxrss is in KiB on Linux.
    print(f"peak_rss_mb: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}")


if __name__ == "__main__":
    main()
