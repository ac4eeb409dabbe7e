"""What a draw tells people: each winner, the admin who asked, and the admin when drand is down."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain import contacts
from domain.campaigns import entries
from jobs import staging
from models import Campaign, Draw, utcnow
from wocs.values import mask_phone

CARE_WINDOW = dt.timedelta(hours=24)  # WhatsApp's customer-service window


def announce(
    draw: Draw, campaign: Campaign, winners: list[dict[str, Any]], decided_by: str, tag: str
) -> list[str]:
    """Stage the messages to `winners` and the result for the admin who asked; return the keys.

    `tag` tells a redraw's messages from the first draw's ("" for the draw, "redraw1", …).
    """
    keys = []
    window_opened = utcnow() - CARE_WINDOW
    prefix = f"draw:{draw.id}:{tag + ':' if tag else ''}"
    for place, winner in enumerate(winners, start=1):
        keys.append(f"{prefix}winner:{place}")
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
            for n, w in enumerate(winners, start=1)
        )
        keys.append(f"{prefix}result")
        what = f"{tag.replace('redraw', 'redraw ')} of the" if tag else "draw among"
        staging.add(
            draw.requested_by,
            f"{campaign.code} {what} {entries(draw.entry_count)}:\n{listed}\n"
            f"Seed {draw.seed}\nEntries digest {draw.entries_digest}\n{decided_by}\n"
            "Winners have been told. Anyone can check it with the campaign page.",
            keys[-1],
        )
    return keys


def decided_by(source: str, number: int, randomness: str) -> str:
    """The randomness that decided a pick, or the warning that none from outside did."""
    if source == "operator":
        return "OPERATOR-ONLY draw: no beacon randomness was used (the page says so)."
    return f"drand round {number}, randomness {randomness}"


def beacon_down(draw: Draw, number: int, reason: str) -> list[str]:
    """Stage, once per round, the admin's warning that drand is out of reach and what to do."""
    if not draw.requested_by:
        return []
    code, key = draw.campaign.code, f"draw:{draw.id}:beacon-down:{number}"
    staging.add(
        draw.requested_by,
        f"{code}: drand round {number} cannot be fetched or verified right now "
        f"({reason[:200]}). The draw keeps trying by itself and runs once the round is in.\n"
        f"To draw without the beacon instead, send /draw {code} operator "
        "(the page and the result will show it as operator-only).",
        key,
    )
    return [key]
