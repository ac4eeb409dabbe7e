"""Drill: Redis stopped in the middle of the load and started again, empty.

Commands arrive at a fixed rate; at `--stop-at` of the load the private Redis (no persistence)
is stopped for `--outage` seconds and started again with nothing in it: the jobs queued before
the stop are gone too. The webhook must keep answering 200 (messages are rows before it
answers; a 5 s breaker stops it waiting on Redis), and the sweeper must re-enqueue everything
once Redis is back. Then the exactly-once check.

Run: python bench/drills/redis_outage.py [--commands 6000] [--rate 100] [--outage 30]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness
from bench.drills.services import PrivateRedis
from bench.lib import percentile


def _outage(cache: PrivateRedis, after: float, seconds: float) -> None:
    """Stop Redis `after` seconds from now and start it again `seconds` later."""
    time.sleep(after)
    cache.stop()
    time.sleep(seconds)
    cache.start()


def run(
    stack: harness.Stack,
    commands: int,
    rate: float,
    outage: float,
    stop_at: float = 0.25,
    drain_timeout: float = 300.0,
    settle: float = 3.0,
) -> dict:
    """Stop Redis at `stop_at` of the load for `outage` seconds; return the figures."""
    sent = harness.hook_commands("redis", commands)
    after, exits = commands / rate * stop_at, stack.workers.exits
    stopper = threading.Thread(target=_outage, args=(stack.cache, after, outage))
    stopper.start()
    result = stack.post(harness.requests_for(sent), rate)
    stopper.join()
    drained = stack.drain(sent, drain_timeout, settle)
    # Requests whose scheduled time fell while Redis was down (the generator starts at 0).
    down = [
        latency for n, latency in enumerate(result.latencies) if after <= n / rate < after + outage
    ]
    figures = {
        "redis_down_seconds": outage,
        "webhook_200": result.statuses.count(200),
        "webhook_p99_ms_while_down": round(percentile(down, 99) * 1000, 1),
        "webhook_max_ms_while_down": round(max(down, default=0) * 1000, 1),
        "worker_exits": stack.workers.exits - exits,
        "seconds_to_drain_after_load": round(drained, 1),
    } | harness.verify(stack, sent)
    return harness.judged(figures, figures["webhook_200"] == commands)


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=6000)
    options.add_argument("--rate", type=float, default=100.0)
    options.add_argument("--outage", type=float, default=30.0, help="seconds Redis stays down")
    options.add_argument("--stop-at", type=float, default=0.25, help="fraction of the load")
    options.add_argument("--drain-timeout", type=float, default=300.0)
    args = options.parse_args()
    with harness.drill_stack("redis-outage") as stack:
        figures = run(
            stack, args.commands, args.rate, args.outage, args.stop_at, args.drain_timeout
        )
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
