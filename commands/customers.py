"""Customer keywords without a slash: joining a draw, opting out and in; the menu offering them."""

from __future__ import annotations

import datetime as dt

from commands import campaigns
from domain.campaigns import draw_states, state_of
from models import Campaign, Contact
from wocs import keywords
from wocs.audit import audit
from wocs.context import Context, Result
from wocs.interactive import Choice, Section
from wocs.interactive import menu as listed
from wocs.replies import reply


def keyword(text: str, ctx: Context) -> keywords.Asked | None:
    """The keyword a customer's plain message is, when it is one we act on (a bare code only
    when it names a campaign open now); None: the message is for the team."""
    asked = keywords.read(text)
    if asked is None or (asked.intent == "code" and not _open(asked.code, ctx)):
        return None
    return asked


def answer(contact: Contact, asked: keywords.Asked, ctx: Context) -> Result | None:
    """The reply to a customer's keyword, or None when silence is right."""
    now = ctx.now.replace(tzinfo=None)
    if asked.intent == "join" and not asked.code:
        return Result(reply("join_how"))
    if asked.intent in ("join", "code"):
        return Result(campaigns.join(ctx.phone, contact.name, asked.code, ctx))
    if asked.intent == "stop":
        if contact.opted_out_at is not None:
            return None  # one confirmation is enough; a repeated STOP gets silence
        contact.opted_out_at = now
        contact.save()
        audit(ctx, "contact.opt_out", f"contact:{contact.id}")
        return Result(reply("stopped"))
    if contact.opted_out_at is not None:
        contact.opted_out_at = None
        contact.save()
        audit(ctx, "contact.opt_in", f"contact:{contact.id}")
    return Result(reply("started"))


def _open(code: str, ctx: Context) -> bool:
    """True when a code alone names a campaign open now: only then does it join by itself."""
    campaign = Campaign.get_or_none(Campaign.code == code)
    now = ctx.now.astimezone(dt.UTC).replace(tzinfo=None)
    return campaign is not None and state_of(campaign, now) == "open"


# The menu's choices, each the words a customer could type instead (a tap is read as typed).
TALK = Choice("TALK TO US", "Talk to us", "Bercakap dengan pasukan kami")
STOP = Choice("STOP", "Stop promotions", "Berhenti terima promosi")
START = Choice("START", "Get promotions again", "Terima promosi semula")


def menu(contact: Contact, ctx: Context) -> Result:
    """The customer menu, a list: join the draw open now (if any), talk to us, stop promotions."""
    now = ctx.now.astimezone(dt.UTC).replace(tzinfo=None)
    dated = Campaign.select().where(
        Campaign.start_at <= now, Campaign.end_at >= now, Campaign.status != "closed"
    )
    states = draw_states(c.id for c in dated)
    running = [c for c in dated if state_of(c, now, states.get(c.id, "committed")) == "open"]
    join = []
    if len(running) == 1:
        code = running[0].code
        join = [Choice(f"JOIN {code}", "Join the lucky draw", f"{code}: masuk cabutan bertuah")]
    elif running:  # which one is theirs to say: JOIN asks for the code
        join = [Choice("JOIN", "Join a lucky draw", "Masuk cabutan bertuah")]
    promotions = START if contact.opted_out_at is not None else STOP
    rows = (*join, TALK, promotions)
    return Result(reply("menu"), interactive=listed("Menu / Pilihan", Section("", rows)))
