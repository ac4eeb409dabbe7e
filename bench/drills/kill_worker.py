"""Drill: the RQ worker is killed with SIGKILL twice under load, and restarted each time.

Commands arrive at a fixed rate, mixed with customers' messages to four agents on duty; the
worker and its process group are killed at 30 % and 60 % of the load and restarted a second
later. Then each agent quote-replies the forward they got, at the same rate, with the worker
killed at the same points again. Afterwards the drill checks the database and the Graph
server: every inbound stored once, every command executed once, every reply sent once, every
customer message forwarded once and every agent's reply delivered to the customer once.

Run: python bench/drills/kill_worker.py [--commands 5000] [--customers 1000] [--rate 100]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import conversing, harness
from bench.lib import OpenLoopResult


def run(
    stack: harness.Stack,
    commands: int,
    rate: float,
    kills: Sequence[float] = (0.3, 0.6),
    drain_timeout: float = 300.0,
    settle: float = 3.0,
    customers: int = 0,
) -> dict:
    """Kill the worker at each fraction of the load in `kills`; return the figures.

    With `customers`, that many customer messages join the commands, and their agents'
    quote-replies follow as a second load, killed at the same fractions.
    """
    sent = harness.hook_commands("kill", commands)
    asked = conversing.questions("kill", customers)
    if asked:
        conversing.seed_agents(stack)
    load = _mixed(harness.requests_for(sent), conversing.question_requests(asked))
    exits = stack.workers.exits
    result = _killed_while_posting(stack, load, rate, kills)
    drained = max(
        stack.drain(sent, drain_timeout, settle),
        conversing.drain_forwards(stack, asked, drain_timeout),
    )
    figures = {
        "worker_kills": len(kills),
        "worker_exits": stack.workers.exits - exits,
        "webhook_200": result.statuses.count(200),
        "seconds_to_drain_after_load": round(drained, 1),
    } | harness.verify(stack, sent)
    if not asked:
        return harness.judged(figures, figures["webhook_200"] == commands)
    answered, replies = conversing.answers(stack, asked)
    answering = _killed_while_posting(stack, replies, rate, kills)
    drained = conversing.drain_answers(stack, answered, drain_timeout)
    time.sleep(settle)  # late duplicates, if any, are counted
    conversing.stand_down(stack)
    figures |= {
        "worker_kills": 2 * len(kills),
        "worker_exits": stack.workers.exits - exits,
        "webhook_200": result.statuses.count(200) + answering.statuses.count(200),
        "seconds_to_drain_answers": round(drained, 1),
    } | conversing.verify(stack, asked, answered)
    posted = commands + 2 * customers
    return harness.judged(figures, figures["webhook_200"] == posted, conversing.passed(figures))


def _mixed(*loads: list[bytes]) -> list[bytes]:
    """Loads interleaved evenly, each in its own order."""
    spread = sorted(
        (n / len(load), which, n) for which, load in enumerate(loads) for n in range(len(load))
    )
    return [loads[which][n] for _, which, n in spread]


def _killed_while_posting(
    stack: harness.Stack, requests: list[bytes], rate: float, kills: Sequence[float]
) -> OpenLoopResult:
    """Post `requests` at `rate` while a thread kills the worker at each fraction of the load."""
    duration = len(requests) / rate
    # One thread kills at each offset, one kill after the other.
    killer = threading.Thread(
        target=stack.workers.kill_at, args=tuple(duration * at for at in kills)
    )
    killer.start()
    result = stack.post(requests, rate)
    killer.join()
    return result


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=5000)
    options.add_argument("--customers", type=int, default=1000, help="customer messages")
    options.add_argument("--rate", type=float, default=100.0)
    options.add_argument("--drain-timeout", type=float, default=300.0)
    args = options.parse_args()
    with harness.drill_stack("kill-worker") as stack:
        figures = run(
            stack,
            args.commands,
            args.rate,
            drain_timeout=args.drain_timeout,
            customers=args.customers,
        )
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
