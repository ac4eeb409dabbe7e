"""Campaigns as every channel sees them: their state, and how entries are counted in words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import cast

from models import Campaign, Draw

# A draw that ran (or is running) ends the campaign whatever its dates or status say.
AFTER_DRAW = {"queued": "drawing", "drawn": "drawn"}


def entries(count: int) -> str:
    """ "1 entry", "5 entries"."""
    return f"{count} {'entry' if count == 1 else 'entries'}"


def draw_states(campaign_ids: Iterable[int]) -> dict[int, str]:
    """Each campaign's draw state (committed, queued, drawn), by campaign id."""
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
