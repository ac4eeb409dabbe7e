"""Customer conversations: opened or continued by a customer's message, routed to whoever is on duty.

States: open (the team's turn, assigned or not), waiting (the customer's turn, after the team
answered), closed (reopened, same number, when the customer writes again).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast
from zoneinfo import ZoneInfo

import phonenumbers
from peewee import ModelSelect, fn

from domain import customer_messages as said
from models import (
    Contact,
    Conversation,
    ConversationMessage,
    InboundMessage,
    StaffMember,
    WocsAttachment,
    for_update,
)
from wocs.context import Context, NotFound
from wocs.flags import business_hours, flag
from wocs.values import mask_phone

OPEN, WAITING, CLOSED = "open", "waiting", "closed"
ACTIVE = (OPEN, WAITING)
CONVERSED = frozenset({"text", "button", "interactive", "reaction", *said.PLACEHOLDERS})


@dataclass(frozen=True)
class Heard:
    """Where a customer's message went: its conversation, its row, who is to see it."""

    conversation: Conversation
    message: ConversationMessage
    to: StaffMember | None  # the team member it is forwarded to; None: nobody on duty
    opened: bool  # this message opened the conversation (or reopened a closed one)
    away: bool  # the customer gets the away message now (once per opening, if auto replies are on)
    back: dt.datetime | None = None  # outside business hours: when they open next (naive UTC)


def hear(
    contact: Contact,
    row: InboundMessage,
    now: dt.datetime,
    tz: ZoneInfo,
    burst: dt.timedelta = dt.timedelta(0),
    attachment: WocsAttachment | None = None,
    about: str = "",
) -> Heard:
    """Add a customer's message to their conversation, opening or reopening it, and route it
    (inside the caller's transaction); `now` is naive UTC, `about` what it answers.

    Its forward is due with the burst it joins: `burst` after the first message of the
    conversation still waiting for its forward.
    """
    conversation = for_update(
        Conversation.select()
        .where(Conversation.contact == contact)
        .order_by(Conversation.id.desc())
    ).first()
    opened = conversation is None or conversation.state == CLOSED
    if conversation is None:
        conversation = Conversation(contact=contact, opened_at=now)
    elif conversation.state == CLOSED:
        conversation.opened_at, conversation.closed_at, conversation.away_at = now, None, None
    if conversation.state != OPEN or conversation.turn_at is None:
        conversation.turn_at, conversation.offered_at = now, None  # the team's turn starts
    conversation.state = OPEN
    conversation.last_customer_at = conversation.updated_at = now
    to, _ = keeper(conversation, contact, on_call(now, tz))
    away = to is None and conversation.away_at is None and bool(flag("auto_reply_enabled"))
    if away:
        conversation.away_at = now
    conversation.referral = said.referral(row) or conversation.referral
    conversation.save()
    message = ConversationMessage.create(
        conversation=conversation,
        direction="in",
        inbound=row,
        text=said.content(row),
        about=about,
        attachment=attachment,
        reacts_to=said.reacted_to(row),
        forward_due=None
        if to is None or said.is_unreaction(row)
        else _due(conversation, now + burst),
        created_at=now,
    )
    hours = business_hours()
    back = None if hours.is_open(now, tz) else hours.next_opening(now, tz)
    return Heard(conversation, message, to, opened, away, back)


def _due(conversation: Conversation, otherwise: dt.datetime) -> dt.datetime:
    """When a new message's forward is due: with the burst still waiting, else `otherwise`."""
    waiting = (
        ConversationMessage.select(fn.MIN(ConversationMessage.forward_due))
        .where(
            ConversationMessage.conversation == conversation,
            ConversationMessage.forward.is_null(),
            ConversationMessage.forward_due.is_null(False),
        )
        .scalar()
    )
    return waiting or otherwise


def waiting_forward(conversation: Conversation) -> list[ConversationMessage]:
    """The customer's messages of a conversation whose forward is due or coming, oldest first."""
    return list(
        ConversationMessage.select()
        .where(
            ConversationMessage.conversation == conversation,
            ConversationMessage.forward.is_null(),
            ConversationMessage.forward_due.is_null(False),
        )
        .order_by(ConversationMessage.id)
    )


def keeper(
    conversation: Conversation, contact: Contact, team: list[StaffMember]
) -> tuple[StaffMember | None, bool]:
    """Who sees the customer's message: the assignee while on call, else the least busy member
    on call (who takes it); never the customer themselves."""
    current = conversation.assignee if conversation.assignee_id else None
    if (
        current is not None
        and current.id in {m.id for m in team}
        and current.phone != contact.phone
    ):
        return current, False
    chosen = least_busy([m for m in team if m.phone != contact.phone])
    if chosen is not None:
        conversation.assignee = chosen
    return chosen, chosen is not None


def least_busy(team: list[StaffMember]) -> StaffMember | None:
    """The member with the fewest conversations not closed (the longest-standing on a tie)."""
    if not team:
        return None
    load = _loads()
    return min(team, key=lambda m: (load[m.id], m.id))


def on_call(now: dt.datetime, tz: ZoneInfo) -> list[StaffMember]:
    """Who takes customers' messages now: those on duty within business hours; after closing,
    only those who sent /duty on since (a day's duty does not ring phones at night)."""
    hours = business_hours()
    team = on_duty()
    if hours.is_open(now, tz):
        return team
    closed_at = hours.last_closing(now, tz)
    return [m for m in team if m.duty_since is not None and closed_at and m.duty_since >= closed_at]


def on_duty() -> list[StaffMember]:
    """The active team members on duty."""
    return list(
        StaffMember.select().where(
            StaffMember.active == True,  # noqa: E712
            StaffMember.on_duty == True,  # noqa: E712
        )
    )


def _loads() -> Counter[int]:
    """How many conversations not closed each team member has."""
    rows = cast(
        "Iterable[tuple[int, int]]",  # .tuples() rows (peewee's stubs say models)
        Conversation.select(Conversation.assignee, fn.COUNT(Conversation.id))
        .where(Conversation.state.in_(ACTIVE), Conversation.assignee.is_null(False))
        .group_by(Conversation.assignee)
        .tuples(),
    )
    return Counter({assignee: n for assignee, n in rows})


def shown(contact: Contact) -> str:
    """A customer as the team sees them: name and masked phone (`Farah (+60 13-555 ****)`)."""
    where = masked_address(contact)
    return f"{contact.name} ({where})" if contact.name else where


def masked_address(contact: Contact) -> str:
    """Where a customer is reached, as the team sees it: `+60 13-555 ****`, or a masked BSUID."""
    return _masked(contact.phone) if contact.phone else mask_phone(contact.bsuid or "")


def _masked(digits: str) -> str:
    """A phone written the local way with its last four digits hidden: +60 13-555 ****."""
    try:
        written = phonenumbers.format_number(
            phonenumbers.parse(f"+{digits}"), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return mask_phone(digits)
    hidden, out = 0, []
    for ch in reversed(written):
        if ch.isdigit() and hidden < 4:
            ch, hidden = "*", hidden + 1
        out.append(ch)
    return "".join(reversed(out))


def how_to_answer(conversation: Conversation) -> str:
    """The line under a forward that tells its new keeper how to answer."""
    return f"\n↩️ Quote-reply to answer, or send /reply {conversation.id} and your text."


def unanswered(conversation: Conversation) -> list[ConversationMessage]:
    """The customer's messages since the team last answered, oldest first."""
    answered = (
        conversation.messages.where(ConversationMessage.direction == "out")
        .select(fn.MAX(ConversationMessage.id))
        .scalar()
    )
    query = conversation.messages.where(ConversationMessage.direction == "in")
    if answered:
        query = query.where(ConversationMessage.id > answered)
    return list(query.order_by(ConversationMessage.id))


def latest_from_customer(conversation: Conversation, count: int) -> list[ConversationMessage]:
    """The customer's last `count` messages in the conversation, oldest first."""
    rows = conversation.messages.where(ConversationMessage.direction == "in")
    return list(rows.order_by(ConversationMessage.id.desc()).limit(count))[::-1]


def forward_key(message: ConversationMessage | int, copy: str = "") -> str:
    """The outbox key of a forward of the customer's `message` (or its id; `copy` names another
    one of it: its media, a hand-off, an offer): a quote-reply to any of them answers it."""
    number = message if isinstance(message, int) else message.id
    return f"forward:{number}:{copy}" if copy else f"forward:{number}"


def forwarded_in(key: str) -> Conversation | None:
    """The conversation whose customer's message the outbox row keyed `key` forwarded, if any."""
    kind, _, rest = key.partition(":")
    number = rest.partition(":")[0]
    if kind != "forward" or not number.isdigit():
        return None
    return (
        Conversation.select()
        .join(ConversationMessage)
        .where(ConversationMessage.id == int(number))
        .first()
    )


def visible(ctx: Context) -> ModelSelect[Conversation]:
    """The conversations the sender may see: all for admins, their own and unassigned for agents."""
    query = Conversation.select(Conversation, Contact).join(Contact)
    if ctx.may("admin"):
        return query
    return query.where((Conversation.assignee == ctx.user) | Conversation.assignee.is_null())


def find(ctx: Context, number: int) -> Conversation:
    """The conversation numbered `number`, if the sender may see it (else NotFound, either way)."""
    found = visible(ctx).where(Conversation.id == number).first()
    if found is None:
        raise NotFound(
            f"There is no conversation #{number} for you. Send /inbox to see yours.",
            f"conversation #{number}",
        )
    return found
