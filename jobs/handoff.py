"""Fresh inbound rows handed to the high queue by a thread, off the webhook's request path."""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time

from jobs.inbound import enqueue_fresh
from jobs.runtime import Runtime

log = logging.getLogger(__name__)

# After a hand-off, wait this long so that rows stored meanwhile go in one Redis round trip.
LINGER_SECONDS = 0.005


class Handoff:
    """Ids of rows an app's webhook just stored, enqueued by a thread many at a time.

    The request answers Meta as soon as its row is committed; a process killed before its
    thread ran loses only the jobs, and the sweeper enqueues those rows again.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # a flush waits for one in progress to finish
        self._waiting: list[int] = []
        self._wake = threading.Event()
        self._pid = 0

    def add(self, inbound_ids: list[int]) -> None:
        """Queue these ids for the thread (started on first use in each forked process)."""
        if not inbound_ids:
            return
        with self._lock:
            if self._pid != os.getpid():  # gunicorn forks after import: one thread per worker
                self._pid, self._waiting = os.getpid(), []
                run = self.runtime.wrap(self._run)
                threading.Thread(target=run, daemon=True, name="wocs-handoff").start()
                atexit.register(self.flush)
            self._waiting.extend(inbound_ids)
        self._wake.set()

    def flush(self) -> None:
        """Enqueue whatever is waiting, now; return once it is enqueued (or failed to be)."""
        with self._flushing:
            with self._lock:
                inbound_ids, self._waiting = self._waiting, []
            if inbound_ids:
                with self.runtime.active():  # also at exit, from the main thread
                    enqueue_fresh(inbound_ids)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the rows are stored: the sweeper enqueues them if this failed
                log.exception("handing stored messages to the queue failed")
            time.sleep(LINGER_SECONDS)
