"""Drill: MariaDB restarted in the middle of the load.

Commands arrive at a fixed rate; at `--stop-at` of the load, once the worker is answering and
inbound jobs are waiting in the queue, the private MariaDB is shut down; it stays down `--down` seconds, and until a worker
has failed one of those jobs (so their retries are exercised on every run, not by luck), and is
started again. While it is down the webhook must answer
503 (so Meta delivers the message again later) and never 200 for a message it could not
store. Like Meta, the drill posts every message that did not get a 200 again, every
`--retry-every` seconds until all are accepted. The web and RQ workers must reconnect by
themselves; then the exactly-once check.

Run: python bench/drills/mariadb_restart.py [--commands 5000] [--rate 100] [--down 10]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness
from models import HIGH

MAX_ROUNDS = 30
FAILED_JOB = re.compile(r"job (inbound-\d+): exception raised")
OUTAGE_LIMIT = 60.0  # seconds: a worker that fails no job by then is a finding, not a wait


def _restart(stack: harness.Stack, after: float, down: float, mark: int, took: list[float]) -> None:
    """Shut MariaDB down `after` seconds from now, once the worker is answering and inbound jobs
    wait in the queue; start it again after `down` seconds and once the worker has failed a job
    on the missing database."""
    time.sleep(after)
    queue = redis.Redis.from_url(stack.cache.url())

    def busy() -> bool:  # the worker is up (it has answered) and has jobs waiting
        answered = stack.rows("SELECT COUNT(*) FROM outbound_message")[0][0]
        return answered > 0 and queue.llen(f"rq:queue:{HIGH}") > 0

    harness.until(busy, OUTAGE_LIMIT)
    started = time.monotonic()
    stack.mariadb.stop()
    time.sleep(down)
    harness.until(lambda: FAILED_JOB.search(stack.log_since(mark)) is not None, OUTAGE_LIMIT)
    stack.mariadb.start()
    took.append(time.monotonic() - started)


def redeliver(stack: harness.Stack, requests: list[bytes], statuses: list[int], every: float):
    """Post again, as Meta does, every request not answered 200; return (rounds, reposts)."""
    waiting = [n for n, status in enumerate(statuses) if status != 200]
    rounds = reposts = 0
    while waiting and rounds < MAX_ROUNDS:
        time.sleep(every)
        answers = stack.post([requests[n] for n in waiting], rate=200).statuses
        rounds, reposts = rounds + 1, reposts + len(waiting)
        waiting = [n for n, status in zip(waiting, answers, strict=True) if status != 200]
    return rounds, reposts


def run(
    stack: harness.Stack,
    commands: int,
    rate: float,
    down: float,
    stop_at: float = 0.4,
    retry_every: float = 2.0,
    drain_timeout: float = 300.0,
    settle: float = 3.0,
) -> dict:
    """Restart MariaDB at `stop_at` of the load, down for `down` seconds; return the figures."""
    # A few commands answered first: the worker is up and connected before the load starts.
    warm = harness.hook_commands("mariadb-warmup", 5)
    stack.post(harness.requests_for(warm), rate)
    stack.drain(warm, drain_timeout, settle=0.0)
    sent = harness.hook_commands("mariadb", commands)
    requests = harness.requests_for(sent)
    took: list[float] = []
    exits, mark = stack.workers.exits, stack.log.stat().st_size
    restarter = threading.Thread(
        target=_restart, args=(stack, commands / rate * stop_at, down, mark, took)
    )
    restarter.start()
    result = stack.post(requests, rate)
    restarter.join()
    rounds, reposts = redeliver(stack, requests, result.statuses, retry_every)
    drained = stack.drain(sent, drain_timeout, settle)
    figures = {
        "mariadb_unavailable_seconds": round(took[0], 1),
        "webhook_200": result.statuses.count(200),
        "webhook_503": result.statuses.count(503),
        "webhook_other": sum(s not in (200, 503) for s in result.statuses),
        "redelivery_rounds": rounds,
        "redelivered": reposts,
        "worker_exits": stack.workers.exits - exits,
        "inbound_jobs_failed_while_down": len(set(FAILED_JOB.findall(stack.log_since(mark)))),
        "seconds_to_drain_after_load": round(drained, 1),
    } | harness.verify(stack, sent)
    # Every message must have been refused honestly (503) or stored; and the outage must show.
    refused = figures["webhook_503"] > 0 and figures["webhook_other"] == 0
    return harness.judged(figures, refused, rounds < MAX_ROUNDS)


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=5000)
    options.add_argument("--rate", type=float, default=100.0)
    options.add_argument("--down", type=float, default=10.0, help="seconds MariaDB stays down")
    options.add_argument("--stop-at", type=float, default=0.4, help="fraction of the load")
    options.add_argument("--retry-every", type=float, default=2.0, help="seconds between re-posts")
    options.add_argument("--drain-timeout", type=float, default=300.0)
    args = options.parse_args()
    with harness.drill_stack("mariadb-restart") as stack:
        figures = run(
            stack,
            args.commands,
            args.rate,
            args.down,
            args.stop_at,
            args.retry_every,
            args.drain_timeout,
        )
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
