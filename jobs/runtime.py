"""The wiring an app and its jobs run against: settings, database, Redis, transport, storage.

Each app has its own Runtime (`app.extensions["wocs"]`), active while it serves a request and in
every thread it starts; a job asks current() for the one active where it runs.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

import models
import storage
from storage import Storage
from whatsapp.make import make_transport
from whatsapp.transports import Transport
from wocs.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a job needs besides its ids."""

    settings: Settings
    database: Any
    redis: Any
    transport: Transport
    storage: Storage
    fake_server: Any = None

    def new_connection(self) -> Any:
        """Another connection to the same Redis (a worker must not share the web's timeouts)."""
        return connect_redis(self.settings, self.fake_server)

    @contextlib.contextmanager
    def active(self) -> Iterator[Runtime]:
        """Within the block (this thread or task only), jobs and models use this runtime."""
        token = _active.set(self)
        try:
            with models.bound(self.database):
                yield self
        finally:
            _active.reset(token)

    def activate(self) -> Runtime:
        """From now on this thread uses this runtime: for a thread's or a process's whole life."""
        _active.set(self)
        models.bind(self.database)
        return self

    def serve(self, wsgi: Callable[..., Any]) -> Callable[..., Any]:
        """A WSGI app whose every request runs with this runtime active."""

        def serving(environ: dict, start_response: Callable[..., Any]) -> Any:
            with self.active():
                # Flask builds an answer before it returns it; none of ours streams.
                return wsgi(environ, start_response)

        return serving

    def wrap(self, target: Callable[..., Any]) -> Callable[..., Any]:
        """`target` running with this runtime active, for a thread or a pool to call."""

        @functools.wraps(target)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self.active():
                return target(*args, **kwargs)

        return run


_active: ContextVar[Runtime | None] = ContextVar("wocs_runtime", default=None)


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


def build(
    settings: Settings,
    *,
    transport: Transport | None = None,
    redis_connection: Any = None,
) -> Runtime:
    """One app's wiring: open its database, Redis, transport and storage once."""
    connection = redis_connection if redis_connection is not None else connect_redis(settings)
    return Runtime(
        settings=settings,
        database=models.open_database(settings.database_url, settings.database_timeout),
        redis=connection,
        storage=storage.build(settings.storage),
        fake_server=connection.connection_pool.connection_kwargs.get("server"),
        transport=transport
        or make_transport(
            settings.transport,
            token=settings.whatsapp_token,
            phone_number_id=settings.phone_number_id,
            api_base=settings.api_base,
        ),
    )


def current() -> Runtime:
    """The runtime active here; a job or request fails loudly if nothing activated one."""
    runtime = _active.get()
    if runtime is None:
        raise RuntimeError("no WOCS runtime is active here: use runtime.active() or wrap()")
    return runtime
