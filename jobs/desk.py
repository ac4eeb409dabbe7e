"""The desk's rounds in every sweep: what waited unseen is handed over, the unanswered offered on.

Each conversation is claimed under its row lock and re-checked before anything is staged, and
every message has an outbox key naming its cause, so any number of workers sweeping at once
hand over, offer and tell each thing once.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from domain import conversations as desk
from domain.conversations import OPEN
from jobs import outbox, staging
from jobs.runtime import current
from models import (
    Contact,
    Conversation,
    ConversationMessage,
    OutboundMessage,
    StaffMember,
    for_update,
    write_transaction,
)
from wocs.dates import show_moment
from wocs.flags import business_hours, flag
from wocs.people import label
from wocs.replies import LIST_LIMIT, plural

log = logging.getLogger(__name__)

QUOTED = 200  # characters of each waiting message a hand-off repeats


def rounds(now: dt.datetime) -> dict[str, int]:
    """Hand over what waited unseen and offer on what went unanswered; counts of each."""
    tz = current().settings.tz
    hours = business_hours()
    counts = {"handed": 0, "offered": 0}
    if not hours.is_open(now, tz):
        return counts  # after closing only night cover answers, and the clock stands still
    team = desk.on_call(now, tz)
    keys: list[str] = []
    unseen = (
        Conversation.select(Conversation.id)
        .join(ConversationMessage)
        .where(
            Conversation.state == OPEN,
            ConversationMessage.direction == "in",
            ConversationMessage.forward.is_null(),
            ConversationMessage.forward_due.is_null(),  # a burst on its way is not unseen
            ConversationMessage.created_at >= Conversation.turn_at,  # this turn's, not answered
        )
        .distinct()
    )
    # Read whole before any write: an open SQLite cursor keeps its snapshot, and a write begun
    # on a snapshot another worker has since moved past fails at once ("database is locked").
    for number in [row.id for row in unseen] if team else ():
        handed = _hand_over(number, team, tz)
        counts["handed"] += bool(handed)
        keys += handed
    keys += _morning(now, tz)
    limit = int(flag("unanswered_minutes"))
    waited = now - dt.timedelta(minutes=limit)  # wall time bounds the time open
    due = Conversation.select(Conversation.id).where(
        Conversation.state == OPEN,
        Conversation.assignee.is_null(False),
        Conversation.turn_at < waited,
        Conversation.offered_at.is_null() | (Conversation.offered_at < waited),
    )
    for number in [row.id for row in due] if limit else ():
        offered = _offer(number, now, tz, limit)
        counts["offered"] += bool(offered)
        keys += offered
    outbox.release(keys)
    if any(counts.values()):
        log.info("desk: %s", counts)
    return counts


def _locked(number: int) -> Conversation | None:
    found = for_update(Conversation.select().where(Conversation.id == number)).first()
    return found if found is not None and found.state == OPEN else None


def _hand_over(number: int, team: list, tz: ZoneInfo) -> list[str]:
    """Forward, as one message, what a customer wrote while nobody took it; the outbox keys."""
    with write_transaction():
        conversation = _locked(number)
        waiting = [
            m
            for m in (desk.unanswered(conversation) if conversation else ())
            if not m.forward_id and m.forward_due is None  # unseen, and no burst coming
        ]
        if conversation is None or not waiting:
            return []  # another worker handed it over, or the team answered meanwhile
        contact = Contact.get_by_id(conversation.contact_id)
        to, _ = desk.keeper(conversation, contact, team)
        if to is None:
            return []
        conversation.save()
        lines = [
            f"· {show_moment(m.created_at, tz)}: {_cut(m.text)}" for m in waiting[-LIST_LIMIT:]
        ]
        text = "\n".join(
            [f"🌅 #{number} {desk.shown(contact)} wrote while nobody was on duty:", *lines]
        )
        key = desk.forward_key(waiting[-1], "handed")
        staging.add(to.phone, text + desk.how_to_answer(conversation), key)
        sent = OutboundMessage.select(OutboundMessage.id).where(
            OutboundMessage.idempotency_key == key
        )
        ConversationMessage.update(forward=sent).where(
            ConversationMessage.id.in_([m.id for m in waiting])
        ).execute()
    log.info("conversation %s handed to member %s", number, to.id)
    return [key]


def _offer(number: int, now: dt.datetime, tz: ZoneInfo, limit: int) -> list[str]:
    """Give an unanswered conversation to the next person on duty and tell the admins; the keys."""
    hours = business_hours()
    with write_transaction():
        conversation = _locked(number)
        if conversation is None or conversation.turn_at is None:
            return []
        before = StaffMember.get_or_none(StaffMember.id == conversation.assignee_id)
        if before is None:
            return []
        since = max(conversation.turn_at, conversation.offered_at or conversation.turn_at)
        if hours.open_minutes(since, now, tz) < limit:
            return []  # answered, or offered by another worker, since the query
        contact = Contact.get_by_id(conversation.contact_id)
        team = [m for m in desk.on_call(now, tz) if m.id != before.id and m.phone != contact.phone]
        after = desk.least_busy(team)
        conversation.offers += 1
        conversation.offered_at = now
        step = conversation.offers
        if after is not None:
            conversation.assignee = after
        conversation.save()
        keys = []
        waited = f"waited {limit} min for an answer from {label(before)}"
        who = f"#{number} {desk.shown(contact)}"
        if after is not None:
            waiting = desk.unanswered(conversation)
            lines = [f"· {show_moment(m.created_at, tz)}: {_cut(m.text)}" for m in waiting[-5:]]
            key = desk.forward_key(waiting[-1], f"offer{step}")
            staging.add(
                after.phone,
                "\n".join([f"⏰ {who} {waited}; it's yours now:", *lines])
                + desk.how_to_answer(conversation),
                key,
            )
            keys.append(key)
            keys.append(f"offered:{number}:{step}:was")
            staging.add(
                before.phone,
                f"Conversation #{number} went to {label(after)}: no answer in {limit} min.",
                keys[-1],
            )
            told = f"⏰ {who} {waited}; I gave it to {label(after)}."
        else:
            told = f"⏰ {who} {waited}, and nobody else is on duty to take it."
        keys += staging.to_admins(told, f"offered:{number}:{step}")
    log.info("conversation %s offered on (step %s)", number, step)
    return keys


def _morning(now: dt.datetime, tz: ZoneInfo) -> list[str]:
    """Once per opening, tell the admins which conversations came in while closed and who has them."""
    hours = business_hours()
    closed_at = hours.last_closing(now, tz)
    if closed_at is None:
        return []
    opened_at = hours.next_opening(closed_at, tz)
    came = (
        Conversation.select(Conversation, Contact)
        .join(Contact)
        .where(
            Conversation.state == OPEN,
            Conversation.turn_at >= closed_at,
            Conversation.turn_at < opened_at,
        )
        .order_by(Conversation.id)
    )
    total = came.count()
    if not total:
        return []
    lines = [f"#{c.id} {desk.shown(c.contact)} → {_keeper(c)}" for c in came.limit(LIST_LIMIT)]
    more = f"\n…and {total - LIST_LIMIT} more: /inbox open" if total > LIST_LIMIT else ""
    text = "\n".join([f"🌅 {plural(total, 'conversation')} came in after hours:", *lines]) + more
    with write_transaction():
        return staging.to_admins(text, f"morning:{opened_at.isoformat()}")


def _keeper(conversation: Conversation) -> str:
    member = StaffMember.get_or_none(StaffMember.id == conversation.assignee_id)
    return label(member) if member else "nobody on duty yet (/inbox open)"


def _cut(text: str) -> str:
    return text if len(text) <= QUOTED else text[: QUOTED - 1] + "…"
