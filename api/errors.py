"""JSON errors: one shape, `{"error": {"code", "message", "fields"?}}`, for every failure."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
RETRY_AFTER = 5  # seconds an app waits before trying again while the database is stalled


class ErrorDetail(BaseModel):
    """What went wrong: a stable code, a sentence, and per-field messages for invalid input."""

    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(BaseModel):
    """Every error response."""

    error: ErrorDetail


class ApiError(Exception):
    """An answer other than success, raised anywhere in a view."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields
        self.code = code or CODES.get(status, "error")


def error_response(
    status: int, message: str, fields: dict[str, str] | None = None, code: str = ""
) -> Response:
    """The JSON response for an error."""
    body: dict[str, Any] = {"code": code or CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    return response


def validation_failed(exc: ValidationError) -> Response:
    """400 with one message per field pydantic refused (flask-openapi3's callback)."""
    fields: dict[str, str] = {}
    for problem in exc.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        fields.setdefault(where, problem["msg"])
    return error_response(400, "Some fields are missing or invalid.", fields)


def on_api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.message, exc.fields, exc.code)


def on_http_error(exc: HTTPException) -> Response:
    """Werkzeug's errors (404, 405, 413, 429, …) as JSON, keeping their headers (Allow)."""
    if exc.response is not None and exc.response.mimetype == "application/json":
        return exc.response  # already ours (a validation failure)
    status = exc.code or 500
    message = {
        404: "There is nothing at this address.",
        405: "This address does not take that method.",
        413: "The request body is too large.",
        429: "Too many requests; wait before trying again.",
    }.get(status, exc.description or "The request failed.")
    response = error_response(status, message)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def on_database_trouble(exc: Exception) -> Response:
    """503 when the database timed out or is unreachable: worth a retry (Retry-After: app.py)."""
    log.warning("API request met a database error: %s", exc)
    return error_response(503, "The service is busy; try again in a few seconds.")


def on_crash(exc: Exception) -> Response:
    log.exception("API request failed")
    return error_response(500, "Something went wrong on our side; it has been logged.")
