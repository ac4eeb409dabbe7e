"""Customer conversations from the team's phones: duty, inbox, answering, taking, notes, closing."""

from __future__ import annotations

from domain import contacts
from domain.conversations import ACTIVE, CLOSED, OPEN, WAITING, find, on_duty, shown, visible
from models import Conversation, ConversationMessage, StaffMember, utcnow
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.dates import show_moment
from wocs.people import label
from wocs.registry import Arg, Key, command, family_alias
from wocs.replies import capped_list, plural
from wocs.types import INT, LONG_TEXT, choice

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
    me = ctx.user
    if switch is not None and (switch == "on") != me.on_duty:
        me.on_duty = switch == "on"
        me.save()
        audit(
            ctx,
            "member.duty",
            f"wocs_user:{me.id}",
            {"on_duty": not me.on_duty},
            {"on_duty": me.on_duty},
        )
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
        f" {plural(unassigned, 'conversation')} need someone: /inbox open" if unassigned else ""
    )
    team = plural(len(on_duty()), "person")
    return Result(f"You're on duty ({team} on duty now): customer messages come to you.{waiting}")


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


@command("reply", role="agent", args=(Arg("number", INT, hint="<N>"),), keys=(_TEXT,))
def reply_to(ctx: Context, number: int, text: str) -> Result:
    """Answer a customer from the business number (quote-replying their forwarded message does too)."""
    conversation = find(ctx, number)
    to = contacts.address(conversation.contact)
    if to == ctx.phone:
        raise CommandError(f"Conversation #{number} is your own.")
    now = utcnow()
    message = ConversationMessage.create(
        conversation=conversation, direction="out", text=text, author=ctx.user, created_at=now
    )
    if conversation.assignee_id is None:
        conversation.assignee = ctx.user  # who answers an unassigned conversation has it
    conversation.state, conversation.closed_at, conversation.updated_at = WAITING, None, now
    conversation.save()
    ctx.notify(to, text, carries=message.id)
    audit(ctx, "conversation.reply", f"conversation:{number}", None, {"message": message.id})
    return Result(f"Sent to #{number} {shown(conversation.contact)}.", entity=_entity(number))


@command("take", role="agent", args=(Arg("number", INT, hint="<N>"),))
def take(ctx: Context, number: int) -> Result:
    """Take a conversation: its customer's messages come to you from now on."""
    conversation = find(ctx, number)
    before = conversation.assignee if conversation.assignee_id else None
    if before is not None and before.id == ctx.user.id:
        return Result(f"Conversation #{number} is already yours.", entity=_entity(number))
    conversation.assignee, conversation.updated_at = ctx.user, utcnow()
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
        return customer
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
