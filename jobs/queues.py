"""The three queues and the one way work is put on them."""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus

from jobs.runtime import current
from models import BULK, DEFAULT, HIGH

log = logging.getLogger(__name__)

BREAK_SECONDS = 5.0
STARTED_GRACE = 30  # seconds past a job's timeout before a "started" job counts as dead
_redis_down_until = 0.0  # while Redis is unreachable, fail fast instead of waiting per message
QUEUE_NAMES = (HIGH, DEFAULT, BULK)  # a worker drains them in this order


F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Declared:
    """A job's policy, declared once beside its function: queue, id, retries, timeout."""

    path: str
    queue: str
    job_id: str  # formatted with the job's arguments: "draw-{0}"
    retry: tuple[int, ...] = ()  # seconds before each retry (jittered); empty: no retry
    timeout: int = 60


DECLARED: dict[str, Declared] = {}


def job(
    queue_name: str, *, job_id: str, retry: tuple[int, ...] = (), timeout: int = 60
) -> Callable[[F], F]:
    """Declare a job (rq's @job, with the id scheme that keeps it queued once per record)."""

    def declare(func: F) -> F:
        path = f"{func.__module__}.{func.__name__}"
        DECLARED[path] = Declared(path, queue_name, job_id, retry, timeout)
        return func

    return declare


def submit(
    func: Callable[..., Any] | str,
    *args: Any,
    queue_name: str = "",
    suffix: str = "",
    fresh: bool = False,
    at: dt.datetime | None = None,
) -> bool:
    """Enqueue a declared job by its function (or its dotted path) with its declared policy.

    `queue_name` overrides the declared queue for work whose row names it (an outbox row);
    `suffix` tells apart runs of the same record that may wait side by side (a retry at a
    later moment while this run still works).
    """
    path = func if isinstance(func, str) else f"{func.__module__}.{func.__name__}"
    spec = DECLARED[path]
    return enqueue(
        path,
        *args,
        queue_name=queue_name or spec.queue,
        job_id=spec.job_id.format(*args) + suffix,
        retry=Retry(max=len(spec.retry), interval=backoff(list(spec.retry)))
        if spec.retry
        else None,
        timeout=spec.timeout,
        fresh=fresh,
        at=at,
    )


def queue(name: str) -> Queue:
    """One of the named queues on this process's Redis."""
    return Queue(name, connection=current().redis)


def backoff(seconds: list[float]) -> list[int]:
    """Retry intervals with jitter, so many failed jobs do not retry in step."""
    return [max(1, round(s * random.uniform(0.8, 1.25))) for s in seconds]


def enqueue(
    func: str,
    *args: Any,
    queue_name: str = DEFAULT,
    job_id: str,
    retry: Retry | None = None,
    timeout: int = 60,
    fresh: bool = False,
    at: dt.datetime | None = None,
) -> bool:
    """Put a job on a queue once; False when it is already waiting or Redis is unreachable.

    The database row behind every job is the truth: if this fails, the sweeper
    enqueues the work again later, so callers never need to handle the failure.
    A finished or failed job of the same id is replaced, since the row says the
    work is still to do. `fresh` says the row was created by the caller just now,
    so no job of that id can exist: the uniqueness check is skipped and the job
    goes to Redis in one round trip (the webhook's hot path). `at` (naive UTC) hands the
    job to RQ's scheduler instead, which puts it on the queue at that moment.
    """
    global _redis_down_until
    if time.monotonic() < _redis_down_until:
        return False
    try:
        target = queue(queue_name)
        job = target.create_job(
            func,
            args=args,
            job_id=job_id,
            retry=retry,
            timeout=timeout,
            result_ttl=300,
            failure_ttl=86400,
        )
        if fresh:
            with current().redis.pipeline() as pipe:
                target.enqueue_job(job, pipeline=pipe)
                pipe.execute()
            return True
        for _ in range(2):
            try:
                if at is None:
                    target.enqueue_job(job, unique=True)
                else:
                    target.schedule_job(job, at.replace(tzinfo=dt.UTC), unique=True)
                return True
            except DuplicateJobError:
                if not _drop_if_done(job_id):
                    return False
    except RedisError as exc:
        _redis_down_until = time.monotonic() + BREAK_SECONDS
        log.warning("could not enqueue %s (%s); the sweeper will retry", job_id, exc)
    except Exception:
        log.exception("could not enqueue %s; the sweeper will retry", job_id)
    return False


def _drop_if_done(job_id: str) -> bool:
    """Delete a job that already ran (or died running), so the same id can be enqueued again."""
    done = (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED)
    try:
        job = Job.fetch(job_id, connection=current().redis)
        status = job.get_status()
        # A job "started" longer ago than its timeout allows lost its worker (killed outright);
        # RQ would notice only after the worker's heartbeat lapses, minutes later.
        dead = (
            status == JobStatus.STARTED
            and job.started_at is not None
            and (dt.datetime.now(dt.UTC) - job.started_at.replace(tzinfo=dt.UTC)).total_seconds()
            > (job.timeout or 180) + STARTED_GRACE
        )
        # A job popped by a worker killed before it marked the job started stays "queued" in
        # RQ's intermediate list, on no queue, until RQ's maintenance notices 10-20 min later.
        popped = status == JobStatus.QUEUED and _off_its_queue(job)
        if status not in done and not dead and not popped:
            return False
        job.delete()
    except (NoSuchJobError, InvalidJobOperation):
        pass  # gone meanwhile (another process replaced it): enqueue again
    return True


def _off_its_queue(job: Job) -> bool:
    """True (and the job dropped from RQ's intermediate list) when a queued job is on no queue."""
    home = Queue(job.origin, connection=current().redis)
    if home.get_job_position(job.id) is not None:
        return False
    home.intermediate_queue.remove(job.id)  # else RQ's clean-up would fail it again later
    return True
