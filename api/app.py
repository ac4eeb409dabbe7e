"""The API app: OpenAPI document, JSON errors, rate limits, CORS and security headers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from flask_cors import CORS
from flask_openapi3 import Info, OpenAPI
from peewee import InterfaceError, OperationalError
from pydantic import ValidationError
from werkzeug.exceptions import BadRequest, HTTPException

from api import (
    PREFIX,
    audit_log,
    auth,
    campaigns,
    conversations,
    errors,
    events,
    hooks,
    limits,
    sync,
    tasks,
    templates,
    uploads,
)
from jobs.runtime import Runtime
from wocs.settings import Settings

MAX_BODY = 1024 * 1024
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}
DESCRIPTION = """JSON API of the WOCS command center for the mobile app.

Log in by WhatsApp: `POST /auth/otp` sends a 6-digit code, `POST /auth/verify`
returns a bearer access token and a single-use refresh token. Send
`Authorization: Bearer <access token>` on every other call.

Errors are `{"error": {"code", "message", "fields"?}}`. Lists are paged with
an opaque `cursor`: pass `next_cursor` back to get the next page; pages stay
stable while records are added. Requests are limited per user (`429` with
`Retry-After`)."""


class IsoJSON(DefaultJSONProvider):
    """Dates as ISO 8601 (stored times are UTC, so they end in Z), keys in the order built."""

    sort_keys = False

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return o.isoformat() if o.tzinfo else o.isoformat() + "Z"
        if isinstance(o, dt.date):
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON; nesting deeper than Python's recursion limit is invalid JSON, not a crash."""
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # Flask's silent get_json (flask-openapi3's) only swallows ValueError.
            raise ValueError("JSON nested too deeply") from None


def create_api(settings: Settings, runtime: Runtime) -> OpenAPI:
    """Build the API app for these settings, serving with this runtime (its app's)."""
    app = OpenAPI(
        __name__,
        info=Info(title="WOCS API", version="1.0.0", description=DESCRIPTION),
        security_schemes={"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        doc_ui=False,
        validation_error_status=400,
        validation_error_model=errors.ErrorOut,
        validation_error_callback=errors.validation_failed,
    )
    app.config["WOCS_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json = IsoJSON(app)
    app.register_error_handler(errors.ApiError, errors.on_api_error)
    app.register_error_handler(HTTPException, errors.on_http_error)
    app.register_error_handler(ValidationError, errors.validation_failed)
    app.register_error_handler(OperationalError, errors.on_database_trouble)
    app.register_error_handler(InterfaceError, errors.on_database_trouble)
    app.register_error_handler(Exception, errors.on_crash)
    app.before_request(_json_only)
    app.after_request(_secure)
    if settings.api_cors_origins:
        CORS(
            app,
            origins=list(settings.api_cors_origins),
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"],
            max_age=600,
        )
    special: limits.Special = {}
    for module in _modules():
        app.register_api(module.bp)
        special.update(getattr(module, "LIMITS", {}))

    @app.get(f"{PREFIX}/openapi.json", doc_ui=False)
    def openapi_document() -> Response:
        """The OpenAPI 3.1 document, generated from the schemas that validate requests."""
        return jsonify(app.api_doc)

    app.extensions["wocs_limiter"] = limits.init(app, settings, special)
    app.extensions["wocs"] = runtime
    app.wsgi_app = runtime.serve(app.wsgi_app)  # type: ignore[method-assign]
    return app


def _modules() -> list:
    """The modules whose blueprint `bp` (and stricter LIMITS) make up the API."""
    return [
        auth,
        events,
        tasks,
        hooks,
        campaigns,
        conversations,
        templates,
        audit_log,
        sync,
        uploads,
    ]


def _json_only() -> Response | None:
    """Bodies must be JSON that parses; anything else is refused before a view reads it."""
    has_body = request.content_length or request.headers.get("Transfer-Encoding")
    photo = request.endpoint == "uploads.put_content"  # the one body that is a file
    if request.method not in ("POST", "PUT", "PATCH") or not has_body or photo:
        return None
    if not request.is_json:
        return errors.error_response(415, "Send the body as application/json.")
    try:
        request.get_json()  # parsed once here; the views' silent reads get the cached result
    except BadRequest:
        return errors.error_response(400, "The body is not valid JSON.")
    return None


def _secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if response.status_code == 503:  # here, since the limiter's own value would replace it
        response.headers["Retry-After"] = str(errors.RETRY_AFTER)
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)  # the limiter adds it to every answer
    return response
