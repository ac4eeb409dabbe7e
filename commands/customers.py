"""Customer messages without a slash: opting out and in, and the short menu."""

from __future__ import annotations

import datetime as dt

from commands import campaigns
from models import Contact
from wocs.audit import audit
from wocs.context import Context, Result
from wocs.flags import flag
from wocs.replies import reply

MENU_EVERY = dt.timedelta(hours=24)
STOP_WORDS = {"stop", "berhenti", "unsubscribe"}
START_WORDS = {"start", "mula", "subscribe"}
JOIN_WORDS = {"join", "masuk"}


def answer(contact: Contact, text: str, ctx: Context) -> Result | None:
    """The reply to a customer's plain message, or None when silence is right."""
    word = text.strip().lower().rstrip(".!")
    now = ctx.now.replace(tzinfo=None)
    words = text.split()
    if words and words[0].lower() in JOIN_WORDS:
        if len(words) != 2:
            return Result(reply("join_how"))
        return Result(campaigns.join(ctx.phone, contact.name, words[1].rstrip(".!"), ctx))
    if word in STOP_WORDS:
        if contact.opted_out_at is not None:
            return None  # one confirmation is enough; a repeated STOP gets silence
        contact.opted_out_at = now
        contact.save()
        audit(ctx, "contact.opt_out", f"contact:{contact.id}")
        return Result(reply("stopped"))
    if word in START_WORDS:
        if contact.opted_out_at is not None:
            contact.opted_out_at = None
            contact.save()
            audit(ctx, "contact.opt_in", f"contact:{contact.id}")
        return Result(reply("started"))
    if not flag("auto_reply_enabled"):
        return None
    # One menu a day at most, so two bots can never answer each other forever.
    if contact.last_menu_at is not None and now - contact.last_menu_at < MENU_EVERY:
        return None
    contact.last_menu_at = now
    contact.save()
    return Result(reply("menu"))
