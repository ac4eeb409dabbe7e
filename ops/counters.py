"""Counts the workers keep in Redis for /metrics: what the sweeper had to enqueue again."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

REQUEUED = "wocs:metrics:sweeper"  # hash: kind of work → times the sweeper picked it up again


def add_requeued(redis: Any, counts: Mapping[str, int]) -> None:
    """Add one sweep's counts; a Redis failure only loses a figure, never the sweep."""
    found = {kind: n for kind, n in counts.items() if n}
    if not found:
        return
    try:
        with redis.pipeline(transaction=False) as pipe:
            for kind, n in found.items():
                pipe.hincrby(REQUEUED, kind, n)
            pipe.execute()
    except RedisError as exc:
        log.info("sweeper counts not recorded: %s", exc)


def requeued(redis: Any) -> dict[str, int]:
    """Every kind's count since Redis last started empty."""
    return {key.decode(): int(value) for key, value in redis.hgetall(REQUEUED).items()}
