"""Typed errors for Meta Graph (WhatsApp Cloud API) calls."""

from __future__ import annotations

from typing import Any

from wocs.meta_errors import (
    AUTH_CODES,
    BSUID_REFUSED,
    OPTED_OUT,
    OUTSIDE_WINDOW,
    RATE_LIMIT_CODES,
    TEMPLATE_CODES,
    TRANSIENT_CODES,
)


class GraphError(Exception):
    """A failed Graph API call; branch on the subclass or on `retryable`."""

    retryable: bool = False

    def __init__(
        self,
        message: str = "",
        *,
        code: int | None = None,
        http_status: int | None = None,
        details: str = "",
        fbtrace_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.details = details
        self.fbtrace_id = fbtrace_id

    def __str__(self) -> str:
        head = f"Graph error {self.code if self.code is not None else '-'}"
        if self.http_status is not None:
            head += f" (HTTP {self.http_status})"
        text = f"{head}: {self.message}"
        return f"{text} — {self.details}" if self.details else text


class RateLimited(GraphError):
    """Throughput, pair or app rate limit hit; retry later (pair limit: back off 4^n s)."""

    retryable = True

    def __init__(self, message: str = "", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.pair_limit = self.code == 131056


class OutsideWindow(GraphError):
    """Recipient is outside the 24-hour customer service window; send a template."""


class RecipientRefused(GraphError):
    """Meta will not deliver this message to a recipient named by BSUID (131062)."""


class OptedOut(GraphError):
    """Recipient stopped marketing messages from this business."""


class TemplateProblem(GraphError):
    """Template missing, unapproved, paused or given the wrong parameters."""


class AuthFailed(GraphError):
    """Access token expired/invalid or missing permission."""


class TransientGraphError(GraphError):
    """Server-side or network trouble; the same call may succeed later."""

    retryable = True


class OutcomeUnknown(TransientGraphError):
    """The request went out but no answer came in time: Meta may have accepted it."""


class PermanentGraphError(GraphError):
    """Any other rejection; retrying the same call will not help."""


_BY_CODE: dict[int, type[GraphError]] = {
    **dict.fromkeys(RATE_LIMIT_CODES, RateLimited),
    **dict.fromkeys(TEMPLATE_CODES, TemplateProblem),
    **dict.fromkeys(AUTH_CODES, AuthFailed),
    **dict.fromkeys(TRANSIENT_CODES, TransientGraphError),
    OUTSIDE_WINDOW: OutsideWindow,
    OPTED_OUT: OptedOut,
    BSUID_REFUSED: RecipientRefused,
}


def _as_int(value: object) -> int | None:
    """Coerce a Graph error code to int, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _class_for(code: int | None, http_status: int | None, transient_hint: bool) -> type[GraphError]:
    """Pick the error class: known code first, then HTTP status."""
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if http_status is None and code is None:
        return TransientGraphError  # nothing known about the outcome
    if transient_hint or (http_status is not None and http_status >= 500):
        return TransientGraphError
    if code is None and http_status == 429:
        return RateLimited
    if code is None and http_status in (401, 403):
        return AuthFailed
    return PermanentGraphError


def error_from_response(http_status: int | None, body: object) -> GraphError:
    """Map a Graph error body `{"error": {...}}` (or any failed answer) to a typed error."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = {}
    code = _as_int(err.get("code"))
    data = err.get("error_data")
    details = data.get("details", "") if isinstance(data, dict) else ""
    message = str(err.get("message") or "") or (
        f"HTTP {http_status} without a Graph error body" if http_status else "unknown Graph error"
    )
    cls = _class_for(code, http_status, err.get("is_transient") is True)
    return cls(
        message,
        code=code,
        http_status=http_status,
        details=str(details or ""),
        fbtrace_id=err.get("fbtrace_id"),
    )
