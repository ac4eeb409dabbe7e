"""run_draw: freeze a campaign's entries, pick the winners from the committed seed, tell everyone."""

from __future__ import annotations

import datetime as dt
import logging

from domain import contacts
from domain.campaigns import entries, freeze, locked_draw, published_lines
from jobs import drand, outbox, staging
from jobs.queues import DEFAULT, job, submit
from jobs.runtime import current
from models import Campaign, Draw, Entry, for_update, utcnow, write_transaction
from wocs import draw as draws
from wocs.audit import audit_job
from wocs.values import mask_phone

log = logging.getLogger(__name__)
CARE_WINDOW = dt.timedelta(hours=24)  # WhatsApp's customer-service window


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
    """Pick the winners of a queued draw exactly once (row lock + state), then queue the messages.

    A beacon draw first fetches and verifies its fixed round: not published yet, the job comes
    back at its time; unreachable, the admin is told (once) and the job fails, so RQ retries it
    and the sweeper after that, until the round comes in or an admin overrides.
    """
    draw = Draw.get_or_none(Draw.id == draw_id)
    if draw is None or draw.state != "queued":
        return f"skipped ({draw.state if draw else 'missing'})"
    beacon = current().settings.beacon
    found, number = None, int(draw.beacon_round or 0)
    if draw.source == "beacon":
        try:
            found = drand.fetch_round(beacon, number)
        except drand.RoundNotYet:
            at = max(beacon.round_time(number), utcnow() + dt.timedelta(seconds=beacon.period))
            submit(run_draw, draw_id, suffix="-at", at=at)
            return f"waiting for round {number}"
        except drand.BeaconUnavailable as exc:
            _beacon_down(draw, str(exc))
            raise
    with write_transaction():
        draw = for_update(Draw.select().where(Draw.id == draw_id)).first()
        if draw.state != "queued":
            return f"skipped ({draw.state})"  # another run drew it meanwhile
        if draw.source == "beacon" and found is None:
            return "skipped (no longer operator-only)"
        if draw.source == "beacon" and found is not None:
            draw.beacon_signature, draw.beacon_randomness = found.signature, found.randomness
        else:
            draw.beacon_signature = draw.beacon_randomness = ""
        _pick(draw)
        keys = _announce(draw, draw.campaign)
    outbox.release(keys)
    log.info("drew %s winner(s) for %s", len(draw.winners), draw.campaign.code)
    return f"drawn ({len(draw.winners)} winners, {draw.source})"


def _pick(draw: Draw) -> None:
    """Draw the winners from the seed, the frozen entries and the randomness; mark it drawn."""
    campaign = draw.campaign
    lines = published_lines(campaign, limit=draw.entry_count)
    digest = draws.entries_digest(lines)
    if digest != draw.entries_digest:  # an entry changed after the freeze: never draw on it
        raise RuntimeError(f"{campaign.code}'s entries no longer match their frozen digest")
    randomness = bytes.fromhex(draw.beacon_randomness)
    picks = draws.pick_winners(
        bytes.fromhex(draw.seed), digest, campaign.code, draw.winner_count, len(lines), randomness
    )
    chosen = [int(lines[i].split(":", 1)[0]) for i in picks]  # a line starts with the entry id
    found = {e.id: e for e in Entry.select().where(Entry.id.in_(chosen))}
    draw.winners = [
        {
            "index": i,
            "entry": entry_id,
            "ticket": found[entry_id].ticket,
            "phone": found[entry_id].phone,
            "name": found[entry_id].name,
        }
        for i, entry_id in zip(picks, chosen, strict=True)
    ]
    draw.state, draw.drawn_at = "drawn", utcnow()
    draw.save()
    audit_job(
        "draw.run",
        f"campaign:{campaign.code}",
        {"state": "queued"},
        {
            "state": "drawn",
            "entries": len(lines),
            "round": draw.beacon_round if draw.source == "beacon" else None,
            "source": draw.source,
            "winners": [w["entry"] for w in draw.winners],
        },
    )


def _beacon_down(draw: Draw, reason: str) -> None:
    """Tell the admin who asked, once per draw, that the beacon is out of reach and what to do."""
    if not draw.requested_by:
        return
    code, key = draw.campaign.code, f"draw:{draw.id}:beacon-down"
    with write_transaction():
        staging.add(
            draw.requested_by,
            f"{code}: drand round {draw.beacon_round} cannot be fetched or verified right now "
            f"({reason[:200]}). The draw keeps trying by itself and runs once the round is in.\n"
            f"To draw without the beacon instead, send /draw {code} operator "
            "(the page and the result will show it as operator-only).",
            key,
        )
    outbox.release([key])


def _announce(draw: Draw, campaign: Campaign) -> list[str]:
    """Queue the winners' messages and the result for the admin who asked."""
    keys = []
    window_opened = utcnow() - CARE_WINDOW
    for place, winner in enumerate(draw.winners, start=1):
        keys.append(f"draw:{draw.id}:winner:{place}")
        contact = contacts.find(winner["phone"])
        text = (
            f"Congratulations! 🎉 You won {campaign.prize} in our {campaign.code} lucky draw. "
            "We'll contact you about collecting it.\n"
            f"Tahniah! Anda memenangi {campaign.prize} dalam cabutan bertuah {campaign.code}."
        )
        # Outside the 24-hour window WhatsApp only delivers an approved template.
        seen = contact.last_inbound_at if contact is not None else None
        in_window = seen is not None and seen > window_opened
        template = (
            None
            if in_window
            else {
                "name": "draw_winner",
                "language": "en",
                "params": [campaign.prize, campaign.code],
            }
        )
        staging.add(winner["phone"], text, keys[-1], template=template)
    if draw.requested_by:
        listed = "\n".join(
            f"{n}. {w['name'] or 'Entrant'} ({mask_phone(w['phone'])}), ticket {w['ticket']}"
            for n, w in enumerate(draw.winners, start=1)
        )
        keys.append(f"draw:{draw.id}:result")
        staging.add(
            draw.requested_by,
            f"{campaign.code} draw among {entries(draw.entry_count)}:\n{listed}\n"
            f"Seed {draw.seed}\nEntries digest {draw.entries_digest}\n{_decided_by(draw)}\n"
            "Winners have been told. Anyone can check it with the campaign page.",
            keys[-1],
        )
    return keys


def _decided_by(draw: Draw) -> str:
    """The randomness that decided the draw, or the warning that none from outside did."""
    if draw.source == "operator":
        return "OPERATOR-ONLY draw: no beacon randomness was used (the page says so)."
    return f"drand round {draw.beacon_round}, randomness {draw.beacon_randomness}"
