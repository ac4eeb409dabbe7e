"""Customer conversations: opened or continued by a customer's message, routed to whoever is on duty.

States: open (the team's turn, assigned or not), waiting (the customer's turn, after the team
answered), closed (reopened, same number, when the customer writes again).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import phonenumbers
from peewee import ModelSelect, fn

from models import (
    Contact,
    Conversation,
    ConversationMessage,
    InboundMessage,
    StaffMember,
    for_update,
)
from wocs.context import Context, NotFound
from wocs.flags import flag
from wocs.values import mask_phone

OPEN, WAITING, CLOSED = "open", "waiting", "closed"
ACTIVE = (OPEN, WAITING)
# What a message without text stands for in a forward and in /history.
PLACEHOLDERS = {
    "image": "[photo]",
    "video": "[video]",
    "document": "[document]",
    "audio": "[voice note]",
    "sticker": "[sticker]",
    "location": "[location]",
    "contacts": "[contact card]",
    "order": "[order]",
}
CONVERSED = frozenset({"text", "button", "interactive", *PLACEHOLDERS})


@dataclass(frozen=True)
class Heard:
    """Where a customer's message went: its conversation, its row, who is to see it."""

    conversation: Conversation
    message: ConversationMessage
    to: StaffMember | None  # the team member it is forwarded to; None: nobody on duty
    assigned: bool  # `to` got the conversation with this message
    away: bool  # the customer gets the away message now (once per opening, if auto replies are on)


def content(row: InboundMessage) -> str:
    """What a customer's message says, as the team reads it: its text, or what it is."""
    text = (row.body or "").strip()
    if row.type == "location" and isinstance(row.raw, dict):
        place = row.raw.get("location")
        if isinstance(place, dict):
            named = " ".join(str(place.get(k) or "") for k in ("name", "address")).strip()
            spot = f"{place.get('latitude')},{place.get('longitude')}"
            return f"[location] {named or spot}"
    label = PLACEHOLDERS.get(row.type, "")
    return f"{label} {text}".strip() if label else text


def hear(contact: Contact, row: InboundMessage, text: str, now: dt.datetime) -> Heard:
    """Add a customer's message to their conversation, opening or reopening it, and route it
    (inside the caller's transaction); `now` is naive UTC."""
    conversation = for_update(
        Conversation.select()
        .where(Conversation.contact == contact)
        .order_by(Conversation.id.desc())
    ).first()
    if conversation is None:
        conversation = Conversation(contact=contact, opened_at=now)
    elif conversation.state == CLOSED:
        conversation.opened_at, conversation.closed_at, conversation.away_at = now, None, None
    conversation.state = OPEN
    conversation.last_customer_at = conversation.updated_at = now
    to, assigned = _keeper(conversation, contact)
    away = to is None and conversation.away_at is None and bool(flag("auto_reply_enabled"))
    if away:
        conversation.away_at = now
    conversation.save()
    message = ConversationMessage.create(
        conversation=conversation, direction="in", inbound=row, text=text, created_at=now
    )
    return Heard(conversation, message, to, assigned, away)


def _keeper(conversation: Conversation, contact: Contact) -> tuple[StaffMember | None, bool]:
    """Who sees the customer's message: the assignee while on duty, else the least busy member
    on duty (who takes it); never the customer themselves."""
    current = conversation.assignee if conversation.assignee_id else None
    if current is not None and _reachable(current, contact):
        return current, False
    team = [m for m in on_duty() if _reachable(m, contact)]
    if not team:
        return None, False
    load = _loads()
    chosen = min(team, key=lambda m: (load[m.id], m.id))
    conversation.assignee = chosen
    return chosen, True


def _reachable(member: StaffMember, contact: Contact) -> bool:
    return member.active and member.on_duty and member.phone != contact.phone


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


def forward_text(heard: Heard) -> str:
    """The copy of a customer's message a team member gets; the first one says how to answer."""
    return copy_text(heard.conversation, heard.message.text, hint=heard.assigned)


def copy_text(conversation: Conversation, text: str, hint: bool = False) -> str:
    """A customer's message as forwarded to the team (`💬 #14 Farah (+60 13-555 ****): …`)."""
    copy = f"💬 #{conversation.id} {shown(conversation.contact)}: {text}"
    if hint:
        copy += f"\n↩️ Quote-reply to answer, or send /reply {conversation.id} and your text."
    return copy


def copy_key(message_id: int, cause: str = "") -> str:
    """The outbox key of a copy of customer message `message_id` (`cause`: a later copy's reason)."""
    return f"forward:{message_id}:{cause}" if cause else f"forward:{message_id}"


_COPY_KEY = re.compile(r"forward:(\d+)(?::|$)")


def forwarded_in(key: str) -> Conversation | None:
    """The conversation whose customer's message the outbox row keyed `key` is a copy of, if any."""
    copy = _COPY_KEY.match(key)
    message = (
        ConversationMessage.get_or_none(ConversationMessage.id == int(copy[1])) if copy else None
    )
    return message.conversation if message else None


def latest_from_customer(conversation: Conversation, count: int) -> list[ConversationMessage]:
    """The customer's last `count` messages in the conversation, oldest first."""
    rows = conversation.messages.where(ConversationMessage.direction == "in")
    return list(rows.order_by(ConversationMessage.id.desc()).limit(count))[::-1]


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
