"""Forwarding customers' messages to the team: a burst at once when it is due, each message once."""

from __future__ import annotations

import datetime as dt
import logging

from domain import conversations
from domain.forwards import Burst, Media, as_media, compose, heading
from jobs import outbox, staging
from jobs.queues import HIGH, job, submit
from jobs.runtime import current
from models import (
    Conversation,
    ConversationMessage,
    OutboundMessage,
    StaffMember,
    for_update,
    utcnow,
    write_transaction,
)

log = logging.getLogger(__name__)

# A burst waits this long at most for the first fetch of its media to end; past it, a photo
# still not fetched goes as its placeholder (the fetch goes on, and the photo follows late).
HOLD = dt.timedelta(seconds=60)
# RQ's scheduler keeps whole seconds, so a job it holds back may start up to a second early.
EARLY = dt.timedelta(seconds=1)
GRACE = dt.timedelta(seconds=30)  # past its due time, a burst no job forwarded is swept
BATCH = 500


@job(HIGH, job_id="burst-{0}-{1}")
def forward_burst(conversation_id: int, cause: int) -> str:
    """Forward a conversation's burst once it is due; `cause` is the message that asked."""
    with write_transaction():
        keys, later = flush(conversation_id, utcnow() + EARLY)
    outbox.release(keys)
    if later is not None:  # early: look again when the burst is due
        submit(forward_burst, conversation_id, cause, suffix="-due", at=later)
        return f"due at {later:%H:%M:%S}"
    return f"forwarded ({len(keys)} sends)"


def flush(conversation_id: int, now: dt.datetime) -> tuple[list[str], dt.datetime | None]:
    """Forward the conversation's burst if it is due (inside the caller's transaction): the
    outbox keys staged, and when to look again if it is not due yet.

    The conversation's row lock makes this the claim: its customer messages still without a
    forward are marked with the one they go in, so however many workers run it, each goes once.
    """
    conversation = for_update(Conversation.select().where(Conversation.id == conversation_id))
    conversation = conversation.first()
    waiting = conversations.waiting_forward(conversation) if conversation else []
    if not waiting:
        return [], None
    due = min(m.forward_due or now for m in waiting)
    if due > now:
        return [], due
    if any(_fetching(m, now) for m in waiting):
        return [], None  # the fetch's end runs this again (the sweeper, if that is lost)
    team = conversations.on_call(now, current().settings.tz)
    to, assigned = conversations.keeper(conversation, conversation.contact, team)
    if to is None:  # nobody on duty since it came: it waits in /inbox for someone to /take it
        ids = [m.id for m in waiting]
        ConversationMessage.update(forward_due=None).where(
            ConversationMessage.id.in_(ids)
        ).execute()
        log.info("conversation %s: nobody on duty now; %d messages wait", conversation.id, len(ids))
        return [], None
    if assigned:
        conversation.save()
    burst = compose(conversation, waiting, hint=not _seen_by(conversation, to))
    return _stage(burst, waiting[0], to), None


def _stage(burst: Burst, first: ConversationMessage, to: StaffMember) -> list[str]:
    """Stage a burst's text and media for `to`, marking each message with the send carrying it."""
    keys = []
    if burst.text:
        keys.append(conversations.forward_key(first))
        # Not tied to the customer's message: a forward that fails is none of their business.
        staging.add(to.phone, burst.text, keys[-1])
        _mark([m.id for m in burst.texted], keys[-1])
    for media in burst.media:
        keys.append(_stage_media(media, to.phone))
    return keys


def _stage_media(media: Media, phone: str) -> str:
    key = conversations.forward_key(media.message, "media")
    staging.add(phone, media.caption, key, media=(media.kind, media.key))
    _mark([media.message.id], key)
    return key


def _mark(ids: list[int], key: str) -> None:
    sent = OutboundMessage.select(OutboundMessage.id).where(OutboundMessage.idempotency_key == key)
    ConversationMessage.update(forward=sent).where(
        ConversationMessage.id.in_(ids), ConversationMessage.forward.is_null()
    ).execute()


def _fetching(message: ConversationMessage, now: dt.datetime) -> bool:
    """True while the message's media has its first fetch under way (and not for too long)."""
    attachment = message.attachment
    if attachment is None or message.created_at < now - HOLD:
        return False
    return attachment.state == "pending" and attachment.attempts == 0


def _seen_by(conversation: Conversation, member: StaffMember) -> bool:
    """True when `member` has had a forward of this conversation before."""
    return (
        ConversationMessage.select()
        .join(OutboundMessage, on=ConversationMessage.forward == OutboundMessage.id)
        .where(ConversationMessage.conversation == conversation, OutboundMessage.to == member.phone)
        .exists()
    )


def fetched(attachment_id: int) -> None:
    """A conversation's media had a fetch end: its burst may go now, or its media follows late."""
    message = ConversationMessage.get_or_none(ConversationMessage.attachment == attachment_id)
    if message is None:
        return
    if message.forward_id is None:
        submit(forward_burst, message.conversation_id, message.id, suffix="-fetched")
        return
    # Forwarded as its placeholder while the fetch failed: the media itself follows, once.
    late = as_media(heading(message.conversation), message)
    if late is None:
        return
    with write_transaction():
        sent = OutboundMessage.get(OutboundMessage.id == message.forward_id)
        key = _stage_media(late, sent.to)
    outbox.release([key])


def sweep(now: dt.datetime) -> dict[str, int]:
    """Enqueue the forward of bursts past their due time that no job forwarded (a lost job)."""
    stale = (
        ConversationMessage.select(ConversationMessage.conversation, ConversationMessage.id)
        .where(
            ConversationMessage.forward.is_null(),
            ConversationMessage.forward_due < now - GRACE,
        )
        .order_by(ConversationMessage.id)
        .limit(BATCH)
    )
    firsts: dict[int, int] = {}
    for row in stale:
        firsts.setdefault(row.conversation_id, row.id)
    queued = sum(
        submit(forward_burst, conversation, first, suffix="-swept")
        for conversation, first in firsts.items()
    )
    return {"forwards": queued}
