"""Storing what a webhook body carries, committed before Meta gets its 200."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from peewee import IntegrityError, OperationalError

from domain import broadcasts, contacts
from jobs import outbox
from models import (
    Contact,
    ConversationMessage,
    InboundMessage,
    OutboundMessage,
    db,
    for_update,
    is_mysql,
    utcnow,
    write_transaction,
)
from webhooks import accounts
from whatsapp.payload import Batch, Message, MetaError, Preference, Status
from wocs import message_templates as templates
from wocs.meta_errors import OPTED_OUT, error_name
from wocs.values import mask_phone, mask_text

log = logging.getLogger(__name__)

# Meta may send statuses out of order (read before delivered): a state only moves forward.
PROGRESS = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}
STAMPS = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}
LOCK_ERRORS = (1205, 1213)  # MySQL: lock wait timeout, deadlock
ATTEMPTS = 3


COLUMNS = (
    "wamid",
    "sender",
    "sender_bsuid",
    "sender_parent_bsuid",
    "sender_username",
    "sender_name",
    "type",
    "body",
    "raw",
    "sent_at",
    "state",
)


@dataclass
class Stored:
    """Rows this body created (no job can exist for them yet) and earlier copies still unhandled."""

    created: list[int] = field(default_factory=list)
    unhandled: list[int] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # outbox keys to send after the commit


def store(batch: Batch) -> Stored:
    """Insert new messages (once per message id), apply statuses and preferences; say what to enqueue."""
    for error in batch.errors:
        log_error(error)
    if len(batch.messages) == 1 and not batch.updates:
        return _store_one(batch.messages[0])  # nearly every body Meta sends
    if not (batch.messages or batch.updates):
        return Stored()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            notices = _store_many(batch)
            break
        except (OperationalError, IntegrityError) as exc:
            # InnoDB chose this transaction as a deadlock's victim (or it waited too long for a
            # lock) and it was rolled back whole, or a concurrent body created the same contact
            # first: the usual remedy is to run it again, when the other's row is visible.
            if attempt == ATTEMPTS or not _retryable(exc):
                raise
            log.warning("storing a webhook body met %s; trying again", exc.args[0])
    return Stored(unhandled=_unhandled([m.wamid for m in batch.messages]), notices=notices)


def log_error(error: MetaError) -> None:
    """One of Meta's error entries as a log line, its code named and personal data masked."""
    text = " — ".join(part for part in (error.title, error.details) if part)
    log.warning(
        "Meta reported error %s on %s: %s",
        error_name(error.code),
        mask_text(error.about, error.names),
        mask_text(text, error.names) or "(no text)",
    )


def _retryable(exc: Exception) -> bool:
    """A lock conflict, or a unique key another transaction just took: worth a second run."""
    return isinstance(exc, IntegrityError) or bool(exc.args and exc.args[0] in LOCK_ERRORS)


def _store_many(batch: Batch) -> list[str]:
    """Everything a body other than a lone message carries, in one transaction; the outbox keys
    it staged."""
    notices: list[str] = []
    with write_transaction():
        if batch.messages:
            rows = [_values(m) for m in batch.messages]
            InboundMessage.insert_many(rows).on_conflict_ignore().execute()
            kept = [m for m in batch.messages if m.kept]
            if kept:
                log.info(
                    "%d of %d messages kept for the record only (%s)",
                    len(kept),
                    len(batch.messages),
                    ", ".join(sorted({m.kept for m in kept})),
                )
        for status in batch.statuses:
            notices += apply_status(status)
        for preference in batch.preferences:
            apply_preference(preference)
        for update in batch.templates:
            templates.record_status(
                update.name,
                update.language,
                update.status,
                meta_id=update.meta_id,
                reason=update.reason,
            )
        for change in batch.accounts:
            notices += accounts.record(change)
    return notices


def _store_one(message: Message) -> Stored:
    """One message: a single autocommitted INSERT … IGNORE, one round trip to the database."""
    fields = InboundMessage._meta.fields
    values = _values(message)
    values.update(attempts=0, error="", received_at=utcnow())
    params = [fields[name].db_value(value) for name, value in values.items()]
    cursor = db.execute_sql(_insert_sql(is_mysql(), tuple(values)), params)
    if cursor.rowcount == 1 and message.kept:
        log.info("inbound %s kept for the record only (%s)", cursor.lastrowid, message.kept)
        return Stored()  # stored, and no job will ever act on it
    if cursor.rowcount == 1:
        return Stored(created=[cursor.lastrowid])
    return Stored(unhandled=_unhandled([message.wamid]))  # Meta delivered it again


def _values(message: Message) -> dict:
    """The row for a message: "received" waits for its job, "kept" is for the record only."""
    values = {name: getattr(message, name) for name in COLUMNS if name != "state"}
    return values | {"state": "kept" if message.kept else "received"}


@functools.cache
def _insert_sql(mysql: bool, columns: tuple[str, ...]) -> str:
    """The insert that skips a message id already stored, in each dialect."""
    quote, mark, verb = ("`", "%s", "INSERT IGNORE") if mysql else ('"', "?", "INSERT OR IGNORE")
    names = ", ".join(f"{quote}{name}{quote}" for name in columns)
    table = InboundMessage._meta.table_name
    return (
        f"{verb} INTO {quote}{table}{quote} ({names}) VALUES ({', '.join([mark] * len(columns))})"
    )


def _unhandled(wamids: list[str]) -> list[int]:
    """Stored copies of these messages still waiting for their job (a handled one needs none)."""
    if not wamids:
        return []
    query = InboundMessage.select(InboundMessage.id).where(
        InboundMessage.wamid.in_(wamids), InboundMessage.state == "received"
    )
    return [row.id for row in query]


def apply_status(status: Status) -> list[str]:
    """Move one outbound row forward according to Meta's status for it; the outbox keys of
    what it staged (a team member's answer that failed is told to them)."""
    row = (
        OutboundMessage.get_or_none(OutboundMessage.wamid == status.wamid) if status.wamid else None
    )
    if row is None and status.reference.startswith("ob:") and status.reference[3:].isdigit():
        row = OutboundMessage.get_or_none(OutboundMessage.id == int(status.reference[3:]))
        # The reference only stands in for a send whose answer was lost: a row that has a wamid
        # of its own is another message (row ids come round again after a restore).
        if row is not None and row.wamid and row.wamid != status.wamid:
            row = None
    if row is None:
        return []
    # Read again under the row's lock: a sender may be recording this very send, and the state
    # it commits decides who counts the outcome (counted twice, a broadcast says done too soon).
    row = for_update(OutboundMessage.select().where(OutboundMessage.id == row.id)).get()
    if not row.wamid:
        row.wamid = status.wamid  # the send's own answer was lost; the status names it
    at = status.at or utcnow()
    kind = "read" if status.status == "played" else status.status
    unsettled = row.state in ("pending", "sending")  # the sender never learnt how it went
    told: list[str] = []
    if kind == "failed":
        # Statuses never go back: a failure Meta reports after the message was delivered or
        # read keeps it shown so, with the error recorded beside it.
        kept = row.state if row.state in ("delivered", "read") else ""
        if not kept:
            row.state, row.failed_at = "failed", at
        row.error_code, row.error = status.error_code, status.error
        log.warning(
            "outbound %s to %s: Meta reports it failed (%s)%s",
            row.id,
            mask_phone(row.to),
            error_name(status.error_code),
            f" after it was {kept}; it stays {kept}" if kept else "",
        )
        if status.error_code == OPTED_OUT:  # Meta says this person stopped marketing
            Contact.update(opted_out_at=at).where(contacts.matching([row.to])).execute()
        out = row.conversation_messages.where(ConversationMessage.direction == "out")
        if not kept and out.exists():
            why = f"WhatsApp reports it failed ({error_name(status.error_code)})."
            told = outbox.tell_asker(row, why)
    elif kind in STAMPS:
        for step in ("sent", "delivered", "read")[: ("sent", "delivered", "read").index(kind) + 1]:
            if getattr(row, STAMPS[step]) is None:
                setattr(row, STAMPS[step], at)
        if row.state == "failed" or PROGRESS.get(row.state, 0) < PROGRESS[kind]:
            row.state = kind
    else:
        return []
    if unsettled and row.state not in ("pending", "sending"):  # Meta has it: no resend needs it
        for name, value in outbox.redacted(row.body, row.template).items():
            setattr(row, name, value)
    row.updated_at = utcnow()
    row.save()
    if unsettled and row.broadcast_id and row.state not in ("pending", "sending"):
        # The sender's own record of this outcome is now impossible (it only moves "sending"
        # rows), so this status is the one place it is counted; progress follows the next send.
        broadcasts.count(row.broadcast_id, row.state)
    return told


def apply_preference(preference: Preference) -> None:
    """Record a customer's stop or resume of marketing messages."""
    if preference.value not in ("stop", "resume") or not (preference.phone or preference.bsuid):
        return
    contact = contacts.remember(contacts.Identity(phone=preference.phone, bsuid=preference.bsuid))
    if contact is not None:
        contact.opted_out_at = (preference.at or utcnow()) if preference.value == "stop" else None
        contact.save()
