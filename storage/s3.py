"""Files in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, …) through boto3."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.base import StorageError, StoredFile, check_key

# Bounded like every other network call: a stuck bucket must not hold a worker for minutes.
CLIENT_CONFIG = Config(
    connect_timeout=3, read_timeout=20, retries={"max_attempts": 3, "mode": "standard"}
)
# S3-compatible servers are usually reached by path (host/bucket/key), not by a bucket
# subdomain, which needs wildcard DNS they rarely have.
PATH_STYLE = Config(s3={"addressing_style": "path"})
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    """Stores each key as an object in `bucket`; URLs are `public_url/key` or s3:// URIs."""

    name = "s3"

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str = "",
        region: str = "",
        access_key_id: str = "",
        secret_access_key: str = "",
        prefix: str = "",
        public_url: str = "",
    ) -> None:
        self.bucket = bucket
        self.prefix = check_key(prefix.strip("/")) + "/" if prefix.strip("/") else ""
        self.public_url = public_url.rstrip("/")
        credentials: dict[str, Any] = {}
        if access_key_id:  # otherwise boto3's own chain (instance role, ~/.aws) applies
            credentials = dict(
                aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key
            )
        self.client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=CLIENT_CONFIG.merge(PATH_STYLE) if endpoint_url else CLIENT_CONFIG,
            **credentials,
        )

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, key: str, data: bytes, content_type: str) -> StoredFile:
        """Put the object (S3 writes are atomic: readers never see half a file)."""
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._object(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not save {key} to bucket {self.bucket}: {exc}") from exc
        return StoredFile(key, self.url_for(key), len(data))

    def open_bytes(self, key: str) -> bytes:
        """The object's content; FileNotFoundError when there is no such key."""
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
            with answer["Body"] as body:
                return body.read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(f"no file {key} in bucket {self.bucket}") from exc
            raise StorageError(f"could not read {key} from bucket {self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"could not read {key} from bucket {self.bucket}: {exc}") from exc

    def delete(self, key: str) -> None:
        """Remove the object (S3 answers success for a key that is not there)."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not delete {key} from bucket {self.bucket}: {exc}") from exc

    def keys(self, prefix: str) -> list[str]:
        """The keys of the objects under the folder `prefix`, sorted."""
        start = self._object(prefix) + "/"
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start
            )
            names = [item["Key"] for page in pages for item in page.get("Contents", ())]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"could not list {prefix} in bucket {self.bucket}: {exc}") from exc
        return sorted(name[len(self.prefix) :] for name in names)

    def presign_put(self, key: str, content_type: str, size: int, seconds: int) -> str:
        """A URL that lets its holder PUT this one object, of this type and size, for a while."""
        params = {
            "Bucket": self.bucket,
            "Key": self._object(key),
            "ContentType": content_type,
            "ContentLength": size,
        }
        return self.client.generate_presigned_url("put_object", Params=params, ExpiresIn=seconds)

    def url_for(self, key: str) -> str:
        """Where the file can be reached: under STORAGE_PUBLIC_URL if set, else its s3:// URI."""
        name = self._object(key)
        if self.public_url:
            return f"{self.public_url}/{name}"
        return f"s3://{self.bucket}/{name}"
