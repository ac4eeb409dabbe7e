"""Smoke versions of the fault drills (bench/drills/): the same code, small loads, one stack.

The stack runs on a private MariaDB and Redis that the drills may stop; the full drills and
their figures are in docs/RELIABILITY.md.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from bench.drills import (
    backup_restore,
    backup_restore_sqlite,
    bad_input,
    draw_beacon,
    duplicates,
    graph_faults,
    harness,
    kill_worker,
    mariadb_restart,
    redis_outage,
)

pytestmark = pytest.mark.drill
# Wait 0.5 s for late duplicates after the last reply; give up after 120 s instead of 300.
SMOKE = {"settle": 0.5, "drain_timeout": 120.0}


@pytest.fixture(scope="module")
def stack() -> Iterator[harness.Stack]:
    """One drill stack for every smoke drill; each checks only its own commands."""
    missing = [b for b in ("mariadbd", "redis-server") if not _installed(b)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {', '.join(missing)} for the drills")
        pytest.skip(f"not installed: {', '.join(missing)}")
    with harness.drill_stack("smoke", sweep_seconds=1) as running:
        yield running


def _installed(name: str) -> bool:
    return bool(shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin"))


def _passed(figures: dict) -> None:
    assert figures["drill"] == "passed", "\n".join(f"{k}: {v}" for k, v in figures.items())


def test_every_body_posted_three_times_at_once_is_handled_once(stack):
    figures = duplicates.run(stack, commands=100, rate=50, copies=3, **SMOKE)
    assert figures["posts"] == figures["webhook_200"] == 300
    _passed(figures)


def test_a_worker_killed_and_restarted_while_commands_arrive_loses_nothing(stack):
    # Killed as the load starts, while idle: the commands queue up until it is back. A kill
    # in the middle of a job takes 90 s to recover (job timeout and grace), so that case is
    # left to the full drill and to tests/test_jobs.py.
    figures = kill_worker.run(stack, commands=100, rate=50, kills=(0.0,), **SMOKE)
    assert figures["worker_kills"] == 1
    _passed(figures)


def test_conversations_with_the_worker_killed_forward_and_deliver_each_message_once(stack):
    # Customers' messages among the commands, then the agents' quote-replies, each load
    # with the worker killed as it starts.
    figures = kill_worker.run(stack, commands=50, rate=50, kills=(0.0,), customers=50, **SMOKE)
    assert figures["worker_kills"] == 2 and figures["customer_messages"] == 50
    assert figures["forwarded_once"] == figures["answers_delivered_once"] == 50
    _passed(figures)


def test_graph_500s_rate_limits_and_stalls_are_retried_and_sent_once(stack):
    figures = graph_faults.run(stack, commands=150, rate=50, errors=5, stalls=1, stall=2.0, **SMOKE)
    assert figures["graph_sends_refused"] >= 10
    _passed(figures)


def test_mariadb_restarted_under_load_answers_503_and_loses_nothing(stack):
    # Faster than the worker keeps up, so jobs are waiting when the database goes away.
    figures = mariadb_restart.run(
        stack, commands=300, rate=200, down=1.0, stop_at=0.5, retry_every=1.0, **SMOKE
    )
    assert figures["webhook_503"] > 0
    assert figures["redelivery_rounds"] >= 1
    assert figures["inbound_jobs_failed_while_down"] > 0  # their retries must run
    _passed(figures)


def test_redis_stopped_under_load_the_webhook_answers_and_the_sweeper_catches_up(stack):
    figures = redis_outage.run(stack, commands=150, rate=50, outage=3.0, stop_at=0.2, **SMOKE)
    assert figures["webhook_200"] == 150
    _passed(figures)


def test_bad_input_gets_replies_refusals_and_is_stored_verbatim(stack):
    figures = bad_input.run(stack, messages=1000, seed=1, **SMOKE)
    assert figures["answers_5xx_or_none"] == 0
    _passed(figures)


def test_a_draw_with_the_beacon_down_and_the_worker_killed_runs_once_on_its_round(stack):
    figures = draw_beacon.run(stack, entries=8, outage=3.0, timeout=120.0)
    assert figures["fixed_round"] == figures["drawn_round"] == 2
    _passed(figures)


def test_a_backup_restored_after_the_database_is_dropped_holds_every_row(stack):
    # Last: the restore takes the stack's database back to the backup, and restarts the worker.
    figures = backup_restore.run(stack, commands=100, after=10, rate=50, **SMOKE)
    assert figures["tables_equal_to_backup"] == figures["tables"]
    assert figures["rpo_commands_after_backup_lost"] == 10
    _passed(figures)


def test_the_embedded_stack_restores_a_lost_sqlite_file_with_every_row():
    figures = backup_restore_sqlite.run(commands=60, after=6, rate=50, timeout=120.0)
    assert figures["tables_equal_to_backup"] == figures["tables"]
    assert figures["rpo_commands_after_backup_lost"] == 6
    assert figures["drill"] == "passed", figures
