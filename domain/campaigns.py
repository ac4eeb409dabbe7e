"""Campaigns as every channel sees them: their state, their frozen entries, and counts in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import cast

from models import Campaign, Draw, Entry, for_update
from wocs import draw as draws
from wocs.beacon import BeaconSettings

# A draw that ran (or is running) ends the campaign whatever its dates or status say.
AFTER_DRAW = {"closed": "closed", "queued": "drawing", "drawn": "drawn", "finished": "drawn"}


def entries(count: int) -> str:
    """ "1 entry", "5 entries"."""
    return f"{count} {'entry' if count == 1 else 'entries'}"


def draw_states(campaign_ids: Iterable[int]) -> dict[int, str]:
    """Each campaign's draw state (committed, closed, queued, drawn, finished), by campaign id."""
    query = Draw.select(Draw.campaign, Draw.state).where(Draw.campaign.in_(list(campaign_ids)))
    return dict(cast("Iterable[tuple[int, str]]", query.tuples()))


def state_of(campaign: Campaign, now: dt.datetime, draw_state: str = "committed") -> str:
    """upcoming, open, ended, closed, drawing or drawn, as a customer would experience it."""
    if draw_state in AFTER_DRAW:
        return AFTER_DRAW[draw_state]
    if campaign.status == "closed":
        return "closed"
    if now < campaign.start_at:
        return "upcoming"
    return "ended" if now > campaign.end_at else "open"


def published_lines(campaign: Campaign | int, limit: int | None = None) -> list[str]:
    """The canonical entry lines the draw hashes, as the public page shows them.

    Each line carries the entry's random ticket where wocs.draw's format has the phone: every
    entrant can find their own ticket in the list, and the list gives away no phone number.
    """
    query = (
        Entry.select(Entry.id, Entry.ticket, Entry.submitted_at)
        .where(Entry.campaign == campaign)
        .order_by(Entry.id)
        .limit(limit)
        .tuples()
    )
    return draws.canonical_entries(query.iterator())


def locked_draw(campaign: Campaign | int) -> Draw:
    """The campaign's draw row, locked until the caller's transaction ends."""
    return cast(Draw, for_update(Draw.select().where(Draw.campaign == campaign)).get())


def freeze(draw: Draw, now: dt.datetime, beacon: BeaconSettings) -> None:
    """Close a committed draw: freeze its entries, their digest and count, and fix its round.

    The caller holds the draw's row lock (locked_draw), which JOIN takes too, so no entry can
    slip in between the count and the close. The round is the first one published strictly
    after the freeze plus the margin: the digest is public before anyone knows the randomness.
    """
    lines = published_lines(draw.campaign_id)
    frozen_at = now.replace(microsecond=0)  # MariaDB keeps whole seconds; both stacks agree
    draw.entries_digest, draw.entry_count = draws.entries_digest(lines), len(lines)
    draw.frozen_at, draw.state = frozen_at, "closed"
    draw.beacon_round, draw.chain_hash = beacon.round_after(frozen_at), beacon.chain_hash
    draw.beacon_margin = beacon.margin
    draw.save()
    Campaign.update(status="closed").where(Campaign.id == draw.campaign_id).execute()
