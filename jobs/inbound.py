"""process_inbound: route one stored message and queue its replies in the same transaction."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import replace
from zoneinfo import ZoneInfo

from peewee import DatabaseError, IntegrityError, InterfaceError, OperationalError
from redis.exceptions import RedisError

from commands import customers
from domain import contacts, conversations, replies
from jobs import effects, staging, team_notices
from jobs.queues import HIGH, job, submit
from jobs.runtime import current
from models import (
    Contact,
    Conversation,
    InboundMessage,
    OutboundMessage,
    StaffMember,
    for_update,
    utcnow,
    write_transaction,
)
from whatsapp.payload import message_choice, quoted_wamid
from wocs import confirmations
from wocs.context import Context, Result
from wocs.dispatch import answer_prompt, run_command, run_fields
from wocs.grammar import looks_like_command
from wocs.hours import show_opening
from wocs.replies import reply
from wocs.values import mask_phone

log = logging.getLogger(__name__)

TEXT_TYPES = {"text", "button", "interactive"}
CAPTIONED_TYPES = {"image", "document", "video"}
LOCK_ERRORS = (1205, 1213)  # MySQL: lock wait timeout, deadlock
ATTEMPTS = 3


def enqueue_inbound(inbound_id: int, fresh: bool = False) -> bool:
    """Put one stored message on the high queue; `fresh` when its row was created just now."""
    return submit(process_inbound, inbound_id, fresh=fresh)


def enqueue_fresh(inbound_ids: list[int]) -> None:
    """Enqueue rows the webhook just created: one alone as its job, several as one fan-out job.

    One job per hand-off keeps the web worker to a single Redis round trip however many
    messages arrived meanwhile; the fan-out gives each its own job in a reply worker.
    """
    if len(inbound_ids) == 1:
        enqueue_inbound(inbound_ids[0], fresh=True)
        return
    submit(fan_out, inbound_ids, suffix=f"-{len(inbound_ids)}", fresh=True)


@job(HIGH, job_id="fan-out-{0[0]}")
def fan_out(inbound_ids: list[int]) -> str:
    """Give each stored message of a hand-off its own job, retried and timed on its own."""
    queued = sum(enqueue_inbound(inbound_id) for inbound_id in inbound_ids)
    return f"queued {queued} of {len(inbound_ids)}"


@job(HIGH, job_id="inbound-{0}", retry=(2, 10, 30, 120, 300))
def process_inbound(inbound_id: int) -> str:
    """Handle a stored inbound message exactly once; database errors raise so RQ retries."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _process(inbound_id)
        except (IntegrityError, OperationalError) as exc:
            # Two bodies about one person met (each created its contact, or one merged what
            # the other was reading): the transaction was rolled back whole; run it again now,
            # when the other's rows are visible, rather than fail the job and loop.
            if attempt == ATTEMPTS or not _conflict(exc):
                raise
            log.warning(
                "inbound %s met a concurrent change (%s); running it again", inbound_id, exc
            )
    raise AssertionError("unreachable")


def _conflict(exc: Exception) -> bool:
    """A unique key another transaction just took, or a lock conflict: worth a second run."""
    return isinstance(exc, IntegrityError) or bool(exc.args and exc.args[0] in LOCK_ERRORS)


def _process(inbound_id: int) -> str:
    """One run of process_inbound in one transaction."""
    jobs: tuple[tuple[str, tuple], ...] = ()
    try:
        with write_transaction():
            row = for_update(InboundMessage.select().where(InboundMessage.id == inbound_id)).first()
            if row is None or row.state != "received":
                return f"skipped ({row.state if row else 'missing'})"
            keys, jobs = _route(row)
            # A message kept in a conversation for the team was handled, answered or not.
            handled = keys or row.conversation_messages.exists()
            row.state = "done" if handled else "ignored"
            row.attempts += 1
            row.processed_at = utcnow()
            row.save()
    except (DatabaseError, InterfaceError):
        raise  # the database went away (a dead connection is an InterfaceError): RQ retries
    except Exception as exc:
        log.exception("handling inbound %s failed", inbound_id)
        keys, jobs = _give_up(inbound_id, exc), ()
    effects.release(keys, jobs)
    return f"handled ({len(keys)} messages)"


def _route(row: InboundMessage) -> tuple[list[str], tuple[tuple[str, tuple], ...]]:
    """Decide what the message is and queue the answers; return their outbox keys and the
    jobs a command asked for, to be enqueued after the commit."""
    if row.type == "system":
        _system(row)
        return [], ()  # nothing to answer: it is Meta speaking, not the customer
    contact = contacts.remember(
        contacts.Identity(
            phone=row.sender,
            bsuid=row.sender_bsuid,
            parent_bsuid=row.sender_parent_bsuid,
            username=row.sender_username,
            name=row.sender_name,
        ),
        seen=row.sent_at or row.received_at,
    )
    if contact is None:
        log.info("inbound %s names no sender to answer; stored only", row.id)
        return [], ()
    if not row.sender and contact.phone:
        # Sent by username after a body linked the BSUID to a phone: the history names the
        # person by phone, as a merge does for the messages before it.
        row.sender = contact.phone
    # The phone when known (a BSUID already linked to one counts), else the BSUID: staff are
    # recognised by phone, customers answered wherever Meta lets us reach them.
    sender = contacts.address(contact)
    user = StaffMember.get_or_none(StaffMember.phone == contact.phone) if contact.phone else None
    wired = current()
    ctx = Context(
        phone=sender,
        user=user,
        tz=wired.settings.tz,
        media=_media(row),
        business_number=wired.settings.business_number,
        storage=wired.storage,
        beacon=wired.settings.beacon,
    )
    text = row.body or ""
    if row.type in ("button", "interactive") and isinstance(row.raw, dict):
        # A tapped button carries its meaning in its id (e.g. JOIN RAYA26), not its title.
        text = message_choice(row.raw) or text
    staff = ctx.may("agent")
    if row.type not in (TEXT_TYPES | CAPTIONED_TYPES if staff else conversations.CONVERSED):
        return [], ()
    answer: Result | None
    keys: list[str] = []
    # A quote-reply to a forwarded customer message answers the customer, not a prompt.
    quoted = _quoted(row) if staff and row.type == "text" else None
    over = _over_limit(sender)
    if over:
        log.warning(
            "%s is over the message limit; inbound %s not acted on", mask_phone(sender), row.id
        )
        # Say it once per window; after that, silence (a loop with another bot ends here).
        answer = Result(reply("slow_down")) if over == 1 else None
    elif staff and quoted is None and (prompted := answer_prompt(text, ctx)) is not None:
        answer = prompted  # the answer to what a command just asked for, or CANCEL
    elif looks_like_command(text):
        answer = run_command(text, ctx)
    elif quoted is not None:
        answer = _quote_reply(quoted.id, text, ctx)
    elif staff and (typed := confirmations.typed_answer(text)):
        answer = run_command(typed, ctx)  # YES answers the question just asked
    elif staff:
        answer = Result(reply("staff_hint")) if row.type in TEXT_TYPES else None
    elif row.type in TEXT_TYPES and (asked := customers.keyword(text, ctx)) is not None:
        answer = customers.answer(contact, asked, ctx)
    else:
        answer, keys = _converse(row, contact)
    if answer is None:
        return keys, ()
    if answer.text:
        staging.add(
            sender,
            answer.text,
            f"reply:{row.id}",
            image=answer.image,
            document=answer.document,
            inbound=row,
        )
        keys.append(f"reply:{row.id}")
    return [*keys, *effects.stage(answer, str(row.id), row)], answer.jobs


def _quoted_row(row: InboundMessage) -> OutboundMessage | None:
    """The message of ours that a message quote-replies (Meta's context.id), if we sent it."""
    wamid = quoted_wamid(row.raw) if isinstance(row.raw, dict) else ""
    return OutboundMessage.get_or_none(OutboundMessage.wamid == wamid) if wamid else None


def _quoted(row: InboundMessage) -> Conversation | None:
    """The conversation whose forwarded copy (or its template copy) a message quote-replies."""
    sent = _quoted_row(row)
    return (
        conversations.forwarded_in(team_notices.original_key(sent.idempotency_key))
        if sent
        else None
    )


def _quote_reply(number: int, text: str, ctx: Context) -> Result:
    """A team member's quote-reply to a forwarded message: /reply to its conversation, told only
    if it is refused (their chat already shows what they answered)."""
    done = run_fields("reply", {"number": number, "text": text}, ctx)
    return replace(done, text="") if done.entity else done  # a refusal names no record


def _converse(row: InboundMessage, contact: Contact) -> tuple[Result | None, list[str]]:
    """A customer's message for the team: into their conversation, forwarded to whoever has it,
    or answered with the away message (once per opening) when nobody is on duty."""
    tz = current().settings.tz
    about = replies.answered(contact, _quoted_row(row))
    heard = conversations.hear(contact, row, conversations.content(row), utcnow(), tz, about)
    keys = []
    if heard.to is not None:
        key = conversations.forward_key(heard.message)
        # Not tied to the customer's message: a forward that fails is none of their business.
        staging.add(heard.to.phone, conversations.forward_text(heard), key)
        heard.message.forward = OutboundMessage.get(OutboundMessage.idempotency_key == key)
        heard.message.save()
        keys.append(key)
    return (Result(away_text(heard.back, tz)) if heard.away else None), keys


def away_text(back: dt.datetime | None, tz: ZoneInfo) -> str:
    """The away message: when the team is back if it is closed, else that someone will answer."""
    if back is None:
        return reply("away")
    english, malay = show_opening(back, tz)
    return reply("away_closed").format(back=english, kembali=malay)


def _system(row: InboundMessage) -> None:
    """Meta's notice about a customer: a number change moves their contact."""
    notice = row.raw.get("system") if isinstance(row.raw, dict) else None
    if not isinstance(notice, dict) or notice.get("type") != "user_changed_number":
        return
    new_phone = str(notice.get("wa_id") or notice.get("new_wa_id") or "")
    new_bsuid = str(notice.get("user_id") or notice.get("new_user_id") or "")
    contacts.renumber(
        contacts.Identity(phone=row.sender, bsuid=row.sender_bsuid),
        contacts.Identity(phone=new_phone if new_phone.isdigit() else "", bsuid=new_bsuid[:140]),
    )


def _media(row: InboundMessage) -> dict[str, str] | None:
    """The media a message carries (photo, document, video), as Meta described it."""
    part = row.raw.get(row.type) if isinstance(row.raw, dict) else None
    if row.type not in CAPTIONED_TYPES or not isinstance(part, dict) or not part.get("id"):
        return None
    return {k: str(part.get(k) or "") for k in ("id", "mime_type", "filename")}


def counting_minute() -> int:
    """The minute a message is counted in for its sender's limit (a test holds it still)."""
    return int(time.time() // 60)


def _over_limit(phone: str) -> int:
    """How far past the per-minute limit this sender is (0 when within it); counted in Redis."""
    limit = current().settings.sender_limit
    if not limit:
        return 0
    key = f"wocs:rate:{phone}:{counting_minute()}"
    try:
        with current().redis.pipeline() as pipe:
            count, _ = pipe.incr(key).expire(key, 120).execute()
    except RedisError:
        return 0  # never drop a message because the counter is unreachable
    return max(0, count - limit)


def _give_up(inbound_id: int, exc: Exception) -> list[str]:
    """Mark a message whose handling crashed, and apologise once instead of retrying a bug."""
    with write_transaction():
        row = InboundMessage.get_or_none(InboundMessage.id == inbound_id)
        if row is None or row.state != "received":
            return []
        row.state, row.error = "failed", f"{type(exc).__name__}: {exc}"[:1000]
        row.attempts += 1
        row.processed_at = utcnow()
        row.save()
        contact = contacts.find(row.sender or row.sender_bsuid)
        sender = contacts.address(contact) if contact else row.sender or row.sender_bsuid
        if not sender:
            return []
        staging.add(sender, reply("apology"), f"reply:{row.id}", inbound=row)
    log.error("inbound %s from %s marked failed", inbound_id, mask_phone(sender))
    return [f"reply:{row.id}"]
