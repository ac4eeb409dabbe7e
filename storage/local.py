"""Files in a local folder (the embedded default: instance/files)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from storage.base import BadKey, StorageError, StoredFile, check_key


class LocalStorage:
    """Stores each key as a file under `root`; URLs are `public_url/key` or file:// paths."""

    name = "local"

    def __init__(self, root: str | Path, public_url: str = "") -> None:
        self.root = Path(root).resolve()
        self.public_url = public_url.rstrip("/")

    def _path(self, key: str) -> Path:
        """The file for a key, refusing anything that resolves outside the root (e.g. symlinks)."""
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise BadKey(f"key {key[:80]!r} leads outside the storage folder")
        return path

    def save(self, key: str, data: bytes, content_type: str) -> StoredFile:
        """Write the file atomically: readers see the old file or the whole new one."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                os.fchmod(fd, 0o644)  # mkstemp makes 0600; a web server may need to read it
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(f"could not write {key}: {exc.strerror or exc}") from exc
        return StoredFile(key, self.url_for(key), len(data))

    def open_bytes(self, key: str) -> bytes:
        """The file's content; FileNotFoundError when there is no such key."""
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise StorageError(f"could not read {key}: {exc.strerror or exc}") from exc

    def delete(self, key: str) -> None:
        """Remove the file; a key with no file is already what was asked."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"could not delete {key}: {exc.strerror or exc}") from exc

    def keys(self, prefix: str) -> list[str]:
        """The keys of the files under the folder `prefix`, sorted."""
        folder = self._path(prefix)
        try:
            found = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
        except OSError as exc:
            raise StorageError(f"could not list {prefix}: {exc.strerror or exc}") from exc
        return sorted(p.relative_to(self.root).as_posix() for p in found)

    def url_for(self, key: str) -> str:
        """Where the file can be reached: under STORAGE_PUBLIC_URL if set, else its file:// URI."""
        path = self._path(key)
        return f"{self.public_url}/{key}" if self.public_url else path.as_uri()
