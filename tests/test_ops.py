"""Watching WOCS: /metrics from the database and Redis, and JSON log lines."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from jobs import runtime
from ops.logs import JSONFormatter
from tests.conftest import ADMIN

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
