"""Peak memory of a web worker and an RQ worker after handling 10,000 messages.

Production stack: gunicorn (2 sync workers) on MariaDB + Redis, one `python bot.py worker`,
the Graph API test server standing in for Meta. Each message is a `/task list` command, so
every one is stored, processed, answered and sent.

Run: python bench/memory.py [--messages 10000] [--rate 250]
Prints one figure per line (peak RSS from /proc/<pid>/status VmHWM).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.lib import open_loop, production_stack
from bench.round_trip import TOKEN, bodies, fresh_database, stack_env
from whatsapp.graph_test_server import GraphTestServer


def peak_rss_mb(pid: int) -> float:
    """The highest resident set size a process has reached, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for {pid}")


def main() -> None:
    """Run the stack, push the messages through, report peak memory."""
    options = argparse.ArgumentParser()
    options.add_argument("--messages", type=int, default=10_000)
    options.add_argument("--rate", type=float, default=250.0)
    args = options.parse_args()
    fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-bench-memory.log"
    with (
        GraphTestServer(token=TOKEN) as graph,
        production_stack(stack_env(graph), log) as (port, web_pids, worker),
    ):
        result = open_loop(port, bodies(args.messages), args.rate)
        graph.wait_for(args.messages, timeout=600)
        web = [peak_rss_mb(pid) for pid in web_pids]
        rq_worker = peak_rss_mb(worker.pid)
    print(f"messages: {args.messages}")
    print(f"webhook_200: {result.statuses.count(200)}")
    print(f"replies_sent: {len(graph.sent())}")
    print(f"web_worker_peak_rss_mb: {max(web):.1f}")
    print(f"rq_worker_peak_rss_mb: {rq_worker:.1f}")


if __name__ == "__main__":
    main()
