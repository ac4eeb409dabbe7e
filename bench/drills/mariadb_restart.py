"""Drill: MariaDB restarted in the middle of the load.

Commands arrive at a fixed rate; at `--stop-at` of the load the private MariaDB is shut down,
stays down `--down` seconds and is started again. While it is down the webhook must answer
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

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness
from bench.drills.services import PrivateMariaDB

MAX_ROUNDS = 30
FAILED_JOB = re.compile(r"job (inbound-\d+): exception raised")


def _restart(mariadb: PrivateMariaDB, after: float, down: float, took: list[float]) -> None:
    """Shut MariaDB down `after` seconds from now; start it again `down` seconds later."""
    time.sleep(after)
    started = time.monotonic()
    mariadb.stop()
    time.sleep(down)
    mariadb.start()
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
    sent = harness.hook_commands("mariadb", commands)
    requests = harness.requests_for(sent)
    took: list[float] = []
    exits, mark = stack.workers.exits, stack.log.stat().st_size
    restarter = threading.Thread(
        target=_restart, args=(stack.mariadb, commands / rate * stop_at, down, took)
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
