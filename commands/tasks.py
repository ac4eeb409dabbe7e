"""Tasks: /agent creates one and tells the assignee; /task tracks it to done."""

from __future__ import annotations

import datetime as dt

from peewee import fn

from domain.tasks import OPEN_STATES, overdue, show_due, visible_task, visible_tasks
from models import StaffMember, WocsTask, WocsTaskLog, utcnow
from wocs import confirmations
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.dates import When, show_date, show_moment, show_when, utc_moment
from wocs.registry import PAGE, Arg, Key, command, family_alias
from wocs.replies import LIST_LIMIT, page_start, paged
from wocs.types import INT, LONG_TEXT, PERSON, PRIORITY, TEXT, WHEN, choice

family_alias("task", "tugas")


def _label(user: StaffMember | None) -> str:
    return (user.name or user.phone) if user is not None else "nobody"


def _log(task: WocsTask, ctx: Context, message: str) -> None:
    WocsTaskLog.create(task=task, message=f"{message} (by {_label(ctx.user)})")


def _change(ctx: Context, task: WocsTask, status: str, note: str = "") -> None:
    if task.status not in OPEN_STATES:
        raise CommandError(f"Task #{task.id} is already {task.status.replace('_', ' ')}.")
    before = {"status": task.status}
    task.status = status
    task.updated_at = utcnow()
    if status == "in_progress":
        task.started_at = task.updated_at
    else:
        task.completed_at = task.updated_at
        task.result = note
    task.save()
    _log(task, ctx, f"{status.replace('_', ' ')}" + (f": {note}" if note else ""))
    audit(ctx, f"task.{status}", f"task:{task.id}", before, {"status": status})


@command(
    "agent",
    role="admin",
    keys=(
        Key(
            "task",
            TEXT,
            required=True,
            aliases=("tugas",),
            hint="<what to do>",
            ask="What is the task?",
        ),
        Key(
            "for",
            PERSON,
            required=True,
            aliases=("untuk",),
            dest="assignee",
            hint="<name or phone>",
            ask="Who is it for?",
        ),
        Key("due", WHEN, required=True, aliases=("tarikh",), hint="<date>", ask="When is it due?"),
        Key("priority", PRIORITY, aliases=("keutamaan",), hint="low|normal|high|urgent"),
        Key("note", LONG_TEXT, aliases=("nota",), hint="<details>"),
    ),
)
def create_task(
    ctx: Context,
    task: str,
    assignee: StaffMember,
    due: When,
    priority: str = "normal",
    note: str = "",
) -> Result:
    """Create a task for a team member and tell them by WhatsApp."""
    if due.day < ctx.today:
        raise CommandError(f"due: {show_date(due.day)} is in the past. Give today or a later date.")
    due_at = utc_moment(due.day, due.time, ctx.tz) if due.time is not None else None
    if due_at is not None and due_at <= ctx.now.astimezone(dt.UTC).replace(tzinfo=None):
        raise CommandError(
            f"due: {show_when(due.day, due.time)} has already gone. Give a later time, "
            "or the day alone."
        )
    fields = {"task": task, "assignee": f"+{assignee.phone}", "priority": priority, "note": note}
    question = confirmations.about_passed(ctx, "agent", fields, "due", due) or _twin(
        ctx, fields, due
    )
    if question is not None:
        return question
    row = WocsTask.create(
        user=ctx.user,
        command="agent",
        title=task[:300],
        params={"note": note} if note else {},
        priority=priority,
        due=due.day,
        due_at=due_at,
        assignee=assignee,
    )
    _log(row, ctx, f"created for {_label(assignee)}")
    audit(ctx, "task.create", f"task:{row.id}", None, {"title": row.title, "assignee": assignee.id})
    if due_at is not None:
        ctx.later("jobs.reports.remind_task", row.id)  # shortly before its time
    details = f"\nNote: {note}" if note else ""
    ctx.notify(
        assignee.phone,
        f"New task #{row.id} from {_label(ctx.user)}: {row.title}\n"
        f"Due: {show_when(due.day, due.time)} · Priority: {priority}{details}\n"
        f"Reply /task start {row.id} when you begin and /task done {row.id} when it is finished.",
    )
    return Result(
        f"Task #{row.id} created for {_label(assignee)}, "
        f"due {show_when(due.day, due.time, ctx.today)}. "
        "I've told them.",
        entity=f"task:{row.id}",
    )


def _twin(ctx: Context, fields: dict[str, str], due: When) -> Result | None:
    """Ask before a second open task of the same title for the same person on the same day."""
    twin = (
        WocsTask.select()
        .join(StaffMember, on=WocsTask.assignee == StaffMember.id)
        .where(
            StaffMember.phone == fields["assignee"].lstrip("+"),
            WocsTask.status.in_(OPEN_STATES),
            WocsTask.due == due.day,
            fn.LOWER(WocsTask.title) == fields["task"][:300].lower(),
        )
        .order_by(WocsTask.id.desc())
        .first()
    )
    facts = {"twin": twin.id} if twin is not None else {}
    if twin is None or ctx.source != "whatsapp" or confirmations.confirmed(ctx, facts):
        return None
    clock = f" {due.time:%H:%M}" if due.time is not None else ""
    params = {**fields, "due": f"{due.day.isoformat()}{clock}"}
    question = (
        f"{_label(twin.assignee)} already has task #{twin.id}: {twin.title}, due "
        f"{show_due(twin, ctx.tz)} ({twin.status.replace('_', ' ')}). Create another one?"
    )
    return confirmations.ask(ctx, "agent", params, facts, question)


@command(
    "task list",
    role="agent",
    args=(Arg("which", choice("mine", "open", "overdue", "all"), required=False),),
    keys=(PAGE,),
)
def list_tasks(ctx: Context, which: str | None = None, page: int = 1) -> Result:
    """List tasks: yours by default, or open, overdue or all (admins); 20 a page."""
    which = which or ("open" if ctx.may("admin") else "mine")
    mine = WocsTask.select().where(WocsTask.assignee == ctx.user)
    query = (mine if which == "mine" else visible_tasks(ctx)).order_by(
        WocsTask.due, WocsTask.due_at, WocsTask.id
    )
    if which in ("mine", "open"):
        query = query.where(WocsTask.status.in_(OPEN_STATES))
    elif which == "overdue":
        now = ctx.now.astimezone(dt.UTC).replace(tzinfo=None)
        query = query.where(WocsTask.status.in_(OPEN_STATES), overdue(ctx.today, now))
    total = query.count()
    if not total:
        return Result("You have no open tasks." if which == "mine" else f"No {which} tasks.")
    lines = [
        f"#{t.id} {t.title} — {_label(t.assignee)}, due {show_due(t, ctx.tz)} "
        f"({t.status.replace('_', ' ')}{', ' + t.priority if t.priority != 'normal' else ''})"
        for t in query.offset(page_start(page, total)).limit(LIST_LIMIT)
    ]
    heading = "My" if which == "mine" else which.capitalize()
    return paged(f"{heading} tasks", total, lines, page, f"/task list {which} page {page + 1}")


@command("task show", role="agent", args=(Arg("n", INT),))
def show_task(ctx: Context, n: int) -> Result:
    """Show one task with its latest history."""
    task = visible_task(ctx, n)
    logs = task.logs.order_by(WocsTaskLog.at.desc(), WocsTaskLog.id.desc()).limit(5)
    history = "\n".join(f"  {show_moment(log.at, ctx.tz)} {log.message}" for log in logs)
    note = task.params.get("note") if isinstance(task.params, dict) else None
    return Result(
        f"Task #{task.id}: {task.title}\n"
        f"For: {_label(task.assignee)} · Due: {show_due(task, ctx.tz)} · "
        f"Priority: {task.priority} · Status: {task.status.replace('_', ' ')}"
        + (f"\nNote: {note}" if note else "")
        + (f"\nResult: {task.result}" if task.result else "")
        + (f"\nHistory:\n{history}" if history else ""),
        entity=f"task:{n}",
    )


@command("task start", role="agent", args=(Arg("n", INT),))
def start_task(ctx: Context, n: int) -> Result:
    """Mark a task as started."""
    task = visible_task(ctx, n)
    if task.status == "in_progress":
        return Result(f"Task #{n} is already in progress.", entity=f"task:{n}")
    _change(ctx, task, "in_progress")
    return Result(
        f"Task #{n} started: {task.title}. Send /task done {n} when it is finished.",
        entity=f"task:{n}",
    )


@command(
    "task done",
    role="agent",
    args=(Arg("n", INT),),
    keys=(Key("note", LONG_TEXT, aliases=("nota",), hint="<what was done>", positional=True),),
    aliases=("task selesai",),
)
def finish_task(ctx: Context, n: int, note: str = "") -> Result:
    """Mark a task as done, with an optional note; whoever created it is told."""
    task = visible_task(ctx, n)
    _change(ctx, task, "done", note)
    creator = task.user
    if creator is not None and creator.id != ctx.user.id and creator.active:
        extra = f"\nNote: {note}" if note else ""
        ctx.notify(creator.phone, f"{_label(ctx.user)} finished task #{n}: {task.title}{extra}")
    return Result(f"Task #{n} is done. Thank you!", entity=f"task:{n}")


@command("task cancel", role="admin", args=(Arg("n", INT),))
def cancel_task(ctx: Context, n: int) -> Result:
    """Cancel a task; the assignee is told."""
    task = visible_task(ctx, n)
    _change(ctx, task, "cancelled")
    if task.assignee is not None and task.assignee_id != ctx.user.id:
        ctx.notify(task.assignee.phone, f"Task #{n} ({task.title}) was cancelled.")
    return Result(f"Task #{n} is cancelled.", entity=f"task:{n}")


@command(
    "task assign",
    role="admin",
    args=(Arg("n", INT),),
    keys=(
        Key(
            "for",
            PERSON,
            required=True,
            aliases=("untuk",),
            dest="assignee",
            hint="<name>",
            ask="Who should do it?",
        ),
    ),
)
def assign_task(ctx: Context, n: int, assignee: StaffMember) -> Result:
    """Give a task to someone else; the new assignee is told."""
    task = visible_task(ctx, n)
    if task.status not in OPEN_STATES:
        raise CommandError(f"Task #{n} is {task.status}; only open tasks can be reassigned.")
    before, previous = {"assignee": task.assignee_id}, task.assignee
    if previous is not None and previous.id == assignee.id:
        return Result(f"Task #{n} is already {_label(assignee)}'s.", entity=f"task:{n}")
    task.assignee = assignee
    task.updated_at = utcnow()
    task.save()
    _log(task, ctx, f"assigned to {_label(assignee)}")
    audit(ctx, "task.assign", f"task:{n}", before, {"assignee": assignee.id})
    ctx.notify(
        assignee.phone,
        f"Task #{n} is now yours: {task.title}\nDue: {show_due(task, ctx.tz)}\n"
        f"Reply /task done {n} when it is finished.",
    )
    # Whoever had it stops working on it: they hear so, unless they made the change themselves.
    told = "them"
    if previous is not None and previous.active and previous.id != ctx.user.id:
        ctx.notify(
            previous.phone,
            f"Task #{n} ({task.title}) is now {_label(assignee)}'s; you need not do it.",
        )
        told = f"them and {_label(previous)}"
    return Result(
        f"Task #{n} now belongs to {_label(assignee)}. I've told {told}.", entity=f"task:{n}"
    )
