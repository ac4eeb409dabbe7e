"""Command round trip: from posting `/task list` to its reply reaching the Graph API test server.

Production stack: gunicorn (2 sync workers) on MariaDB + Redis, one `python bot.py worker`,
the Graph API test server standing in for Meta. Commands arrive at a fixed rate (open loop).

Run: python bench/round_trip.py [--rate 20] [--seconds 30]
Prints one figure per line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pymysql
import redis

from bench.lib import http_request, mysql_params, open_loop, percentile, production_stack
from webhooks.payload import text_message_body
from webhooks.routes import signature_for
from whatsapp.graph_test_server import GraphTestServer

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


def bodies(count: int) -> list[bytes]:
    """`count` signed `/task list` requests from the admin, each with its own message id."""
    raws = []
    for n in range(count):
        raw = json.dumps(text_message_body(ADMIN, "/task list", f"wamid.rt.{n}")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": signature_for(SECRET, raw),
        }
        raws.append(http_request("/webhooks/whatsapp", raw, headers))
    return raws


def stack_env(graph: GraphTestServer) -> dict[str, str]:
    """The production settings, pointed at the benchmark database, Redis and Graph stand-in."""
    return {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "WHATSAPP_TOKEN": TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": "1",
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_API_BASE": graph.base_url,
        "WOCS_ADMINS": ADMIN,
        "WOCS_SENDER_LIMIT": "0",
    }


def _latencies(graph: GraphTestServer, posted_at: list[float]) -> list[float]:
    """Seconds from each command's scheduled post to its reply at the Graph server."""
    params = mysql_params(DATABASE_URL)
    with pymysql.connect(**params) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT o.id, i.wamid FROM outbound_message o JOIN inbound_message i ON o.inbound_id = i.id"
        )
        inbound_of = {f"ob:{oid}": int(wamid.rsplit(".", 1)[1]) for oid, wamid in cursor.fetchall()}
    return [
        r["at"] - posted_at[inbound_of[r["body"]["biz_opaque_callback_data"]]]
        for r in graph.requests
        if r["wamid"] and r["body"].get("biz_opaque_callback_data") in inbound_of
    ]


def main() -> None:
    """Run the stack, post commands at a fixed rate, report reply latency."""
    options = argparse.ArgumentParser()
    options.add_argument("--rate", type=float, default=20.0)
    options.add_argument("--seconds", type=float, default=30.0)
    args = options.parse_args()
    count = int(args.rate * args.seconds)
    fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-bench-round-trip.log"
    with GraphTestServer(token=TOKEN) as graph:
        with production_stack(stack_env(graph), log) as (port, _, _):
            requests = bodies(count)
            wall_start = time.time() + 0.05  # open_loop schedules its first send 50 ms ahead
            result = open_loop(port, requests, args.rate)
            posted_at = [wall_start + n / args.rate for n in range(count)]
            graph.wait_for(count, timeout=120)
        latencies = _latencies(graph, posted_at)
    print(f"commands: {count}")
    print(f"rate_per_second: {args.rate}")
    print(f"webhook_200: {result.statuses.count(200)}")
    print(f"replies: {len(latencies)}")
    print(f"round_trip_p50_ms: {percentile(latencies, 50) * 1000:.1f}")
    print(f"round_trip_p99_ms: {percentile(latencies, 99) * 1000:.1f}")
    print(f"round_trip_max_ms: {max(latencies) * 1000:.1f}")


if __name__ == "__main__":
    main()
