"""Media jobs: fetch what people sent on WhatsApp into storage: an event's photo, a customer's media."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import PurePosixPath

import storage
from jobs import forwards
from jobs.queues import DEFAULT, job, submit
from jobs.runtime import current
from models import Event, WocsAttachment, for_update, utcnow, write_transaction
from whatsapp.errors import GraphError
from wocs.audit import audit_job

log = logging.getLogger(__name__)

PENDING_GRACE = dt.timedelta(minutes=2)  # younger rows still have their first job coming
MEDIA_LIFETIME = dt.timedelta(days=7)  # Meta's media ids expire after 7 days
BATCH = 500
SERVED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic"})


def enqueue_fetch(attachment_id: int) -> bool:
    """Put one attachment's fetch on the default queue (once)."""
    return submit(fetch_attachment, attachment_id)


def _prefix(row: WocsAttachment) -> str:
    """The folder an attachment's file goes in."""
    if row.event_id:
        return f"events/{row.event_id}"
    if row.task_id:
        return f"tasks/{row.task_id}"
    message = row.conversation_messages.first()
    return f"conversations/{message.conversation_id}" if message else "attachments"


@job(DEFAULT, job_id="attachment-{0}", retry=(10, 60, 300), timeout=180)
def fetch_attachment(attachment_id: int) -> str:
    """Fetch a pending attachment from WhatsApp, store it and attach it; safe to run twice.

    Transient errors (Graph, network, storage) raise so RQ retries and the sweeper follows
    up; a permanent Graph refusal marks the attachment failed.
    """
    row = WocsAttachment.get_or_none(WocsAttachment.id == attachment_id)
    if row is None or row.state != "pending":
        return f"skipped ({row.state if row else 'missing'})"
    try:
        return _fetch(row)
    finally:
        # Whatever the outcome, a customer's message waiting for this try is forwarded now
        # (with its placeholder if the file is not here: the retries go on).
        WocsAttachment.update(attempts=WocsAttachment.attempts + 1).where(
            WocsAttachment.id == row.id
        ).execute()
        forwards.fetched(row.id)


def _fetch(row: WocsAttachment) -> str:
    """One try at fetching and storing an attachment."""
    try:
        data, mime = current().transport.fetch_media(row.media_id)
    except GraphError as exc:
        if exc.retryable:
            raise
        WocsAttachment.update(state="failed").where(
            WocsAttachment.id == row.id, WocsAttachment.state == "pending"
        ).execute()
        log.warning("attachment %s: media %s cannot be fetched: %s", row.id, row.media_id, exc)
        return f"failed ({exc.code})"
    # Only plain raster images are served as what they are: a stored file must never become
    # an HTML page or a scripted SVG on the bucket's domain.
    content_type = mime if mime in SERVED_TYPES else "application/octet-stream"
    # The key comes from the content, so a second run (or a retry) writes the same object.
    stored = current().storage.save(
        storage.content_key(_prefix(row), data, mime), data, content_type
    )
    return attach_stored(row.id, stored, mime)


def attach_stored(attachment_id: int, stored: storage.StoredFile, mime: str) -> str:
    """Record the stored file on the attachment and its event, once."""
    with write_transaction():
        query = WocsAttachment.select().where(WocsAttachment.id == attachment_id)
        row = for_update(query).first()
        if row is None or row.state != "pending":
            return f"skipped ({row.state if row else 'missing'})"  # another run got here first
        row.url, row.size, row.state = stored.url, stored.size, "stored"
        row.storage_key = stored.key
        row.filename = row.filename or PurePosixPath(stored.key).name
        row.mime_type = mime[:100]
        row.save()
        after = {"attachment": row.id, "key": stored.key, "size": stored.size}
        event = for_update(Event.select().where(Event.id == row.event_id)).first()
        if event is not None:
            event.photos = [*(event.photos or []), stored.key]
            event.updated_at = utcnow()
            event.save(only=[Event.photos, Event.updated_at])
            audit_job("event.photo_stored", f"event:{event.id}", None, after)
        else:
            audit_job("attachment.stored", f"attachment:{row.id}", None, after)
    log.info("attachment %s stored as %s (%d bytes)", attachment_id, stored.key, stored.size)
    return "stored"


def sweep_attachments() -> dict[str, int]:
    """Enqueue fetches for attachments still pending after a while; fail those past Meta's 7 days."""
    now = utcnow()
    expired = (
        WocsAttachment.update(state="failed")
        .where(WocsAttachment.state == "pending", WocsAttachment.created_at < now - MEDIA_LIFETIME)
        .execute()
    )
    stale = (
        WocsAttachment.select(WocsAttachment.id)
        .where(WocsAttachment.state == "pending", WocsAttachment.created_at < now - PENDING_GRACE)
        .order_by(WocsAttachment.id)
        .limit(BATCH)
    )
    return {"attachments": sum(enqueue_fetch(row.id) for row in stale), "expired": expired}
