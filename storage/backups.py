"""Backup files in the storage: their names, their checksums, taking one, and pruning old ones."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage import snapshot
from storage.base import Storage

PREFIX = "backups"
CHECKSUM = ".sha256"  # beside each backup, in the `sha256sum` format
_NAME = re.compile(r"wocs-(\d{8}T\d{6}Z)\.jsonl\.gz")
_STAMP = "%Y%m%dT%H%M%SZ"


class ChecksumMismatch(snapshot.SnapshotError):
    """A backup whose bytes are not the ones its checksum was taken of."""


@dataclass(frozen=True)
class Backup:
    """A backup written to the storage: its key, size, checksum and each table's row count."""

    key: str
    size: int
    sha256: str
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        """Rows in all tables together."""
        return sum(self.counts.values())


def key_for(taken_at: dt.datetime) -> str:
    """The key of the backup taken at `taken_at` (naive UTC): its name sorts by time."""
    return f"{PREFIX}/wocs-{taken_at.strftime(_STAMP)}.jsonl.gz"


def taken_at(key: str) -> dt.datetime | None:
    """When the backup under `key` was taken, or None when the key is not a backup's."""
    found = _NAME.fullmatch(key.rsplit("/", 1)[-1])
    return dt.datetime.strptime(found.group(1), _STAMP) if found else None


def take(database: Any, files: Storage, now: dt.datetime) -> Backup:
    """Snapshot the database and save it with its checksum under backups/ in the storage."""
    key = key_for(now)
    out = io.BytesIO()
    counts = snapshot.dump(database, out, now)
    data = out.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    files.save(key, data, "application/gzip")
    # Written after the backup: a backup without its checksum is never taken for a whole one.
    line = f"{digest}  {key.rsplit('/', 1)[-1]}\n"
    files.save(key + CHECKSUM, line.encode(), "text/plain")
    return Backup(key, len(data), digest, counts)


def _verified(data: bytes, checksum: bytes, name: str) -> bytes:
    expected = checksum.decode("ascii", "replace").split()[:1]
    actual = hashlib.sha256(data).hexdigest()
    if expected != [actual]:
        raise ChecksumMismatch(
            f"{name}: the checksum does not match (file {actual[:12]}…, recorded "
            f"{(expected or ['nothing'])[0][:12]}…); the file is damaged or was altered"
        )
    return data


def read(where: str, files: Storage) -> bytes:
    """A backup's bytes, from a local path or else a storage key, once its checksum matches."""
    path = Path(where)
    if path.is_file():
        beside = path.with_name(path.name + CHECKSUM)
        if not beside.is_file():
            raise ChecksumMismatch(f"{where}: no checksum file {beside.name} beside it")
        return _verified(path.read_bytes(), beside.read_bytes(), where)
    try:
        data = files.open_bytes(where)
    except FileNotFoundError as exc:
        raise snapshot.SnapshotError(f"{where}: no such file here or in the storage") from exc
    try:
        checksum = files.open_bytes(where + CHECKSUM)
    except FileNotFoundError as exc:
        raise ChecksumMismatch(f"{where}: no checksum {where + CHECKSUM} in the storage") from exc
    return _verified(data, checksum, where)


def listed(files: Storage) -> list[tuple[dt.datetime, str]]:
    """(taken at, key) of every backup in the storage, oldest first."""
    found = ((taken_at(key), key) for key in files.keys(PREFIX))
    return sorted((when, key) for when, key in found if when is not None)


def prune(files: Storage, now: dt.datetime, keep: dt.timedelta) -> list[str]:
    """Delete the backups taken before `now - keep`, never the newest; the keys deleted."""
    backups = listed(files)
    old = [key for when, key in backups[:-1] if when < now - keep]
    for key in old:
        files.delete(key + CHECKSUM)
        files.delete(key)
    return old
