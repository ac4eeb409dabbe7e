"""Broadcasts: one template to an audience on the bulk queue, paced, resumable, with progress."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from peewee import fn

from domain import contacts
from domain.broadcasts import SENT_STATES, audience_phones
from jobs import outbox, progress, runtime
from jobs.queues import BULK, job, submit
from models import (
    Broadcast,
    OutboundMessage,
    db,
    for_update,
    utcnow,
    write_transaction,
)
from wocs.audit import audit_job
from wocs.message_templates import readable

log = logging.getLogger(__name__)

CHUNK = 400  # rows one send job takes
# Sends in flight per worker process: Meta answers in 0.1-0.3 s, so one worker needs about 24 to
# reach an 80/s cap; the shared limit keeps more workers from sending any faster.
SEND_THREADS = 24
# The sending threads outlive a chunk and keep their database connection: opening one costs
# tens of milliseconds (PyMySQL builds a TLS context), under a lock peewee holds per process.
_senders = ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="wocs-send")


@job(BULK, job_id="broadcast-{0}", retry=(10, 60, 300))
def run_broadcast(broadcast_id: int) -> str:
    """Turn a due broadcast into outbox rows (once), then queue their sends; safe to repeat."""
    broadcast = Broadcast.get_or_none(Broadcast.id == broadcast_id)
    if broadcast is None or broadcast.state in ("done", "cancelled"):
        return f"skipped ({broadcast.state if broadcast else 'missing'})"
    if broadcast.send_at and broadcast.send_at > utcnow() + dt.timedelta(seconds=1):
        submit(run_broadcast, broadcast.id, suffix="-at", at=broadcast.send_at)
        return "scheduled"
    if broadcast.state in ("queued", "expanding"):
        _expand(broadcast)
    queued = _queue_chunks(broadcast.id)
    outbox.release(progress.report(broadcast.id))
    return f"sending ({queued} chunks queued)"


def _expand(broadcast: Broadcast) -> None:
    """Write one outbox row per recipient (opted-out ones as skipped), then count them."""
    Broadcast.update(state="expanding", updated_at=utcnow()).where(
        Broadcast.id == broadcast.id
    ).execute()
    # Read whole before writing: SQLite cannot write from a connection still reading an older
    # snapshot, and a list of even 100,000 numbers is a few megabytes.
    phones = list(audience_phones(broadcast.audience))
    text = readable(broadcast.template, broadcast.language, broadcast.params)
    template = {
        "name": broadcast.template,
        "language": broadcast.language,
        "params": broadcast.params,
    }
    for first in range(0, len(phones), 500):
        _add_rows(broadcast, phones[first : first + 500], text, template)
    with write_transaction():
        current = for_update(Broadcast.select().where(Broadcast.id == broadcast.id)).get()
        if current.state != "expanding":
            return  # another worker finished the expansion meanwhile
        counts = dict(
            cast(
                "Iterable[tuple[str, int]]",  # .tuples() rows (peewee's stubs say models)
                OutboundMessage.select(OutboundMessage.state, fn.COUNT(OutboundMessage.id))
                .where(OutboundMessage.broadcast == broadcast.id)
                .group_by(OutboundMessage.state)
                .tuples(),
            )
        )
        current.total = sum(counts.values())
        current.skipped = counts.get("skipped", 0)
        current.sent = sum(counts.get(s, 0) for s in SENT_STATES)
        current.failed = counts.get("failed", 0)
        current.state, current.updated_at = "sending", utcnow()
        current.save()
        audit_job(
            "broadcast.start",
            f"broadcast:{current.id}",
            {"state": "queued"},
            {"state": "sending", "recipients": current.total, "skipped": current.skipped},
        )
        keys = progress.tell(current, f"bc:{current.id}:start", progress.start_text(current))
    outbox.release(keys)


def _add_rows(broadcast: Broadcast, phones: list[str], text: str, template: dict) -> None:
    """Insert one batch of recipients' rows; a repeated run inserts nothing new."""
    if not phones:
        return
    stopped = contacts.opted_out(phones)
    rows = [
        {
            "idempotency_key": f"bc:{broadcast.id}:{phone}",
            "to": phone,
            "kind": "template",
            "body": text,
            "template": template,
            "queue": broadcast.queue,
            "broadcast": broadcast.id,
            "state": "skipped" if phone in stopped else "pending",
            "error": "opted out" if phone in stopped else "",
        }
        for phone in phones
    ]
    with write_transaction():
        OutboundMessage.insert_many(rows).on_conflict_ignore().execute()


def _queue_chunks(broadcast_id: int) -> int:
    """Queue send jobs for every pending row of the broadcast, CHUNK rows each."""
    ids = [
        row.id
        for row in OutboundMessage.select(OutboundMessage.id)
        .where(
            OutboundMessage.broadcast == broadcast_id,
            OutboundMessage.state == "pending",
            OutboundMessage.retry_at.is_null() | (OutboundMessage.retry_at <= utcnow()),
        )
        .order_by(OutboundMessage.id)
    ]
    chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    # Each run names its chunks anew: a chunk job of a killed worker still looks "started" for
    # its whole timeout, and sending the same rows twice is harmless (each row is claimed once).
    run = int(time.time())
    for chunk in chunks:
        submit(send_chunk, broadcast_id, chunk[0], chunk[-1], suffix=f"-{run}")
    return len(chunks)


@job(BULK, job_id="bc-{0}-{1}-{2}", timeout=900)
def send_chunk(broadcast_id: int, first_id: int, last_id: int) -> str:
    """Send the pending rows of one chunk, SEND_THREADS at a time, each exactly once."""
    ids = [
        row.id
        for row in OutboundMessage.select(OutboundMessage.id).where(
            OutboundMessage.broadcast == broadcast_id,
            OutboundMessage.id.between(first_id, last_id),
            OutboundMessage.state == "pending",
        )
    ]
    # One row at a time from a shared list: a thread that drew fast answers takes more rows, so
    # the chunk ends with its last send rather than with its slowest share.
    outcomes = list(_senders.map(runtime.current().wrap(_send_one), ids))
    return f"{len(outcomes)} rows: {outcomes.count('sent')} sent"


def _send_one(outbound_id: int) -> str:
    """Send one row on a sending thread, whose database connection stays open for the next."""
    db.connect(reuse_if_open=True)
    try:
        outcome = outbox.deliver(outbound_id)
    except Exception:
        # The row stays "sending" and the sweeper's lease brings it back.
        log.exception("sending outbound %s failed", outbound_id)
        return "error"
    if isinstance(outcome, outbox.Later):
        outbox.enqueue_send(outbound_id, BULK, at=outcome.at)
        return "later"
    return outcome
