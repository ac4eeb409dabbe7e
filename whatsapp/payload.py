"""Reading Meta's webhook bodies: every entry, change, message, status and preference in one pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

MAX_WAMID = 191
# A body is kept whole well past what one reply or command may hold (4,096), so an over-long
# message is answered "too long" instead of being read cut; the bound fits a MySQL TEXT
# column in utf8mb4 (65,535 bytes at 4 bytes a character).
MAX_BODY = 16_000
# Changes whose messages are a record of what already happened (coexistence with the
# WhatsApp Business app): a history sync, the business's own app sends, its contact book.
RECORD_FIELDS = {"history": "history sync", "smb_message_echoes": "echo"}
RECORD_FIELDS |= {"smb_app_state_sync": "app state sync"}
# Changes about the business account and its number (bans, restrictions, quality, limits,
# reviews), not about any one message: kept, and the admins told.
ACCOUNT_FIELDS = frozenset(
    {
        "account_update",
        "account_alerts",
        "account_review_update",
        "business_capability_update",
        "phone_number_name_update",
        "phone_number_quality_update",
    }
)


class BadPayload(ValueError):
    """A body that is not a WhatsApp Business webhook; answered with 400."""


@dataclass(frozen=True)
class Message:
    """One inbound message as it will be stored."""

    wamid: str
    sender: str
    sender_bsuid: str
    sender_parent_bsuid: str
    sender_username: str
    sender_name: str
    type: str
    body: str
    sent_at: dt.datetime | None
    raw: dict
    kept: str = ""  # why it is stored for the record only (never acted on); "" to act on it


@dataclass(frozen=True)
class Status:
    """A delivery status for one of our outgoing messages."""

    wamid: str
    status: str
    at: dt.datetime | None
    error_code: int | None
    error: str
    reference: str


@dataclass(frozen=True)
class MetaError:
    """One entry of an `errors` array: on a whole change, a message, or a status."""

    code: int | None
    title: str
    details: str
    about: str  # "webhook", "message <wamid>" or "status <wamid>"
    names: tuple[str, ...] = ()  # the usernames the change carried, masked wherever they show


@dataclass(frozen=True)
class Preference:
    """A customer's marketing choice (stop or resume) from a user_preferences update."""

    phone: str
    bsuid: str
    value: str
    at: dt.datetime | None


@dataclass(frozen=True)
class TemplateUpdate:
    """Meta's decision on one of our message templates (approved, rejected, paused…)."""

    name: str
    language: str
    status: str
    meta_id: str
    reason: str


@dataclass(frozen=True)
class AccountUpdate:
    """A change to the business account or its number, as Meta sent it."""

    field: str
    account: str  # the WhatsApp Business Account id (the entry's id)
    at: dt.datetime | None
    value: dict


@dataclass
class Batch:
    """Everything one webhook body carries that WOCS acts on, plus a count of what it skips."""

    messages: list[Message] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    preferences: list[Preference] = field(default_factory=list)
    templates: list[TemplateUpdate] = field(default_factory=list)
    accounts: list[AccountUpdate] = field(default_factory=list)
    errors: list[MetaError] = field(default_factory=list)
    skipped: int = 0

    @property
    def updates(self) -> bool:
        """True when the body carries anything besides messages."""
        return bool(self.statuses or self.preferences or self.templates or self.accounts)


def _add_message(batch: Batch, message: dict, contact: dict, kept: str) -> None:
    """One message as it will be stored, with its sender read from its own contact entry."""
    wamid = str(message.get("id") or "")
    if not wamid or len(wamid) > MAX_WAMID:
        batch.skipped += 1
        return
    found = contact.get("profile")
    profile = found if isinstance(found, dict) else {}
    batch.messages.append(
        Message(
            wamid=wamid,
            sender=_digits(message.get("from") or contact.get("wa_id")),
            sender_bsuid=_text(message.get("from_user_id") or contact.get("user_id"), 140),
            sender_parent_bsuid=_text(
                message.get("from_parent_user_id") or contact.get("parent_user_id"), 140
            ),
            sender_username=_text(profile.get("username"), 100),
            sender_name=_text(profile.get("name"), 120),
            type=str(message.get("type") or "unknown")[:24],
            body=message_body(message)[:MAX_BODY],
            sent_at=_when(message.get("timestamp")),
            raw=message,
            kept=kept,
        )
    )


def _digits(value: Any) -> str:
    text = str(value or "")
    return text if text.isdigit() and len(text) <= 20 else ""


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _when(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _dicts(value: Any) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _errors(value: dict, about: str, contacts: list[dict]) -> list[MetaError]:
    """The entries of an `errors` array, each with what it is about."""
    names = tuple(
        str(c["profile"]["username"])
        for c in contacts
        if isinstance(c.get("profile"), dict) and c["profile"].get("username")
    )
    found = []
    for error in _dicts(value.get("errors")):
        code, data = error.get("code"), error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        found.append(
            MetaError(
                code=code if isinstance(code, int) and not isinstance(code, bool) else None,
                title=str(error.get("title") or error.get("message") or "")[:300],
                details=str(details or "")[:500],
                about=about[:240],
                names=names,
            )
        )
    return found


def message_body(message: dict) -> str:
    """The text a person typed or chose, whatever the message type."""
    kind = message.get("type")
    part = message.get(kind) if isinstance(kind, str) else None
    if not isinstance(part, dict):
        return ""
    if kind == "text":
        return str(part.get("body") or "")
    if kind == "button":
        return str(part.get("text") or part.get("payload") or "")
    if kind == "interactive":
        choice = part.get(part.get("type") or "")
        return (
            str(choice.get("title") or choice.get("id") or "") if isinstance(choice, dict) else ""
        )
    if kind == "reaction":
        return str(part.get("emoji") or "")
    return str(part.get("caption") or "")


def message_choice(message: dict) -> str:
    """The machine-readable id behind a tapped button or list row (e.g. `JOIN RAYA26`), if any."""
    part = message.get(message.get("type") or "")
    if not isinstance(part, dict):
        return ""
    if message.get("type") == "button":
        return str(part.get("payload") or "")
    choice = part.get(part.get("type") or "")
    return str(choice.get("id") or "") if isinstance(choice, dict) else ""


def quoted_wamid(message: dict) -> str:
    """The id of the message this one quote-replies (Meta's `context.id`), or ""."""
    context = message.get("context")
    wamid = context.get("id") if isinstance(context, dict) else None
    return wamid if isinstance(wamid, str) else ""


def parse_body(body: Any, ours: str = "") -> Batch:
    """Split a webhook body into what it carries; raise BadPayload if it is not one.

    `ours` is our WHATSAPP_PHONE_NUMBER_ID: a message to another number is kept, not acted on.
    """
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise BadPayload("expected a JSON object with an 'entry' list")
    if body.get("object") not in (None, "whatsapp_business_account"):
        raise BadPayload(f"unexpected object {str(body.get('object'))[:40]!r}")
    batch = Batch()
    for entry in _dicts(body["entry"]):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                batch.skipped += 1
            elif change.get("field") == "message_template_status_update":
                _read_template_update(value, batch)
            elif change.get("field") in RECORD_FIELDS:
                _read_record(value, RECORD_FIELDS[change["field"]], batch)
            elif change.get("field") in ACCOUNT_FIELDS:
                batch.errors += _errors(value, str(change["field"]), [])
                batch.accounts.append(
                    AccountUpdate(
                        field=str(change["field"]),
                        account=str(entry.get("id") or "")[:40],
                        at=_when(entry.get("time")),
                        value=value,
                    )
                )
            else:
                _read_change(value, batch, _elsewhere(value, ours))
    return batch


def _read_template_update(value: dict, batch: Batch) -> None:
    name, event = value.get("message_template_name"), value.get("event")
    if not isinstance(name, str) or not isinstance(event, str) or not name or not event:
        batch.skipped += 1
        return
    info = value.get("rejection_info")
    reason = info.get("reason") if isinstance(info, dict) else value.get("reason")
    batch.templates.append(
        TemplateUpdate(
            name=name[:120],
            language=str(value.get("message_template_language") or "en")[:12],
            status=event[:20],
            meta_id=str(value.get("message_template_id") or "")[:64],
            reason=str(reason or "")[:500],
        )
    )


def _sender_contact(message: dict, contacts: list[dict], lone: bool) -> dict:
    """The `contacts` entry for a message's sender: matched by phone or BSUID, never by place
    (two username-only senders in one body each keep their own name)."""
    phone, bsuid = message.get("from"), message.get("from_user_id")
    for contact in contacts:
        if (phone and contact.get("wa_id") == phone) or (bsuid and contact.get("user_id") == bsuid):
            return contact
    # A body with one message and one contact: that contact is the sender, whatever it lacks.
    return contacts[0] if lone and len(contacts) == 1 and not (phone or bsuid) else {}


def _elsewhere(value: dict, ours: str) -> str:
    """Why a change's messages are not ours to answer: sent to another business number."""
    metadata = value.get("metadata")
    number = str(metadata.get("phone_number_id") or "") if isinstance(metadata, dict) else ""
    # A body without the field is not one of Meta's (a local tool's): it cannot be misrouted.
    return f"to phone number id {number[:40]}" if ours and number and number != ours else ""


def _read_record(value: dict, why: str, batch: Batch) -> None:
    """A coexistence change: its messages (history threads, echoes) are stored, never run."""
    found = _dicts(value.get("messages")) + _dicts(value.get("message_echoes"))
    for chunk in _dicts(value.get("history")):
        for thread in _dicts(chunk.get("threads")):
            found += _dicts(thread.get("messages"))
    contacts = _dicts(value.get("contacts"))
    for message in found:
        _add_message(batch, message, _sender_contact(message, contacts, lone=False), why)
    if not found:
        batch.skipped += 1


def _read_change(value: dict, batch: Batch, elsewhere: str) -> None:
    contacts = _dicts(value.get("contacts"))
    messages = _dicts(value.get("messages"))
    batch.errors += _errors(value, "webhook", contacts)
    for message in messages:
        contact = _sender_contact(message, contacts, lone=len(messages) == 1)
        batch.errors += _errors(message, f"message {message.get('id')}", contacts)
        # A message with a history context is an old one replayed by a history sync.
        kept = elsewhere or ("history sync" if "history_context" in message else "")
        _add_message(batch, message, contact, kept)
    for status in _dicts(value.get("statuses")):
        errors = _dicts(status.get("errors"))
        batch.errors += _errors(status, f"status {status.get('id')}", contacts)
        code = errors[0].get("code") if errors else None
        batch.statuses.append(
            Status(
                wamid=str(status.get("id") or "")[:MAX_WAMID],
                status=str(status.get("status") or ""),
                at=_when(status.get("timestamp")),
                error_code=code if isinstance(code, int) else None,
                error=str(errors[0].get("title") or errors[0].get("message") or "")[:500]
                if errors
                else "",
                reference=str(status.get("biz_opaque_callback_data") or "")[:64],
            )
        )
    for pref in _dicts(value.get("user_preferences")):
        if pref.get("category") not in (None, "marketing_messages"):
            batch.skipped += 1
            continue
        batch.preferences.append(
            Preference(
                phone=_digits(pref.get("wa_id")),
                bsuid=_text(pref.get("user_id"), 140),
                value=str(pref.get("value") or ""),
                at=_when(pref.get("timestamp")),
            )
        )
    # Echoes of our own sends, template quality changes, calls: nothing to act on yet.
    batch.skipped += sum(
        len(v) if isinstance(v, list) else 1
        for k, v in value.items()
        if k
        not in (
            "messages",
            "statuses",
            "errors",
            "user_preferences",
            "contacts",
            "metadata",
            "messaging_product",
        )
    )


def text_message_body(
    phone: str, text: str, wamid: str, name: str = "", phone_number_id: str = "", quoting: str = ""
) -> dict:
    """A Meta-shaped webhook body carrying one text message (for `chat`, tests and benchmarks);
    `quoting` is the wamid of the business's message it quote-replies (Meta's `context`)."""
    body: dict[str, Any] = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "0",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "0",
                                "phone_number_id": phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": phone}],
                            "messages": [
                                {
                                    "from": phone,
                                    "id": wamid,
                                    "timestamp": str(int(dt.datetime.now(dt.UTC).timestamp())),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    if quoting:
        message = body["entry"][0]["changes"][0]["value"]["messages"][0]
        message["context"] = {"from": "0", "id": quoting}
    return body
