"""Command round trip: from posting `/task list` to its reply reaching the Graph API test server.

Production stack: gunicorn (2 sync workers) on MariaDB + Redis, one `python bot.py worker`,
the Graph API test server standing in for Meta. Commands arrive at a fixed rate (open loop).

With `--during-broadcast N` it runs on a stack more like Meta (two workers, sends answered
after 100-300 ms, statuses posted back): the commands alone, then again while a broadcast
sends a template to N entrants, then the broadcast's figures (bench/broadcast.py).

Run: python bench/round_trip.py [--rate 20] [--seconds 30] [--during-broadcast 10000]
Prints one figure per line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pymysql
import redis

from bench.lib import http_request, mysql_params, open_loop, percentile, production_stack
from webhooks.routes import signature_for
from whatsapp.graph_test_server import GraphTestServer
from whatsapp.payload import text_message_body

# Both are emptied at the start (the database dropped and created again): keep them for this.
DATABASE_URL = os.environ.get(
    "BENCH_STACK_DATABASE_URL", "mysql://root@127.0.0.1:3306/wocs_bench_rt"
)
REDIS_URL = os.environ.get("BENCH_STACK_REDIS_URL", "redis://127.0.0.1:6379/8")
SECRET, TOKEN, ADMIN = "bench-secret", "bench-token", "60123456789"


def fresh_database() -> None:
    """An empty benchmark database and Redis db."""
    params = mysql_params(DATABASE_URL)
    name = params.pop("database")
    with pymysql.connect(**params) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    redis.Redis.from_url(REDIS_URL).flushdb()


def command_request(text: str, wamid: str, phone: str = ADMIN, quoting: str = "") -> bytes:
    """A signed webhook request carrying `text` from `phone` (quote-replying wamid `quoting`)."""
    raw = json.dumps(text_message_body(phone, text, wamid, quoting=quoting)).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature_for(SECRET, raw),
    }
    return http_request("/webhooks/whatsapp", raw, headers)


def bodies(count: int, prefix: str = "rt") -> list[bytes]:
    """`count` signed `/task list` requests from the admin, each with its own message id."""
    return [command_request("/task list", f"wamid.{prefix}.{n}") for n in range(count)]


def stack_env(graph: GraphTestServer, mps: int = 80) -> dict[str, str]:
    """The production settings, pointed at the benchmark database, Redis and Graph stand-in."""
    return {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "WHATSAPP_TOKEN": TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": "1",
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_API_BASE": graph.base_url,
        "WHATSAPP_MPS": str(mps),
        "WOCS_ADMINS": ADMIN,
        "WOCS_SENDER_LIMIT": "0",
    }


def latency_range(text: str) -> tuple[float, float]:
    """ "100-300" (milliseconds) as (0.1, 0.3) seconds; "0" for none."""
    low, _, high = text.partition("-")
    return float(low) / 1000, float(high or low) / 1000


def _latencies(graph: GraphTestServer, posted_at: dict[str, float]) -> list[float]:
    """Seconds from each command's scheduled post (by message id) to its reply at the Graph server."""
    params = mysql_params(DATABASE_URL)
    with pymysql.connect(**params) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, i.wamid FROM outbound_message o JOIN inbound_message i ON o.inbound_id = i.id"
        )
        inbound_of = {f"ob:{oid}": wamid for oid, wamid in cursor.fetchall() if wamid in posted_at}
    return [
        r["at"] - posted_at[inbound_of[r["body"]["biz_opaque_callback_data"]]]
        for r in list(graph.requests)
        if r["wamid"] and r["body"].get("biz_opaque_callback_data") in inbound_of
    ]


@dataclass
class Phase:
    """One run of commands at a fixed rate: what the webhook answered and each reply's latency."""

    count: int
    statuses: list[int]
    latencies: list[float]


def commands(port: int, graph: GraphTestServer, rate: float, seconds: float, prefix: str) -> Phase:
    """Post `/task list` at `rate` for `seconds`, then wait (up to 2 min) for the replies."""
    count = int(rate * seconds)
    requests = bodies(count, prefix)
    wall_start = time.time() + 0.05  # open_loop schedules its first send 50 ms ahead
    result = open_loop(port, requests, rate)
    posted_at = {f"wamid.{prefix}.{n}": wall_start + n / rate for n in range(count)}
    deadline = time.monotonic() + 120
    latencies = _latencies(graph, posted_at)
    while len(latencies) < count and time.monotonic() < deadline:
        time.sleep(0.5)
        latencies = _latencies(graph, posted_at)
    return Phase(count, result.statuses, latencies)


def report(phase: Phase, rate: float, prefix: str = "") -> None:
    """Print one phase's figures, each name starting with `prefix`."""
    print(f"{prefix}commands: {phase.count}")
    print(f"{prefix}rate_per_second: {rate}")
    print(f"{prefix}webhook_200: {phase.statuses.count(200)}")
    print(f"{prefix}replies: {len(phase.latencies)}")
    for name, pct in (("p50", 50), ("p99", 99), ("max", 100)):
        print(f"{prefix}round_trip_{name}_ms: {percentile(phase.latencies, pct) * 1000:.1f}")


def during_broadcast(port: int, graph: GraphTestServer, args: argparse.Namespace) -> bool:
    """Commands alone, then while a broadcast sends; report both and the broadcast; True if it passed."""
    from bench import broadcast  # it builds on this module, so it cannot be imported at the top

    broadcast.post_statuses(graph, port)
    alone = commands(port, graph, args.rate, args.seconds, "rt")
    sending = broadcast.start(port, args.during_broadcast)
    deadline = time.monotonic() + 120
    while not broadcast.template_sends(graph) and time.monotonic() < deadline:
        time.sleep(0.2)  # the commands start once the broadcast is sending
    during = commands(port, graph, args.rate, args.seconds, "rtb")
    running = len(broadcast.template_sends(graph)) < args.during_broadcast
    broadcast.wait_until_sent(graph, sending)
    lines, passed = broadcast.figures(graph, sending, args.mps)
    report(alone, args.rate, "alone_")
    report(during, args.rate, "during_")
    print(f"during_broadcast_still_sending_after_last_reply: {'yes' if running else 'no'}")
    print("\n".join(f"broadcast_{line}" for line in lines))
    return passed


def main() -> None:
    """Run the stack, post commands at a fixed rate, report reply latency."""
    options = argparse.ArgumentParser()
    options.add_argument("--rate", type=float, default=20.0)
    options.add_argument("--seconds", type=float, default=30.0)
    options.add_argument(
        "--during-broadcast", type=int, default=0, metavar="N", help="also while N are sent to"
    )
    options.add_argument("--mps", type=int, default=80, help="WHATSAPP_MPS")
    options.add_argument(
        "--workers", type=int, help="`bot.py worker` processes (2 with a broadcast)"
    )
    options.add_argument(
        "--latency-ms", help="Graph answer time, LOW-HIGH (100-300 with a broadcast, else 0)"
    )
    args = options.parse_args()
    latency = args.latency_ms or ("100-300" if args.during_broadcast else "0")
    workers = args.workers or (2 if args.during_broadcast else 1)
    fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-bench-round-trip.log"
    with GraphTestServer(token=TOKEN, latency=latency_range(latency)) as graph:
        env = stack_env(graph, args.mps)
        with production_stack(env, log, workers=workers) as (port, _, _):
            print(f"workers: {workers}")
            print(f"graph_latency_ms: {latency}")
            if args.during_broadcast:
                passed = during_broadcast(port, graph, args)
            else:
                report(commands(port, graph, args.rate, args.seconds, "rt"), args.rate)
                passed = True
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
