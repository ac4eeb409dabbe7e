"""Running the queues: RQ workers in-process (embedded mode, tests) or as a worker process."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler
from rq.scripts import acquire_or_refresh_lock
from rq.timeouts import TimerDeathPenalty

from jobs.queues import HIGH, QUEUE_NAMES
from jobs.runtime import Runtime
from jobs.sweeper import sweep

log = logging.getLogger(__name__)
# Replies (the high queue) get a worker of their own, so they never wait behind a broadcast.
WORK_QUEUES = tuple(name for name in QUEUE_NAMES if name != HIGH)
# Each reply waits 0.1-0.3 s for Meta's answer: 8 at once answer 20 commands a second with room.
REPLY_THREADS = 8
# A queue's scheduling lock lapses this many seconds after its holder dies (RQ's own lease is 61 s
# and is only retaken after 120 s, which left retries waiting two minutes after a worker restart).
LOCK_LEASE = 10


class ThreadWorker(SimpleWorker):
    """An RQ SimpleWorker that can live in a thread: timer-based timeouts, no signal handlers."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """Signals belong to the main thread, which is the web server's."""


def _sweep_forever(stop: threading.Event, interval: float) -> None:
    """Run the sweeper every `interval` seconds until told to stop."""
    while not stop.wait(interval):
        try:
            sweep()
        except Exception:
            # The sweeper must outlive a database or Redis outage; it is the recovery path.
            log.exception("sweep failed; trying again in %.0f s", interval)


class InProcessWorkers:
    """Worker, scheduler and sweeper threads over one Redis connection (real or stand-in)."""

    def __init__(self, runtime: Runtime, workers: int = 1) -> None:
        self.runtime = runtime
        self.count = workers
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.workers: list[ThreadWorker] = []

    def start(self) -> InProcessWorkers:
        """Start the threads; returns self."""
        for names in [(HIGH,)] + [WORK_QUEUES] * self.count:
            conn = self.runtime.new_connection()  # RQ lengthens its socket timeout for BLPOP
            worker = ThreadWorker([Queue(n, connection=conn) for n in names], connection=conn)
            self.workers.append(worker)
            self._spawn(self._work, worker)
        self._spawn(schedule_forever, self.runtime.redis, self.stop_event)
        self._spawn(_sweep_forever, self.stop_event, self.runtime.settings.sweep_interval)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Ask every thread to stop and wait for them."""
        self.stop_event.set()
        for worker in self.workers:
            worker._stop_requested = True
        for thread in self.threads:
            thread.join(timeout)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(
            target=self.runtime.wrap(target), args=args, daemon=True, name=f"wocs-{target.__name__}"
        )
        thread.start()
        self.threads.append(thread)

    def _work(self, worker: ThreadWorker) -> None:
        # work() returns after a second of idling so the stop flag is seen promptly.
        while not self.stop_event.is_set():
            try:
                worker.work(max_idle_time=1, with_scheduler=False, logging_level="WARNING")
            except Exception:
                log.exception("in-process worker crashed; restarting it")
                self.stop_event.wait(1)


class QueueScheduler(RQScheduler):
    """RQ's scheduler holding its queue locks on a short lease that it renews or retakes each call."""

    def acquire_locks(self, auto_start: bool = False) -> set[str]:
        """Renew the locks this process holds and take any that lapsed; return those held."""
        held = {
            name
            for name in self._queue_names
            if acquire_or_refresh_lock(
                self.connection, self.get_locking_key(name), self.name, LOCK_LEASE
            )
            in ("acquired", "refreshed")
        }
        if held != self._acquired_locks:
            self._scheduled_job_registries = []  # rebuilt for the queues now held
        self._acquired_locks = held
        # RQ declares it None in __init__ and sets a datetime itself, as here.
        self.lock_acquisition_time = datetime.now()  # type: ignore[assignment]
        return held


def schedule_forever(connection: Any, stop: threading.Event) -> None:
    """Move due scheduled jobs and retries of every queue onto it, until told to stop.

    RQ's own worker scheduler serves only the queues its worker listens to, and no worker here
    listens to all three; one scheduler over all of them (one process at a time holds a queue's
    lock, the others take over within LOCK_LEASE seconds when it dies) keeps a retry on any queue
    from being stranded.
    """
    scheduler = QueueScheduler(list(QUEUE_NAMES), connection=connection, interval=1)
    scheduler._connection = connection  # the stand-in cannot be reopened from a URL
    renewed = 0.0
    while not stop.wait(0.5):
        try:
            if time.monotonic() - renewed >= LOCK_LEASE / 4:
                scheduler.acquire_locks()
                renewed = time.monotonic()
            scheduler.enqueue_scheduled_jobs()
        except Exception:
            log.exception("scheduler failed; trying again")
            stop.wait(1)
    scheduler.release_locks()


def reply_workers(runtime: Runtime, stop: threading.Event, burst: bool) -> list[ThreadWorker]:
    """Threads that serve only the high queue, so replies never wait behind a broadcast chunk."""
    workers = []
    for n in range(REPLY_THREADS):
        conn = runtime.new_connection()
        worker = ThreadWorker([Queue(HIGH, connection=conn)], connection=conn)
        args = (worker, stop, burst)
        serve = runtime.wrap(_serve)
        threading.Thread(target=serve, args=args, daemon=True, name=f"wocs-replies-{n}").start()
        workers.append(worker)
    return workers


def _serve(worker: ThreadWorker, stop: threading.Event, burst: bool) -> None:
    """One reply thread's loop: work until told to stop (or, in burst mode, until idle)."""
    while not stop.is_set():
        try:
            worker.work(burst=burst, max_idle_time=1, logging_level="WARNING")
        except Exception:
            log.exception("reply worker crashed; restarting it")
            stop.wait(1)  # Redis is likely down: do not spin
        if burst:
            return


def run_worker(runtime: Runtime, burst: bool = False) -> None:
    """The production worker: reply threads, default and bulk, the scheduler, the sweeper."""
    runtime.activate()  # this thread runs the default and bulk jobs
    conn = runtime.new_connection()
    stop = threading.Event()
    sweeper = threading.Thread(
        target=runtime.wrap(_sweep_forever),
        args=(stop, runtime.settings.sweep_interval),
        daemon=True,
    )
    sweeper.start()
    scheduler = runtime.wrap(schedule_forever)
    threading.Thread(target=scheduler, args=(conn, stop), daemon=True).start()
    replies = reply_workers(runtime, stop, burst)
    worker = SimpleWorker([Queue(n, connection=conn) for n in WORK_QUEUES], connection=conn)
    try:
        pause = 1.0
        while True:
            try:
                worker.work(burst=burst)
                break  # asked to stop (a signal), or a burst drained the queues
            except RedisError:
                # RQ gives up on a lost connection outside its wait; the database rows keep the
                # work, so wait for Redis and carry on rather than leave the queues unserved.
                log.exception("worker lost Redis; working again in %.0f s", pause)
                time.sleep(pause)
                pause = min(pause * 2, 30.0)
    finally:
        stop.set()
        for reply in replies:
            reply._stop_requested = True
