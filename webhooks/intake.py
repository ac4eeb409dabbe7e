"""Storing what a webhook body carries, in one transaction, before Meta gets its 200."""

from __future__ import annotations

import logging

from models import Contact, InboundMessage, OutboundMessage, utcnow, write_transaction
from webhooks.payload import Batch, Preference, Status

log = logging.getLogger(__name__)

# Meta may send statuses out of order (read before delivered): a state only moves forward.
PROGRESS = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}
STAMPS = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}


def store(batch: Batch) -> list[int]:
    """Insert new messages (once per message id), apply statuses and preferences; return ids to enqueue."""
    if not (batch.messages or batch.statuses or batch.preferences):
        return []
    with write_transaction():
        if batch.messages:
            rows = [
                {
                    "wamid": m.wamid,
                    "sender": m.sender,
                    "sender_bsuid": m.sender_bsuid,
                    "sender_name": m.sender_name,
                    "type": m.type,
                    "body": m.body,
                    "raw": m.raw,
                    "sent_at": m.sent_at,
                }
                for m in batch.messages
            ]
            InboundMessage.insert_many(rows).on_conflict_ignore().execute()
        for status in batch.statuses:
            apply_status(status)
        for preference in batch.preferences:
            apply_preference(preference)
    if not batch.messages:
        return []
    # Rows still "received" need a job; a repeat of a handled message needs none.
    wamids = [m.wamid for m in batch.messages]
    query = InboundMessage.select(InboundMessage.id).where(
        InboundMessage.wamid.in_(wamids), InboundMessage.state == "received"
    )
    return [row.id for row in query]


def apply_status(status: Status) -> None:
    """Move one outbound row forward according to Meta's status for it."""
    row = (
        OutboundMessage.get_or_none(OutboundMessage.wamid == status.wamid) if status.wamid else None
    )
    if row is None and status.reference.startswith("ob:") and status.reference[3:].isdigit():
        row = OutboundMessage.get_or_none(OutboundMessage.id == int(status.reference[3:]))
        if row is not None and not row.wamid:
            row.wamid = status.wamid  # the send's own answer was lost; the status names it
    if row is None:
        return
    at = status.at or utcnow()
    kind = "read" if status.status == "played" else status.status
    if kind == "failed":
        if row.state not in ("delivered", "read"):
            row.state, row.failed_at = "failed", at
        row.error_code, row.error = status.error_code, status.error
    elif kind in STAMPS:
        for step in ("sent", "delivered", "read")[: ("sent", "delivered", "read").index(kind) + 1]:
            if getattr(row, STAMPS[step]) is None:
                setattr(row, STAMPS[step], at)
        if row.state == "failed" or PROGRESS.get(row.state, 0) < PROGRESS[kind]:
            row.state = kind
    else:
        return
    row.updated_at = utcnow()
    row.save()


def apply_preference(preference: Preference) -> None:
    """Record a customer's stop or resume of marketing messages."""
    if preference.value not in ("stop", "resume") or not (preference.phone or preference.bsuid):
        return
    contact = Contact.of(preference.phone, preference.bsuid)
    contact.opted_out_at = (preference.at or utcnow()) if preference.value == "stop" else None
    contact.save()
