"""Rate limits (flask-limiter): one budget per user across the whole API, stricter login limits."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, request
from flask_limiter import Limiter

from api import principal
from wocs.settings import Settings

# endpoint → [(limit, what it counts by, which answers count, None: all)]; next to their views
Special = dict[str, list[tuple[str, Callable[[], str], Callable[[Response], bool] | None]]]
SYNC_PUSH = "sync.push"  # the endpoint whose operations are counted one by one


def address() -> str:
    """The calling address (as the trusted proxies, WOCS_TRUSTED_PROXIES, report it)."""
    return f"ip:{request.remote_addr}"


def rate_key() -> str:
    """Who a request counts against: the logged-in user, else the calling address."""
    who = principal.peek()
    return f"user:{who.user_id}" if who is not None else address()


def cost() -> int:
    """What a request spends of the caller's budget: one, or one per operation a sync carries.

    `POST /sync` takes up to 100 operations, each a change as much as any single request.
    """
    if request.method != "POST" or request.endpoint != SYNC_PUSH:
        return 1
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly nested: the view answers 400
        return 1
    operations = body.get("operations") if isinstance(body, dict) else None
    return max(1, len(operations)) if isinstance(operations, list) else 1


def init(app: Flask, settings: Settings, special: Special) -> Limiter:
    """Count in Redis when there is one (every web worker shares it), in memory otherwise."""
    limiter = Limiter(
        key_func=rate_key,
        # One budget shared by every endpoint: limits per route would let a caller spend the
        # whole budget again on each of them.
        application_limits=[settings.api_rate_limit],
        application_limits_cost=cost,
        application_limits_exempt_when=lambda: request.method == "OPTIONS",  # CORS preflights
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
