"""Handing a customer conversation to a team member: /assign, with their latest messages."""

from __future__ import annotations

import textwrap

from domain.conversations import find, how_to_answer, latest_from_customer, shown
from models import StaffMember, utcnow
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.dates import show_moment
from wocs.people import label
from wocs.registry import Arg, Key, command
from wocs.types import INT, PERSON

COPIED = 5  # the customer's latest messages the new assignee gets, to read and quote-reply
SHOWN = 300  # characters of each, so that five fit in one WhatsApp message


@command(
    "assign",
    role="agent",
    args=(Arg("number", INT, hint="<N>"),),
    keys=(
        Key(
            "for",
            PERSON,
            required=True,
            aliases=("untuk", "to", "kepada"),
            dest="assignee",
            hint="<name or phone>",
            ask="Who should have it?",
        ),
    ),
)
def assign(ctx: Context, number: int, assignee: StaffMember) -> Result:
    """Give a conversation to a team member: they get the customer's latest messages to answer."""
    # Agents hand over what they may see (their own and unassigned ones), admins any.
    conversation = find(ctx, number)
    contact = conversation.contact
    if assignee.phone == contact.phone:
        raise CommandError(f"{label(assignee)} is the customer of #{number}; choose someone else.")
    before = conversation.assignee if conversation.assignee_id else None
    if before is not None and before.id == assignee.id:
        return Result(
            f"Conversation #{number} is already {label(assignee)}'s.",
            entity=f"conversation:{number}",
        )
    conversation.assignee, conversation.updated_at = assignee, utcnow()
    # As with /take, the new keeper has the full time to answer before it is offered on.
    conversation.offered_at = conversation.updated_at
    conversation.save()
    latest = latest_from_customer(conversation, COPIED)
    lines = [
        f"· {show_moment(m.created_at, ctx.tz)}: {textwrap.shorten(m.text, SHOWN, placeholder='…')}"
        for m in latest
    ]
    heading = (
        f"📥 {label(ctx.user)} gave you conversation #{number} with {shown(contact)}"
        f" ({conversation.state}); the customer's latest messages:"
    )
    # Keyed as a copy of their last message: quote-replying it answers the customer.
    ctx.notify(
        assignee.phone,
        "\n".join([heading, *lines]) + how_to_answer(conversation),
        forwards=latest[-1].id if latest else 0,
    )
    if before is not None and before.id != ctx.user.id:
        ctx.notify(
            before.phone,
            f"{label(ctx.user)} gave conversation #{number} ({shown(contact)}) to {label(assignee)}.",
        )
    audit(
        ctx,
        "conversation.assign",
        f"conversation:{number}",
        {"assignee": before.id if before else None},
        {"assignee": assignee.id},
    )
    mine = assignee.id == ctx.user.id
    whose, them = ("yours", "you") if mine else (f"{label(assignee)}'s", "them")
    away = (
        ""
        if assignee.on_duty
        else f" {'You are' if mine else label(assignee) + ' is'} off duty: until /duty on, the"
        " customer's new messages go to whoever is on duty."
    )
    return Result(
        f"Conversation #{number} with {shown(contact)} is now {whose}. "
        f"I've sent {them} the customer's latest messages to quote-reply.{away}",
        entity=f"conversation:{number}",
    )
