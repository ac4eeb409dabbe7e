"""The scheduled backup: one a slot (BACKUP_EVERY_HOURS), claimed in the database, then pruning."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from peewee import Expression, IntegrityError

from jobs.queues import DEFAULT, job, submit
from jobs.runtime import current
from models import BackupRun, db, utcnow
from storage import backups

log = logging.getLogger(__name__)

# A claim still running after this was cut off by a dead worker; the job's own timeout is the
# same, so a live worker has given up by then.
LEASE = dt.timedelta(hours=1)
RETRY_AFTER = dt.timedelta(minutes=10)  # a failed slot is tried again after this, not each sweep
SLOT = "%Y%m%dT%H%MZ"  # a slot's name in its job's id and argument


def slot_of(now: dt.datetime, every_hours: int) -> dt.datetime:
    """The start of the backup slot `now` (naive UTC) falls in; slots start at midnight UTC."""
    return now.replace(hour=now.hour - now.hour % every_hours, minute=0, second=0, microsecond=0)


def _takeable(now: dt.datetime) -> Expression:
    """A claimed slot another worker may take: its run failed a while ago, or its worker died."""
    failed = (BackupRun.state == "failed") & (BackupRun.finished_at < now - RETRY_AFTER)
    abandoned = (BackupRun.state == "running") & (BackupRun.started_at < now - LEASE)
    return failed | abandoned


def claim(slot: dt.datetime, now: dt.datetime, worker: str) -> bool:
    """Take the slot for `worker`; False when another worker has taken it (or its backup is done)."""
    try:
        with db.atomic():
            BackupRun.create(slot=slot, worker=worker, started_at=now)
        return True
    except IntegrityError:
        pass
    # Conditional on the state read in the same statement, so of two takers one wins.
    retaken = (
        BackupRun.update(state="running", worker=worker, started_at=now, finished_at=None, error="")
        .where(BackupRun.slot == slot, _takeable(now))
        .execute()
    )
    return retaken == 1


@job(DEFAULT, job_id="backup-{0}", timeout=int(LEASE.total_seconds()))
def run_backup(slot: str, now: dt.datetime | None = None) -> str:
    """Back the database up for the slot (named as SLOT) unless another worker has, then prune."""
    wired, moment = current(), now or utcnow().replace(microsecond=0)
    start = dt.datetime.strptime(slot, SLOT)
    if not claim(start, moment, f"{socket.gethostname()}:{os.getpid()}"):
        return "taken by another worker"
    this = BackupRun.slot == start
    try:
        taken = backups.take(wired.database, wired.storage, moment)
        keep = dt.timedelta(days=wired.settings.backups.keep_days)
        pruned = backups.prune(wired.storage, moment, keep)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        BackupRun.update(state="failed", finished_at=utcnow(), error=error).where(this).execute()
        log.exception("backup for the slot at %s failed", slot)
        raise
    BackupRun.update(
        state="done", finished_at=utcnow(), key=taken.key, size=taken.size, rows=taken.rows
    ).where(this).execute()
    log.info("backed up %s rows to %s; pruned %s old backup(s)", taken.rows, taken.key, len(pruned))
    return f"backed up {taken.rows} rows to {taken.key}"


def plan(now: dt.datetime) -> dict[str, int]:
    """Queue the backup of the current slot unless it is taken; run by every sweep of every worker."""
    every = current().settings.backups.every_hours
    if not every:
        return {}
    slot = slot_of(now, every)
    if BackupRun.select().where(BackupRun.slot == slot, ~_takeable(now)).exists():
        return {"backups": 0}
    return {"backups": int(submit(run_backup, slot.strftime(SLOT)))}
