"""Times of day: the moment a task is due and an event starts (UTC), beside their days."""

import datetime as dt
import json
import os
import re
from zoneinfo import ZoneInfo

from peewee import DateTimeField, Table

# The business time zone the earlier rows were written in (the app's BUSINESS_TZ).
TZ = ZoneInfo(os.environ.get("BUSINESS_TZ") or "Asia/Kuala_Lumpur")
STARTS = re.compile(r"Starts at ([0-9]{1,2}):([0-9]{2}) (am|pm)")


def _utc(day, clock: dt.time) -> dt.datetime:
    day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
    local = dt.datetime.combine(day, clock, tzinfo=TZ)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def _tables(db) -> tuple[Table, Table]:
    task = Table("wocs_task", ("id", "due", "params", "due_at")).bind(db)
    event = Table("event", ("id", "date", "notes", "starts_at")).bind(db)
    return task, event


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("wocs_task", "due_at", DateTimeField(null=True, index=True)),
        migrator.add_column("event", "starts_at", DateTimeField(null=True)),
    )
    task, event = _tables(db)
    # Until now a task kept its time in params.due_time and an event its time in a first note.
    for row in list(task.select().where(task.params.contains("due_time"))):
        kept = json.loads(row["params"])
        clock = dt.time.fromisoformat(kept.pop("due_time"))
        task.update(
            due_at=_utc(row["due"], clock), params=json.dumps(kept, ensure_ascii=False)
        ).where(task.id == row["id"]).execute()
    for row in list(event.select().where(event.notes.contains("Starts at"))):
        first = (json.loads(row["notes"]) or [{}])[0].get("text", "")
        if m := STARTS.fullmatch(first):
            clock = dt.time(int(m[1]) % 12 + (12 if m[3] == "pm" else 0), int(m[2]))
            event.update(starts_at=_utc(row["date"], clock)).where(event.id == row["id"]).execute()


def down(migrator, db):
    task, _ = _tables(db)
    for row in list(task.select().where(task.due_at.is_null(False))):
        due_at = row["due_at"]
        due_at = due_at if isinstance(due_at, dt.datetime) else dt.datetime.fromisoformat(due_at)
        local = due_at.replace(tzinfo=dt.UTC).astimezone(TZ)
        kept = {**json.loads(row["params"]), "due_time": f"{local:%H:%M}"}
        task.update(params=json.dumps(kept, ensure_ascii=False)).where(
            task.id == row["id"]
        ).execute()
    migrator.migrate(
        migrator.drop_index("wocs_task", "wocs_task_due_at"),  # SQLite keeps it otherwise
        migrator.drop_column("event", "starts_at"),
        migrator.drop_column("wocs_task", "due_at"),
    )
