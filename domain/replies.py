"""What customers answered: their messages tagged with the broadcast or winner's notice they reply to."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from peewee import JOIN, fn

from models import (
    Broadcast,
    Campaign,
    Contact,
    Conversation,
    ConversationMessage,
    Draw,
    OutboundMessage,
)

BROADCAST, WINNER = "broadcast:", "winner:"
# A winner's notice, from the draw or a redraw (jobs/draw_messages): draw:<id>[:redrawN]:winner:<n>
_WINNER_KEY = re.compile(r"draw:(\d+):(?:redraw\d+:)?winner:\d+")


def answered(contact: Contact, quoted: OutboundMessage | None) -> str:
    """What a customer's message answers (`broadcast:12`, `winner:RAYA26`), or "".

    The message it quote-replies decides; without one, the last message we sent them does,
    if it was a broadcast or a winner's notice (anything we sent since, an answer, ends it).
    """
    sent = quoted
    addresses = [a for a in (contact.phone, contact.bsuid) if a]
    if sent is None and addresses:
        sent = (
            OutboundMessage.select()
            .where(OutboundMessage.to.in_(addresses), OutboundMessage.failed_at.is_null())
            .order_by(OutboundMessage.id.desc())
            .first()
        )
    if sent is None:
        return ""
    if sent.broadcast_id:
        return f"{BROADCAST}{sent.broadcast_id}"
    found = _WINNER_KEY.fullmatch(sent.idempotency_key)
    if not found:
        return ""
    code = Campaign.select(Campaign.code).join(Draw).where(Draw.id == int(found[1])).scalar()
    return f"{WINNER}{code}" if code else ""


def described(about: str) -> str:
    """`broadcast #12`, `the RAYA26 winner's notice`: a tag as the team reads it."""
    kind, _, key = about.partition(":")
    return f"broadcast #{key}" if kind == "broadcast" else f"the {key} winner's notice"


def _replies(prefix: str) -> Any:
    """Tagged customer messages from people still taking our messages (STOP is never one)."""
    return (
        ConversationMessage.select(ConversationMessage, Conversation, Contact)
        .join(Conversation)
        .join(Contact)
        .where(ConversationMessage.about.startswith(prefix), Contact.opted_out_at.is_null())
    )


def repliers() -> dict[str, int]:
    """How many people answered each broadcast and winner's notice, by tag."""
    rows = cast(
        "Iterable[tuple[str, int]]",
        _replies("")
        .where(ConversationMessage.about != "")
        .select(ConversationMessage.about, fn.COUNT(fn.DISTINCT(Conversation.contact)))
        .group_by(ConversationMessage.about)
        .tuples(),
    )
    return dict(rows)


def latest(about: str, limit: int) -> list[ConversationMessage]:
    """The newest replies tagged `about`, newest first."""
    return list(
        _replies(about)
        .where(ConversationMessage.about == about)
        .order_by(ConversationMessage.id.desc())
        .limit(limit)
    )


def broadcast_reach() -> list[tuple[Broadcast, int, int]]:
    """For each broadcast, newest first: recipients reached, and how many of them opted out since."""
    reached = cast(
        "Iterable[dict[str, Any]]",
        OutboundMessage.select(
            OutboundMessage.broadcast,
            fn.COUNT(OutboundMessage.id).alias("reached"),
            fn.COUNT(Contact.id).alias("stopped"),
        )
        .join(
            Contact,
            JOIN.LEFT_OUTER,
            on=(Contact.phone == OutboundMessage.to)
            & (Contact.opted_out_at >= OutboundMessage.sent_at),
        )
        .where(
            OutboundMessage.broadcast.is_null(False),
            OutboundMessage.sent_at.is_null(False),
            OutboundMessage.failed_at.is_null(),
        )
        .group_by(OutboundMessage.broadcast)
        .dicts(),
    )
    found = {r["broadcast"]: (int(r["reached"]), int(r["stopped"])) for r in reached}
    broadcasts = (
        Broadcast.select(Broadcast, Campaign)
        .join(Campaign, JOIN.LEFT_OUTER)
        .where(Broadcast.id.in_(list(found) or [0]))
        .order_by(Broadcast.id.desc())
    )
    return [(b, *found[b.id]) for b in broadcasts]
