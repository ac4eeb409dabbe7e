"""Drill: the embedded stack (one `python bot.py serve`, SQLite) backed up, its file lost, restored.

A laptop's business runs on one SQLite file. The server takes `--commands` commands, then
`python bot.py backup` runs beside it (SQLite's online backup API), then `--after` more
commands arrive. The server is stopped, the database file (and its WAL) deleted, and
`python bot.py restore` brings the backup back into a new file. Every table must then hold
exactly the rows it held when the backup was taken; the later commands are the RPO, the
restore's time the RTO. Then the server starts again and a few commands are answered once each.

Run: python bench/drills/backup_restore_sqlite.py [--commands 1000] [--after 100] [--rate 50]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills.backup_restore import at_rest
from bench.drills.harness import ADMIN, SECRET, Command, hook_commands, signed_body
from bench.lib import ROOT, free_port
from storage.snapshot import our_tables
from webhooks.routes import signature_for


class Server:
    """`python bot.py serve` on the embedded default, in its own process."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "bot.py", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited; see {log}")
            time.sleep(0.1)
        raise RuntimeError(f"serve did not answer within 60 s; see {log}")

    def post(self, commands: list[Command], rate: float) -> None:
        """Each command as Meta would post it, `rate` a second."""
        for command in commands:
            raw = signed_body(command, ADMIN)
            headers = {"X-Hub-Signature-256": signature_for(SECRET, raw)}
            headers["Content-Type"] = "application/json"
            answer = requests.post(
                f"{self.url}/webhooks/whatsapp", raw, headers=headers, timeout=10
            )
            answer.raise_for_status()
            time.sleep(1 / rate)

    def stop(self) -> None:
        """Stopped the way an operator stops it (SIGTERM), waiting for it to go."""
        self.proc.terminate()
        self.proc.wait(30)


def every_row(path: Path) -> dict[str, list[tuple]]:
    """Each table's rows in id order, read in one transaction."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("BEGIN")
        return {
            table: conn.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()  # noqa: S608
            for table in our_tables()
        }


def replies(path: Path, commands: list[Command]) -> int:
    """How many replies to these commands (one drill's, sharing a message id prefix) went out."""
    prefix = commands[0].wamid.rsplit(".", 1)[0] + ".%"
    query = (
        "SELECT COUNT(*) FROM inbound_message i JOIN outbound_message o ON o.inbound_id = i.id"
        " WHERE i.wamid LIKE ? AND o.state IN ('sent', 'delivered', 'read')"
    )
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return conn.execute(query, (prefix,)).fetchone()[0]


def drained(path: Path, commands: list[Command], timeout: float) -> bool:
    """True once every command is answered (False after `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replies(path, commands) >= len(commands):
            return True
        time.sleep(0.2)
    return False


def _bot(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "bot.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return time.monotonic() - started, done


@contextlib.contextmanager
def embedded_env() -> Iterator[tuple[dict[str, str], Path, Path]]:
    """The environment of a fresh embedded install: (env, database file, its folder)."""
    with tempfile.TemporaryDirectory(prefix="wocs-sqlite-drill-") as folder:
        base = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "WOCS_"))}
        env.pop("REDIS_URL", None)
        env |= {
            "DATABASE_URL": f"sqlite:///{base}/wocs.sqlite3",
            "STORAGE_DIR": str(base / "files"),
            "WHATSAPP_APP_SECRET": SECRET,
            "WOCS_ADMINS": ADMIN,
            "WOCS_SENDER_LIMIT": "0",  # one admin sends the whole day: no per-sender limit
            "BACKUP_EVERY_HOURS": "0",  # the drill takes its own backup
        }
        yield env, base / "wocs.sqlite3", base


def run(commands: int, after: int, rate: float, timeout: float = 300.0) -> dict:
    """Traffic, backup, traffic, file lost, restore, traffic; return the figures."""
    with embedded_env() as (env, path, base):
        log = base / "serve.log"
        server = Server(env, log)
        day = hook_commands("sqlite-backup", commands)
        server.post(day, rate)
        day_done = drained(path, day, timeout)
        at_backup = at_rest(lambda: every_row(path), timeout, every=1.0)
        backup_seconds, saved = _bot(env, "backup")
        late = hook_commands("sqlite-late", after)
        server.post(late, rate)
        late_done = drained(path, late, timeout)
        server.stop()
        for leftover in base.glob("wocs.sqlite3*"):  # the file, its WAL and shared memory
            leftover.unlink()
        (backup,) = (base / "files" / "backups").glob("*.jsonl.gz")
        size = backup.stat().st_size
        restore_seconds, restored = _bot(env, "restore", str(backup))
        after_restore = every_row(path) if restored.returncode == 0 else {}
        server = Server(env, log)
        again = hook_commands("sqlite-again", 5)
        server.post(again, rate)
        answered = drained(path, again, timeout)
        server.stop()
        answered_once = replies(path, again) == len(again)
    equal = [t for t in our_tables() if after_restore.get(t) == at_backup[t]]
    late_kept = sum(1 for row in after_restore.get("hook", []) if "sqlite-late" in str(row))
    figures = {
        "commands_before_backup": commands,
        "day_handled_before_backup": day_done,
        "rows_at_backup": sum(map(len, at_backup.values())),
        "backup_exit": saved.returncode,
        "backup_seconds": round(backup_seconds, 2),
        "backup_bytes": size,
        "restore_exit": restored.returncode,
        "rto_restore_seconds": round(restore_seconds, 2),
        "tables": len(our_tables()),
        "tables_equal_to_backup": len(equal),
        "tables_different": ", ".join(t for t in our_tables() if t not in equal) or "none",
        "commands_after_backup_handled": late_done,
        "rpo_commands_after_backup_lost": after - late_kept,
        "answered_after_restore": answered,
        "answered_once_after_restore": answered_once,
    }
    checks = (
        day_done,
        saved.returncode == 0,
        restored.returncode == 0,
        len(equal) == len(our_tables()),
        figures["rpo_commands_after_backup_lost"] == after,
        answered and answered_once,
    )
    figures["drill"] = "passed" if all(checks) else "FAILED"
    return figures


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=1000, help="the day before the backup")
    options.add_argument("--after", type=int, default=100, help="commands after the backup")
    options.add_argument("--rate", type=float, default=50.0)
    args = options.parse_args()
    figures = run(args.commands, args.after, args.rate)
    for name, value in figures.items():
        print(f"{name}: {value}")
    return 0 if figures["drill"] == "passed" else 1


if __name__ == "__main__":
    sys.exit(main())
