"""The outbox: every outgoing message is a row first, then a send_outbound job sends it once."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from peewee import DatabaseError, IntegrityError

from domain import broadcasts, contacts
from jobs import progress, ratelimit, staging, team_notices
from jobs.queues import BULK, HIGH, job, submit
from jobs.runtime import current
from models import (
    Contact,
    ConversationMessage,
    InboundMessage,
    OutboundMessage,
    for_update,
    utcnow,
    write_transaction,
)
from storage.base import StorageError, is_send_once
from whatsapp.errors import (
    GraphError,
    OptedOut,
    OutcomeUnknown,
    OutsideWindow,
    RateLimited,
    RecipientRefused,
    TransientGraphError,
)
from whatsapp.transports import Outgoing, Transport
from wocs import message_templates as templates
from wocs.values import mask_phone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # the first try and five retries
RATE_LIMIT_ATTEMPTS = 12  # throttling passes; a message is not failed for Meta's busy minute
RETRY_SECONDS = [4, 16, 64, 256, 600]  # 4^n, as Meta asks after pair-rate errors
MASK = "••••••"  # what a secret template's values read once Meta has them


def release(keys: list[str]) -> None:
    """After the commit, enqueue a send for each still-pending row of these keys."""
    if not keys:
        return
    rows = OutboundMessage.select(OutboundMessage.id, OutboundMessage.queue).where(
        OutboundMessage.idempotency_key.in_(keys), OutboundMessage.state == "pending"
    )
    for row in rows:
        enqueue_send(row.id, row.queue)


def enqueue_send(outbound_id: int, queue_name: str = HIGH, at: dt.datetime | None = None) -> bool:
    """Put one outbox row's send on its queue (at a later moment when `at` is given)."""
    # A retry is scheduled while its own job still runs, so it needs an id of its own.
    suffix = f"-at{int(at.timestamp() * 1000)}" if at else ""
    return submit(send_outbound, outbound_id, queue_name=queue_name, suffix=suffix, at=at)


@job(HIGH, job_id="send-{0}", timeout=60 + int(ratelimit.MAX_WAIT))
def send_outbound(outbound_id: int) -> str:
    """RQ job: send one outbox row once; a send that may succeed later is scheduled again."""
    outcome = deliver(outbound_id)
    if isinstance(outcome, Later):
        enqueue_send(outbound_id, outcome.queue, at=outcome.at)
        return f"later ({outcome.reason})"
    return outcome


@dataclass(frozen=True)
class Later:
    """The row is pending again and should be tried at `at` (naive UTC)."""

    at: dt.datetime
    reason: str
    queue: str


def deliver(outbound_id: int) -> str | Later:
    """Claim a pending row, wait for a send slot, send it and record the outcome."""
    with write_transaction():
        row = for_update(OutboundMessage.select().where(OutboundMessage.id == outbound_id)).first()
        if row is None or row.state != "pending":
            return f"skipped ({row.state if row else 'missing'})"
        row.state, row.attempts, row.updated_at = "sending", row.attempts + 1, utcnow()
        row.save()
    bulk = row.queue == BULK
    busy = ratelimit.recipient_free(row.to) if bulk else 0.0
    if busy:
        return _later(row, busy, "recipient paced", counts=False)
    try:
        ratelimit.take(bulk)
        transport = current().transport
        # A file is uploaded on every attempt: WhatsApp media ids are cheap and expire.
        media_id = _upload(transport, row.media_path) if row.media_path else None
        message = Outgoing(
            to=row.to,
            kind=row.kind,
            text=row.body,
            template=row.template,
            media_id=media_id,
            filename=Path(row.media_path).name,
            reference=f"ob:{row.id}",
        )
        wamid = transport.send(message)
    except ratelimit.NoToken as exc:
        return _later(row, 5.0, str(exc), counts=False)
    except GraphError as exc:
        return _failed(row, exc)
    except Exception as exc:
        # Not a Graph answer at all (a bug, storage trouble): retried like a transient error.
        log.exception("send of outbound %s raised", row.id)
        return _failed(row, TransientGraphError(f"{type(exc).__name__}: {exc}"))
    _settle(row, state="sent", wamid=wamid, sent_at=utcnow(), error="", error_code=None)
    log.info("sent outbound %s to %s", row.id, mask_phone(row.to))
    return "sent"


def _upload(transport: Transport, key: str) -> str:
    """Upload a stored file (by its storage key) to WhatsApp and return the media id."""
    data = current().storage.open_bytes(key)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(key).name
        path.write_bytes(data)
        return transport.upload_media(str(path))


def retry_delay(attempt: int, exc: GraphError) -> float:
    """Seconds before the next attempt: 4^n for pair limits, shorter for throughput limits."""
    if isinstance(exc, RateLimited) and not exc.pair_limit:
        return min(60.0, 2.0**attempt)
    return RETRY_SECONDS[min(attempt, len(RETRY_SECONDS)) - 1]


def _failed(row: OutboundMessage, exc: GraphError) -> str | Later:
    """Record a Graph error: pending again until a later attempt, or failed for good."""
    limit = RATE_LIMIT_ATTEMPTS if isinstance(exc, RateLimited) else MAX_ATTEMPTS
    if isinstance(exc, OutcomeUnknown) and row.attempts < limit:
        # Meta may have sent it: the row stays "sending" until a status webhook (which names
        # the row) settles it, or the sweeper's lease lapses with none and it goes out again.
        log.warning("send of outbound %s timed out; waiting for Meta's status", row.id)
        return "unknown (timeout)"
    if exc.retryable and row.attempts < limit:
        if isinstance(exc, RateLimited) and not exc.pair_limit:
            ratelimit.pause(1.0)  # the whole number is over its rate: every worker slows down
        log.warning(
            "send of outbound %s to %s failed (%s, attempt %s); will retry",
            row.id,
            mask_phone(row.to),
            exc.code,
            row.attempts,
        )
        return _later(row, retry_delay(row.attempts, exc), str(exc), error_code=exc.code)
    if isinstance(exc, OptedOut):
        Contact.update(opted_out_at=utcnow()).where(contacts.matching([row.to])).execute()
    state = "skipped" if isinstance(exc, OptedOut) else "failed"
    # A team member hears it as a template instead; staged before this row settles, so whoever
    # waits for the outbox to drain sees the copy waiting.
    again = team_notices.as_template(row) if isinstance(exc, OutsideWindow) else ""
    _settle(row, state=state, error=str(exc)[:500], error_code=exc.code, failed_at=utcnow())
    release([again] if again else [])
    if isinstance(exc, OutsideWindow | RecipientRefused) and not again:
        _tell_sender(row, exc)
    log.warning(
        "send of outbound %s to %s failed for good (%s, attempt %s)",
        row.id,
        mask_phone(row.to),
        exc.code,
        row.attempts,
    )
    return f"{state} ({exc.code})"


# Why a message someone asked us to pass on could not go out, and what they can do.
UNDELIVERED = {
    OutsideWindow: "they haven't written to us in the last 24 hours, and WhatsApp only lets us "
    "start a conversation with an approved template. Ask them to send any message to this "
    "number, then try again.",
    RecipientRefused: "they use a WhatsApp username and we only know them by it, and WhatsApp "
    "does not allow this message to a username. Ask them to share their phone number.",
}


def _tell_sender(row: OutboundMessage, exc: GraphError) -> None:
    """A message someone asked us to pass on could not go out for good: tell them why."""
    why = UNDELIVERED[type(exc)]
    answered = ConversationMessage.get_or_none(
        ConversationMessage.outbound == row.id, ConversationMessage.direction == "out"
    )
    if answered is not None and isinstance(exc, OutsideWindow):
        # A customer of ours: a template reaches them where free text cannot.
        why = "they last wrote more than 24 hours ago. " + templates.offer(answered.conversation_id)
    with write_transaction():
        keys = tell_asker(row, why)
    release(keys)


def tell_asker(row: OutboundMessage, why: str) -> list[str]:
    """Stage, once per row, a note to whoever asked us to pass `row` on that it did not arrive
    (inside the caller's transaction); its outbox keys."""
    cause = InboundMessage.get_or_none(InboundMessage.id == row.inbound_id)
    if cause is None or not cause.sender or row.to in (cause.sender, cause.sender_bsuid):
        return []  # not passed on for anyone: the failure is in /stats
    key = f"undelivered:{row.id}"
    staging.add(
        cause.sender, f"I couldn't deliver your message to {mask_phone(row.to)}: {why}", key
    )
    return [key]


def _later(
    row: OutboundMessage, seconds: float, reason: str, counts: bool = True, **fields: object
) -> Later:
    """Put a claimed row back to pending until `seconds` from now."""
    jittered = seconds * random.uniform(0.8, 1.25)
    at = utcnow() + dt.timedelta(seconds=jittered)
    attempts = row.attempts if counts else row.attempts - 1  # pacing is not a failed attempt
    _settle(row, state="pending", retry_at=at, attempts=attempts, error=reason[:500], **fields)
    return Later(at=at, reason=reason[:80], queue=row.queue)


def redacted(body: str, template: dict | None) -> dict[str, object]:
    """The body and template of a secret template with its values masked; {} for any other."""
    # For a row Meta has or will never have: kept, a login code would sit beside its hash.
    if not template or not template.get("secret"):
        return {}
    params = [str(value) for value in template.get("params") or []]
    for value in params:
        body = body.replace(value, MASK)
    return {"body": body, "template": {**template, "params": [MASK] * len(params)}}


def _drop_send_once(row: OutboundMessage) -> None:
    """Delete the row's file if it was made only to be sent (an export): it has its outcome."""
    if not row.media_path or not is_send_once(row.media_path):
        return
    try:
        current().storage.delete(row.media_path)
    except StorageError:  # the message is settled either way; the file is only left behind
        log.exception("could not delete %s after sending outbound %s", row.media_path, row.id)


def _settle(row: OutboundMessage, **fields: object) -> None:
    """Write a send's outcome once (only a row still "sending" moves) and count it."""
    fields["updated_at"] = utcnow()
    # The broadcast this outcome counts in; None when the row has none or has no outcome yet.
    broadcast_id = row.broadcast_id if row.broadcast_id and fields["state"] != "pending" else None
    if fields["state"] != "pending":  # a pending row is sent again and needs its values
        fields.update(redacted(row.body, row.template))
        _drop_send_once(row)
    try:
        _record(row, fields, broadcast_id)
    except DatabaseError:
        log.warning("retrying the outcome of outbound %s after a database error", row.id)
        _record(row, fields, broadcast_id)
    if broadcast_id is not None:
        # Reported even when a status webhook settled (and counted) the row first: the webhook
        # does not report, so for a broadcast's last row this is the only one left to say done.
        release(progress.report(broadcast_id))


def _record(row: OutboundMessage, fields: dict, broadcast_id: int | None) -> None:
    """Move a "sending" row to its outcome; a broadcast's count commits in the same transaction.

    Apart, a worker killed between the two would leave its broadcast one short of done for good.
    """
    where = (OutboundMessage.id == row.id) & (OutboundMessage.state == "sending")
    with write_transaction() if broadcast_id is not None else contextlib.nullcontext():
        try:
            moved = OutboundMessage.update(**fields).where(where).execute()
        except IntegrityError:
            # Only a stand-in transport repeats a wamid; the send happened, so record it without one.
            log.error("outbound %s got a wamid another row has; keeping the outcome", row.id)
            fields.pop("wamid", None)
            moved = OutboundMessage.update(**fields).where(where).execute()
        if moved and broadcast_id is not None:
            broadcasts.count(broadcast_id, str(fields["state"]))
