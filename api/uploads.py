"""Photos from the app: an upload URL valid 15 minutes (S3 pre-signed, or this server), then attach."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Literal

from flask import Response, request, url_for
from pydantic import BaseModel, Field

import storage
from api import actions, principal, tokens
from api.common import IdPath, Strict, blueprint, not_found
from api.errors import ApiError
from api.events import ChangedEventOut, dump
from jobs import runtime
from jobs.media import attach_stored
from models import ApiUpload, Event, WocsAttachment, utcnow, write_transaction
from wocs.audit import audit

bp = blueprint("uploads", "Photos from the app", path="")
TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
MAX_PHOTO = 5 * 1024 * 1024  # what WhatsApp takes for an image, so a photo can be sent on
LIFETIME = dt.timedelta(minutes=15)


class UploadIn(Strict):
    filename: str = Field(min_length=1, max_length=200)
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size: int = Field(ge=1, le=MAX_PHOTO, description="bytes, at most 5 MB")


class UploadOut(BaseModel):
    key: str = Field(description="pass it to POST /events/{id}/photos once uploaded")
    method: Literal["PUT"]
    url: str
    headers: dict[str, str] = Field(description="send these with the PUT")
    expires_at: dt.datetime


class PhotoIn(Strict):
    key: str = Field(min_length=1, max_length=191)


class ContentQuery(BaseModel):
    expires: int
    signature: str = Field(max_length=64)


def _not_the_image(row: ApiUpload) -> ApiError:
    return ApiError(415, f"The file is not a {TYPES[row.content_type]} image, as announced.")


def _signature(upload_id: int, expires: int) -> str:
    key = tokens.signing_key(principal.api_settings())
    return hmac.new(key, f"upload:{upload_id}:{expires}".encode(), hashlib.sha256).hexdigest()


@bp.post("/uploads", responses={201: UploadOut}, summary="Get an upload URL for a photo")
def start_upload(body: UploadIn) -> tuple[dict, int]:
    """A URL to PUT the photo to, valid 15 minutes (agents and admins, as /event photo)."""
    actions.permit("event photo")
    who = principal.current()
    suffix = storage.extension_for(body.content_type)
    key = storage.check_key(f"uploads/{who.user_id}/{secrets.token_hex(16)}{suffix}")
    expires_at = utcnow() + LIFETIME
    row = ApiUpload.create(
        user=who.user_id,
        key=key,
        filename=body.filename,
        content_type=body.content_type,
        size=body.size,
        expires_at=expires_at,
    )
    seconds = int(LIFETIME.total_seconds())
    store = runtime.current().storage
    if hasattr(store, "presign_put"):
        url = store.presign_put(key, body.content_type, body.size, seconds)
    else:
        expires = int(expires_at.replace(tzinfo=dt.UTC).timestamp())
        signature = _signature(row.id, expires)
        url = url_for(
            "uploads.put_content",
            id=row.id,
            expires=expires,
            signature=signature,
            _external=True,
        )
    headers = {"Content-Type": body.content_type}
    return {
        "key": key,
        "method": "PUT",
        "url": url,
        "headers": headers,
        "expires_at": expires_at,
    }, 201


@bp.put("/uploads/<int:id>/content", doc_ui=False, security=[])
def put_content(path: IdPath, query: ContentQuery) -> Response:
    """The upload URL with local storage: the signature in it stands for the login."""
    good = hmac.compare_digest(query.signature, _signature(path.id, query.expires))
    row = ApiUpload.get_or_none(ApiUpload.id == path.id)
    if not good or row is None or query.expires < utcnow().replace(tzinfo=dt.UTC).timestamp():
        raise ApiError(403, "This upload URL is not valid or has expired; ask for a new one.")
    if request.mimetype != row.content_type:
        raise ApiError(415, f"Send the photo as {row.content_type}, as announced.")
    request.max_content_length = MAX_PHOTO
    data = request.get_data()
    if len(data) != row.size:
        raise ApiError(400, f"The photo has {len(data)} bytes; {row.size} were announced.")
    if not storage.is_image(data, row.content_type):
        raise _not_the_image(row)
    if row.state == "pending":
        runtime.current().storage.save(row.key, data, row.content_type)
        ApiUpload.update(state="stored").where(ApiUpload.id == row.id).execute()
    return Response(status=204)


@bp.post("/events/<int:id>/photos", responses={200: ChangedEventOut}, summary="Attach a photo")
def attach_photo(path: IdPath, body: PhotoIn) -> dict:
    """Attach a photo uploaded with a URL from POST /uploads (as /event photo)."""
    ctx = actions.permit("event photo")
    who = principal.current()
    if not Event.select().where(Event.id == path.id).exists():
        raise not_found(f"event #{path.id}")
    row = ApiUpload.get_or_none(ApiUpload.key == body.key, ApiUpload.user == who.user_id)
    if row is None:
        raise not_found("upload with that key")
    if row.state == "attached":
        raise ApiError(409, "That photo is already attached.")
    store = runtime.current().storage
    try:  # the bucket, not our row, knows whether a pre-signed upload arrived
        data = store.open_bytes(row.key)
    except FileNotFoundError:
        raise ApiError(409, "The photo has not been uploaded yet.") from None
    if not storage.is_image(data, row.content_type):
        # A pre-signed PUT is checked for size and declared type only; what arrived may be
        # anything. Gone, it cannot be served from the bucket; the URL may still send the photo.
        store.delete(row.key)
        raise _not_the_image(row)
    size = len(data)
    stored = storage.StoredFile(row.key, store.url_for(row.key), size)
    with write_transaction():
        attachment = WocsAttachment.create(
            event=path.id,
            filename=row.filename[:255],
            url="",
            state="pending",
            mime_type=row.content_type,
        )
        attach_stored(attachment.id, stored, row.content_type)
        audit(ctx, "event.photo", f"event:{path.id}", None, {"key": row.key, "size": size})
        ApiUpload.update(state="attached").where(ApiUpload.id == row.id).execute()
    return {"message": f"Photo added to event #{path.id}.", "event": dump(Event.get_by_id(path.id))}
