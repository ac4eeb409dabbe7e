"""A campaign's draw as the public sees it: everything needed to re-run it, and nothing private."""

from __future__ import annotations

from typing import Any

from domain.campaigns import published_lines
from models import Campaign, Draw

DONE = ("drawn", "finished")


def _utc(moment: Any) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else None


def public_record(campaign: Campaign) -> dict[str, Any]:
    """The draw's published facts (the page's draw.json): the seed only once drawn, tickets only.

    The entries are the frozen lines (entry id, ticket, time) once the campaign closed.
    """
    draw = Draw.get(Draw.campaign == campaign)
    frozen = draw.frozen_at is not None
    done = draw.state in DONE
    return {
        "code": campaign.code,
        "state": draw.state,
        "commitment": draw.commitment,
        "seed": draw.seed if done else None,
        "frozen_at": _utc(draw.frozen_at),
        "entry_count": draw.entry_count if frozen else None,
        "entries_digest": draw.entries_digest if frozen else None,
        "source": draw.source if done else None,
        "beacon": {
            "chain_hash": draw.chain_hash,
            "round": draw.beacon_round,
            "margin_seconds": draw.beacon_margin,
            "randomness": draw.beacon_randomness or None,
            "signature": draw.beacon_signature or None,
        }
        if frozen
        else None,
        "winner_count": draw.winner_count if done else None,
        "winners": [{"index": w["index"], "ticket": w["ticket"]} for w in draw.winners]
        if done
        else [],
        "entries": published_lines(campaign, limit=draw.entry_count) if frozen else [],
    }
