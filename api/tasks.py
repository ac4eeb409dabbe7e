"""Tasks: parse a command, create one as /agent does, see and move your tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api import actions
from api.common import IdPath, Strict, blueprint
from api.paging import Page, PageQuery, page
from domain.tasks import visible_task, visible_tasks
from models import WocsTask
from wocs.dates import When
from wocs.dispatch import Refusal, check

bp = blueprint("tasks", "Work assigned to the team")
Status = Literal["open", "in_progress", "done", "cancelled"]
Priority = Literal["low", "normal", "high", "urgent"]


class Person(BaseModel):
    id: int
    name: str
    phone: str


class TaskOut(BaseModel):
    id: int
    title: str
    status: Status
    priority: Priority
    due: dt.date | None = Field(description="the day it is due, in business time")
    due_at: dt.datetime | None = Field(
        description="the moment it is due (UTC), when a time of day was given"
    )
    note: str
    result: str
    assignee: Person | None
    created_by: Person | None
    created_at: dt.datetime
    updated_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None


class TaskPage(Page):
    items: list[TaskOut]


class ChangedTaskOut(BaseModel):
    message: str = Field(description="the reply the bot would send for the same change")
    task: TaskOut


class TaskQuery(PageQuery):
    status: Status | None = None
    priority: Priority | None = None
    sort: Literal["id", "-id", "due", "-due"] = "-id"


class TaskIn(Strict):
    title: str = Field(min_length=1, max_length=300)
    assignee: str = Field(min_length=1, max_length=120, description="a team member's name or phone")
    due: str = Field(
        min_length=1,
        max_length=40,
        description="a day, with a time if wanted: 2026-01-20, 20/1, tomorrow 9am, esok 9pagi…",
    )
    priority: str | None = Field(None, max_length=20, description="low, normal, high or urgent")
    note: str | None = Field(None, max_length=4000)


class DoneIn(Strict):
    note: str | None = Field(None, max_length=4000)


class ParseIn(Strict):
    text: str = Field(min_length=1, max_length=5000, examples=["/agent task: Setup booth"])


class ParseOut(BaseModel):
    ok: bool = Field(description="true when the bot would run the command")
    command: str | None = Field(None, description="the command it names, e.g. 'task done'")
    usage: str | None = None
    params: dict[str, Any] | None = Field(None, description="the values as the command reads them")
    reply: str | None = Field(None, description="when not ok: the bot's exact answer")


def _person(user: Any) -> dict | None:
    return None if user is None else {"id": user.id, "name": user.name, "phone": user.phone}


def dump(task: WocsTask) -> dict[str, Any]:
    """A task as the API shows it."""
    params = task.params if isinstance(task.params, dict) else {}
    return {
        "id": task.id,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "due": task.due,
        "due_at": task.due_at,
        "note": params.get("note", ""),
        "result": task.result,
        "assignee": _person(task.assignee),
        "created_by": _person(task.user),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "started_at": task.started_at,
        "completed_at": task.completed_at,
    }


CHANGES = actions.Changes("task", lambda key: dump(WocsTask.get_by_id(int(key))))


def _json(value: Any, tz: dt.tzinfo) -> Any:
    if isinstance(value, When):  # a day, or the day and business time when one was written
        if value.time is None:
            return value.day
        return dt.datetime.combine(value.day, value.time, tzinfo=tz)
    if hasattr(value, "phone") and hasattr(value, "role"):
        return {"id": value.id, "name": value.name, "phone": value.phone}
    if isinstance(value, dt.date | list | int | float | str | bool) or value is None:
        return value
    return str(value)


@bp.post("/parse", responses={200: ParseOut}, summary="Check a command without running it")
def parse_command(body: ParseIn) -> dict:
    """Read a slash command as the bot would: its values, or the exact answer the bot would send."""
    ctx = actions.context()
    try:
        cmd, kwargs = check(body.text, ctx)
    except Refusal as refusal:
        return {"ok": False, "reply": refusal.reply}
    params = {name: _json(value, ctx.tz) for name, value in kwargs.items()}
    return {"ok": True, "command": cmd.full_name, "usage": cmd.usage, "params": params}


@bp.get("", responses={200: TaskPage}, summary="List tasks")
def list_tasks(query: TaskQuery) -> dict:
    """Admins see every task, agents the tasks assigned to them; filter by status and priority."""
    rows = visible_tasks(actions.permit("task list"))
    if query.status:
        rows = rows.where(WocsTask.status == query.status)
    if query.priority:
        rows = rows.where(WocsTask.priority == query.priority)
    key = WocsTask.due if query.sort.lstrip("-") == "due" else WocsTask.id
    if key is WocsTask.due:
        rows = rows.where(WocsTask.due.is_null(False))  # keyset paging needs a value to compare
    return page(rows, key, query.sort.startswith("-"), query, dump, query.sort)


@bp.get("/<int:id>", responses={200: TaskOut}, summary="Show a task")
def show_task(path: IdPath) -> dict:
    """One task; another agent's task answers 404."""
    ctx = actions.permit("task show")
    return dump(actions.found(lambda: visible_task(ctx, path.id)))


@bp.post("", responses={201: ChangedTaskOut}, summary="Create a task")
def create_task(body: TaskIn) -> tuple[dict, int]:
    """Create a task exactly as /agent does: the assignee is told by WhatsApp (admins)."""
    values = {
        "task": body.title,
        "assignee": body.assignee,
        "due": body.due,
        "priority": body.priority,
        "note": body.note,
    }
    return CHANGES.run("agent", values, {"task": "title"}), 201


@bp.post("/<int:id>/start", responses={200: ChangedTaskOut}, summary="Start a task")
def start_task(path: IdPath) -> dict:
    """Mark the task in progress (as /task start)."""
    return CHANGES.run("task start", {"n": path.id})


@bp.post("/<int:id>/done", responses={200: ChangedTaskOut}, summary="Finish a task")
def finish_task(path: IdPath, body: DoneIn) -> dict:
    """Mark the task done; whoever created it is told (as /task done)."""
    return CHANGES.run("task done", {"n": path.id, "note": body.note})


@bp.post("/<int:id>/cancel", responses={200: ChangedTaskOut}, summary="Cancel a task")
def cancel_task(path: IdPath) -> dict:
    """Cancel the task; the assignee is told (as /task cancel; admins)."""
    return CHANGES.run("task cancel", {"n": path.id})
