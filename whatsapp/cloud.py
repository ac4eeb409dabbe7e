"""The Cloud API transport: heyoo for the calls, with bounded HTTP and typed Graph errors."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import heyoo
import requests
from requests.adapters import HTTPAdapter

from whatsapp.errors import (
    GraphError,
    OutcomeUnknown,
    PermanentGraphError,
    RateLimited,
    TransientGraphError,
    error_from_response,
)
from whatsapp.transports import DEFAULT_API_BASE, Outgoing, _checked_payload, _media_file
from wocs.values import mask_phone

log = logging.getLogger(__name__)

# Fallback (connect, read) seconds for heyoo calls made outside CloudTransport.send, e.g. media
# helpers used directly; CloudTransport.send sets its own timeouts in a thread-local per call.
DEFAULT_TIMEOUT = (3.0, 10.0)
MEDIA_LIMIT = 16 * 1024 * 1024  # the largest media we download (Meta's own caps: 5-100 MB)
MEDIA_DEADLINE = 60.0  # seconds for a whole download, however slowly the bytes trickle in
_MEDIA_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # it goes into a URL path


def _checked_media_id(media_id: str) -> str:
    """A media id as Graph issues them; anything else could change the URL it goes into."""
    if not _MEDIA_ID.fullmatch(str(media_id)):
        raise PermanentGraphError(f"invalid media id {str(media_id)[:70]!r}")
    return str(media_id)


_local = threading.local()


class _BoundedRequests:
    """Stands in for heyoo's `requests` module: heyoo has no timeout and no session."""

    def __init__(self) -> None:
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=64, max_retries=0)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def _call(self, method: str, url: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", getattr(_local, "timeout", None) or DEFAULT_TIMEOUT)
        _local.status = None
        response = self.session.request(method, url, **kw)
        _local.status = response.status_code
        return response

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self._call("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        return self._call("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> requests.Response:
        return self._call("DELETE", url, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)


def last_status() -> int | None:
    """HTTP status of the last heyoo response in this thread (None if none arrived)."""
    return getattr(_local, "status", None)


if not isinstance(heyoo.requests, _BoundedRequests):
    heyoo.requests = _BoundedRequests()
_HTTP: _BoundedRequests = heyoo.requests  # media calls share heyoo's pooled, bounded session


@contextlib.contextmanager
def _graph_errors() -> Iterator[None]:
    """Turn what `requests` raises during a Graph call into typed errors."""
    try:
        yield
    except requests.exceptions.JSONDecodeError as exc:
        status = last_status()
        cls: type[GraphError] = (
            TransientGraphError if status is None or status >= 500 else PermanentGraphError
        )
        if status == 429:  # e.g. a proxy's HTML throttle page: still a rate limit
            cls = RateLimited
        raise cls(f"non-JSON answer (HTTP {status})", http_status=status) from exc
    except requests.ReadTimeout as exc:
        raise OutcomeUnknown(f"timeout waiting for Graph API's answer: {exc}") from exc
    except requests.Timeout as exc:
        raise TransientGraphError(f"timeout talking to Graph API: {exc}") from exc
    except requests.ConnectionError as exc:
        raise TransientGraphError(f"connection error talking to Graph API: {exc}") from exc
    except requests.RequestException as exc:
        raise TransientGraphError(f"HTTP error talking to Graph API: {exc}") from exc


def _graph_json(response: requests.Response) -> dict:
    """The JSON of a successful Graph answer; a typed error for anything else."""
    with _graph_errors():
        body = response.json()
    if not 200 <= response.status_code < 300 or not isinstance(body, dict) or "error" in body:
        raise error_from_response(response.status_code, body)
    return body


class CloudTransport:
    """Sends through Meta's Cloud API using heyoo, with bounded time and typed errors."""

    name = "cloud"

    def __init__(
        self,
        token: str,
        phone_number_id: str,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 10.0,
        connect_timeout: float = 3.0,
    ) -> None:
        api_base = api_base.rstrip("/")
        self.phone_number_id = phone_number_id
        self.api_base = api_base
        self.timeouts = (connect_timeout, timeout)
        self.wa = heyoo.WhatsApp(token, phone_number_id)
        self.wa.base_url = api_base
        self.wa.v15_base_url = api_base
        self.wa.url = f"{api_base}/{phone_number_id}/messages"

    def send(self, message: Outgoing) -> str:
        """Send one message and return its wamid."""
        payload = _checked_payload(message)
        who = mask_phone(message.to)
        try:
            wamid = self._post(payload)
        except GraphError as exc:
            log.warning(
                "send %s to %s failed (ref=%s): %s", message.kind, who, message.reference, exc
            )
            raise
        log.info("sent %s to %s wamid=%s ref=%s", message.kind, who, wamid, message.reference)
        return wamid

    def _post(self, payload: dict) -> str:
        """Make the heyoo call and translate its outcome."""
        previous = getattr(_local, "timeout", None)
        _local.timeout = self.timeouts
        _local.status = None
        try:
            with _graph_errors():
                # No recipient_id: heyoo would log it unmasked; `to` is already in the payload.
                body = self.wa.send_custom_json(payload)
        finally:
            _local.timeout = previous
        status = last_status()
        if isinstance(body, dict) and "error" in body:
            raise error_from_response(status, body)
        if status is not None and not 200 <= status < 300:
            raise error_from_response(status, body)
        try:
            wamid = body["messages"][0]["id"]
        except (KeyError, IndexError, TypeError) as exc:
            raise TransientGraphError(
                "answer without messages[0].id",
                http_status=status,
                details=f"keys: {sorted(body)}" if isinstance(body, dict) else type(body).__name__,
            ) from exc  # not the body itself: its `contacts` would put a phone number in logs
        return str(wamid)

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.wa.token}"}

    def upload_media(self, path: str) -> str:
        """Upload a local file to WhatsApp and return its media id."""
        # Not heyoo's upload_media: it never closes the file it opens, and when Graph refuses
        # it returns None without the error code, so a rate limit would look like a bad file.
        name, mime = _media_file(path)
        url = f"{self.api_base}/{self.phone_number_id}/media"
        with open(path, "rb") as handle, _graph_errors():
            response = _HTTP.post(
                url,
                headers=self._auth,
                files={"file": (name, handle, mime)},
                data={"messaging_product": "whatsapp", "type": mime},
                timeout=self.timeouts,
            )
        media_id = _graph_json(response).get("id")
        if not media_id:
            raise TransientGraphError("upload answer without an id", http_status=200)
        log.info("uploaded %s (%s) as media %s", name, mime, media_id)
        return str(media_id)

    def create_template(self, waba_id: str, payload: dict) -> dict:
        """Submit a message template for review; Meta answers with its id and first status."""
        url = f"{self.api_base}/{_checked_media_id(waba_id)}/message_templates"
        with _graph_errors():
            response = _HTTP.post(url, headers=self._auth, json=payload, timeout=self.timeouts)
        return _graph_json(response)

    def fetch_media(self, media_id: str) -> tuple[bytes, str]:
        """Download a media object people sent us: its bytes and content type."""
        url = f"{self.api_base}/{_checked_media_id(media_id)}"
        with _graph_errors():
            info = _graph_json(_HTTP.get(url, headers=self._auth, timeout=self.timeouts))
        if not info.get("url"):
            raise TransientGraphError("media answer without a url", http_status=200)
        mime = str(info.get("mime_type") or "application/octet-stream")
        # The short-lived download URL wants the same bearer token as the API.
        with (
            _graph_errors(),
            _HTTP.get(
                info["url"], headers=self._auth, timeout=self.timeouts, stream=True
            ) as response,
        ):
            if response.status_code != 200:
                _graph_json(response)  # raises the typed error for this answer
            data = _read_capped(response, media_id)
        log.info("fetched media %s (%s, %d bytes)", media_id, mime, len(data))
        return data, mime


def _read_capped(response: requests.Response, media_id: str) -> bytes:
    """Read a download whole, refusing more than MEDIA_LIMIT bytes or MEDIA_DEADLINE seconds."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MEDIA_LIMIT:
        raise PermanentGraphError(f"media {media_id} is {int(declared)} bytes; limit {MEDIA_LIMIT}")
    deadline = time.monotonic() + MEDIA_DEADLINE
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MEDIA_LIMIT:
            raise PermanentGraphError(f"media {media_id} is over the limit of {MEDIA_LIMIT} bytes")
        if time.monotonic() > deadline:
            raise TransientGraphError(f"media {media_id} took over {MEDIA_DEADLINE:.0f} s")
        chunks.append(chunk)
    return b"".join(chunks)
