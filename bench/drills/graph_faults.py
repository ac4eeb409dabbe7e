"""Drill: the Graph API answers 500s, then 130429 rate limits, then stalls, in the middle of the load.

Commands arrive at a fixed rate. At 20 % of the load the Graph API test server answers the
next `--errors` message sends with HTTP 500 (code 131000), at 40 % the next `--errors` with
HTTP 429 (code 130429, "rate limit hit"), and at 60 % it holds the next `--stalls` sends for
`--stall` seconds before answering. The outbox must retry what failed and send every reply
exactly once.

A stall longer than the transport's 10 s read timeout is the hard case: the send's outcome is
unknown to WOCS while Meta may have accepted it. `--stall 15` drills it.

Run: python bench/drills/graph_faults.py [--commands 3000] [--rate 100] [--stall 5]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from threading import Thread

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness
from whatsapp.graph_test_server import GraphTestServer


def _faults(
    graph: GraphTestServer, duration: float, errors: int, stalls: int, stall: float
) -> None:
    """Queue the failures at 20 %, 40 % and 60 % of the load."""
    start = time.monotonic()
    steps = [
        (0.2, lambda: graph.fail_next(errors, code=131000)),
        (0.4, lambda: graph.fail_next(errors, code=130429)),
        (0.6, lambda: graph.stall_next(stalls, seconds=stall)),
    ]
    for at, step in steps:
        time.sleep(max(0.0, start + duration * at - time.monotonic()))
        step()


def run(
    stack: harness.Stack,
    commands: int,
    rate: float,
    errors: int = 200,
    stalls: int = 3,
    stall: float = 5.0,
    drain_timeout: float = 600.0,
    settle: float = 3.0,
) -> dict:
    """Queue Graph failures and stalls during the load; return the figures."""
    sent = harness.hook_commands("graph", commands)
    before = len(stack.graph.requests)
    faults = Thread(target=_faults, args=(stack.graph, commands / rate, errors, stalls, stall))
    faults.start()
    result = stack.post(harness.requests_for(sent), rate)
    faults.join()
    drained = stack.drain(sent, drain_timeout, settle)
    attempts = stack.graph.requests[before:]
    figures = {
        "graph_500s_queued": errors,
        "graph_130429s_queued": errors,
        "graph_stalls": f"{stalls} x {stall:g} s",
        "graph_send_attempts": len(attempts),
        "graph_sends_refused": sum(not r["wamid"] for r in attempts),
        "webhook_200": result.statuses.count(200),
        "seconds_to_drain_after_load": round(drained, 1),
    } | harness.verify(stack, sent)
    return harness.judged(figures, figures["webhook_200"] == commands)


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=3000)
    options.add_argument("--rate", type=float, default=100.0)
    options.add_argument("--errors", type=int, default=200, help="sends answered 500, then 429")
    options.add_argument("--stalls", type=int, default=3, help="sends held before answering")
    options.add_argument("--stall", type=float, default=5.0, help="seconds each is held")
    options.add_argument("--drain-timeout", type=float, default=600.0)
    args = options.parse_args()
    with harness.drill_stack("graph-faults") as stack:
        figures = run(
            stack,
            args.commands,
            args.rate,
            args.errors,
            args.stalls,
            args.stall,
            args.drain_timeout,
        )
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
