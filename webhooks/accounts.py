"""Keeping Meta's account-level changes once each, and telling every admin in one short message."""

from __future__ import annotations

import hashlib
import json
import logging

from jobs import staging
from jobs.runtime import current
from models import AccountEvent
from webhooks.account_notices import event_name, summary, worth_telling
from whatsapp.payload import AccountUpdate

log = logging.getLogger(__name__)


def record(update: AccountUpdate) -> list[str]:
    """Keep the change (a redelivery is ignored) inside the caller's transaction; the outbox keys
    of the admins' notices, to release after the commit."""
    key = _key(update)
    if AccountEvent.select().where(AccountEvent.key == key).exists():
        return []  # Meta delivered it again: kept and told the first time
    # Two deliveries at once: the second's insert meets the unique key and its transaction
    # runs again (webhooks/intake), when it sees this row.
    text = summary(update, current().settings.tz)
    event = AccountEvent.create(
        key=key,
        account=update.account,
        kind=update.field,
        event=event_name(update),
        summary=text,
        raw=update.value,
        happened_at=update.at,
    )
    log.warning("WhatsApp account %s: %s (%s)", update.field, event.event, text)
    if not worth_telling(update):
        return []
    return staging.to_admins(f"WhatsApp account: {text}", f"account:{event.id}")


def _key(update: AccountUpdate) -> str:
    """The same change delivered twice has the same key; two changes at one time differ."""
    stamp = update.at.isoformat() if update.at else ""
    canonical = json.dumps([update.field, update.account, stamp, update.value], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
