"""What every storage backend offers, and the rules a file key must follow."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

MAX_KEY = 512
# Plain path segments only: no "..", no absolute paths, no backslashes, nothing a shell,
# a URL or a filesystem would read differently from what was meant.
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_PREFIX = re.compile(r"[a-z]+(/[0-9]+)?")
_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
# How each image type's bytes begin, as (offset, bytes): a JPEG's start-of-image marker, PNG's
# signature, and WebP's RIFF container naming WEBP. A browser shown anything else under an
# image type may sniff it as HTML, so the declared type alone proves nothing.
_MAGIC = {
    "image/jpeg": ((0, b"\xff\xd8\xff"),),
    "image/png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "image/webp": ((0, b"RIFF"), (8, b"WEBP")),
}


class BadKey(ValueError):
    """A key that could escape the storage root or is otherwise not a plain relative path."""


class StorageError(Exception):
    """The storage backend could not save or read a file; the same call may work later."""


@dataclass(frozen=True)
class StoredFile:
    """A saved file: its key, where people can reach it, and its size in bytes."""

    key: str
    url: str
    size: int


@runtime_checkable
class Storage(Protocol):
    """Saves and reads files by key; raises StorageError when the backend fails."""

    name: str

    def save(self, key: str, data: bytes, content_type: str) -> StoredFile: ...

    def open_bytes(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]: ...

    def url_for(self, key: str) -> str: ...


# Files made to be sent once (entry exports, with full phones): kept only until their message
# has its outcome, so personal data does not pile up in the storage.
SEND_ONCE = "exports"


def send_once_key(name: str, token: str) -> str:
    """The key of a file made only to be sent once, under an unguessable folder."""
    return f"{SEND_ONCE}/{token}/{name}"


def is_send_once(key: str) -> bool:
    """True for a file made only to be sent once (see SEND_ONCE)."""
    return key.startswith(SEND_ONCE + "/")


def check_key(key: str) -> str:
    """Return `key` if it is a safe relative path like "events/12/ab12.jpg", else raise BadKey."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY:
        raise BadKey(f"a key must be 1 to {MAX_KEY} characters")
    segments = key.split("/")
    bad = next((s for s in segments if not _SEGMENT.fullmatch(s) or s.endswith(".")), None)
    if bad is not None:
        shown = bad[:40] or "(empty)"
        raise BadKey(f"key {key[:80]!r}: segment {shown!r} is not a plain file or folder name")
    return key


def extension_for(content_type: str) -> str:
    """The file extension for a content type (".jpg" for image/jpeg), or "" if unknown."""
    kind = content_type.split(";")[0].strip().lower()
    found = _EXTENSIONS.get(kind) or mimetypes.guess_extension(kind) or ""
    return found if re.fullmatch(r"\.[a-z0-9]{1,8}", found) else ""


def is_image(data: bytes, content_type: str) -> bool:
    """True when `data` begins the way a JPEG, PNG or WebP file of `content_type` does."""
    kind = content_type.split(";")[0].strip().lower()
    marks = _MAGIC.get(kind, ())
    return bool(marks) and all(data[at : at + len(mark)] == mark for at, mark in marks)


def content_key(prefix: str, data: bytes, content_type: str) -> str:
    """A key named by the content's SHA-256, so saving the same file twice writes one object.

    The hash also makes the name unguessable, which matters when the bucket is public.
    """
    if not _PREFIX.fullmatch(prefix):
        raise BadKey(f"prefix {prefix[:40]!r} must look like 'events/12'")
    digest = hashlib.sha256(data).hexdigest()[:32]
    return check_key(f"{prefix}/{digest}{extension_for(content_type)}")
