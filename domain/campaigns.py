"""Campaigns as every channel sees them: their state, and how entries are counted in words."""

from __future__ import annotations

import datetime as dt

from models import Campaign


def entries(count: int) -> str:
    """ "1 entry", "5 entries"."""
    return f"{count} {'entry' if count == 1 else 'entries'}"


def state_of(campaign: Campaign, now: dt.datetime) -> str:
    """open, upcoming, ended or closed, as a customer would experience it."""
    if campaign.status == "closed":
        return "closed"
    if now < campaign.start_at:
        return "upcoming"
    return "ended" if now > campaign.end_at else "open"
