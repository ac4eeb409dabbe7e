"""Daily jobs: the evening report to admins and the due-date reminders, and when they run."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from commands.reports import report
from domain.tasks import OPEN_STATES, show_due
from domain.team import active_admins
from jobs import outbox, staging
from jobs.queues import DEFAULT, queue
from jobs.runtime import current
from models import OutboundMessage, StaffMember, WocsTask, utcnow, write_transaction
from wocs.flags import flag
from wocs.language import BOTH, tr

log = logging.getLogger(__name__)

REMINDER_HOUR = 8  # business time on the due date
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


def due_tasks(day: dt.date, due: dt.datetime) -> dict[str, WocsTask]:
    """Outbox key → task for every open task due on `day` that was created before its reminder."""
    tasks = (
        WocsTask.select(WocsTask, StaffMember)
        .join(StaffMember, on=WocsTask.assignee == StaffMember.id)
        .where(
            WocsTask.due == day,
            WocsTask.status.in_(OPEN_STATES),
            WocsTask.created_at <= due,
            StaffMember.active == True,  # noqa: E712
        )
        .order_by(WocsTask.id)
    )
    return {f"remind:{t.id}:{day.isoformat()}": t for t in tasks}


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
    """The reminder in the assignee's language (both, until they have written a command)."""
    lang = task.assignee.lang if task.assignee is not None else BOTH
    values = {"n": task.id, "due": show_due(task), "title": task.title}
    if task.status == "in_progress":
        return tr(
            lang,
            "Reminder: task #{n} is due today ({due}): {title}\n"
            "Send /task done {n} when it is finished.",
            **values,
        )
    return tr(
        lang,
        "Reminder: task #{n} is due today ({due}): {title}\n"
        "Send /task start {n} when you begin and /task done {n} when it is finished.",
        **values,
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
