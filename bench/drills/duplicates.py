"""Drill: every webhook body posted three times at once, as Meta does when it retries eagerly.

Each signed body goes out `--copies` times at the same moment on separate connections, so
the copies race each other through both gunicorn workers into the same INSERT; the bodies
arrive at a fixed rate. Every copy must be answered 200, and the exactly-once check must
still hold: one inbound row, one hook, one reply sent per message.

Run: python bench/drills/duplicates.py [--commands 3000] [--rate 100] [--copies 3]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness


def run(
    stack: harness.Stack,
    commands: int,
    rate: float,
    copies: int = 3,
    drain_timeout: float = 300.0,
    settle: float = 3.0,
) -> dict:
    """Post each body `copies` times at once; return the figures."""
    sent = harness.hook_commands("dup", commands)
    result = stack.post(harness.requests_for(sent), rate, copies=copies)
    drained = stack.drain(sent, drain_timeout, settle)
    figures = {
        "copies_of_each_body": copies,
        "posts": len(result.statuses),
        "webhook_200": result.statuses.count(200),
        "seconds_to_drain_after_load": round(drained, 1),
    } | harness.verify(stack, sent)
    return harness.judged(figures, figures["webhook_200"] == commands * copies)


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=3000)
    options.add_argument("--rate", type=float, default=100.0, help="distinct bodies a second")
    options.add_argument("--copies", type=int, default=3)
    options.add_argument("--drain-timeout", type=float, default=300.0)
    args = options.parse_args()
    with harness.drill_stack("duplicates") as stack:
        figures = run(stack, args.commands, args.rate, args.copies, args.drain_timeout)
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
