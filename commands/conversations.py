"""Customer conversations from the team's phones: duty, inbox, answering, taking, notes, closing."""

from __future__ import annotations

from dataclasses import replace

from commands import canned
from commands.messaging import TEMPLATE_KEYS
from domain import contacts, replies
from domain.conversations import (
    ACTIVE,
    CLOSED,
    OPEN,
    WAITING,
    find,
    on_call,
    on_duty,
    shown,
    visible,
)
from models import Conversation, ConversationMessage, StaffMember, utcnow
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.dates import show_moment
from wocs.flags import business_hours
from wocs.hours import show_opening
from wocs.message_templates import readable, usable
from wocs.people import label
from wocs.registry import Arg, Key, command, family_alias
from wocs.replies import capped_list, plural
from wocs.types import INT, LONG_TEXT, choice
from wocs.values import ValueProblem

family_alias("duty", "bertugas")
family_alias("inbox", "peti")
family_alias("reply", "balas")
family_alias("take", "ambil")
family_alias("note", "nota")
family_alias("close", "tutup")
family_alias("history", "sejarah")

HISTORY = 10  # messages /history shows
SHOWN = 300  # characters of each message /history shows, so ten fit in one WhatsApp message
_TEXT = Key("text", LONG_TEXT, required=True, positional=True, hint="<text>")


def _name(member: StaffMember | None) -> str:
    return (member.nickname or member.name or "a team member") if member else "unassigned"


@command("duty", role="agent", args=(Arg("switch", choice("on", "off"), required=False),))
def duty(ctx: Context, switch: str | None = None) -> Result:
    """Go on or off duty: customers' new conversations come to those on duty."""
    me, now = ctx.user, utcnow()
    hours = business_hours()
    closed = not hours.is_open(now, ctx.tz)
    # /duty on after closing is a promise to cover the night, even from someone already on duty.
    if switch is not None and ((switch == "on") != me.on_duty or (switch == "on" and closed)):
        before = _duty(me)
        me.on_duty = switch == "on"
        me.duty_since = now if me.on_duty else me.duty_since
        me.save()
        audit(ctx, "member.duty", f"wocs_user:{me.id}", before, _duty(me))
    if not me.on_duty:
        return Result(
            "You're off duty: new customer messages go to whoever is on duty. "
            "Send /duty on when you're back."
        )
    unassigned = (
        Conversation.select()
        .where(Conversation.state == OPEN, Conversation.assignee.is_null())
        .count()
    )
    waiting = (
        f" {plural(unassigned, 'conversation')} {'needs' if unassigned == 1 else 'need'} someone:"
        " /inbox open"
        if unassigned
        else ""
    )
    if closed:
        opens = show_opening(hours.next_opening(now, ctx.tz), ctx.tz)[0]
        covering = me.id in {m.id for m in on_call(now, ctx.tz)}
        return Result(
            f"It's outside business hours ({hours.show()}). "
            + (
                f"You're covering: customer messages come to you until we open, {opens}."
                if covering
                else "Customer messages wait for the morning; send /duty on to cover tonight."
            )
            + waiting
        )
    team = plural(len(on_duty()), "person")
    after = "" if hours.always else f" After closing ({hours.show()}) they wait for the morning."
    return Result(
        f"You're on duty ({team} on duty now): customer messages come to you.{after}{waiting}"
    )


def _duty(member: StaffMember) -> dict[str, object]:
    since = member.duty_since.isoformat() if member.duty_since else None
    return {"on_duty": member.on_duty, "since": since}


@command(
    "inbox",
    role="agent",
    args=(Arg("which", choice("mine", "open", "waiting", "all"), required=False),),
)
def inbox(ctx: Context, which: str | None = None) -> Result:
    """Customer conversations: yours and unassigned ones (admins: everyone's), newest first."""
    query = visible(ctx)
    if which == "mine":
        query = query.where(Conversation.assignee == ctx.user, Conversation.state.in_(ACTIVE))
    elif which in (OPEN, WAITING):
        query = query.where(Conversation.state == which)
    elif which != "all":
        query = query.where(Conversation.state.in_(ACTIVE))
    total = query.count()
    if not total:
        return Result("No conversations here. New ones come to whoever is on duty (/duty on).")
    rows = query.order_by(Conversation.updated_at.desc()).limit(20)
    lines = [
        f"#{c.id} {shown(c.contact)} · {c.state} · {_name(c.assignee)}"
        f" · {show_moment(c.updated_at, ctx.tz)}"
        for c in rows
    ]
    return Result(capped_list(f"Conversations ({which or 'not closed'})", total, lines))


@command(
    "reply",
    role="agent",
    args=(Arg("number", INT, hint="<N>"),),
    keys=(
        Key("text", LONG_TEXT, positional=True, hint="<text or :key>"),
        replace(TEMPLATE_KEYS[0], required=False),  # the customer's window has closed
        TEMPLATE_KEYS[1],
    ),
)
def reply_to(
    ctx: Context,
    number: int,
    text: str | None = None,
    template: str | None = None,
    vars: list[str] | None = None,
) -> Result:
    """Answer a customer from the business number: text, a canned :key, or an approved template."""
    conversation = find(ctx, number)
    to = contacts.address(conversation.contact)
    if to == ctx.phone:
        raise CommandError(f"Conversation #{number} is your own.")
    sent: dict | None = None
    if template:
        try:
            approved = usable(template, vars or [])
        except ValueProblem as exc:
            raise CommandError(str(exc)) from None
        sent = {"name": approved.name, "language": approved.language, "params": vars or []}
        text = readable(approved.name, approved.language, vars or [])
    elif text and (key := canned.asked(text)):
        text = canned.text_of(key)
    if not text:
        raise CommandError(
            f"Write the answer: /reply {number} your text, /reply {number} :key (see /canned "
            f"list), or /reply {number} template: NAME vars: a; b"
        )
    now = utcnow()
    message = ConversationMessage.create(
        conversation=conversation, direction="out", text=text, author=ctx.user, created_at=now
    )
    if conversation.assignee_id is None:
        conversation.assignee = ctx.user  # who answers an unassigned conversation has it
    conversation.state, conversation.closed_at, conversation.updated_at = WAITING, None, now
    conversation.save()
    ctx.notify(to, text, carries=message.id, template=sent)
    after = {"message": message.id} | ({"template": sent["name"]} if sent else {})
    audit(ctx, "conversation.reply", f"conversation:{number}", None, after)
    return Result(f"Sent to #{number} {shown(conversation.contact)}.", entity=_entity(number))


@command("take", role="agent", args=(Arg("number", INT, hint="<N>"),))
def take(ctx: Context, number: int) -> Result:
    """Take a conversation: its customer's messages come to you from now on."""
    conversation = find(ctx, number)
    before = conversation.assignee if conversation.assignee_id else None
    if before is not None and before.id == ctx.user.id:
        return Result(f"Conversation #{number} is already yours.", entity=_entity(number))
    conversation.assignee, conversation.updated_at = ctx.user, utcnow()
    # Whoever takes it has the full time to answer before it is offered on.
    conversation.offered_at = conversation.updated_at
    conversation.save()
    if before is not None:
        ctx.notify(before.phone, f"{label(ctx.user)} took conversation #{number} from you.")
    audit(
        ctx,
        "conversation.take",
        f"conversation:{number}",
        {"assignee": before.id if before else None},
        {"assignee": ctx.user.id},
    )
    return Result(
        f"Conversation #{number} with {shown(conversation.contact)} is yours. "
        f"See /history {number}, answer with /reply {number} …",
        entity=_entity(number),
    )


@command(
    "close",
    role="agent",
    args=(Arg("number", INT, hint="<N>"),),
    keys=(Key("note", LONG_TEXT, aliases=("nota",), hint="<what was done>"),),
)
def close(ctx: Context, number: int, note: str | None = None) -> Result:
    """Close a conversation (it reopens when the customer writes again), with a note if you like."""
    conversation = find(ctx, number)
    if conversation.state == CLOSED:
        return Result(f"Conversation #{number} is already closed.", entity=_entity(number))
    before = conversation.state
    conversation.state = CLOSED
    conversation.closed_at = conversation.updated_at = utcnow()
    conversation.save()
    if note:
        _note(ctx, conversation, note)
    audit(ctx, "conversation.close", f"conversation:{number}", {"state": before}, {"state": CLOSED})
    return Result(f"Conversation #{number} is closed.", entity=_entity(number))


@command("note", role="agent", args=(Arg("number", INT, hint="<N>"),), keys=(_TEXT,))
def note(ctx: Context, number: int, text: str) -> Result:
    """Add a note to a conversation, seen by the team only."""
    conversation = find(ctx, number)
    message = _note(ctx, conversation, text)
    audit(ctx, "conversation.note", f"conversation:{number}", None, {"message": message.id})
    return Result(f"Noted on #{number}; the customer doesn't see it.", entity=_entity(number))


@command("history", role="agent", args=(Arg("number", INT, hint="<N>"),))
def history(ctx: Context, number: int) -> Result:
    """The last messages of a conversation, both ways, with the team's notes."""
    conversation = find(ctx, number)
    latest = list(conversation.messages.order_by(ConversationMessage.id.desc()).limit(HISTORY))[
        ::-1
    ]
    customer = conversation.contact.name or "Customer"
    lines = [
        f"{show_moment(m.created_at, ctx.tz)} · {_speaker(m, customer)}: {_cut(m.text)}"
        for m in latest
    ]
    heading = (
        f"#{number} {shown(conversation.contact)} · {conversation.state}"
        f" · {_name(conversation.assignee)}"
    )
    return Result("\n".join([heading, *lines]), entity=_entity(number))


def _speaker(message: ConversationMessage, customer: str) -> str:
    if message.direction == "in":
        return f"{customer} (to {replies.described(message.about)})" if message.about else customer
    who = _name(message.author)
    return f"📝 {who} (note)" if message.direction == "note" else who


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _note(ctx: Context, conversation: Conversation, text: str) -> ConversationMessage:
    return ConversationMessage.create(
        conversation=conversation, direction="note", text=text, author=ctx.user
    )


def _entity(number: int) -> str:
    return f"conversation:{number}"
