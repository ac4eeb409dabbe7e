"""The process-wide wiring jobs run against: settings, database, Redis and transport."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

import models
from whatsapp.make import make_transport
from whatsapp.transports import Transport
from wocs.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a job needs besides its ids."""

    settings: Settings
    redis: Any
    transport: Transport
    fake_server: Any = None

    def new_connection(self) -> Any:
        """Another connection to the same Redis (a worker must not share the web's timeouts)."""
        return connect_redis(self.settings, self.fake_server)


_current: Runtime | None = None


def connect_redis(settings: Settings, fake_server: Any = None) -> Any:
    """A Redis connection: the real server, or the in-process stand-in in embedded mode."""
    if settings.redis_url:
        # Short timeouts and one quick retry: the webhook must answer even when Redis does not.
        return redis.Redis.from_url(
            settings.redis_url,
            socket_timeout=2,
            socket_connect_timeout=1,
            health_check_interval=15,
            retry=Retry(NoBackoff(), 1),
        )
    import fakeredis

    return fakeredis.FakeRedis(server=fake_server or fakeredis.FakeServer())


def configure(
    settings: Settings,
    *,
    transport: Transport | None = None,
    redis_connection: Any = None,
) -> Runtime:
    """Wire this process: open the database, Redis and the transport once."""
    global _current
    models.init_db(settings.database_url, settings.database_timeout)
    connection = redis_connection if redis_connection is not None else connect_redis(settings)
    _current = Runtime(
        settings=settings,
        redis=connection,
        fake_server=connection.connection_pool.connection_kwargs.get("server"),
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
