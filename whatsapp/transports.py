"""Outgoing WhatsApp transports: the interface, the payloads, console and recording (cloud: cloud.py)."""

from __future__ import annotations

import logging
import mimetypes
import os
import sys
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol, TextIO, runtime_checkable

from whatsapp.errors import (
    GraphError,
    PermanentGraphError,
)
from whatsapp.interactive import meta_object, meta_refusal
from wocs.interactive import readable
from wocs.replies import TEXT_LIMIT
from wocs.values import is_bsuid

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://graph.facebook.com/v25.0"
CAPTION_LIMIT = 1024
MEDIA_KINDS = ("image", "video", "document", "audio", "sticker")
CAPTIONED_KINDS = ("image", "video", "document")  # Meta takes no caption on audio or stickers
# Media types Meta takes whose extension Python reads otherwise (.3gp as audio, .amr as AMR).
UPLOAD_TYPES = {".3gp": "video/3gpp", ".amr": "audio/amr", ".ogg": "audio/ogg", ".oga": "audio/ogg"}


@dataclass(frozen=True)
class Outgoing:
    """One message to send; `reference` names our outbox row (e.g. "ob:42")."""

    to: str
    kind: str
    text: str = ""
    template: dict | None = None
    media_id: str | None = None
    media_link: str | None = None
    filename: str = ""  # what the recipient sees a document called
    reference: str = ""
    interactive: dict | None = None  # reply buttons or a list (wocs.interactive), `text` the body


@runtime_checkable
class Transport(Protocol):
    """Sends messages and moves media; every method raises GraphError subclasses."""

    name: str

    def send(self, message: Outgoing) -> str: ...

    def upload_media(self, path: str) -> str: ...

    def fetch_media(self, media_id: str) -> tuple[bytes, str]: ...


def _digits(to: str) -> str:
    """Strip a leading '+' and separators from a phone number."""
    digits = "".join(ch for ch in str(to) if ch.isdigit())
    if not digits:
        raise ValueError(f"recipient {to!r} has no digits")
    return digits


def addressed(message: Outgoing) -> dict[str, str]:
    """Who the body names: `to` for a phone, `recipient` for a BSUID (only one: `to` would win)."""
    if is_bsuid(message.to):
        return {"recipient": str(message.to).strip()}
    return {"to": f"+{_digits(message.to)}"}


def build_payload(message: Outgoing) -> dict:
    """Build the exact Cloud API JSON body for a message; ValueError when it cannot be sent."""
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **addressed(message),
        "type": message.kind,
    }
    if message.kind == "text":
        if not message.text.strip():
            raise ValueError("text message needs a non-empty body")
        payload["text"] = {"body": message.text[:TEXT_LIMIT], "preview_url": False}
    elif message.kind == "template":
        tpl = message.template or {}
        if not tpl.get("name") or not tpl.get("language"):
            raise ValueError("template message needs template['name'] and template['language']")
        body: dict[str, Any] = {"name": tpl["name"], "language": {"code": tpl["language"]}}
        params = [str(p) for p in tpl.get("params") or []]
        if params:
            parameters = [{"type": "text", "text": p} for p in params]
            body["components"] = [{"type": "body", "parameters": parameters}]
        payload["template"] = body
    elif message.kind in MEDIA_KINDS:
        payload[message.kind] = _media_part(message)
    elif message.kind == "interactive":
        if not message.interactive:
            raise ValueError("interactive message needs its buttons or list")
        interactive = meta_object(message.interactive, message.text)
        problem = meta_refusal(interactive)
        if problem:
            raise ValueError(problem)
        payload["interactive"] = interactive
    else:
        raise ValueError(f"unknown message kind {message.kind!r}")
    if message.reference:
        payload["biz_opaque_callback_data"] = message.reference
    return payload


def _media_part(message: Outgoing) -> dict[str, Any]:
    """The media object of a media message: an uploaded media id or a link, and what it allows."""
    if message.media_id:
        part: dict[str, Any] = {"id": message.media_id}
    elif message.media_link:
        part = {"link": message.media_link}
    else:
        raise ValueError(f"{message.kind} message needs media_id or media_link")
    if message.text and message.kind in CAPTIONED_KINDS:
        part["caption"] = message.text[:CAPTION_LIMIT]
    if message.kind == "document":
        part["filename"] = message.filename
    return part


def _checked_payload(message: Outgoing) -> dict:
    """build_payload, with invalid messages reported as PermanentGraphError."""
    try:
        return build_payload(message)
    except ValueError as exc:
        raise PermanentGraphError(f"invalid outgoing message: {exc}") from exc


def _media_file(path: str) -> tuple[str, str]:
    """The file name and content type of a local file to upload; PermanentGraphError if absent."""
    if not os.path.isfile(path):
        raise PermanentGraphError(f"media file {os.path.basename(path)!r} does not exist")
    name = os.path.basename(path)
    found = UPLOAD_TYPES.get(os.path.splitext(name)[1].lower()) or mimetypes.guess_type(path)[0]
    return name, found or "application/octet-stream"


# --- bounded HTTP for heyoo -----------------------------------------------------------------

# --- local transports -----------------------------------------------------------------------


class ConsoleTransport:
    """Prints each message readably to a stream and keeps what it printed in `sent`."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.sent: list[Outgoing] = []
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> str:
        """Print the message and return a fake wamid."""
        payload = _checked_payload(message)
        if message.kind == "template":
            tpl = payload["template"]
            params = " | ".join(str(p) for p in (message.template or {}).get("params") or [])
            line = f"[template {tpl['name']} {tpl['language']['code']}] {params}".rstrip()
        elif message.kind in MEDIA_KINDS:
            part = payload[message.kind]
            where = f"id={part['id']}" if "id" in part else f"link={part['link']}"
            named = f" {part['filename']}" if message.kind == "document" else ""
            line = f"[{message.kind}{named} {where}] {part.get('caption', '')}".rstrip()
        elif message.kind == "interactive":
            shown = readable(message.interactive)
            line = "\n  ".join([payload["interactive"]["body"]["text"], *shown])
        else:
            line = payload["text"]["body"]
        suffix = f"  ({message.reference})" if message.reference else ""
        stream = self.stream or sys.stdout
        with self._lock:
            who = payload.get("to") or payload["recipient"]
            print(f"→ {who}: {line}{suffix}", file=stream, flush=True)
            self.sent.append(message)
        return f"wamid.console.{uuid.uuid4().hex}"

    def upload_media(self, path: str) -> str:
        """Print where the image is (so it can be opened) and return a fake media id."""
        _media_file(path)
        media_id = f"console.{uuid.uuid4().hex[:16]}"
        with self._lock:
            print(
                f"↑ [image {os.path.abspath(path)}] as {media_id}",
                file=self.stream or sys.stdout,
                flush=True,
            )
        return media_id

    def fetch_media(self, media_id: str) -> tuple[bytes, str]:
        """Nothing to fetch: media only exists on Meta's servers."""
        raise PermanentGraphError("media not available in console mode")


class RecordingTransport:
    """For tests and `chat`: records sends in `sent`, returns "wamid.rec.<run>.<n>", can fail."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.attempts: list[Outgoing] = []
        self.uploads: list[str] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self._failures: deque[GraphError] = deque()
        self._lock = threading.Lock()
        self._run = uuid.uuid4().hex[:12]  # wamids are unique in the database, across runs too

    def fail_next(self, exc: GraphError, times: int = 1) -> None:
        """Raise `exc` for the next `times` sends."""
        with self._lock:
            self._failures.extend([exc] * times)

    def send(self, message: Outgoing) -> str:
        """Record the message (or raise a queued failure) and return a fake wamid."""
        _checked_payload(message)
        with self._lock:
            self.attempts.append(message)
            if self._failures:
                raise self._failures.popleft()
            self.sent.append(message)
            return f"wamid.rec.{self._run}.{len(self.sent)}"

    def add_media(self, media_id: str, data: bytes, mime_type: str) -> None:
        """Preload a media object for fetch_media."""
        with self._lock:
            self.media[media_id] = (data, mime_type)

    def upload_media(self, path: str) -> str:
        """Record the file's path and return a fake media id ("media.rec.<n>")."""
        _media_file(path)
        with self._lock:
            self.uploads.append(path)
            return f"media.rec.{len(self.uploads)}"

    def fetch_media(self, media_id: str) -> tuple[bytes, str]:
        """The preloaded media; PermanentGraphError (like Graph's code 100) for unknown ids."""
        with self._lock:
            found = self.media.get(media_id)
        if found is None:
            raise PermanentGraphError(f"media {media_id} not found", code=100, http_status=400)
        return found
