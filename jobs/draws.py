"""Draw jobs: close a campaign at its end, pick its winners (and redraws) once, tell everyone."""

from __future__ import annotations

import datetime as dt
import logging

from domain.campaigns import PENDING, freeze, locked_draw, published_lines, waiting_for
from jobs import drand, outbox
from jobs.draw_messages import announce, beacon_down, decided_by
from jobs.queues import DEFAULT, job, submit
from jobs.runtime import current
from models import Draw, Entry, for_update, utcnow, write_transaction
from wocs import draw as draws
from wocs.audit import audit_job

log = logging.getLogger(__name__)
BEACON_RETRY = dt.timedelta(seconds=15)  # a relay outage is usually short; the sweeper backs it up


@job(DEFAULT, job_id="close-{0}", retry=(10, 60, 300))
def close_when_due(draw_id: int) -> str:
    """Close a campaign at its end time, once (row lock + state); earlier, wait for that time."""
    draw = Draw.get_or_none(Draw.id == draw_id)
    if draw is None or draw.state != "committed":
        return f"skipped ({draw.state if draw else 'missing'})"
    end_at = draw.campaign.end_at
    if end_at > utcnow():
        submit(close_when_due, draw_id, suffix="-at", at=end_at + dt.timedelta(seconds=1))
        return "scheduled"
    with write_transaction():
        draw = locked_draw(draw.campaign_id)
        if draw.state != "committed":
            return f"skipped ({draw.state})"
        freeze(draw, utcnow(), current().settings.beacon)
        audit_job(
            "campaign.close",
            f"campaign:{draw.campaign.code}",
            {"status": "open"},
            {"status": "closed", "entries": draw.entry_count, "round": draw.beacon_round},
        )
    log.info("closed %s at its end: %s entries", draw.campaign.code, draw.entry_count)
    return f"closed ({draw.entry_count} entries, round {draw.beacon_round})"


@job(DEFAULT, job_id="draw-{0}", retry=(10, 60, 300))
def run_draw(draw_id: int) -> str:
    """Pick the winners of a queued draw (or redraw) exactly once, then queue the messages.

    A beacon pick first fetches and verifies its fixed round: not published yet, the job comes
    back at its time; unreachable, the admin is told (once) and the job comes back shortly (and
    the sweeper queues it too), until the round comes in or an admin overrides.
    """
    draw = Draw.get_or_none(Draw.id == draw_id)
    if draw is None or draw.state not in PENDING:
        return f"skipped ({draw.state if draw else 'missing'})"
    beacon = current().settings.beacon
    number, source = waiting_for(draw)
    found = None
    if source == "beacon":
        try:
            found = drand.fetch_round(beacon, number)
        except drand.RoundNotYet:
            at = max(beacon.round_time(number), utcnow() + dt.timedelta(seconds=beacon.period))
            submit(run_draw, draw_id, suffix="-at", at=at)
            return f"waiting for round {number}"
        except drand.BeaconUnavailable as exc:
            with write_transaction():
                keys = beacon_down(draw, number, str(exc))
            outbox.release(keys)
            # Not raised: RQ's retry would hold the job id, and an override must run at once.
            submit(run_draw, draw_id, suffix="-retry", at=utcnow() + BEACON_RETRY)
            return f"beacon unavailable, trying again in {BEACON_RETRY.seconds} s"
    with write_transaction():
        draw = for_update(Draw.select().where(Draw.id == draw_id)).first()
        if draw.state not in PENDING or waiting_for(draw) != (number, source):
            return f"skipped ({draw.state})"  # another run drew it, or an override came
        signature, randomness = (found.signature, found.randomness) if found else ("", "")
        keys = _pick(draw, signature, randomness)
    outbox.release(keys)
    log.info("drew %s winner(s) for %s", len(draw.winners), draw.campaign.code)
    return f"{draw.state} ({len(draw.winners)} winners, {source})"


def _pick(draw: Draw, signature: str, randomness: str) -> list[str]:
    """Pick from the seed, the frozen entries and the randomness; save; stage the messages."""
    campaign = draw.campaign
    lines = published_lines(campaign, limit=draw.entry_count)
    digest = draws.entries_digest(lines)
    if digest != draw.entries_digest:  # an entry changed after the freeze: never draw on it
        raise RuntimeError(f"{campaign.code}'s entries no longer match their frozen digest")
    seed, beacon = bytes.fromhex(draw.seed), bytes.fromhex(randomness)
    if draw.state == "queued":
        draw.beacon_signature, draw.beacon_randomness = signature, randomness
        picks = draws.pick_winners(
            seed, digest, campaign.code, draw.winner_count, len(lines), beacon
        )
        tag, before, number = "", draw.state, int(draw.beacon_round or 0)
        draw.state, draw.drawn_at = "drawn", utcnow()
    else:
        redraw = draw.redraws[-1]
        excluded = {w["index"] for w in draw.winners}
        picks = draws.pick_again(
            seed, digest, campaign.code, len(draw.redraws), redraw["count"], len(lines),
            excluded, beacon,
        )  # fmt: skip
        redraw.update(signature=signature, randomness=randomness, drawn_at=str(utcnow()))
        tag, before, number = f"redraw{len(draw.redraws)}", draw.state, int(redraw["round"])
        draw.state = "redrawn"
    chosen = _winners(lines, picks, tag)
    draw.winners = [*draw.winners, *chosen]
    draw.save()
    source = waiting_for(draw)[1] if tag else draw.source
    audit_job(
        "draw.redraw" if tag else "draw.run",
        f"campaign:{campaign.code}",
        {"state": before},
        {
            "state": draw.state,
            "entries": len(lines),
            "round": number if source == "beacon" else None,
            "source": source,
            "winners": [w["entry"] for w in chosen],
        },
    )
    return announce(draw, campaign, chosen, decided_by(source, number, randomness), tag)


def _winners(lines: list[str], picks: list[int], tag: str) -> list[dict]:
    """The picked entries as the draw keeps them: index, entry, ticket, phone, name."""
    chosen = [int(lines[i].split(":", 1)[0]) for i in picks]  # a line starts with the entry id
    found = {e.id: e for e in Entry.select().where(Entry.id.in_(chosen))}
    extra = {"redraw": int(tag.removeprefix("redraw"))} if tag else {}
    return [
        {
            "index": i,
            "entry": entry_id,
            "ticket": found[entry_id].ticket,
            "phone": found[entry_id].phone,
            "name": found[entry_id].name,
            **extra,
        }
        for i, entry_id in zip(picks, chosen, strict=True)
    ]
