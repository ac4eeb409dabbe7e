"""Re-check a published draw record (the page's draw.json) with nothing but its own data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wocs import draw as draws
from wocs.beacon import BeaconSettings, check_round

DONE = ("drawn", "finished")


class NothingToVerify(LookupError):
    """The record is of no draw yet (or of no campaign): there is no result to check."""


@dataclass
class Verdict:
    """What re-checking found: problems (a mismatch each) and notes (true, but worth knowing)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _moment(text: str) -> dt.datetime:
    """A record's "2026-11-25T08:30:05Z" as naive UTC."""
    return dt.datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=None)


def _check_beacon(record: Mapping[str, Any], pinned: BeaconSettings, verdict: Verdict) -> bytes:
    """Check the round is the fixed one of the pinned chain and genuine; return its randomness."""
    beacon = record.get("beacon") or {}
    number, margin = beacon.get("round"), beacon.get("margin_seconds")
    if not isinstance(number, int) or not isinstance(margin, int) or margin < 0:
        verdict.problems.append("The record names no beacon round (or no margin) for the draw.")
        return b""
    if beacon.get("chain_hash") != pinned.chain_hash:
        verdict.problems.append(
            f"The beacon chain {beacon.get('chain_hash')!r} is not the pinned {pinned.chain_hash}."
        )
    try:
        fixed = dataclasses.replace(pinned, margin=margin).round_after(
            _moment(str(record["frozen_at"]))
        )
    except (KeyError, ValueError):
        verdict.problems.append("The record has no valid freeze time.")
        fixed = number
    if fixed != number:
        verdict.problems.append(
            f"Round {number} is not the first round after the freeze plus {margin} s "
            f"(that is round {fixed})."
        )
    signature, randomness = str(beacon.get("signature") or ""), str(beacon.get("randomness") or "")
    verdict.problems += check_round(pinned.public_key, number, signature, randomness)
    try:
        return bytes.fromhex(randomness)
    except ValueError:
        return b""


def check_record(record: Mapping[str, Any], pinned: BeaconSettings) -> Verdict:
    """Recompute the draw: commitment, entries digest and count, beacon round, winners, tickets.

    Raises NothingToVerify when the record is of a draw not made yet.
    """
    if record.get("state") not in DONE:
        raise NothingToVerify(
            f"{record.get('code', '?')} has not been drawn yet, so there is nothing to check"
        )
    verdict = Verdict()
    lines = [str(line) for line in record.get("entries") or []]
    if record.get("entry_count") != len(lines):
        verdict.problems.append(
            f"The record says {record.get('entry_count')} entries but lists {len(lines)}."
        )
    if record.get("source") == "operator":
        randomness = b""
        verdict.notes.append(
            "OPERATOR-ONLY draw: no beacon randomness decided it, only the seed and the entries, "
            "so whoever held the seed could have known the result before it was announced."
        )
    else:
        randomness = _check_beacon(record, pinned, verdict)
    winners = record.get("winners") or []
    indexes = [w.get("index") for w in winners]
    verdict.problems += draws.verify(
        str(record.get("seed") or ""),
        str(record.get("commitment") or ""),
        lines,
        str(record.get("code") or ""),
        indexes,
        str(record.get("entries_digest") or ""),
        count=record.get("winner_count"),
        beacon=randomness,
    )
    for place, winner in enumerate(winners, start=1):
        index = winner.get("index")
        line = lines[index] if isinstance(index, int) and 0 <= index < len(lines) else ""
        if line.split(":")[1:2] != [winner.get("ticket")]:
            verdict.problems.append(
                f"Winner {place}'s ticket {winner.get('ticket')!r} is not entry {index}'s."
            )
    return verdict
