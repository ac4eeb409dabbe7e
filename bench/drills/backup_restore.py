"""Drill: a day of traffic, a backup, more traffic, the database dropped, the backup restored.

The production stack takes `--commands` commands (a busy day: each is an inbound row, a hook,
a reply in the outbox and its sent/delivered statuses), then `python bot.py backup` runs, then
`--after` more commands arrive: the work done since the last backup. The workers are stopped,
the database is dropped and created empty, and `python bot.py restore` brings the backup back.
Every table must then hold exactly the rows it held when the backup was taken; the commands
that came after it are what a real loss would cost (the RPO), the restore's time is the RTO.
Then the workers start again and a few more commands must be answered once each.

Run: python bench/drills/backup_restore.py [--commands 3000] [--after 300] [--rate 100]
Prints one figure per line; exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pymysql

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import harness
from bench.lib import ROOT, mysql_params
from storage.snapshot import our_tables


def every_row(stack: harness.Stack) -> dict[str, list[tuple]]:
    """Each table's rows in id order, read in one transaction."""
    with pymysql.connect(**mysql_params(stack.database_url)) as conn, conn.cursor() as cursor:
        cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        found = {}
        for table in our_tables():
            cursor.execute(f"SELECT * FROM `{table}` ORDER BY id")  # noqa: S608  (our names)
            found[table] = list(cursor.fetchall())
        return found


def at_rest(
    read: Callable[[], dict[str, list[tuple]]], timeout: float, every: float = 2.0
) -> dict[str, list[tuple]]:
    """Every row `read` gives, once two reads `every` seconds apart agree (late writes landed)."""
    deadline, last = time.monotonic() + timeout, read()
    while time.monotonic() < deadline:
        time.sleep(every)
        now = read()
        if now == last:
            break
        last = now
    return last


def _bot(stack: harness.Stack, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    """Run `python bot.py ARGS` against the stack's database and storage; (seconds, result)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "bot.py", *args],
        cwd=ROOT,
        env=stack.workers.env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    return time.monotonic() - started, done


def _recreate(stack: harness.Stack) -> None:
    """Drop the stack's database and create it again, empty: the loss the backup is for."""
    name = harness.DATABASE
    params = mysql_params(stack.database_url) | {"database": None}
    with pymysql.connect(**params) as conn, conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")


def run(
    stack: harness.Stack,
    commands: int,
    after: int,
    rate: float,
    drain_timeout: float = 300.0,
    settle: float = 3.0,
) -> dict:
    """Traffic, backup, traffic, drop, restore; return the figures."""
    day = harness.hook_commands("backup", commands)
    stack.post(harness.requests_for(day), rate)
    # The comparison needs a database at rest when the backup is taken: the day's work done
    # and Meta's (the Graph server's) delivered statuses in.
    drained = stack.drain(day, drain_timeout, settle) < drain_timeout
    at_backup = at_rest(lambda: every_row(stack), drain_timeout)
    backup_seconds, saved = _bot(stack, "backup")
    if saved.returncode:
        error = saved.stderr.strip()[-300:]
        return {"backup_exit": saved.returncode, "backup_error": error, "drill": "FAILED"}
    unchanged_while_backing_up = every_row(stack) == at_backup
    late = harness.hook_commands("backup-late", after)
    stack.post(harness.requests_for(late), rate)
    stack.drain(late, drain_timeout, settle)
    before_loss, late_done = every_row(stack), _late_hooks(stack)
    stack.workers.stop()  # as an operator would: nothing may write while the restore runs
    _recreate(stack)
    files = Path(stack.workers.env["STORAGE_DIR"])
    (backup,) = (files / "backups").glob("*.jsonl.gz")
    restore_seconds, restored = _bot(stack, "restore", str(backup))
    after_restore = every_row(stack)
    # The app starts again on the restored database and answers as before.
    stack.workers = harness.Workers(stack.workers.env, stack.log)
    again = harness.hook_commands("backup-again", 5)
    stack.post(harness.requests_for(again), rate)
    stack.drain(again, drain_timeout, settle)
    answered = harness.verify(stack, again)
    equal = [t for t in our_tables() if after_restore[t] == at_backup[t]]
    lost = {t: len(before_loss[t]) - len(after_restore[t]) for t in our_tables()}
    figures = {
        "commands_before_backup": commands,
        "day_drained_before_backup": drained,
        "unchanged_while_backing_up": unchanged_while_backing_up,
        "rows_at_backup": sum(map(len, at_backup.values())),
        "backup_seconds": round(backup_seconds, 2),
        "backup_bytes": backup.stat().st_size,
        "backup_exit": saved.returncode,
        "restore_exit": restored.returncode,
        "rto_restore_seconds": round(restore_seconds, 2),
        "tables": len(our_tables()),
        "tables_equal_to_backup": len(equal),
        "tables_different": ", ".join(t for t in our_tables() if t not in equal) or "none",
        "rpo_commands_after_backup_lost": late_done - _late_hooks(stack),
        "rpo_rows_lost": sum(lost.values()),
        "rpo_inbound_lost": lost["inbound_message"],
        "commands_answered_once_after_restore": answered["replies_sent_once"],
    }
    if restored.returncode:
        figures["restore_error"] = restored.stderr.strip().splitlines()[-1]
    checks = (
        drained,
        saved.returncode == 0,
        restored.returncode == 0,
        unchanged_while_backing_up,
        len(equal) == len(our_tables()),
        figures["rpo_commands_after_backup_lost"] == after,
        harness.passed(answered),
    )
    figures["drill"] = "passed" if all(checks) else "FAILED"
    return figures


def _late_hooks(stack: harness.Stack) -> int:
    """How many of the commands sent after the backup left their hook row."""
    return stack.rows("SELECT COUNT(*) FROM hook WHERE text LIKE 'backup-late%%'")[0][0]


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--commands", type=int, default=3000, help="the day before the backup")
    options.add_argument("--after", type=int, default=300, help="commands after the backup")
    options.add_argument("--rate", type=float, default=100.0)
    options.add_argument("--drain-timeout", type=float, default=300.0)
    args = options.parse_args()
    with harness.drill_stack("backup-restore") as stack:
        figures = run(stack, args.commands, args.after, args.rate, args.drain_timeout)
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
