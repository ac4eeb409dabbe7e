"""/metrics in Prometheus's text format.

What workers do is read from the shared database and Redis at each scrape (messages by state,
queues, broadcasts, draws, sweeps), so any web worker's answer is the whole system's truth;
only the webhook's own requests are counted in the web process (set PROMETHEUS_MULTIPROC_DIR
when gunicorn runs several workers, and they are summed). The page is off unless
WOCS_METRICS_TOKEN is set, and then needs it as a bearer token: volumes are business facts.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, current_app, request
from peewee import fn
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily
from rq import Queue
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from models import (
    BULK,
    DEFAULT,
    HIGH,
    BackupRun,
    Broadcast,
    Draw,
    InboundMessage,
    OutboundMessage,
    utcnow,
)
from ops import counters
from ops.health import answers, probes

bp = Blueprint("metrics", __name__)
QUEUES = (HIGH, DEFAULT, BULK)
FINISHED = ("done", "cancelled")  # broadcasts no longer moving
RATE_WINDOW = dt.timedelta(minutes=1)

WEB = CollectorRegistry(auto_describe=True)
WEBHOOK_REQUESTS = Counter(
    "wocs_webhook_requests", "Webhook requests by HTTP answer", ["status"], registry=WEB
)
WEBHOOK_SECONDS = Histogram(
    "wocs_webhook_seconds",
    "Time to answer a webhook POST",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=WEB,
)


def observe_webhook(status: int, seconds: float) -> None:
    """Count one webhook answer (a POST's time goes to the latency histogram)."""
    WEBHOOK_REQUESTS.labels(status=str(status)).inc()
    WEBHOOK_SECONDS.observe(seconds)


@bp.get("/metrics")
def metrics() -> Response:
    """The figures, for a caller holding the metrics token."""
    settings = current_app.config["WOCS_SETTINGS"]
    if not settings.metrics_token:
        return Response("not found\n", 404, mimetype="text/plain")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
        return Response(
            "metrics need the bearer token\n",
            401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # every gunicorn worker's webhook counts
    else:
        registry.register(WEB)
    registry.register(Figures(current_app.extensions["wocs"], settings.mps))
    return Response(generate_latest(registry), 200, mimetype=CONTENT_TYPE_LATEST)


class Figures:
    """A Prometheus collector reading the system's state when scraped."""

    def __init__(self, runtime: Any, mps: int) -> None:
        self.runtime, self.mps = runtime, mps

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Each family; one whose source is down is left out, and wocs_up says which."""
        up = GaugeMetricFamily("wocs_up", "1 when the part answers", labels=["part"])
        reachable = {name: answers(probe) for name, probe in probes(self.runtime)}
        for name, ok in reachable.items():
            up.add_metric([name], 1 if ok else 0)
        yield up
        if reachable["database"]:
            yield from self._messages()
            yield from self._work()
        if reachable["redis"]:
            yield from self._queues()

    def _messages(self) -> Iterator[GaugeMetricFamily]:
        inbound = GaugeMetricFamily(
            "wocs_inbound_messages", "Stored inbound messages", labels=["type", "state"]
        )
        rows = InboundMessage.select(
            InboundMessage.type, InboundMessage.state, fn.COUNT(InboundMessage.id)
        ).group_by(InboundMessage.type, InboundMessage.state)
        for kind, state, count in rows.tuples():
            inbound.add_metric([str(kind), str(state)], int(count))
        yield inbound
        outbound = GaugeMetricFamily(
            "wocs_outbound_messages", "Outbox rows", labels=["state", "error_code"]
        )
        rows = OutboundMessage.select(
            OutboundMessage.state, OutboundMessage.error_code, fn.COUNT(OutboundMessage.id)
        ).group_by(OutboundMessage.state, OutboundMessage.error_code)
        for state, code, count in rows.tuples():
            outbound.add_metric([str(state), str(code or "")], int(count))
        yield outbound
        yield _age(
            "wocs_inbound_oldest_waiting_seconds",
            "Age of the oldest inbound message still waiting for its job",
            InboundMessage.select(fn.MIN(InboundMessage.received_at)).where(
                InboundMessage.state == "received"
            ),
        )
        yield _age(
            "wocs_outbound_oldest_unsent_seconds",
            "Age of the oldest outbox row not yet accepted by Meta",
            OutboundMessage.select(fn.MIN(OutboundMessage.created_at)).where(
                OutboundMessage.state.in_(("pending", "sending"))
            ),
        )
        since = utcnow() - RATE_WINDOW
        sent = OutboundMessage.select().where(OutboundMessage.sent_at >= since).count()
        yield GaugeMetricFamily(
            "wocs_send_rate",
            "Messages a second Meta accepted, over the last minute",
            value=sent / 60,
        )
        yield GaugeMetricFamily(
            "wocs_send_rate_limit", "Messages a second allowed (WHATSAPP_MPS)", value=self.mps
        )

    def _work(self) -> Iterator[GaugeMetricFamily]:
        progress = GaugeMetricFamily(
            "wocs_broadcast_recipients",
            "Recipients of each unfinished broadcast by outcome",
            labels=["broadcast", "outcome"],
        )
        for row in Broadcast.select().where(Broadcast.state.not_in(FINISHED)):
            waiting = max(0, row.total - row.sent - row.skipped - row.failed)
            for outcome, count in (
                ("sent", row.sent),
                ("skipped", row.skipped),
                ("failed", row.failed),
                ("waiting", waiting),
            ):
                progress.add_metric([str(row.id), outcome], count)
        yield progress
        draws = GaugeMetricFamily("wocs_draws", "Lucky draws by state", labels=["state"])
        for state, count in (
            Draw.select(Draw.state, fn.COUNT(Draw.id)).group_by(Draw.state).tuples()
        ):
            draws.add_metric([str(state)], int(count))
        yield draws
        backups = GaugeMetricFamily("wocs_backups", "Backup slots by outcome", labels=["state"])
        query = BackupRun.select(BackupRun.state, fn.COUNT(BackupRun.id)).group_by(BackupRun.state)
        for state, count in query.tuples():
            backups.add_metric([str(state)], int(count))
        yield backups
        last = BackupRun.select(fn.MAX(BackupRun.finished_at)).where(BackupRun.state == "done")
        yield _age(
            "wocs_backup_last_done_seconds",
            "Age of the newest finished backup (0 before the first)",
            last,
        )

    def _queues(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily("wocs_queue_jobs", "Jobs waiting on a queue", labels=["queue"])
        oldest = GaugeMetricFamily(
            "wocs_queue_oldest_job_seconds", "Age of the job waiting longest", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "wocs_queue_failed_jobs", "Jobs that failed for good, kept by RQ", labels=["queue"]
        )
        later = GaugeMetricFamily(
            "wocs_queue_scheduled_jobs", "Jobs scheduled for later (retries)", labels=["queue"]
        )
        now = dt.datetime.now(dt.UTC)
        for name in QUEUES:
            queue = Queue(name, connection=self.runtime.redis)
            waiting.add_metric([name], queue.count)
            first = queue.jobs[:1] if queue.count else []
            since = first[0].enqueued_at if first and first[0].enqueued_at else None
            oldest.add_metric([name], _seconds_since(since, now))
            failed.add_metric([name], FailedJobRegistry(queue=queue).count)
            later.add_metric([name], ScheduledJobRegistry(queue=queue).count)
        yield from (waiting, oldest, failed, later)
        swept = GaugeMetricFamily(
            "wocs_sweeper_requeued",
            "Work the sweeper enqueued again because its job was lost or cut off",
            labels=["kind"],
        )
        for kind, count in sorted(counters.requeued(self.runtime.redis).items()):
            swept.add_metric([kind], count)
        yield swept


def _seconds_since(moment: dt.datetime | None, now: dt.datetime) -> float:
    if moment is None:
        return 0.0
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return max(0.0, (now - aware).total_seconds())


def _age(name: str, text: str, query: Any) -> GaugeMetricFamily:
    oldest = query.scalar()
    seconds = (utcnow() - oldest).total_seconds() if oldest else 0.0
    return GaugeMetricFamily(name, text, value=max(0.0, seconds))
