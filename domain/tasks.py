"""Tasks as every channel sees them: who may see which, the open states, dates as people read them."""

from __future__ import annotations

import datetime as dt

from peewee import ModelSelect

from models import WocsTask
from wocs.context import Context, NotFound

OPEN_STATES = ("open", "in_progress")


def show_date(day: dt.date | None, today: dt.date | None = None) -> str:
    """A date the way people read it in a chat (Tue 20 Jan 2026), `(next year)` after it if so."""
    if not day:
        return "no date"
    # A day-month typed without a year that has passed means next year: the reply says so.
    later = " (next year)" if today is not None and day.year == today.year + 1 else ""
    return day.strftime("%a %d %b %Y") + later


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
