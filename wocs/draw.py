"""Lucky-draw mathematics anyone can re-run: commit to a seed, hash the entries, pick winners."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import secrets
import struct
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

SEED_BYTES = 32  # 256 bits: as strong as the SHA-256 commitment that hides it
WORD_SPACE = 1 << 64  # random numbers are read as big-endian unsigned 64-bit words
_CHUNK = 10_000  # lines hashed per update: few C calls, bounded extra memory


def new_seed() -> bytes:
    """A fresh secret seed from the OS's cryptographic generator."""
    return secrets.token_bytes(SEED_BYTES)  # secrets, not random: the seed must be unguessable


def commitment(seed: bytes) -> str:
    """The hex SHA-256 of the seed, published when the campaign is created."""
    return hashlib.sha256(seed).hexdigest()  # hiding (seed has 256 bits) and binding (SHA-256)


def _utc_seconds(moment: datetime) -> str:
    """The moment as UTC to the second, e.g. 2026-11-25T08:30:05Z."""
    if moment.tzinfo is not None:  # stored times are naive UTC; aware ones are converted first
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    # Whole seconds (truncated): MariaDB DATETIME keeps no fraction, SQLite does; both must agree.
    return moment.isoformat(timespec="seconds") + "Z"


def canonical_entries(entries: Iterable[tuple[int, str, datetime]]) -> list[str]:
    """Entries (id, phone, submitted_at) as canonical lines ``ID:PHONE:YYYY-MM-DDTHH:MM:SSZ``.

    One line per entry, sorted by ascending entry id: the id in decimal without leading zeros,
    the phone exactly as stored (digits only, country code first, no "+"), and the submission
    time in UTC to the whole second (fraction dropped), e.g. ``42:60123456789:2026-11-25T08:30:05Z``.
    Pass a lazy iterator (e.g. a query's ``.iterator()``) so the entries are never all in memory.
    """
    # Pair each line with its id so the sort is numeric (10 after 9); ids are unique keys.
    pairs = sorted((i, f"{i}:{phone}:{_utc_seconds(at)}") for i, phone, at in entries)
    return [line for _, line in pairs]


def entries_digest(lines: Iterable[str]) -> str:
    """The hex SHA-256 of the lines joined with "\\n" (UTF-8, no trailing newline), streamed.

    Raises ValueError when a line itself contains a newline.
    """
    digest = hashlib.sha256()
    lines = iter(lines)
    separator = b""  # "\n" goes between chunks too, but not before the first line
    while chunk := list(itertools.islice(lines, _CHUNK)):  # bounded memory, not one giant string
        text = "\n".join(chunk)
        if text.count("\n") != len(chunk) - 1:  # a newline inside a line would pose as two entries
            raise ValueError("an entry line contains a newline")
        digest.update(separator + text.encode())
        separator = b"\n"
    return digest.hexdigest()


def _words(seed: bytes, digest: str, campaign_code: str, beacon: bytes) -> Iterator[int]:
    """64-bit words of HMAC-SHA256(seed, digest + beacon + code + 8-byte big-endian counter 0, 1, …).

    `beacon` is the drand round's 32 bytes of randomness (empty for an operator-only draw).
    """
    # Keyed by the seed committed before any entry, so no entrant can steer or predict the stream;
    # the beacon, published after the entries froze, keeps the seed's holder from grinding them.
    prefix = bytes.fromhex(digest) + beacon + campaign_code.encode()
    for counter in itertools.count():
        block = hmac.new(seed, prefix + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        yield from struct.unpack(">4Q", block)  # 32 bytes = four big-endian words, in order


def _below(words: Iterator[int], bound: int) -> int:
    """A uniform integer in [0, bound): reject words at or above the largest multiple of bound."""
    limit = WORD_SPACE - WORD_SPACE % bound  # every residue has exactly limit / bound pre-images
    for word in words:
        if word < limit:  # rejected words are skipped, so `word % bound` has no modulo bias
            return word % bound
    raise AssertionError("the word stream is infinite")  # pragma: no cover


def pick_winners(
    seed: bytes,
    digest: str,
    campaign_code: str,
    count: int,
    population: int,
    beacon: bytes = b"",
) -> list[int]:
    """Indexes into the canonical entry list, without replacement, in prize order.

    For i = 0, 1, … (at most population draws): j = i + uniform(population - i); the winner is the
    entry now at position j, which then takes the entry at position i (partial Fisher–Yates).
    """
    if population > WORD_SPACE:  # 64-bit words cannot cover a larger range uniformly
        raise ValueError("population too large")
    words = _words(seed, digest, campaign_code, beacon)
    moved: dict[int, int] = {}  # virtual array: only swapped positions are stored, O(count) memory
    winners = []
    for i in range(max(0, min(count, population))):  # count > population: everyone, in drawn order
        j = i + _below(words, population - i)
        winners.append(moved.get(j, j))
        moved[j] = moved.pop(i, i)  # position i is never read again, so it can be forgotten
    return winners


def verify(
    seed_hex: str,
    commitment_hex: str,
    lines: list[str],
    campaign_code: str,
    winners: list[int],
    digest: str,
    *,
    count: int | None = None,
    beacon: bytes = b"",
) -> list[str]:
    """Problems found re-checking a published draw; empty when everything matches.

    Pass ``count`` (the number of prizes) to also catch a winner list cut short: without it,
    only the published winners are recomputed, in order. ``beacon`` is the round's randomness.
    """
    problems = []
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError:
        return [f"The seed {seed_hex!r} is not hexadecimal."]  # nothing else can be recomputed
    if commitment(seed) != commitment_hex.strip().lower():
        problems.append("The seed does not match the published commitment.")
    try:
        matches = entries_digest(lines) == digest.strip().lower()
    except ValueError:  # a line with a newline in it cannot come from canonical_entries
        matches = False
    if not matches:
        problems.append("The entries digest does not match the entry list.")
    wanted = len(winners) if count is None else count
    try:
        # The published digest is used so a changed entry list and changed winners show separately.
        expected = pick_winners(seed, digest, campaign_code, wanted, len(lines), beacon)
    except ValueError:
        return [*problems, f"The digest {digest!r} is not hexadecimal."]
    if expected != winners:
        problems.append(f"The winners {winners} differ from the recomputed {expected}.")
    return problems
