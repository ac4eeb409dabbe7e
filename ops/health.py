"""/healthz (liveness) and /readyz (readiness: the database and Redis answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify

import models

bp = Blueprint("health", __name__)


def _runtime() -> Any:
    return current_app.extensions["wocs"]


@bp.get("/healthz")
def health() -> Any:
    """Liveness for load balancers: the database answers."""
    models.db.execute_sql("SELECT 1")
    return jsonify(status="ok", embedded=_runtime().settings.embedded)


@bp.get("/readyz")
def ready() -> Any:
    """Readiness: the database and Redis answer; 503 naming the one that does not."""
    runtime = _runtime()
    down = [name for name, probe in probes(runtime) if not answers(probe)]
    if down:
        return jsonify(status="unavailable", down=down, reason=f"{' and '.join(down)} down"), 503
    return jsonify(status="ok", embedded=runtime.settings.embedded)


def probes(runtime: Any) -> list[tuple[str, Callable[[], Any]]]:
    """What readiness asks, each with the short timeouts its connection was opened with."""
    return [
        ("database", lambda: models.db.execute_sql("SELECT 1")),
        ("redis", lambda: runtime.redis.ping()),
    ]


def answers(probe: Callable[[], Any]) -> bool:
    """True when the probe returns; any error (driver, network, timeout) means down."""
    try:
        probe()
    except Exception:  # every failure reads the same to a load balancer
        return False
    return True
