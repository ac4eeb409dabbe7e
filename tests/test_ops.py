"""Watching WOCS: /metrics from the database and Redis, and JSON log lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sys
from types import SimpleNamespace

import fakeredis
import pytest
import requests
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue
from rq.job import JobStatus
from rq.registry import FailedJobRegistry

from jobs import runtime
from jobs.backups import SLOT, run_backup, slot_of
from jobs.sweeper import sweep
from models import BULK, Broadcast, InboundMessage, OutboundMessage, utcnow
from ops.logs import JSONFormatter
from ops.metrics import Figures
from tests.conftest import ADMIN
from tests.scenarios import approve, create_campaign, stored_inbound

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def watched(live, monkeypatch):
    """The live app with a metrics token configured."""
    settings = dataclasses.replace(live.app.config["WOCS_SETTINGS"], metrics_token=TOKEN)
    monkeypatch.setitem(live.app.config, "WOCS_SETTINGS", settings)
    return live


def _scrape(live, token: str = TOKEN) -> requests.Response:
    return requests.get(
        f"{live.url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_are_not_served_without_a_token_configured(live):
    assert requests.get(f"{live.url}/metrics", timeout=10).status_code == 404


def test_metrics_need_the_bearer_token(watched):
    assert requests.get(f"{watched.url}/metrics", timeout=10).status_code == 401
    refused = _scrape(watched, token="wrong")
    assert refused.status_code == 401 and "Bearer" in refused.headers["WWW-Authenticate"]


def test_metrics_count_what_the_database_and_redis_hold(watched):
    watched.ask("/help")
    watched.settle()
    answer = _scrape(watched)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    found = _samples(answer.text)
    assert found[("wocs_up", (("part", "database"),))] == 1
    assert found[("wocs_up", (("part", "redis"),))] == 1
    handled = {labels: v for (name, labels), v in found.items() if name == "wocs_inbound_messages"}
    assert sum(handled.values()) == 1 and (("state", "received"),) not in handled
    sent = {labels: v for (name, labels), v in found.items() if name == "wocs_outbound_messages"}
    assert sum(sent.values()) == 1 and (("state", "pending"),) not in sent
    assert found[("wocs_inbound_oldest_waiting_seconds", ())] == 0
    assert found[("wocs_queue_jobs", (("queue", "high"),))] == 0
    assert ("wocs_queue_failed_jobs", (("queue", "bulk"),)) in found
    assert ADMIN not in answer.text  # counts only, nobody's number


def test_metrics_say_which_part_is_down_and_still_answer(watched, monkeypatch):
    down = dataclasses.replace(watched.runtime.settings, redis_url="redis://127.0.0.1:1/0")
    monkeypatch.setattr(watched.runtime, "redis", runtime.connect_redis(down))
    answer = _scrape(watched)
    assert answer.status_code == 200
    found = _samples(answer.text)
    assert found[("wocs_up", (("part", "redis"),))] == 0
    assert not [name for name, _ in found if name.startswith("wocs_queue_")]
    assert ("wocs_inbound_messages", ()) not in found


def test_a_json_log_line_holds_the_record_and_its_error():
    try:
        raise ValueError("bad value")
    except ValueError:
        record = logging.LogRecord("wocs.x", logging.ERROR, __file__, 1, "failed %s", ("x",), None)
        record.exc_info = sys.exc_info()
    line = json.loads(JSONFormatter().format(record))
    assert (line["level"], line["logger"], line["message"]) == ("ERROR", "wocs.x", "failed x")
    assert "ValueError: bad value" in line["error"] and line["time"].endswith("+00:00")


def _total(found: dict, name: str, **labels: str) -> float:
    """The sum of a family's samples whose labels include these."""
    return sum(
        value
        for (sample, sample_labels), value in found.items()
        if sample == name and set(labels.items()) <= set(sample_labels)
    )


def test_every_metric_moves_under_load(watched):
    before = _samples(_scrape(watched).text)
    approve("campaign_reminder")
    create_campaign(watched, code="METRIC1")
    for n in range(5):
        watched.say(f"6011200000{n}", "JOIN METRIC1")
    assert watched.post({"entry": []}, secret="wrong").status_code == 403
    later = "/send to: 012-345 0000 template: campaign_reminder vars: METRIC1; 1 Jan at: 2030-01-01 10:00"
    watched.say(ADMIN, later)
    watched.replies_to(ADMIN, 2)
    watched.settle()
    lost = stored_inbound("/help", "wamid.metrics.lost")  # as if Redis had lost its job
    InboundMessage.update(received_at=utcnow() - dt.timedelta(minutes=5)).where(
        InboundMessage.id == lost
    ).execute()
    waiting = _samples(_scrape(watched).text)
    assert waiting[("wocs_inbound_oldest_waiting_seconds", ())] >= 290
    sweep()
    watched.settle()
    assert run_backup(slot_of(utcnow(), 6).strftime(SLOT)).startswith("backed up")
    after = _samples(_scrape(watched).text)

    def moved(name: str, **labels: str) -> float:
        return _total(after, name, **labels) - _total(before, name, **labels)

    assert moved("wocs_webhook_requests_total", status="200") >= 7
    assert moved("wocs_webhook_requests_total", status="403") == 1
    assert moved("wocs_webhook_seconds_count") >= 8 and moved("wocs_webhook_seconds_sum") > 0
    assert moved("wocs_inbound_messages", type="text") >= 8
    assert moved("wocs_outbound_messages", state="sent") >= 7  # the tickets and replies
    assert after[("wocs_send_rate", ())] > 0 and after[("wocs_send_rate_limit", ())] == 80
    assert (
        "wocs_broadcast_recipients",
        (("broadcast", str(Broadcast.get().id)), ("outcome", "waiting")),
    ) in after
    assert moved("wocs_draws") == 1
    assert moved("wocs_backups", state="done") == 1
    assert after[("wocs_backup_last_done_seconds", ())] < 3600
    assert moved("wocs_sweeper_requeued", kind="inbound") >= 1
    assert after[("wocs_inbound_oldest_waiting_seconds", ())] == 0


def test_queue_figures_count_waiting_scheduled_and_failed_jobs(live):
    """On a Redis no worker serves, the queue families show each job where RQ keeps it."""
    quiet = fakeredis.FakeRedis()
    bulk = Queue(BULK, connection=quiet)
    bulk.enqueue("jobs.sweeper.sweep")
    bulk.enqueue_at(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), "jobs.sweeper.sweep")
    stuck = bulk.enqueue("jobs.sweeper.sweep")
    stuck.set_status(JobStatus.FAILED)
    FailedJobRegistry(queue=bulk).add(stuck, ttl=60)
    found = _samples(generate_latest(_only(Figures(SimpleNamespace(redis=quiet), mps=80))).decode())
    assert found[("wocs_queue_jobs", (("queue", "bulk"),))] == 2
    assert found[("wocs_queue_scheduled_jobs", (("queue", "bulk"),))] == 1
    assert found[("wocs_queue_failed_jobs", (("queue", "bulk"),))] == 1
    assert found[("wocs_queue_oldest_job_seconds", (("queue", "bulk"),))] >= 0
    assert found[("wocs_queue_jobs", (("queue", "high"),))] == 0


def _only(collector: Figures) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


class _Lines(logging.Handler):
    """Keeps each record as the JSON formatter writes it."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict] = []
        self.setFormatter(JSONFormatter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_a_json_line_from_a_job_names_the_job_and_so_the_row(live):
    lines = _Lines()
    logging.getLogger("jobs").addHandler(lines)
    try:
        live.graph.refuse(ADMIN, code=131026, message="undeliverable")
        live.say(ADMIN, "/help")
        live.settle()
    finally:
        logging.getLogger("jobs").removeHandler(lines)
    row = OutboundMessage.get()
    failed = [line for line in lines.lines if "failed for good" in line["message"]]
    assert failed and failed[0]["job"] == f"send-{row.id}", lines.lines
    assert ADMIN not in failed[0]["message"]  # the phone is masked
