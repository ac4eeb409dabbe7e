"""The process-wide wiring jobs run against: settings, database, Redis and transport."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis

import models
from whatsapp.transports import Transport, make_transport
from wocs.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a job needs besides its ids."""

    settings: Settings
    redis: Any
    transport: Transport


_current: Runtime | None = None


def connect_redis(settings: Settings) -> Any:
    """A Redis connection: the real server, or the in-process stand-in in embedded mode."""
    if settings.redis_url:
        # Short timeouts: the webhook must answer even when Redis does not.
        return redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=2,
            socket_connect_timeout=2,
            health_check_interval=15,
        )
    import fakeredis

    return fakeredis.FakeRedis(server=fakeredis.FakeServer())


def configure(
    settings: Settings,
    *,
    transport: Transport | None = None,
    redis_connection: Any = None,
) -> Runtime:
    """Wire this process: open the database, Redis and the transport once."""
    global _current
    models.init_db(settings.database_url)
    _current = Runtime(
        settings=settings,
        redis=redis_connection if redis_connection is not None else connect_redis(settings),
        transport=transport
        or make_transport(
            settings.transport,
            token=settings.whatsapp_token,
            phone_number_id=settings.phone_number_id,
            api_base=settings.api_base,
        ),
    )
    return _current


def current() -> Runtime:
    """The wiring set by configure(); jobs fail loudly if a process forgot it."""
    if _current is None:
        raise RuntimeError("jobs.runtime.configure() was not called in this process")
    return _current
