"""Re-check a published draw record (the page's draw.json) with nothing but its own data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wocs import draw as draws
from wocs.beacon import BeaconSettings, check_round

OPERATOR_NOTE = (
    "OPERATOR-ONLY {what}: no beacon randomness decided it, only the seed and the entries, "
    "so whoever held the seed could have known the result before it was announced."
)


class NothingToVerify(LookupError):
    """The record is of no draw yet (or of no campaign): there is no result to check."""


@dataclass
class Verdict:
    """What re-checking found: problems (a mismatch each) and notes (true, but worth knowing)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _moment(text: object) -> dt.datetime:
    """A record's "2026-11-25T08:30:05Z" as naive UTC."""
    return dt.datetime.fromisoformat(str(text).removesuffix("Z")).replace(tzinfo=None)


def _randomness(
    pick: Mapping[str, Any], since: object, used: int, pinned: BeaconSettings, verdict: Verdict
) -> bytes:
    """Check a pick's round is the one fixed at `since` on the pinned chain, after round `used`,
    and genuine; return its randomness (empty when it cannot be had)."""
    number, margin = pick.get("round"), pick.get("margin_seconds")
    if not isinstance(number, int) or not isinstance(margin, int) or margin < 0:
        verdict.problems.append("The record names no beacon round (or no margin) for a pick.")
        return b""
    if pick.get("chain_hash") != pinned.chain_hash:
        verdict.problems.append(
            f"The beacon chain {pick.get('chain_hash')!r} is not the pinned {pinned.chain_hash}."
        )
    try:
        fixed = dataclasses.replace(pinned, margin=margin).round_after(_moment(since), used)
    except ValueError:
        verdict.problems.append(f"The record has no valid time for round {number}.")
        fixed = number
    if fixed != number:
        verdict.problems.append(
            f"Round {number} is not the first round after {since} plus {margin} s "
            f"(that is round {fixed})."
        )
    signature, randomness = str(pick.get("signature") or ""), str(pick.get("randomness") or "")
    verdict.problems += check_round(pinned.public_key, number, signature, randomness)
    try:
        return bytes.fromhex(randomness)
    except ValueError:
        return b""


def _tickets(lines: list[str], winners: list[Mapping[str, Any]], verdict: Verdict) -> None:
    """Each published winner's ticket must be the one on their entry's line."""
    for place, winner in enumerate(winners, start=1):
        index = winner.get("index")
        line = lines[index] if isinstance(index, int) and 0 <= index < len(lines) else ""
        if line.split(":")[1:2] != [winner.get("ticket")]:
            verdict.problems.append(
                f"Winner {place}'s ticket {winner.get('ticket')!r} is not entry {index}'s."
            )


def _check_redraws(
    record: Mapping[str, Any], lines: list[str], pinned: BeaconSettings, verdict: Verdict
) -> None:
    """Each redraw: its own round, drawn among the entries no earlier pick chose."""
    winners = record.get("winners") or []
    seed = bytes.fromhex(str(record.get("seed") or ""))
    used = int((record.get("beacon") or {}).get("round") or 0)
    for number, redraw in enumerate(record.get("redraws") or [], start=1):
        if not redraw.get("drawn"):
            continue  # asked for, waiting for its round: nothing to check yet
        if redraw.get("source") == "operator":
            randomness = b""
            verdict.notes.append(OPERATOR_NOTE.format(what=f"redraw {number}"))
            if redraw.get("randomness"):
                verdict.problems.append(
                    f"Redraw {number} is labelled operator-only but names beacon randomness."
                )
        else:
            randomness = _randomness(redraw, redraw.get("requested_at"), used, pinned, verdict)
        used = int(redraw.get("round") or used)  # the next redraw's round must come after it
        earlier = {w.get("index") for w in winners if (w.get("redraw") or 0) < number}
        expected = draws.pick_again(
            seed,
            str(record.get("entries_digest") or ""),
            str(record.get("code") or ""),
            number,
            int(redraw.get("count") or 0),
            len(lines),
            {i for i in earlier if isinstance(i, int)},
            randomness,
        )
        published = [w.get("index") for w in winners if w.get("redraw") == number]
        if expected != published:
            verdict.problems.append(
                f"Redraw {number}'s winners {published} differ from the recomputed {expected}."
            )
        given_up = [w.get("ticket") for w in winners if w.get("forfeited") == number]
        if given_up != list(redraw.get("given_up") or []):
            verdict.problems.append(f"Redraw {number} gives up tickets other than it says.")


def check_record(record: Mapping[str, Any], pinned: BeaconSettings) -> Verdict:
    """Recompute the draw: commitment, entries digest and count, beacon rounds, winners, tickets.

    Raises NothingToVerify when the record is of a draw not made yet.
    """
    if record.get("state") not in draws.DRAWN_STATES:
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
        verdict.notes.append(OPERATOR_NOTE.format(what="draw"))
        if (record.get("beacon") or {}).get("randomness"):
            verdict.problems.append(
                "The draw is labelled operator-only but names beacon randomness."
            )
    else:
        randomness = _randomness(
            record.get("beacon") or {}, record.get("frozen_at"), 0, pinned, verdict
        )
    winners = record.get("winners") or []
    problems = draws.verify(
        str(record.get("seed") or ""),
        str(record.get("commitment") or ""),
        lines,
        str(record.get("code") or ""),
        [w.get("index") for w in winners if "redraw" not in w],
        str(record.get("entries_digest") or ""),
        count=record.get("winner_count"),
        beacon=randomness,
    )
    verdict.problems += problems
    _tickets(lines, winners, verdict)
    if not problems:  # with the seed or digest wrong, every redraw would differ too
        _check_redraws(record, lines, pinned, verdict)
    return verdict
