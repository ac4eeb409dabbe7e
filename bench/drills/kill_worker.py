"""Drill: the RQ worker is killed with SIGKILL twice under load, and restarted each time.

Commands arrive at a fixed rate; the worker and its process group are killed at 30 % and 60 %
of the load and restarted a second later. Afterwards the drill checks the database and the
Graph server: every inbound stored once, every command executed once, every reply sent once.

Run: python bench/drills/kill_worker.py [--commands 5000] [--rate 100]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness


def run(
    stack: harness.Stack,
    commands: int,
    rate: float,
    kills: Sequence[float] = (0.3, 0.6),
    drain_timeout: float = 300.0,
    settle: float = 3.0,
) -> dict:
    """Kill the worker at each fraction of the load in `kills`; return the figures."""
    sent = harness.hook_commands("kill", commands)
    duration, exits = commands / rate, stack.workers.exits
    # One thread kills at each offset, one kill after the other.
    killer = threading.Thread(
        target=stack.workers.kill_at, args=tuple(duration * at for at in kills)
    )
    killer.start()
    result = stack.post(harness.requests_for(sent), rate)
    killer.join()
    drained = stack.drain(sent, drain_timeout, settle)
    figures = {
        "worker_kills": len(kills),
        "worker_exits": stack.workers.exits - exits,
        "webhook_200": result.statuses.count(200),
        "seconds_to_drain_after_load": round(drained, 1),
    } | harness.verify(stack, sent)
    return harness.judged(figures, figures["webhook_200"] == commands)


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=5000)
    options.add_argument("--rate", type=float, default=100.0)
    options.add_argument("--drain-timeout", type=float, default=300.0)
    args = options.parse_args()
    with harness.drill_stack("kill-worker") as stack:
        figures = run(stack, args.commands, args.rate, drain_timeout=args.drain_timeout)
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
