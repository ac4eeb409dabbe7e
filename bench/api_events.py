"""GET /api/v1/events with 100,000 events in MariaDB: latency at a fixed request rate.

Production stack: gunicorn (2 sync workers) on MariaDB, the API's rate limits counted in
Redis. The events are inserted directly; an admin logs in through the API's own token code.
Three request kinds, each sent open loop (latency counted from the scheduled send): the
first page, a page deep in the list (by cursor), and a status filter.

Run: python bench/api_events.py [--events 100000] [--rate 50] [--seconds 20]
Prints one figure per line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pymysql
import redis
import requests

import models
from api import tokens
from bench.lib import mysql_params, open_loop, percentile, production_stack
from wocs.settings import Settings

# Both are emptied at the start (the database dropped and created again): keep them for this.
DATABASE_URL = os.environ.get(
    "BENCH_STACK_DATABASE_URL", "mysql://root@127.0.0.1:3306/wocs_bench_api"
)
REDIS_URL = os.environ.get("BENCH_STACK_REDIS_URL", "redis://127.0.0.1:6379/13")
ADMIN, JWT_SECRET = "60123456789", "bench-api-signing-key-of-32-bytes-or-more"
STATUSES = ("planned", "confirmed", "setup", "live", "closed", "cancelled")


def fresh_database() -> None:
    """An empty benchmark database and Redis db."""
    params = mysql_params(DATABASE_URL)
    name = params.pop("database")
    with pymysql.connect(**params) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    redis.Redis.from_url(REDIS_URL).flushdb()


def insert_events(count: int) -> None:
    """`count` events over five years, each with a booth-sized checklist."""
    rng = random.Random(5)
    checklist = json.dumps([{"text": f"Item {n}", "done": False} for n in range(12)])
    now = dt.datetime(2026, 1, 1)
    rows = [
        (
            f"Bazaar {n}",
            dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(5 * 365)),
            "Mid Valley",
            "150.00",
            "",
            rng.choice(STATUSES),
            checklist,
            "[]",
            "[]",
            now,
            now,
        )
        for n in range(count)
    ]
    sql = (
        "INSERT INTO event (name, date, location, fee, eo_contact, status, checklist, photos,"
        " notes, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    with pymysql.connect(**mysql_params(DATABASE_URL)) as conn, conn.cursor() as cursor:
        for start in range(0, count, 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def admin_token(settings: Settings) -> str:
    """An access token for the admin, issued by the API's own login code."""
    models.init_db(DATABASE_URL)
    user, _ = models.AppUser.get_or_create(phone=ADMIN)
    return tokens.login(user, settings).access


def get(path: str, token: str) -> bytes:
    """A raw HTTP/1.1 GET with the bearer token and `Connection: close`."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def main() -> None:
    """Fill the database, run the stack, report the latency of each kind of list request."""
    options = argparse.ArgumentParser()
    options.add_argument("--events", type=int, default=100_000)
    options.add_argument("--rate", type=float, default=50.0)
    options.add_argument("--seconds", type=float, default=20.0)
    args = options.parse_args()
    env = {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "WOCS_ADMINS": ADMIN,
        "API_JWT_SECRET": JWT_SECRET,
        "API_RATE_LIMIT": "1000000/minute",  # counted in Redis as usual, never reached
    }
    fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-bench-api-events.log"
    count = int(args.rate * args.seconds)
    with production_stack(env, log, worker=False) as (port, _, _):
        insert_events(args.events)
        token = admin_token(Settings(database_url=DATABASE_URL, api_secret=JWT_SECRET))
        base = f"http://127.0.0.1:{port}/api/v1/events"
        auth = {"Authorization": f"Bearer {token}"}
        first = requests.get(f"{base}?limit=50", headers=auth, timeout=30).json()
        deep = _cursor_at(base, auth, args.events // 2)
        kinds = {
            "first_page": "/api/v1/events?limit=50",
            "deep_page": f"/api/v1/events?limit=50&cursor={deep}",
            "status_filter": "/api/v1/events?limit=50&status=live",
        }
        print(f"events: {args.events}")
        print(f"rate_per_second: {args.rate}")
        print(f"first_page_items: {len(first['items'])}")
        for name, path in kinds.items():
            result = open_loop(port, [get(path, token)] * count, args.rate)
            latencies = result.latencies
            print(f"{name}_ok: {result.statuses.count(200)} of {count}")
            print(f"{name}_p50_ms: {percentile(latencies, 50) * 1000:.1f}")
            print(f"{name}_p95_ms: {percentile(latencies, 95) * 1000:.1f}")
            print(f"{name}_p99_ms: {percentile(latencies, 99) * 1000:.1f}")
    print("load_average_1_5_15: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))


def _cursor_at(base: str, auth: dict[str, str], position: int) -> str:
    """The cursor of the page that starts about `position` events into the default order."""
    cursor, seen = "", 0
    while seen < position:
        query = f"{base}?limit=100" + (f"&cursor={cursor}" if cursor else "")
        answer = requests.get(query, headers=auth, timeout=30).json()
        seen += len(answer["items"])
        cursor = answer["next_cursor"]
    return cursor


if __name__ == "__main__":
    main()
