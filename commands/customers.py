"""Customer messages without a slash: opting out and in, and the short menu."""

from __future__ import annotations

import datetime as dt

from commands import campaigns
from domain.campaigns import state_of
from models import Campaign, Contact
from wocs import keywords
from wocs.audit import audit
from wocs.context import Context, Result
from wocs.flags import flag
from wocs.replies import reply

MENU_EVERY = dt.timedelta(hours=24)


def answer(contact: Contact, text: str, ctx: Context) -> Result | None:
    """The reply to a customer's plain message, or None when silence is right."""
    now = ctx.now.replace(tzinfo=None)
    asked = keywords.read(text)
    if asked is not None and asked.intent == "join":
        if not asked.code:
            return Result(reply("join_how"))
        return Result(campaigns.join(ctx.phone, contact.name, asked.code, ctx))
    if asked is not None and asked.intent == "code" and _open(asked.code, ctx):
        return Result(campaigns.join(ctx.phone, contact.name, asked.code, ctx))
    if asked is not None and asked.intent == "stop":
        if contact.opted_out_at is not None:
            return None  # one confirmation is enough; a repeated STOP gets silence
        contact.opted_out_at = now
        contact.save()
        audit(ctx, "contact.opt_out", f"contact:{contact.id}")
        return Result(reply("stopped"))
    if asked is not None and asked.intent == "start":
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


def _open(code: str, ctx: Context) -> bool:
    """True when a code alone names a campaign open now: only then does it join by itself."""
    campaign = Campaign.get_or_none(Campaign.code == code)
    now = ctx.now.astimezone(dt.UTC).replace(tzinfo=None)
    return campaign is not None and state_of(campaign, now) == "open"
