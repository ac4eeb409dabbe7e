"""Handing a customer conversation to a team member: /assign, with their latest messages."""

from __future__ import annotations

from domain.conversations import copy_text, find, latest_from_customer, shown
from models import StaffMember, utcnow
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.people import label
from wocs.registry import Arg, Key, command
from wocs.types import INT, PERSON

COPIED = 5  # the customer's latest messages the new assignee gets, to read and quote-reply


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
    conversation.save()
    latest = latest_from_customer(conversation, COPIED)
    if assignee.id != ctx.user.id:
        ctx.notify(
            assignee.phone,
            f"📥 {label(ctx.user)} gave you conversation #{number} with {shown(contact)}"
            f" ({conversation.state}). {_following(len(latest))}"
            f"send /reply {number} and your text; /history {number}"
            " shows it all.",
        )
    for message in latest:
        ctx.notify(assignee.phone, copy_text(conversation, message.text), forwards=message.id)
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


def _following(count: int) -> str:
    # Each copy is its own message, sent alongside this one: they may arrive in any order.
    if not count:
        return "You can "
    copies = "message comes" if count == 1 else f"{count} messages come"
    return f"The customer's last {copies} to you as copies: quote-reply one to answer, or "
