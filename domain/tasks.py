"""Tasks as every channel sees them: who may see which, the open states, when one is due."""

from __future__ import annotations

import datetime as dt

from peewee import ModelSelect

from models import WocsTask
from wocs.context import Context, NotFound
from wocs.dates import show_when
from wocs.language import tr

OPEN_STATES = ("open", "in_progress")


def due_time(task: WocsTask) -> dt.time | None:
    """The time of day a task is due, when one was given (kept in its params)."""
    kept = task.params.get("due_time") if isinstance(task.params, dict) else None
    return dt.time.fromisoformat(kept) if kept else None


def show_due(task: WocsTask) -> str:
    """When a task is due, as people read it: Fri 20 Jan 2027, 9:00 am."""
    return show_when(task.due, due_time(task))


def visible_tasks(ctx: Context) -> ModelSelect[WocsTask]:
    """The tasks the sender may see: all of them for admins, their own for agents."""
    query = WocsTask.select()
    return query if ctx.may("admin") else query.where(WocsTask.assignee == ctx.user)


def visible_task(ctx: Context, number: int) -> WocsTask:
    """The task numbered `number`, if the sender may see it (else NotFound, the same either way)."""
    task = visible_tasks(ctx).where(WocsTask.id == number).first()
    if task is None:
        raise NotFound(
            tr(
                ctx.language,
                "There is no task #{n} for you. Send /task list to see yours.",
                n=number,
            ),
            f"task #{number}",
        )
    return task
