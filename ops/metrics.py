"""/metrics in Prometheus's text format, read from the database and Redis at each scrape.

Every figure comes from the shared database and Redis, not from counters in one process, so
any web worker's answer is the whole system's truth (gunicorn runs several; RQ workers serve
no HTTP at all). The page is off unless WOCS_METRICS_TOKEN is set, and then needs it as a
bearer token: message volumes are business information.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, request
from peewee import fn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from models import BULK, DEFAULT, HIGH, Broadcast, InboundMessage, OutboundMessage, utcnow
from ops.health import answers, probes

bp = Blueprint("metrics", __name__)
QUEUES = (HIGH, DEFAULT, BULK)
WAITING = ("received",)  # inbound rows a job has still to handle
UNSENT = ("pending", "sending")  # outbound rows not yet with Meta


@bp.get("/metrics")
def metrics() -> Response:
    """The figures, for a caller holding the metrics token."""
    token = current_app.config["WOCS_SETTINGS"].metrics_token
    if not token:
        return Response("not found\n", 404, mimetype="text/plain")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return Response(
            "metrics need the bearer token\n",
            401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Figures(current_app.extensions["wocs"]))
    return Response(generate_latest(registry), 200, mimetype=CONTENT_TYPE_LATEST)


class Figures:
    """A Prometheus collector reading the system's state when scraped."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Each family; one whose source is down is left out, and wocs_up says which."""
        up = GaugeMetricFamily("wocs_up", "1 when the part answers", labels=["part"])
        reachable = {name: answers(probe) for name, probe in probes(self.runtime)}
        for name, ok in reachable.items():
            up.add_metric([name], 1 if ok else 0)
        yield up
        if reachable["database"]:
            yield from self._database()
        if reachable["redis"]:
            yield from self._queues()

    def _database(self) -> Iterator[GaugeMetricFamily]:
        inbound = GaugeMetricFamily(
            "wocs_inbound_messages", "Stored inbound messages by state", labels=["state"]
        )
        for state, count in _by_state(InboundMessage):
            inbound.add_metric([state], count)
        yield inbound
        outbound = GaugeMetricFamily(
            "wocs_outbound_messages", "Outbox rows by state", labels=["state"]
        )
        for state, count in _by_state(OutboundMessage):
            outbound.add_metric([state], count)
        yield outbound
        yield _age(
            "wocs_inbound_oldest_waiting_seconds",
            "Age of the oldest inbound message still waiting for its job",
            InboundMessage.select(fn.MIN(InboundMessage.received_at)).where(
                InboundMessage.state.in_(WAITING)
            ),
        )
        yield _age(
            "wocs_outbound_oldest_unsent_seconds",
            "Age of the oldest outbox row not yet accepted by Meta",
            OutboundMessage.select(fn.MIN(OutboundMessage.created_at)).where(
                OutboundMessage.state.in_(UNSENT)
            ),
        )
        running = Broadcast.select().where(Broadcast.state.not_in(("done", "cancelled"))).count()
        yield GaugeMetricFamily(
            "wocs_broadcasts_unfinished", "Broadcasts queued or sending", value=running
        )

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily("wocs_queue_jobs", "Jobs waiting on a queue", labels=["queue"])
        failed = GaugeMetricFamily(
            "wocs_queue_failed_jobs", "Jobs that failed for good, kept by RQ", labels=["queue"]
        )
        later = GaugeMetricFamily(
            "wocs_queue_scheduled_jobs", "Jobs scheduled for later (retries)", labels=["queue"]
        )
        for name in QUEUES:
            queue = Queue(name, connection=self.runtime.redis)
            waiting.add_metric([name], queue.count)
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
            later.add_metric([name], ScheduledJobRegistry(queue=queue).count)
        yield from (waiting, failed, later)


def _by_state(model: Any) -> list[tuple[str, int]]:
    query = model.select(model.state, fn.COUNT(model.id)).group_by(model.state).tuples()
    return [(str(state), int(count)) for state, count in query]


def _age(name: str, text: str, query: Any) -> GaugeMetricFamily:
    oldest = query.scalar()
    seconds = (utcnow() - oldest).total_seconds() if oldest else 0.0
    return GaugeMetricFamily(name, text, value=max(0.0, seconds))
