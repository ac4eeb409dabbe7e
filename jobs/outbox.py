"""The outbox: every outgoing message is a row first, then a send_outbound job sends it once."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from peewee import DatabaseError, IntegrityError
from rq import Retry

import storage
from jobs.queues import HIGH, backoff, enqueue
from jobs.runtime import current
from models import InboundMessage, OutboundMessage, for_update, utcnow, write_transaction
from whatsapp.errors import GraphError
from whatsapp.transports import Outgoing, Transport
from wocs.values import mask_phone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_SECONDS = [4, 16, 64, 256, 600]  # 4^n, as Meta asks after pair-rate errors


def add(
    to: str,
    text: str,
    key: str,
    *,
    image: str = "",
    template: dict | None = None,
    inbound: InboundMessage | None = None,
    queue_name: str = HIGH,
) -> None:
    """Add a message to the outbox inside the caller's transaction; a repeated key is a no-op.

    Text by default; an image file with `text` as its caption; or a template
    ({"name", "language", "params"}) with `text` kept as the readable version.
    """
    OutboundMessage.insert(
        idempotency_key=key[:191],
        to=to,
        kind="template" if template else "image" if image else "text",
        body=text,
        template=template,
        media_path=image,
        queue=queue_name,
        inbound=inbound,
    ).on_conflict_ignore().execute()


def release(keys: list[str]) -> None:
    """After the commit, enqueue a send for each still-pending row of these keys."""
    if not keys:
        return
    rows = OutboundMessage.select(OutboundMessage.id, OutboundMessage.queue).where(
        OutboundMessage.idempotency_key.in_(keys), OutboundMessage.state == "pending"
    )
    for row in rows:
        enqueue_send(row.id, row.queue)


def enqueue_send(outbound_id: int, queue_name: str = HIGH) -> bool:
    """Put one outbox row's send on its queue."""
    return enqueue(
        "jobs.outbox.send_outbound",
        outbound_id,
        queue_name=queue_name,
        job_id=f"send-{outbound_id}",
        retry=Retry(max=MAX_ATTEMPTS - 1, interval=backoff(RETRY_SECONDS)),
        timeout=60,
    )


def send_outbound(outbound_id: int) -> str:
    """Send one outbox row unless it was already sent; raise to let RQ retry transient errors."""
    with write_transaction():
        row = for_update(OutboundMessage.select().where(OutboundMessage.id == outbound_id)).first()
        if row is None or row.state != "pending":
            return f"skipped ({row.state if row else 'missing'})"
        row.state, row.attempts, row.updated_at = "sending", row.attempts + 1, utcnow()
        row.save()
    transport = current().transport
    try:
        # An image is uploaded on every attempt: WhatsApp media ids are cheap and expire.
        media_id = _upload(transport, row.media_path) if row.media_path else None
        message = Outgoing(
            to=row.to,
            kind=row.kind,
            text=row.body,
            template=row.template,
            media_id=media_id,
            reference=f"ob:{row.id}",
        )
        wamid = transport.send(message)
    except GraphError as exc:
        return _failed(row, exc)
    except Exception as exc:
        # Not a Graph answer at all: keep the row sendable and let RQ retry.
        _settle(row.id, state="pending", error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    _settle(row.id, state="sent", wamid=wamid, sent_at=utcnow(), error="", error_code=None)
    log.info("sent outbound %s to %s", row.id, mask_phone(row.to))
    return "sent"


def _upload(transport: Transport, key: str) -> str:
    """Upload a stored file (by its storage key) to WhatsApp and return the media id."""
    data = storage.current().open_bytes(key)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(key).name
        path.write_bytes(data)
        return transport.upload_media(str(path))


def _failed(row: OutboundMessage, exc: GraphError) -> str:
    """Record a Graph error: pending again (and raise, so RQ retries) or failed for good."""
    retry = exc.retryable and row.attempts < MAX_ATTEMPTS
    _settle(
        row.id,
        state="pending" if retry else "failed",
        error=str(exc)[:500],
        error_code=exc.code,
        failed_at=None if retry else utcnow(),
    )
    log.warning(
        "send of outbound %s to %s failed (%s, attempt %s)%s",
        row.id,
        mask_phone(row.to),
        exc.code,
        row.attempts,
        "; will retry" if retry else "",
    )
    if retry:
        raise exc
    return f"failed ({exc.code})"


def _settle(outbound_id: int, **fields: object) -> None:
    """Write a send's outcome, retrying once if the database blinked."""
    fields["updated_at"] = utcnow()
    where = (OutboundMessage.id == outbound_id) & (OutboundMessage.state == "sending")
    try:
        OutboundMessage.update(**fields).where(where).execute()
    except IntegrityError:
        # Only a stand-in transport repeats a wamid; the send happened, so record it without one.
        log.error("outbound %s got a wamid another row has; keeping the outcome", outbound_id)
        fields.pop("wamid", None)
        OutboundMessage.update(**fields).where(where).execute()
    except DatabaseError:
        log.warning("retrying the outcome of outbound %s after a database error", outbound_id)
        OutboundMessage.update(**fields).where(where).execute()
