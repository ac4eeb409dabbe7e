"""File storage: a local folder by default, an S3-compatible bucket when one is configured."""

from __future__ import annotations

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
from wocs.settings import ConfigError, StorageSettings

__all__ = [
    "BadKey",
    "LocalStorage",
    "Storage",
    "StorageError",
    "StoredFile",
    "build",
    "check_key",
    "content_key",
    "extension_for",
    "is_image",
]


def build(settings: StorageSettings) -> Storage:
    """The backend the settings name: S3 when a bucket is set, else a local folder."""
    if not settings.bucket:
        return LocalStorage(settings.directory, settings.public_url)
    from storage.s3 import S3Storage  # boto3 is loaded only when a bucket is used

    try:
        return S3Storage(
            settings.bucket,
            endpoint_url=settings.endpoint_url,
            region=settings.region,
            access_key_id=settings.access_key_id,
            secret_access_key=settings.secret_access_key,
            prefix=settings.prefix,
            public_url=settings.public_url,
        )
    except BadKey as exc:
        raise ConfigError(f"S3_PREFIX: {exc}") from exc
