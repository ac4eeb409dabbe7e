"""Rate limits (flask-limiter): per user by default, stricter ones on the login endpoints."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request
from flask_limiter import Limiter

from wocs.settings import Settings

# endpoint → [(limit, what it counts by, which answers count, None: all)]; next to their views
Special = dict[str, list[tuple[str, Callable[[], str], Callable[[Response], bool] | None]]]


def address() -> str:
    """The calling address (as the trusted proxies, WOCS_TRUSTED_PROXIES, report it)."""
    return f"ip:{request.remote_addr}"


def rate_key() -> str:
    """Who a request counts against: the logged-in user, else the calling address."""
    from api import principal

    who = principal.peek()
    return f"user:{who.user_id}" if who is not None else address()


def init(app: Flask, settings: Settings, special: Special) -> Limiter:
    """Count in Redis when there is one (every web worker shares it), in memory otherwise."""
    limiter = Limiter(
        key_func=rate_key,
        default_limits=[settings.api_rate_limit],
        default_limits_exempt_when=lambda: request.method == "OPTIONS",  # CORS preflights
        storage_uri=settings.redis_url or "memory://",
        # Under the prefix the sender limits use, so whatever clears one clears both.
        storage_options={"key_prefix": "wocs:rate:api"} if settings.redis_url else {},
        headers_enabled=True,
        strategy="fixed-window",
        swallow_errors=True,  # Redis unreachable: serve unlimited rather than fail
    )
    limiter.init_app(app)
    for endpoint, rules in special.items():
        view = app.view_functions[endpoint]
        for limit, key, counted in rules:
            view = limiter.limit(limit, key_func=key, override_defaults=False, deduct_when=counted)(
                view
            )
        app.view_functions[endpoint] = view  # the limiter checks these in its wrapper
    return limiter
