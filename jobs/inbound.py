"""process_inbound: route one stored message and queue its replies in the same transaction."""

from __future__ import annotations

import logging
import time

from peewee import DatabaseError, InterfaceError
from redis.exceptions import RedisError
from rq import Retry

import commands  # noqa: F401  (registers every command)
from commands import customers
from jobs import outbox
from jobs.queues import HIGH, backoff, enqueue
from jobs.runtime import current
from models import Contact, InboundMessage, WocsUser, for_update, utcnow, write_transaction
from webhooks.payload import message_choice
from wocs.context import Context, Reply
from wocs.dispatch import run_command
from wocs.grammar import looks_like_command
from wocs.replies import reply
from wocs.values import mask_phone

log = logging.getLogger(__name__)

TEXT_TYPES = {"text", "button", "interactive"}
CAPTIONED_TYPES = {"image", "document", "video"}


def enqueue_inbound(inbound_id: int, fresh: bool = False) -> bool:
    """Put one stored message on the high queue; `fresh` when its row was created just now."""
    return enqueue(
        "jobs.inbound.process_inbound",
        inbound_id,
        queue_name=HIGH,
        job_id=f"inbound-{inbound_id}",
        retry=Retry(max=5, interval=backoff([2, 10, 30, 120, 300])),
        fresh=fresh,
    )


def enqueue_fresh(inbound_ids: list[int]) -> None:
    """Enqueue rows the webhook just created: one alone as its job, several as one fan-out job.

    One job per hand-off keeps the web worker to a single Redis round trip however many
    messages arrived meanwhile; the fan-out gives each its own job in a reply worker.
    """
    if len(inbound_ids) == 1:
        enqueue_inbound(inbound_ids[0], fresh=True)
        return
    enqueue(
        "jobs.inbound.fan_out",
        inbound_ids,
        queue_name=HIGH,
        job_id=f"fan-out-{inbound_ids[0]}-{len(inbound_ids)}",
        fresh=True,
    )


def fan_out(inbound_ids: list[int]) -> str:
    """Give each stored message of a hand-off its own job, retried and timed on its own."""
    queued = sum(enqueue_inbound(inbound_id) for inbound_id in inbound_ids)
    return f"queued {queued} of {len(inbound_ids)}"


def process_inbound(inbound_id: int) -> str:
    """Handle a stored inbound message exactly once; database errors raise so RQ retries."""
    jobs: list[tuple[str, tuple]] = []
    try:
        with write_transaction():
            row = for_update(InboundMessage.select().where(InboundMessage.id == inbound_id)).first()
            if row is None or row.state != "received":
                return f"skipped ({row.state if row else 'missing'})"
            keys = _route(row, jobs)
            row.state = "done" if keys else "ignored"
            row.attempts += 1
            row.processed_at = utcnow()
            row.save()
    except (DatabaseError, InterfaceError):
        raise  # the database went away (a dead connection is an InterfaceError): RQ retries
    except Exception as exc:
        log.exception("handling inbound %s failed", inbound_id)
        keys, jobs = _give_up(inbound_id, exc), []
    outbox.release(keys)
    for number, (func, args) in enumerate(jobs, start=1):
        enqueue(
            func,
            *args,
            job_id=f"job-{inbound_id}-{number}",
            retry=Retry(max=3, interval=[10, 60, 300]),
        )
    return f"handled ({len(keys)} messages)"


def _route(row: InboundMessage, jobs: list[tuple[str, tuple]]) -> list[str]:
    """Decide what the message is and queue the answers; return their outbox keys.

    Jobs the command asked for are added to `jobs`, to be enqueued after the commit.
    """
    contact = _remember(row)
    if not row.sender:
        log.info("inbound %s has no phone number to answer; stored only", row.id)
        return []
    user = WocsUser.get_or_none(WocsUser.phone == row.sender)
    settings = current().settings
    ctx = Context(
        phone=row.sender,
        user=user,
        tz=settings.tz,
        media=_media(row),
        business_number=settings.business_number,
    )
    text = row.body or ""
    if row.type in ("button", "interactive") and isinstance(row.raw, dict):
        # A tapped button carries its meaning in its id (e.g. JOIN RAYA26), not its title.
        text = message_choice(row.raw) or text
    if row.type not in TEXT_TYPES | CAPTIONED_TYPES:
        return []
    answer: str | Reply | None
    over = _over_limit(row.sender)
    if over:
        log.warning(
            "%s is over the message limit; inbound %s not acted on", mask_phone(row.sender), row.id
        )
        # Say it once per window; after that, silence (a loop with another bot ends here).
        answer = reply("slow_down") if over == 1 else None
    elif looks_like_command(text):
        answer = run_command(text, ctx)
    elif row.type in TEXT_TYPES:
        answer = reply("staff_hint") if ctx.may("agent") else customers.answer(contact, text, ctx)
    else:
        answer = None
    keys = []
    if answer:
        keys.append(f"reply:{row.id}")
        text, image = (answer.text, answer.image) if isinstance(answer, Reply) else (answer, "")
        outbox.add(row.sender, text, keys[-1], image=image, inbound=row)
    for number, notice in enumerate(ctx.notices, start=1):
        keys.append(f"notice:{row.id}:{number}")
        outbox.add(notice.to, notice.text, keys[-1], inbound=row)
    jobs.extend(ctx.jobs)
    return keys


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


def _remember(row: InboundMessage) -> Contact:
    """Create or refresh the sender's contact (phone, business-scoped id, profile name)."""
    contact = Contact.of(row.sender, row.sender_bsuid)
    contact.name = row.sender_name[:120] or contact.name
    seen = row.sent_at or row.received_at
    if contact.last_inbound_at is None or seen > contact.last_inbound_at:
        contact.last_inbound_at = seen
    contact.save()
    return contact


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
        if not row.sender:
            return []
        outbox.add(row.sender, reply("apology"), f"reply:{row.id}", inbound=row)
    log.error("inbound %s from %s marked failed", inbound_id, mask_phone(row.sender))
    return [f"reply:{row.id}"]
