"""Staging outgoing messages: each is an outbox row added in the caller's transaction, once."""

from __future__ import annotations

import logging

from domain.team import active_admins
from models import HIGH, InboundMessage, OutboundMessage
from wocs.interactive import BUTTON, BUTTONS_BODY_MAX, LIST_BODY_MAX, Interactive
from wocs.replies import TEXT_LIMIT

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024  # characters WhatsApp takes as an image caption


def add(
    to: str,
    text: str,
    key: str,
    *,
    image: str = "",
    document: str = "",
    media: tuple[str, str] = ("", ""),
    template: dict | None = None,
    interactive: Interactive | None = None,
    inbound: InboundMessage | None = None,
    queue_name: str = HIGH,
    broadcast: int | None = None,
) -> None:
    """Add a message to the outbox inside the caller's transaction; a repeated key is a no-op.

    Text by default; an image or a document (a storage key) with `text` as its caption, or any
    media kind as `media` (kind, storage key), captioned where Meta allows; reply buttons or a
    list under `text`; or a template ({"name", "language", "params"}) with `text` kept as the
    readable version. A template with "secret": True (a login code) has its params masked, in
    `text` too, once it is sent or has failed for good (jobs/outbox).
    """
    if image or document:
        media = ("image", image) if image else ("document", document)
    kind = "template" if template else media[0] or "text"
    kind = "interactive" if interactive else kind
    limit = CAPTION_LIMIT if media[1] else TEXT_LIMIT
    if interactive:
        limit = BUTTONS_BODY_MAX if interactive.kind == BUTTON else LIST_BODY_MAX
    OutboundMessage.insert(
        idempotency_key=key[:191],
        to=to,
        kind=kind,
        body=text if template else _fitted(text, key, limit),
        template=template,
        interactive=interactive.as_dict() if interactive else None,
        media_path=media[1],
        queue=queue_name,
        inbound=inbound,
        broadcast=broadcast,
    ).on_conflict_ignore().execute()


def to_admins(text: str, key_prefix: str) -> list[str]:
    """Add `text` for every active admin, keyed `<key_prefix>:<phone>`; the outbox keys."""
    keys = []
    for admin in active_admins():
        keys.append(f"{key_prefix}:{admin.phone}")
        add(admin.phone, text, keys[-1])
    return keys


def _fitted(text: str, key: str, limit: int) -> str:
    """The text cut to what WhatsApp takes (Meta refuses longer ones), loudly: it is a bug."""
    if len(text) <= limit:
        return text
    log.error("outbound %s is %d characters, over %d: cut", key, len(text), limit)
    return text[: limit - 1] + "…"
