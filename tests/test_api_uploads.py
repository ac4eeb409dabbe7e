"""Photo uploads over HTTP: an upload URL (this server, or a pre-signed S3 URL), then attach."""

from __future__ import annotations

import pytest
import requests

from models import AuditLog, Event, WocsAttachment
from tests.api_client import AGENT, USER, call, fresh, token_for
from tests.conftest import ADMIN, Live
from tests.s3_server import s3_client, s3_env

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture
def api_live(live: Live, use_storage, tmp_path) -> Live:
    use_storage({"STORAGE_DIR": str(tmp_path / "files")})
    return fresh(live)


def _event(live: Live) -> int:
    return Event.create(name="Bazaar", date="2030-01-01", location="KL").id


def _upload(live: Live, token: str, size: int = len(PNG), kind: str = "image/png"):
    body = {"filename": "booth.png", "content_type": kind, "size": size}
    return call(live, "POST", "/uploads", token, json=body)


def test_a_photo_is_uploaded_to_this_server_and_attached(api_live, tmp_path):
    event, agent = _event(api_live), token_for(api_live, AGENT)
    ticket = _upload(api_live, agent).json()
    assert ticket["method"] == "PUT" and ticket["url"].startswith(api_live.url)
    put = requests.put(ticket["url"], data=PNG, headers=ticket["headers"], timeout=10)
    assert put.status_code == 204
    assert (tmp_path / "files" / ticket["key"]).read_bytes() == PNG
    attached = call(api_live, "POST", f"/events/{event}/photos", agent, json={"key": ticket["key"]})
    assert attached.status_code == 200, attached.text
    assert attached.json()["event"]["photos"] == [ticket["key"]]
    assert WocsAttachment.get().state == "stored"
    assert AuditLog.get(AuditLog.action == "event.photo").source == "api"
    again = call(api_live, "POST", f"/events/{event}/photos", agent, json={"key": ticket["key"]})
    assert again.status_code == 409


def test_upload_limits_and_wrong_callers(api_live):
    event, agent = _event(api_live), token_for(api_live, AGENT)
    assert _upload(api_live, agent, size=6 * 1024 * 1024).status_code == 400
    assert _upload(api_live, agent, kind="text/html").status_code == 400
    assert _upload(api_live, token_for(api_live, USER)).status_code == 403
    ticket = _upload(api_live, agent).json()
    forged = ticket["url"][:-1] + ("1" if ticket["url"].endswith("0") else "0")
    assert requests.put(forged, data=PNG, headers=ticket["headers"], timeout=10).status_code == 403
    short = requests.put(ticket["url"], data=PNG[:10], headers=ticket["headers"], timeout=10)
    assert short.status_code == 400
    html = requests.put(ticket["url"], data=PNG, headers={"Content-Type": "text/html"}, timeout=10)
    assert html.status_code == 415
    early = call(api_live, "POST", f"/events/{event}/photos", agent, json={"key": ticket["key"]})
    assert early.status_code == 409 and "not been uploaded" in early.json()["error"]["message"]
    requests.put(ticket["url"], data=PNG, headers=ticket["headers"], timeout=10)
    admin = token_for(api_live, ADMIN)
    theirs = call(api_live, "POST", f"/events/{event}/photos", admin, json={"key": ticket["key"]})
    assert theirs.status_code == 404
    assert Event.get_by_id(event).photos == []


def test_with_a_bucket_the_app_puts_straight_to_s3(api_live, s3_url, use_storage):
    use_storage(s3_env(s3_url, "wocs-files"))
    event, agent = _event(api_live), token_for(api_live, AGENT)
    ticket = _upload(api_live, agent).json()
    assert ticket["url"].startswith(s3_url) and "Signature" in ticket["url"]
    put = requests.put(ticket["url"], data=PNG, headers=ticket["headers"], timeout=10)
    assert put.status_code == 200, put.text
    stored = s3_client(s3_url).get_object(Bucket="wocs-files", Key=ticket["key"])
    assert stored["Body"].read() == PNG
    attached = call(api_live, "POST", f"/events/{event}/photos", agent, json={"key": ticket["key"]})
    assert attached.json()["event"]["photos"] == [ticket["key"]]


HTML = b"<html><script>alert(document.cookie)</script></html>".ljust(200, b" ")


def test_a_local_upload_must_be_the_image_it_claims_to_be(api_live, tmp_path):
    agent = token_for(api_live, AGENT)
    ticket = _upload(api_live, agent, size=len(HTML), kind="image/jpeg").json()
    put = requests.put(ticket["url"], data=HTML, headers=ticket["headers"], timeout=10)
    assert put.status_code == 415 and "JPEG" in put.json()["error"]["message"]
    assert not (tmp_path / "files" / ticket["key"]).exists()
    png = _upload(api_live, agent, kind="image/jpeg").json()  # PNG bytes sent as a JPEG
    assert requests.put(png["url"], data=PNG, headers=png["headers"], timeout=10).status_code == 415


def test_a_bucket_upload_is_checked_when_attached(api_live, s3_url, use_storage):
    use_storage(s3_env(s3_url, "wocs-files"))
    event, agent = _event(api_live), token_for(api_live, AGENT)
    ticket = _upload(api_live, agent, size=len(HTML), kind="image/jpeg").json()
    put = requests.put(ticket["url"], data=HTML, headers=ticket["headers"], timeout=10)
    assert put.status_code == 200  # the bucket takes whatever matches the signed size and type
    attached = call(api_live, "POST", f"/events/{event}/photos", agent, json={"key": ticket["key"]})
    assert attached.status_code == 415 and "JPEG" in attached.json()["error"]["message"]
    with pytest.raises(s3_client(s3_url).exceptions.NoSuchKey):
        s3_client(s3_url).get_object(Bucket="wocs-files", Key=ticket["key"])
    assert Event.get_by_id(event).photos == [] and not WocsAttachment.select().exists()
