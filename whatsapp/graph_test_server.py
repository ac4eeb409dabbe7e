"""A local stand-in for Meta's Graph API (messages, media, templates) for tests and benchmarks."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import itertools
import json
import queue
import random
import secrets
import signal
import socket
import threading
import time
from collections import deque
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from whatsapp.interactive import meta_refusal

DEFAULT_MESSAGES = {
    130429: "(#130429) Rate limit hit",
    131056: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
    131047: "Re-engagement message",
    131050: "Unable to deliver the message: recipient stopped marketing messages",
    190: "Invalid OAuth access token - Cannot parse access token",
}
_STATUS_FOR_CODE = {130429: 429, 80007: 429, 4: 429, 613: 429, 190: 401, 1: 500, 2: 503}
_STATUS_FOR_CODE |= {131000: 500, 133004: 503}
MEDIA_KINDS = ("image", "video", "document", "audio", "sticker")


def error_body(code: int, message: str | None = None, details: str | None = None) -> dict:
    """A Meta-shaped Graph error body."""
    message = message or DEFAULT_MESSAGES.get(code, f"(#{code}) test error")
    data = {"messaging_product": "whatsapp", "details": details or message}
    err = {"message": message, "type": "OAuthException", "code": code, "error_data": data}
    return {"error": {**err, "fbtrace_id": "A" + secrets.token_hex(10)}}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # benchmarks open many connections at once
    owner: GraphTestServer

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner._track(request, add=True)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.owner._track(request, add=False)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: clients that time out and hang up are part of the tests."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so client sessions reuse connections
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid 40 ms stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: bytes | dict, ctype: str = "application/json") -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        with contextlib.suppress(OSError):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _parts(self) -> list[str]:
        return [p for p in self.path.split("?")[0].split("/") if p]

    def _authorized(self) -> bool:
        token = self.server.owner.token
        if token is None or self.headers.get("Authorization") == f"Bearer {token}":
            return True
        self._answer(401, error_body(190))
        return False

    def do_POST(self) -> None:
        owner = self.server.owner
        parts = self._parts()
        raw = self._read_body()
        if len(parts) == 3 and parts[2] == "messages":
            owner._handle_message(self, parts[1], raw)
        elif len(parts) == 3 and parts[2] == "message_templates":
            if self._authorized():
                owner._handle_template(self, raw)
        elif len(parts) == 3 and parts[2] == "subscribed_apps":
            if self._authorized():
                self._answer(*owner.account.subscribe(parts[1]))
        elif len(parts) == 3 and parts[2] == "media":
            if self._authorized() and not owner._media_failed(self):
                owner._handle_upload(self, raw)
        else:
            self._answer(404, error_body(100, f"Unknown path components: {self.path}"))

    def do_GET(self) -> None:
        owner = self.server.owner
        parts = self._parts()
        if not self._authorized() or owner._media_failed(self):
            return
        account = owner.account.answer_get(parts[1:])
        if account is not None:
            self._answer(*account)
            return
        media = owner._media(parts[1]) if len(parts) == 2 else None
        if media is None:
            self._answer(400, error_body(100, f"Unsupported get request: {self.path}"))
        elif parts[0] == "media-download":
            self._answer(200, media["data"], media["mime_type"])
        else:
            info = {k: media[k] for k in ("mime_type", "sha256", "file_size", "id")}
            url = f"{owner.root_url}/media-download/{parts[1]}"
            self._answer(200, {"messaging_product": "whatsapp", "url": url, **info})

    def do_DELETE(self) -> None:
        parts = self._parts()
        if self._authorized():
            found = len(parts) == 2 and self.server.owner._media(parts[1], pop=True) is not None
            self._answer(200 if found else 400, {"success": True} if found else error_body(100))


class GraphAccount:
    """The phone number and WhatsApp Business Account behind the token, as Graph reports them.

    Tests change the fields (quality, tier, display number, subscribed) to stage a misconfiguration.
    """

    def __init__(self, templates: dict[str, dict]) -> None:
        self.templates = templates
        self.reset()

    def reset(self) -> None:
        """Back to a healthy, subscribed number on WABA 1029384756."""
        self.phone_number_id = "106540352242922"
        self.waba_id = "1029384756"
        self.display_phone_number = "+60 12-345 6789"
        self.verified_name = "WOCS Test Shop"
        self.quality_rating = "GREEN"
        self.messaging_limit_tier = "TIER_1K"
        self.subscribed = True

    def phone_number(self) -> dict:
        """A phone number node with the fields Graph returns when asked for them."""
        return {
            "id": self.phone_number_id,
            "display_phone_number": self.display_phone_number,
            "verified_name": self.verified_name,
            "quality_rating": self.quality_rating,
            "messaging_limit_tier": self.messaging_limit_tier,
            "code_verification_status": "VERIFIED",
            "platform_type": "CLOUD_API",
        }

    def answer_get(self, path: list[str]) -> tuple[int, dict] | None:
        """Status and body for a GET on the number or WABA; None when it is for another node."""
        if path == [self.phone_number_id]:
            return 200, self.phone_number()
        if len(path) != 2 or path[0] != self.waba_id:
            return None
        if path[1] == "phone_numbers":
            return 200, {"data": [self.phone_number()]}
        if path[1] == "subscribed_apps":
            app = {"whatsapp_business_api_data": {"id": "67084", "name": "WOCS", "link": ""}}
            return 200, {"data": [app] if self.subscribed else []}
        if path[1] == "message_templates":
            rows = [
                {
                    "name": name,
                    "status": t.get("status", "PENDING"),
                    "id": t.get("id", ""),
                    "language": t.get("language", ""),
                    "category": t.get("category", ""),
                }
                for name, t in self.templates.items()
            ]
            return 200, {"data": rows}
        return None

    def subscribe(self, waba_id: str) -> tuple[int, dict]:
        """POST /{waba-id}/subscribed_apps: subscribe the token's app to the WABA's webhooks."""
        if waba_id != self.waba_id:
            return 400, error_body(100, f"Unsupported post request. Object with ID '{waba_id}'")
        self.subscribed = True
        return 200, {"success": True}


class GraphTestServer:
    """Real HTTP server that answers like Graph's messages and media endpoints."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        version: str = "v25.0",
        latency: tuple[float, float] = (0.0, 0.0),
        posters: int = 1,
    ) -> None:
        self.host, self.port, self.token, self.version = host, port, token, version
        # (least, most) seconds before each message POST is answered; Meta takes 0.1-0.3 s.
        self.latency = latency
        # Status webhooks posted at once; Meta posts several, so "delivered" may overtake "sent".
        self.posters = posters
        self.requests: list[dict] = []
        self.media: dict[str, dict] = {}
        self._cond = threading.Condition()
        self._failures: deque[tuple[int, int, str | None, str | None]] = deque()
        self._media_failures: deque[tuple[int, int]] = deque()
        self._refused: dict[str, tuple[int, str]] = {}  # recipient (phone or BSUID) → error
        self._closed: set[str] = set()  # recipients outside the 24-hour window: templates only
        self._stalls: deque[float] = deque()
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._counter = itertools.count(1)
        self._ok = 0  # successful message POSTs since reset
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        # Webhooks waiting to be posted, each tagged with the reset generation it belongs to.
        self._callbacks: queue.Queue[tuple[int, str, dict]] = queue.Queue()
        self._generation = 0  # bumped by reset(): a later test never gets an earlier one's webhooks
        self._posting = 0  # webhook POSTs under way, which reset() waits out
        self._posters: list[threading.Thread] = []
        self.templates: dict[str, dict] = {}  # name → what was submitted, with its status
        self.account = GraphAccount(self.templates)  # the number and WABA the token can see
        self._status_target: tuple[str, str] | None = None
        self._statuses_first = False

    # --- lifecycle ---
    def start(self) -> GraphTestServer:
        """Bind and serve in a daemon thread."""
        self._stopping.clear()
        self._httpd = _Server((self.host, self.port), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake stalled handlers and cut open connections."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        with self._cond:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> GraphTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """Server root, e.g. http://127.0.0.1:54321."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Graph base URL, e.g. http://127.0.0.1:54321/v25.0."""
        return f"{self.root_url}/{self.version}"

    # --- test controls ---
    def fail_next(
        self,
        times: int = 1,
        *,
        code: int = 130429,
        http_status: int | None = None,
        message: str | None = None,
        details: str | None = None,
    ) -> None:
        """Answer the next `times` message POSTs with a Meta error (status derived from code)."""
        status = http_status or _STATUS_FOR_CODE.get(code, 400)
        with self._cond:
            self._failures.extend([(code, status, message, details)] * times)

    def send_statuses_to(self, url: str, app_secret: str, *, before_answer: bool = False) -> None:
        """Post signed "sent" and "delivered" status webhooks for every accepted message, as Meta does."""
        self._status_target = (url, app_secret)
        # Meta's webhook can beat its own HTTP answer; before_answer makes that order certain:
        # a message's statuses are posted, and answered, before its send is.
        self._statuses_first = before_answer
        with self._cond:
            # Posters for the server's life, not one more per call competing for the queue.
            self._posters = [t for t in self._posters if t.is_alive()]
            while len(self._posters) < self.posters:
                self._posters.append(threading.Thread(target=self._post_statuses, daemon=True))
                self._posters[-1].start()

    def decide_template(self, name: str, event: str = "APPROVED", reason: str = "NONE") -> None:
        """Meta's review of a submitted template: posted as a message_template_status_update."""
        with self._cond:
            template = self.templates[name]
            template["status"] = event
        value = {
            "event": event,
            "message_template_id": int(template["id"]),
            "message_template_name": name,
            "message_template_language": template["language"],
            "reason": reason,
        }
        self._callbacks.put((self._generation, "message_template_status_update", value))

    def _post_statuses(self) -> None:
        while not self._stopping.is_set():
            try:
                generation, field, value = self._callbacks.get(timeout=0.2)
            except queue.Empty:
                continue
            self._post(generation, field, value)

    def _post(self, generation: int, field: str, value: dict) -> None:
        """Post one signed webhook, retried as Meta does, unless a reset has made it stale."""
        body = {
            "object": "whatsapp_business_account",
            "entry": [{"id": "0", "changes": [{"field": field, "value": value}]}],
        }
        raw = json.dumps(body).encode()
        for _ in range(5):  # Meta retries too; the webhook may be briefly down
            target = self._status_target
            if target is None or generation != self._generation or self._stopping.is_set():
                return  # its test is over: posting it would only delay the next test's own
            url, secret = target
            signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
            with self._cond:
                self._posting += 1
            try:
                if requests.post(url, data=raw, headers=headers, timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            finally:
                with self._cond:
                    self._posting -= 1
                    self._cond.notify_all()
            self._stopping.wait(0.5)

    def refuse(self, recipient: str, *, code: int, message: str = "") -> None:
        """Answer every message to this phone or BSUID with a Meta error (400) until reset."""
        with self._cond:
            self._refused[recipient] = (code, message or f"recipient refused ({code})")

    def close_window(self, recipient: str) -> None:
        """As Meta does 24 hours after their last message: refuse all but templates (131047)."""
        with self._cond:
            self._closed.add(recipient)

    def fail_html_next(self, times: int = 1, http_status: int = 502) -> None:
        """Answer the next `times` message POSTs with a non-JSON (HTML) error page."""
        with self._cond:
            self._failures.extend([(0, http_status, None, None)] * times)

    def stall_next(self, times: int = 1, seconds: float = 30.0) -> None:
        """Sleep `seconds` before answering the next `times` message POSTs."""
        with self._cond:
            self._stalls.extend([seconds] * times)

    def fail_media_next(
        self, times: int = 1, *, code: int = 1, http_status: int | None = None
    ) -> None:
        """Answer the next `times` media requests (upload, lookup, download) with a Meta error."""
        status = http_status or _STATUS_FOR_CODE.get(code, 400)
        with self._cond:
            self._media_failures.extend([(code, status)] * times)

    def add_media(
        self, media_id: str, data: bytes, mime_type: str, *, uploaded: bool = False
    ) -> None:
        """Preload a media object, as one a customer sent (not `uploaded` by the business)."""
        with self._cond:
            sha = hashlib.sha256(data).hexdigest()
            self.media[media_id] = dict(id=media_id, data=data, mime_type=mime_type, sha256=sha)
            self.media[media_id].update(file_size=len(data), uploaded=uploaded)

    def successes(self) -> int:
        """How many message POSTs were answered with success since the last reset."""
        with self._cond:
            return self._ok

    def sent(self) -> list[dict]:
        """Bodies of message POSTs answered with success."""
        with self._cond:
            return [r["body"] for r in self.requests if r["wamid"]]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        """Block until `count` successful sends are recorded; return the sent bodies."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._ok < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    done = [r["body"] for r in self.requests if r["wamid"]]
                    raise AssertionError(f"expected {count} sends, got {len(done)}: {done!r}")
                self._cond.wait(left)
            return [r["body"] for r in self.requests if r["wamid"]]

    def reset(self) -> None:
        """Forget requests, queued failures/stalls, media, the status webhook target and unposted webhooks."""
        self._status_target = None
        self._statuses_first = False
        with self._cond:
            self._generation += 1
            with contextlib.suppress(queue.Empty):
                while True:
                    self._callbacks.get_nowait()
            # A webhook already on its way could land on the next test's rows (SQLite reuses the
            # ids its "ob:<id>" reference names); each POST gives up after 5 s.
            self._cond.wait_for(lambda: self._posting == 0, timeout=10)
            self.requests.clear()
            self._ok = 0
            self._failures.clear()
            self._media_failures.clear()
            self._refused.clear()
            self._closed.clear()
            self._stalls.clear()
            self.media.clear()
            self.templates.clear()
            self.account.reset()

    # --- request handling (called from handler threads) ---
    def _track(self, sock: socket.socket, *, add: bool) -> None:
        with self._cond:
            (self._sockets.add if add else self._sockets.discard)(sock)

    def _media(self, media_id: str, *, pop: bool = False) -> dict | None:
        with self._cond:
            return self.media.pop(media_id, None) if pop else self.media.get(media_id)

    def _media_failed(self, h: _Handler) -> bool:
        """Answer with a queued media failure, if there is one."""
        with self._cond:
            failure = self._media_failures.popleft() if self._media_failures else None
        if failure is not None:
            h._answer(failure[1], error_body(failure[0]))
        return failure is not None

    def _handle_message(self, h: _Handler, phone_number_id: str, raw: bytes) -> None:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        record = {"path": h.path, "phone_number_id": phone_number_id, "body": body}
        record |= {"headers": dict(h.headers.items()), "at": time.time(), "wamid": None}
        with self._cond:
            self.requests.append(record)
            stall = self._stalls.popleft() if self._stalls else None
            # Its statuses belong to the test it arrived in, even if that one ends (and the
            # server is reset) between this send's answer and their queueing.
            generation = self._generation
        if stall is not None and self._stopping.wait(stall):
            return  # stopped while stalling: no answer
        if self.latency[1] > 0 and self._stopping.wait(random.uniform(*self.latency)):
            return
        if not h._authorized():
            return
        with self._cond:
            failure = self._failures.popleft() if self._failures else None
            if failure is None and isinstance(body, dict):
                to = str(body.get("to") or "").lstrip("+") or str(body.get("recipient") or "")
                refused = self._refused.get(to)
                if refused is None and to in self._closed and body.get("type") != "template":
                    refused = (131047, DEFAULT_MESSAGES[131047])
                failure = (refused[0], 400, refused[1], None) if refused else None
        if failure is not None:
            code, status, message, details = failure
            if code == 0:
                page = f"<html><body><h1>{status} Bad Gateway</h1></body></html>"
                h._answer(status, page.encode(), "text/html")
            else:
                h._answer(status, error_body(code, message, details))
            return
        problem = _validate(body)
        if problem:
            h._answer(400, error_body(100, f"(#100) {problem}"))
            return
        problem = self._media_problem(body)
        if problem:
            h._answer(400, error_body(100, f"(#100) {problem}"))
            return
        problem = meta_refusal(body["interactive"]) if body["type"] == "interactive" else ""
        if problem:
            h._answer(400, error_body(131009, "(#131009) Parameter value is not valid", problem))
            return
        problem = self._template_problem(body)
        if problem:
            h._answer(404, error_body(132001, f"(#132001) {problem}"))
            return
        n = next(self._counter)
        wamid = f"wamid.TEST{n:08d}{secrets.token_hex(6).upper()}"
        contact = _answered_contact(body)
        answer = {"messaging_product": "whatsapp", "contacts": [contact]}
        answer["messages"] = [{"id": wamid}]
        with self._cond:
            record["wamid"] = wamid
            self._ok += 1
            self._cond.notify_all()
        first = self._statuses_first
        if not first:
            h._answer(200, answer)
        if self._status_target is not None:
            for state in ("sent", "delivered"):
                status = {"id": wamid, "status": state, "timestamp": str(int(time.time()))}
                status["recipient_id"] = contact.get("wa_id") or contact["user_id"]
                if body.get("biz_opaque_callback_data"):
                    status["biz_opaque_callback_data"] = body["biz_opaque_callback_data"]
                value = {"messaging_product": "whatsapp", "statuses": [status]}
                if first:
                    self._post(generation, "messages", value)
                else:
                    self._callbacks.put((generation, "messages", value))
        if first:
            h._answer(200, answer)

    def _media_problem(self, body: dict) -> str | None:
        """Meta sends media by a link or by the id of media the business uploaded, one of them."""
        kind = body.get("type")
        part = body.get(kind) if kind in MEDIA_KINDS else None
        if part is None:
            return None
        if not isinstance(part, dict) or ("id" in part) == ("link" in part):
            return "Either one of media ID or link must be present"
        if "id" in part:
            with self._cond:
                known = self.media.get(str(part["id"]))
            if known is None or not known["uploaded"]:
                # A media id from a webhook names what the customer sent: it is downloaded, not sent.
                return f"Param {kind}['id'] is not a valid uploaded media ID"
        return None

    def _template_problem(self, body: dict) -> str | None:
        """Meta refuses a template it knows but has not approved (132001)."""
        name = (body.get("template") or {}).get("name") if body.get("type") == "template" else None
        with self._cond:
            known = self.templates.get(name) if name else None
        if known is not None and known["status"] != "APPROVED":
            return f"Template {name} is {known['status']}"
        return None

    def _handle_template(self, h: _Handler, raw: bytes) -> None:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(body.get(k) for k in ("name", "language")):
            h._answer(400, error_body(100, "(#100) name, language and components are required"))
            return
        with self._cond:
            template = {**body, "id": str(10**15 + next(self._counter)), "status": "PENDING"}
            self.templates[body["name"]] = template
        h._answer(200, {"id": template["id"], "status": "PENDING", "category": body["category"]})

    def _handle_upload(self, h: _Handler, raw: bytes) -> None:
        ctype = h.headers.get("Content-Type", "")
        head = f"Content-Type: {ctype}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        msg = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
        fields: dict[str, Any] = {}
        file_type = None
        for part in msg.iter_parts() if msg.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            fields[name] = part.get_payload(decode=True)
            if name == "file":
                file_type = part.get_content_type()
        data = fields.get("file")
        if not data or fields.get("messaging_product", b"").strip() != b"whatsapp":
            h._answer(400, error_body(100, "(#100) file and messaging_product are required"))
            return
        mime = (
            (fields.get("type") or b"").decode().strip() or file_type or "application/octet-stream"
        )
        media_id = str(10**15 + next(self._counter))
        self.add_media(media_id, data, mime, uploaded=True)
        h._answer(200, {"id": media_id})


def _answered_contact(body: dict) -> dict:
    """The `contacts[0]` Graph answers: `to` wins when both are given, as at Meta."""
    if body.get("to"):
        to = str(body["to"])
        return {"input": to, "wa_id": "".join(c for c in to if c.isdigit())}
    return {"input": str(body["recipient"]), "user_id": str(body["recipient"])}


def _validate(body: object) -> str | None:
    """Why a message body would be rejected by Graph, or None."""
    if not isinstance(body, dict):
        return "Invalid JSON body"
    for key in ("messaging_product", "type"):
        if not body.get(key):
            return f"The parameter {key} is required."
    if not body.get("to") and not body.get("recipient"):
        return "The parameter to or recipient is required."
    if body["messaging_product"] != "whatsapp":
        return "Invalid messaging_product"
    if body["type"] not in body:
        return f"The parameter {body['type']} is required."
    return None


def main(argv: list[str] | None = None) -> None:
    """Run the test server until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Local stand-in for Meta's Graph API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8990)
    parser.add_argument("--token", default=None)
    args = parser.parse_args(argv)
    server = GraphTestServer(args.host, args.port, token=args.token).start()
    print(server.base_url, flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # SIGINT may be ignored when started with '&'
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(1.0):
        pass
    server.stop()


if __name__ == "__main__":
    main()
