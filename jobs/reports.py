"""Daily jobs (the evening report to admins, the due-date reminders), when they run, and the
reminder shortly before a task's time."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from peewee import Expression, ModelSelect
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from commands.reports import report
from domain.tasks import OPEN_STATES, show_due
from domain.team import active_admins
from jobs import outbox, staging
from jobs.queues import DEFAULT, job, queue, submit
from jobs.runtime import current
from models import OutboundMessage, StaffMember, WocsTask, utcnow, write_transaction
from wocs.flags import flag

log = logging.getLogger(__name__)

REMINDER_HOUR = 8  # business time on the due date, for tasks due on a day without a time
REMINDER_LEAD = dt.timedelta(hours=1)  # how long before its time a task with one is reminded
JOB_TIMEOUT = 300
KEPT = 86400  # seconds a finished job's record stays in Redis


def due_at(day: dt.date, hour: int) -> dt.datetime:
    """The moment `hour` o'clock business time on `day`, as naive UTC."""
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=current().settings.tz)
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def report_recipients(day: dt.date, due: dt.datetime) -> dict[str, str]:
    """Outbox key → phone of every admin the day's report goes to.

    Only admins added before the report fell due: a run later that day (a
    catch-up, a second worker) sends the same set, never a surprise report to
    someone added at midnight.
    """
    admins = active_admins().where(StaffMember.created_at <= due)
    return {f"report:{day.isoformat()}:{a.phone}": a.phone for a in admins}


def _open_tasks(*conditions: Expression) -> ModelSelect[WocsTask]:
    """Open tasks of active assignees (joined) that meet the conditions, by id."""
    return (
        WocsTask.select(WocsTask, StaffMember)
        .join(StaffMember, on=WocsTask.assignee == StaffMember.id)
        .where(
            WocsTask.status.in_(OPEN_STATES),
            StaffMember.active == True,  # noqa: E712
            *conditions,
        )
        .order_by(WocsTask.id)
    )


def due_tasks(day: dt.date, due: dt.datetime) -> dict[str, WocsTask]:
    """Outbox key → task for every open task due on `day`, without a time, made before its reminder."""
    tasks = _open_tasks(WocsTask.due == day, WocsTask.due_at.is_null(), WocsTask.created_at <= due)
    return {f"remind:{t.id}:{day.isoformat()}": t for t in tasks}


def timed_key(task: WocsTask) -> str:
    """The outbox key of the reminder before a task's time (a new time would be a new key)."""
    return f"remind-at:{task.id}:{task.due_at:%Y-%m-%dT%H:%M}"


def _remind_at(task: WocsTask) -> dt.datetime | None:
    """When a task with a time is reminded; None without a time, or when made after that (the
    assignee was just told)."""
    if task.due_at is None or task.created_at > task.due_at - REMINDER_LEAD:
        return None
    return task.due_at - REMINDER_LEAD


def timed_due(now: dt.datetime) -> dict[str, WocsTask]:
    """Outbox key → task for every open task whose reminder time has come and its time not yet."""
    tasks = _open_tasks(WocsTask.due_at > now, WocsTask.due_at <= now + REMINDER_LEAD)
    return {timed_key(t): t for t in tasks if _remind_at(t) is not None}


def _unsent(keys: Mapping[str, object]) -> list[str]:
    """The keys among these that have no outbox row yet."""
    if not keys:
        return []
    have = OutboundMessage.select(OutboundMessage.idempotency_key).where(
        OutboundMessage.idempotency_key.in_(list(keys))
    )
    done = {row.idempotency_key for row in have}
    return [key for key in keys if key not in done]


def _queue(keys: dict[str, tuple[str, str]]) -> None:
    """Add each (key → (phone, text)) message to the outbox in one commit, then send them."""
    with write_transaction():
        for key, (phone, text) in keys.items():
            staging.add(phone, text, key, queue_name=DEFAULT)
    outbox.release(list(keys))


def _moment(now: dt.datetime | None) -> dt.datetime:
    """`now` as naive UTC (the clock when None)."""
    if now is None:
        return utcnow()
    return now.astimezone(dt.UTC).replace(tzinfo=None) if now.tzinfo else now


def daily_report(day: str, now: dt.datetime | None = None) -> str:
    """Send the day's report to every admin once; a run before the report hour does nothing."""
    on = dt.date.fromisoformat(day)
    due = due_at(on, int(flag("daily_report_hour")))
    if _moment(now) < due:
        return "early"  # the hour was moved later after this run was scheduled
    phones = report_recipients(on, due)
    unsent = _unsent(phones)
    if not unsent:
        return "nothing to send"
    text = report(on, on, current().settings.tz)
    _queue({key: (phones[key], text) for key in unsent})
    log.info("daily report for %s queued for %s admin(s)", day, len(unsent))
    return f"queued for {len(unsent)}"


def _reminder(task: WocsTask) -> str:
    start = "" if task.status == "in_progress" else f"/task start {task.id} when you begin and "
    when = show_due(task, current().settings.tz)
    due = f"today ({when})" if task.due_at is None else f"at {when}"
    return (
        f"Reminder: task #{task.id} is due {due}: {task.title}\n"
        f"Send {start}/task done {task.id} when it is finished."
    )


def remind_due(day: str, now: dt.datetime | None = None) -> str:
    """Remind each assignee of their open tasks due on `day`, once, on that morning."""
    on = dt.date.fromisoformat(day)
    due, moment = due_at(on, REMINDER_HOUR), _moment(now)
    if moment < due:
        return "early"
    if moment >= due_at(on + dt.timedelta(days=1), 0):
        return "too late"  # "due today" would be wrong by now
    tasks = due_tasks(on, due)
    unsent = _unsent(tasks)
    if not unsent:
        return "nothing to remind"
    # due_tasks joins each task's assignee, so none is None here.
    _queue({key: (tasks[key].assignee.phone, _reminder(tasks[key])) for key in unsent})  # type: ignore[union-attr]
    return f"reminded {len(unsent)}"


@job(DEFAULT, job_id="remind-task-{0}", retry=(10, 60, 300))
def remind_task(task_id: int, now: dt.datetime | None = None) -> str:
    """Remind the assignee of a task with a time, once, shortly before it; earlier, wait for then."""
    task = _open_tasks(WocsTask.id == task_id, WocsTask.due_at.is_null(False)).first()
    if task is None:
        return "skipped"  # done, cancelled, no time, or nobody active to remind
    moment, remind_at = _moment(now), _remind_at(task)
    if remind_at is None or task.due_at is None:
        return "told when made"
    if moment >= task.due_at:
        return "too late"  # "due at 3 pm" after 3 pm would be wrong
    if moment < remind_at:
        submit(remind_task, task_id, suffix="-at", at=remind_at)
        return "scheduled"
    key = timed_key(task)
    if not _unsent({key: task}):
        return "already reminded"
    _queue({key: (task.assignee.phone, _reminder(task))})
    return "reminded"


@dataclass(frozen=True)
class Daily:
    """A job that runs once a day at an hour, and who should have heard from it."""

    name: str
    func: str
    hour: Callable[[], int]
    recipients: Callable[[dt.date, dt.datetime], dict]


DAILY = (
    Daily(
        "report",
        "jobs.reports.daily_report",
        lambda: int(flag("daily_report_hour")),
        report_recipients,
    ),
    Daily("remind", "jobs.reports.remind_due", lambda: REMINDER_HOUR, due_tasks),
)


# plan() runs in every sweep of every worker. It keeps today's jobs scheduled in RQ at their
# hour and, once the hour has passed, runs again whatever someone is still missing (a restart,
# a Redis that lost the schedule), on the same day only. Each message is an outbox row keyed
# by day and recipient, so any number of runs, concurrent or not, sends it once.
def plan(now: dt.datetime) -> dict[str, int]:
    """Schedule today's daily jobs at their hour, or now if their hour passed and someone missed out."""
    moment = _moment(now)
    today = moment.replace(tzinfo=dt.UTC).astimezone(current().settings.tz).date()
    planned = 0
    for daily in DAILY:
        due = due_at(today, daily.hour())
        if moment < due:
            planned += _schedule(daily, today, due, moment)
        elif _unsent(daily.recipients(today, due)):
            planned += _schedule(daily, today, moment, moment)
    # A task's own reminder whose scheduled job was lost (Redis, a restart) goes now.
    for key in _unsent(owed := timed_due(moment)):
        planned += submit(remind_task, owed[key].id)
    return {"planned": planned}


def _schedule(daily: Daily, day: dt.date, when: dt.datetime, now: dt.datetime) -> int:
    """Have RQ's scheduler run the day's job at `when`; 1 when it had to be (re)scheduled.

    A job already queued or running, or already due to run by then, is left
    alone; one scheduled for another time (the hour flag changed) is moved.
    """
    target = queue(DEFAULT)
    job_id = f"{daily.name}-{day.isoformat()}"
    at = when.replace(tzinfo=dt.UTC)
    try:
        try:
            status = Job.fetch(job_id, connection=target.connection).get_status()
        except NoSuchJobError:
            status = None
        if status in (JobStatus.QUEUED, JobStatus.STARTED):
            return 0
        try:
            scheduled = target.scheduled_job_registry.get_scheduled_time(job_id)
        except NoSuchJobError:
            scheduled = None
        if scheduled is not None and (scheduled == at or scheduled <= now.replace(tzinfo=dt.UTC)):
            return 0
        job = target.create_job(
            daily.func,
            args=(day.isoformat(),),
            job_id=job_id,
            timeout=JOB_TIMEOUT,
            result_ttl=KEPT,
            failure_ttl=KEPT,
        )
        target.schedule_job(job, at)
    except RedisError as exc:
        log.warning("could not schedule %s (%s); the next sweep will", job_id, exc)
        return 0
    log.info("scheduled %s for %s UTC", job_id, when)
    return 1
