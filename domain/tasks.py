"""Tasks as every channel sees them: who may see which, the open states, when one is due."""

from __future__ import annotations

import datetime as dt

from peewee import Expression, ModelSelect

from models import WocsTask
from wocs.context import Context, NotFound
from wocs.dates import local_time, show_when

OPEN_STATES = ("open", "in_progress")


def show_due(task: WocsTask, tz: dt.tzinfo, today: dt.date | None = None) -> str:
    """When a task is due, in business time as people read it: Fri 20 Jan 2027, 9:00 am."""
    return show_when(task.due, local_time(task.due_at, tz), today)


def overdue(today: dt.date, now: dt.datetime) -> Expression:
    """Due before today, or due today at a time already gone (`now` naive UTC)."""
    return (WocsTask.due < today) | (WocsTask.due_at < now)


def visible_tasks(ctx: Context) -> ModelSelect[WocsTask]:
    """The tasks the sender may see: all of them for admins, their own for agents."""
    query = WocsTask.select()
    return query if ctx.may("admin") else query.where(WocsTask.assignee == ctx.user)


def visible_task(ctx: Context, number: int) -> WocsTask:
    """The task numbered `number`, if the sender may see it (else NotFound, the same either way)."""
    task = visible_tasks(ctx).where(WocsTask.id == number).first()
    if task is None:
        raise NotFound(
            f"There is no task #{number} for you. Send /task list to see yours.",
            f"task #{number}",
        )
    return task
