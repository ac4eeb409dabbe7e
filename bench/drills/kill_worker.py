"""Drill: the RQ worker is killed with SIGKILL twice under load, and restarted each time.

Production stack: gunicorn (2 sync workers) on MariaDB + Redis, `python bot.py worker`, the
Graph API test server standing in for Meta (it posts signed sent/delivered statuses back).
Commands (`/task list`, distinct message ids) arrive at a fixed rate; afterwards the drill
checks the database and the Graph server: every inbound stored once, every command executed
once, every reply sent exactly once.

Run: python bench/drills/kill_worker.py [--commands 2000] [--rate 100]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pymysql

from bench.lib import ROOT, mysql_params, open_loop, production_stack
from bench.round_trip import DATABASE_URL, SECRET, TOKEN, bodies, fresh_database, stack_env
from whatsapp.graph_test_server import GraphTestServer


def _counts() -> tuple[int, int, int]:
    """Inbound rows, inbound rows handled, reply rows."""
    with pymysql.connect(**mysql_params(DATABASE_URL)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), SUM(state = 'done') FROM inbound_message")
        stored, done = cursor.fetchone()
        cursor.execute(
            "SELECT COUNT(*) FROM outbound_message WHERE idempotency_key LIKE 'reply:%%'"
        )
        (replies,) = cursor.fetchone()
    return int(stored), int(done or 0), int(replies)


class Workers:
    """The RQ worker process, killed and restarted on demand."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.kills = env, log, 0
        self.proc = self._start()

    def _start(self) -> subprocess.Popen:
        # Its own process group, so a kill takes RQ's forked scheduler process down with it.
        with self.log.open("ab") as out:
            return subprocess.Popen(
                [sys.executable, "bot.py", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )

    def kill_and_restart(self) -> None:
        """SIGKILL the worker and its scheduler: no clean-up of any kind, as when a machine dies."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.kills += 1
        time.sleep(1)
        self.proc = self._start()

    def kill_at(self, *offsets: float) -> None:
        """Kill and restart the worker at each offset (seconds from now)."""
        start = time.monotonic()
        for offset in offsets:
            time.sleep(max(0.0, start + offset - time.monotonic()))
            self.kill_and_restart()

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def main() -> int:
    """Run the drill and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=2000)
    options.add_argument("--rate", type=float, default=100.0)
    options.add_argument("--drain-timeout", type=float, default=300.0)
    args = options.parse_args()
    fresh_database()
    log = Path(tempfile.gettempdir()) / "wocs-drill-kill-worker.log"
    with GraphTestServer(token=TOKEN) as graph:
        env = stack_env(graph) | {"WOCS_SWEEP_SECONDS": "5"}
        with production_stack(env, log, worker=False) as (port, _, _):
            workers = Workers({**os.environ, **env}, log)
            try:
                graph.send_statuses_to(f"http://127.0.0.1:{port}/webhooks/whatsapp", SECRET)
                duration = args.commands / args.rate
                # One thread kills at 30 % and at 60 % of the load, one kill after the other.
                killer = threading.Thread(
                    target=workers.kill_at, args=(duration * 0.3, duration * 0.6)
                )
                killer.start()
                result = open_loop(port, bodies(args.commands), args.rate)
                started = time.monotonic()
                while _counts()[1] < args.commands or graph.successes() < args.commands:
                    if time.monotonic() - started > args.drain_timeout:
                        break
                    time.sleep(1)
                killer.join()
                drained = time.monotonic() - started
                time.sleep(3)  # let late duplicates, if any, arrive before counting
            finally:
                workers.stop()
        sends = collections.Counter(
            r["body"].get("biz_opaque_callback_data") for r in graph.requests if r["wamid"]
        )
    stored, done, replies = _counts()
    duplicates = sum(n - 1 for n in sends.values() if n > 1)
    missing = args.commands - len(sends)
    print(f"commands: {args.commands}")
    print(f"worker_kills: {workers.kills}")
    print(f"webhook_200: {result.statuses.count(200)}")
    print(f"inbound_stored: {stored}")
    print(f"commands_executed: {done}")
    print(f"reply_rows: {replies}")
    print(f"replies_sent_distinct: {len(sends)}")
    print(f"replies_sent_twice: {duplicates}")
    print(f"replies_missing: {missing}")
    print(f"seconds_to_drain_after_load: {drained:.1f}")
    ok = stored == done == replies == args.commands and duplicates == 0 and missing == 0
    print(f"drill: {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
