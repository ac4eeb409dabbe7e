"""File storage: a local folder by default, an S3-compatible bucket when S3_BUCKET is set."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from storage.base import (
    BadKey,
    Storage,
    StorageError,
    StoredFile,
    check_key,
    content_key,
    extension_for,
    is_image,
)
from storage.local import LocalStorage
from wocs.settings import ConfigError

__all__ = [
    "ENV_VARS",
    "BadKey",
    "LocalStorage",
    "Storage",
    "StorageError",
    "StoredFile",
    "check_key",
    "content_key",
    "current",
    "extension_for",
    "from_env",
    "is_image",
]

DEFAULT_DIR = "instance/files"
ENV_VARS = (
    "STORAGE_DIR",
    "STORAGE_PUBLIC_URL",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_PREFIX",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)

_built: dict[tuple[str, ...], Storage] = {}
_lock = threading.Lock()


def from_env(environ: Mapping[str, str]) -> Storage:
    """The backend the environment names: S3 when S3_BUCKET is set, else a local folder."""
    get = lambda key: (environ.get(key) or "").strip()  # noqa: E731
    public_url = get("STORAGE_PUBLIC_URL")
    if public_url and not public_url.startswith(("https://", "http://")):
        raise ConfigError(f"STORAGE_PUBLIC_URL must be an http(s) URL, not {public_url[:40]!r}")
    bucket = get("S3_BUCKET")
    if not bucket:
        stray = [k for k in ENV_VARS if k.startswith("S3_") and get(k)]
        if stray:
            raise ConfigError(f"{', '.join(stray)} set without S3_BUCKET; set the bucket too.")
        return LocalStorage(get("STORAGE_DIR") or DEFAULT_DIR, public_url)
    key_id, secret = get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")
    if bool(key_id) != bool(secret):
        raise ConfigError("Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither.")
    endpoint = get("S3_ENDPOINT_URL")
    if endpoint and not endpoint.startswith(("https://", "http://")):
        raise ConfigError(f"S3_ENDPOINT_URL must be an http(s) URL, not {endpoint[:40]!r}")
    from storage.s3 import S3Storage  # boto3 is loaded only when a bucket is used

    try:
        return S3Storage(
            bucket,
            endpoint_url=endpoint,
            region=get("S3_REGION"),
            access_key_id=key_id,
            secret_access_key=secret,
            prefix=get("S3_PREFIX"),
            public_url=public_url,
        )
    except BadKey as exc:
        raise ConfigError(f"S3_PREFIX: {exc}") from exc


def current() -> Storage:
    """The storage this process's environment names, built once per distinct configuration."""
    signature = tuple(os.environ.get(key, "") for key in ENV_VARS)
    with _lock:
        if signature not in _built:
            _built[signature] = from_env(os.environ)
        return _built[signature]
