"""The Flask blueprint Meta calls: the verification handshake and signed message intake."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

from flask import Blueprint, Response, current_app, g, jsonify, request
from peewee import DatabaseError, InterfaceError
from werkzeug.exceptions import RequestEntityTooLarge

from jobs.inbound import enqueue_inbound
from jobs.outbox import release
from ops.metrics import observe_webhook
from webhooks.intake import store
from whatsapp.payload import BadPayload, parse_body
from wocs.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)


def _settings() -> Settings:
    return current_app.config["WOCS_SETTINGS"]


def signature_for(secret: str, raw: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends for a body."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def _problem(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status


@bp.before_request
def _started() -> None:
    g.webhook_started = time.perf_counter()


@bp.after_request
def _observed(response: Response) -> Response:
    """Every answer counted by status, each with its time (refusals and 503s included)."""
    observe_webhook(response.status_code, time.perf_counter() - g.webhook_started)
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge) -> tuple[Response, int]:
    """A body over the limit (Meta sends at most 3 MB) gets JSON like every other refusal."""
    return _problem(413, "body too large")


@bp.get("/webhooks/whatsapp")
def handshake() -> Response | tuple[Response, int]:
    """Answer Meta's subscription check with the challenge when the verify token matches."""
    expected = _settings().verify_token
    given = request.args.get("hub.verify_token", "")
    if (
        request.args.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(given.encode(), expected.encode())
    ):
        # Plain text: the challenge is the caller's own string, never to be read as a page.
        return Response(request.args.get("hub.challenge", ""), 200, mimetype="text/plain")
    return _problem(403, "verification failed")


@bp.post("/webhooks/whatsapp")
def receive() -> tuple[Response, int]:
    """Verify, store every message and status once, commit, answer; jobs do the rest."""
    if request.mimetype != "application/json":
        return _problem(415, "expected application/json")
    raw = request.get_data(cache=False)
    header = request.headers.get("X-Hub-Signature-256", "")
    if not header:
        return _problem(401, "missing X-Hub-Signature-256")
    if not hmac.compare_digest(
        header.encode(), signature_for(_settings().app_secret, raw).encode()
    ):
        return _problem(403, "bad signature")
    try:
        batch = parse_body(json.loads(raw), ours=_settings().phone_number_id)
    except (ValueError, RecursionError) as exc:  # JSON errors and BadPayload are ValueErrors
        return _problem(400, str(exc)[:200] if isinstance(exc, BadPayload) else "body is not JSON")
    try:
        stored = store(batch)
    except (DatabaseError, InterfaceError):
        log.exception("could not store a webhook body; answering 503 so Meta retries")
        return _problem(503, "temporarily unavailable")
    # The app's hand-off enqueues new rows after the answer, many per Redis round trip.
    current_app.extensions["wocs_handoff"].add(stored.created)
    for inbound_id in stored.unhandled:
        enqueue_inbound(inbound_id)
    release(stored.notices)
    return jsonify(
        messages=len(batch.messages), statuses=len(batch.statuses), skipped=batch.skipped
    ), 200
