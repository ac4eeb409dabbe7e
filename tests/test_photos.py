"""/event photo N end to end: a signed image webhook in, the photo fetched from the Graph test
server by a job, stored (local folder or S3 on moto), and attached to the event."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path

import pytest

import commands.photos  # noqa: F401  (registers /event photo)
import storage
from jobs import media
from models import AuditLog, Event, StaffMember, WocsAttachment, utcnow
from tests.conftest import ADMIN, wait_until
from tests.s3_server import s3_client, s3_env
from whatsapp.errors import TransientGraphError
from whatsapp.payload import text_message_body

SITI = "60129998888"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 40
MEDIA_ID = "1111222233334444"


def media_message(phone: str, caption: str, media_id: str = MEDIA_ID, **part: str) -> dict:
    """A webhook body carrying one photo (or, with kind="document", a file) like Meta sends."""
    kind = part.pop("kind", "image")
    body = text_message_body(phone, caption, f"wamid.test.{uuid.uuid4().hex}")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"] = kind
    message[kind] = {
        "caption": caption,
        "mime_type": part.pop("mime_type", "image/jpeg"),
        "sha256": "ZmFrZXNoYTI1Nmhhc2hmb3J0ZXN0aW5nb25seQ==",
        "id": media_id,
        **part,
    }
    return body


def send(live, phone: str, caption: str, media_id: str = MEDIA_ID, **part: str) -> str:
    """Post a photo message and return the one reply it gets."""
    seen = len(live.replies_to(phone, 0))
    assert live.post(media_message(phone, caption, media_id, **part)).status_code == 200
    return live.replies_to(phone, seen + 1)[seen]


def booth(name: str = "Pasar Malam Raya") -> Event:
    return Event.create(name=name, date=dt.date(2030, 3, 1), location="Dataran Merdeka")


def photo_key(event: Event, data: bytes, extension: str) -> str:
    """Where a photo's file goes: the event's folder, named by the content's hash."""
    return f"events/{event.id}/{hashlib.sha256(data).hexdigest()[:32]}{extension}"


def settled(attachment_id: int) -> WocsAttachment:
    """The attachment once its fetch job has finished."""
    wait_until(lambda: WocsAttachment.get_by_id(attachment_id).state != "pending")
    return WocsAttachment.get_by_id(attachment_id)


@pytest.fixture
def files(tmp_path, use_storage) -> Path:
    """Store files in a fresh local folder, as the embedded default does."""
    use_storage({"STORAGE_DIR": str(tmp_path / "files")})
    return tmp_path / "files"


def test_photo_is_fetched_stored_and_attached(live, files):
    event = booth()
    live.graph.add_media(MEDIA_ID, PHOTO, "image/jpeg")
    answer = send(live, ADMIN, f"/event photo {event.id}")
    assert answer == f"Got it — saving the photo to event #{event.id} (Pasar Malam Raya)."

    row = settled(WocsAttachment.get().id)
    key = photo_key(event, PHOTO, ".jpg")
    path = files / key
    assert (row.state, row.media_id, row.mime_type, row.size) == (
        "stored",
        MEDIA_ID,
        "image/jpeg",
        len(PHOTO),
    )
    assert (row.url, row.filename, row.event_id) == (path.as_uri(), Path(key).name, event.id)
    assert path.read_bytes() == PHOTO and live.runtime.storage.open_bytes(key) == PHOTO
    assert Event.get_by_id(event.id).photos == [key]
    trail = [(a.actor, a.action, a.entity) for a in AuditLog.select().order_by(AuditLog.id)]
    assert trail == [
        (ADMIN, "event.photo", f"event:{event.id}"),
        ("system", "event.photo_stored", f"event:{event.id}"),
    ]
    assert AuditLog.get(AuditLog.actor == "system").after == {
        "attachment": row.id,
        "key": key,
        "size": len(PHOTO),
    }
    live.settle()
    assert [b["to"] for b in live.graph.sent()] == [f"+{ADMIN}"]  # the reply, nobody else told

    # Running the job again (a retry, the sweeper) changes nothing.
    assert media.fetch_attachment(row.id) == "skipped (stored)"
    assert Event.get_by_id(event.id).photos == [key]


def test_agent_sends_a_photo_as_a_document_with_its_file_name(live, files):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    event = booth()
    live.graph.add_media("5550001", b"\x89PNG-booth", "image/png")
    answer = send(
        live,
        SITI,
        f"/event photo #{event.id}",
        "5550001",
        kind="document",
        mime_type="image/png",
        filename="booth day 1.png",
    )
    assert answer.startswith(f"Got it — saving the photo to event #{event.id}")
    row = settled(WocsAttachment.get().id)
    assert (row.state, row.filename, row.mime_type) == ("stored", "booth day 1.png", "image/png")
    key = photo_key(event, b"\x89PNG-booth", ".png")
    assert Event.get_by_id(event.id).photos == [key]
    assert (files / key).read_bytes() == b"\x89PNG-booth"


def test_photo_for_an_unknown_event_is_refused(live, files):
    live.graph.add_media(MEDIA_ID, PHOTO, "image/jpeg")
    answer = send(live, ADMIN, "/event photo 99")
    assert answer == "There is no event #99. Send /event list to see the events."
    assert WocsAttachment.select().count() == 0 and not files.exists()


def test_text_without_a_photo_says_how_to_send_one(live, files):
    event = booth()
    seen = len(live.replies_to(ADMIN, 0))
    live.say(ADMIN, f"/event photo {event.id}")
    assert live.replies_to(ADMIN, seen + 1)[seen] == (
        f"I got no photo with this message. To add one to event #{event.id}, "
        f"send the photo with the caption /event photo {event.id}."
    )
    assert WocsAttachment.select().count() == 0


def test_a_file_that_is_not_a_photo_is_refused(live, files):
    event = booth()
    answer = send(
        live,
        ADMIN,
        f"/event photo {event.id}",
        kind="document",
        mime_type="application/pdf",
        filename="invoice.pdf",
    )
    assert answer == (
        f"That file is not a photo (application/pdf). "
        f"Send a JPEG or PNG photo with the caption /event photo {event.id}."
    )
    assert WocsAttachment.select().count() == 0


def test_customers_cannot_attach_photos(live, files):
    event = booth()
    answer = send(live, "60175550000", f"/event photo {event.id}")
    assert answer.startswith("Sorry, commands are only for our team.")
    assert WocsAttachment.select().count() == 0


def test_media_unknown_to_graph_marks_the_attachment_failed(live, files):
    event = booth()  # nothing preloaded: Graph answers 400, code 100, for the media id
    assert send(live, ADMIN, f"/event photo {event.id}").startswith("Got it")
    row = settled(WocsAttachment.get().id)
    assert (row.state, row.url, row.size) == ("failed", "", 0)
    assert Event.get_by_id(event.id).photos == []
    assert not AuditLog.select().where(AuditLog.actor == "system").exists()
    assert not files.exists()


def test_transient_errors_leave_the_attachment_pending_for_a_retry(live, files, use_storage):
    event = booth()
    row = WocsAttachment.create(event=event, media_id="777", filename="", url="", state="pending")
    live.graph.add_media("777", PHOTO, "image/jpeg")
    live.graph.fail_media_next(code=2)  # 503, "service temporarily unavailable"
    with pytest.raises(TransientGraphError):
        media.fetch_attachment(row.id)
    files.parent.joinpath("blocked").write_text("a file where the storage folder should be")
    use_storage({"STORAGE_DIR": str(files.parent / "blocked")})
    with pytest.raises(storage.StorageError):
        media.fetch_attachment(row.id)
    assert WocsAttachment.get_by_id(row.id).state == "pending"
    assert Event.get_by_id(event.id).photos == []
    use_storage({"STORAGE_DIR": str(files)})
    assert media.fetch_attachment(row.id) == "stored"
    assert Event.get_by_id(event.id).photos == [photo_key(event, PHOTO, ".jpg")]


def test_sweeper_enqueues_stale_pending_attachments_and_expires_old_ones(live, files):
    event = booth()
    live.graph.add_media("31", PHOTO, "image/jpeg")
    now = utcnow()
    stale, fresh, expired = (
        WocsAttachment.create(
            event=event, media_id="31", filename="", url="", state="pending", created_at=at
        )
        for at in (now - dt.timedelta(minutes=3), now, now - dt.timedelta(days=8))
    )
    assert media.sweep_attachments() == {"attachments": 1, "expired": 1}
    assert settled(stale.id).state == "stored"
    assert WocsAttachment.get_by_id(expired.id).state == "failed"
    assert WocsAttachment.get_by_id(fresh.id).state == "pending"  # its own job is on the way
    assert Event.get_by_id(event.id).photos == [photo_key(event, PHOTO, ".jpg")]


def test_photo_goes_to_the_s3_bucket(live, s3_url, use_storage):
    s3_client(s3_url).create_bucket(Bucket="wocs-photos")
    use_storage(s3_env(s3_url, "wocs-photos"))
    event = booth()
    live.graph.add_media(MEDIA_ID, PHOTO, "image/jpeg")
    assert send(live, ADMIN, f"/event photo {event.id}").startswith("Got it")
    row = settled(WocsAttachment.get().id)
    key = photo_key(event, PHOTO, ".jpg")
    assert (row.state, row.url) == ("stored", f"s3://wocs-photos/{key}")
    assert Event.get_by_id(event.id).photos == [key]
    got = s3_client(s3_url).get_object(Bucket="wocs-photos", Key=key)
    assert (got["Body"].read(), got["ContentType"]) == (PHOTO, "image/jpeg")
