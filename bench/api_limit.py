"""The per-user API limit as a caller meets it: requests across every endpoint before the first 429.

Production stack: gunicorn (2 sync workers) on MariaDB, the limits counted in Redis, the
default API_RATE_LIMIT (100/minute). One admin token goes round eight read endpoints until
the first 429; then a fresh minute is spent by POST /sync batches of 10 operations.

Run: python bench/api_limit.py
Prints one figure per line.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests

from bench.api_events import ADMIN, DATABASE_URL, JWT_SECRET, REDIS_URL, admin_token, fresh_database
from bench.lib import production_stack
from wocs.settings import Settings

PATHS = [
    "/events",
    "/tasks",
    "/hooks",
    "/campaigns",
    "/templates",
    "/audit",
    "/auth/me",
    "/sync?since=0",
]
CAP = 10_000  # requests at the most, should the limit never answer


def main() -> None:
    """Spend one user's budget on reads, then on sync operations; print where 429 came."""
    env = {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "WOCS_ADMINS": ADMIN,
        "API_JWT_SECRET": JWT_SECRET,
    }
    fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-bench-api-limit.log"
    with production_stack(env, log, worker=False) as (port, _, _):
        token = admin_token(Settings(database_url=DATABASE_URL, api_secret=JWT_SECRET))
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        base = f"http://127.0.0.1:{port}/api/v1"
        counts: dict[str, int] = {}
        retry_after = 0
        for number, path in enumerate(itertools.islice(itertools.cycle(PATHS), CAP), start=1):
            answer = session.get(base + path, timeout=30)
            if answer.status_code == 429:
                print(f"requests_before_first_429: {number - 1}")
                print(f"endpoints_used: {len(counts)}")
                print(f"x_ratelimit_limit: {answer.headers.get('X-RateLimit-Limit')}")
                retry_after = int(answer.headers.get("Retry-After") or 60)
                print(f"retry_after_s: {retry_after}")
                break
            counts[path] = counts.get(path, 0) + 1
        time.sleep(retry_after + 1)  # the window opened by the first request is over
        op = {"entity": "task", "type": "delete", "client_ts": "2030-01-01T00:00:00Z"}
        sent = 0
        for batch in range(CAP):
            ops = [dict(op, id=f"{batch}-{n}", entity_id=n + 1) for n in range(10)]
            answer = session.post(f"{base}/sync", json={"operations": ops}, timeout=30)
            if answer.status_code == 429:
                print(f"sync_operations_before_first_429: {sent}")
                break
            sent += len(ops)


if __name__ == "__main__":
    main()
