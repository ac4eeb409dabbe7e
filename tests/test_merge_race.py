"""The phone/BSUID merge race: many bodies about one person at once, from many threads."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import threading
from typing import Any

from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from domain import contacts
from jobs.queues import HIGH, queue
from jobs.worker import reply_workers
from models import Contact, InboundMessage, is_mysql
from tests.bodies import CORPUS, as_person, linked, username_only
from tests.conftest import ADMIN
from tests.scenarios import all_handled_once, posted

PEOPLE = [(f"6011777{n:04d}", f"MY.9{n:018d}") for n in range(4)]
COPIES = 3  # bodies of each kind per person


class Rendezvous:
    """The first two lookups of one phone or BSUID that find no contact wait for each other.

    Both then go on to create it, as two jobs do when their bodies arrive together, and one of
    them meets the other's unique key. Left to chance, the window between the lookup and the
    insert is too short to be hit on most runs.
    """

    def __init__(self) -> None:
        self.lookup = contacts._locked
        self.pairs: dict[str, tuple[threading.Barrier, int]] = {}
        self.met = 0  # lookups that found their partner
        self.guard = threading.Lock()

    def __call__(self, condition: Any) -> Contact | None:
        found = self.lookup(condition)
        if found is None:
            key = f"{condition.lhs.name}={condition.rhs}"
            with self.guard:
                pair, arrived = self.pairs.get(key, (threading.Barrier(2, timeout=5), 0))
                self.pairs[key] = (pair, arrived + 1)
            if arrived < 2:  # later lookups of the key go straight on
                self._meet(pair)
        return found

    def _meet(self, pair: threading.Barrier) -> None:
        try:
            pair.wait()
            with self.guard:
                self.met += 1
        except threading.BrokenBarrierError:
            pass  # no second body for this key came meanwhile


def _stop(phone: str, bsuid: str) -> dict:
    """A marketing stop naming both the phone and the BSUID (it links them, too)."""
    body = json.loads((CORPUS / "user_marketing_preferences__resume.json").read_bytes())
    pref = body["entry"][0]["changes"][0]["value"]["user_preferences"][0]
    pref.update(wa_id=phone, user_id=bsuid, value="stop")
    return body


def _bodies() -> list[dict]:
    """For each person: phone-only, BSUID-only and linking bodies, and one marketing stop."""
    bodies = []
    for phone, bsuid in PEOPLE:
        for n in range(COPIES):
            bodies.append(as_person(linked(f"hi {n}"), phone=phone))
            bodies.append(username_only(f"hi {n}", bsuid=bsuid))
            bodies.append(linked(f"hello {n}", phone=phone, bsuid=bsuid))
        bodies.append(_stop(phone, bsuid))
    return bodies


def _retried(live) -> list[str]:
    """Inbound jobs that failed, wait for a retry, or used one (a loop starts as one of these)."""
    connection = live.runtime.redis
    high = queue(HIGH)
    waiting = FailedJobRegistry(queue=high).get_job_ids()
    waiting += ScheduledJobRegistry(queue=high).get_job_ids()
    used = []
    for row in InboundMessage.select(InboundMessage.id):
        job = Job.fetch(f"inbound-{row.id}", connection=connection)
        if job.retries_left is not None and job.retries_left < 5:
            used.append(job.id)
    return [j for j in waiting if j.startswith("inbound-")] + used


def test_concurrent_bodies_for_one_person_make_one_contact_and_never_retry(
    live, caplog, monkeypatch
):
    caplog.set_level(logging.WARNING)
    rendezvous = Rendezvous()
    if is_mysql():  # SQLite's write lock lets one transaction at a time reach the lookup
        monkeypatch.setattr(contacts, "_locked", rendezvous)
    stop = threading.Event()
    # A production worker's reply threads, on top of the app's own: jobs race as they would.
    workers = reply_workers(live.runtime, stop, burst=False)
    bodies = _bodies()
    start = threading.Barrier(len(bodies))

    def post(body: dict) -> None:
        start.wait()
        posted(live, body)

    try:
        with concurrent.futures.ThreadPoolExecutor(len(bodies)) as pool:
            for future in [pool.submit(live.runtime.wrap(post), body) for body in bodies]:
                future.result()
        live.settle(timeout=60)
    finally:
        stop.set()
        for worker in workers:
            worker._stop_requested = True
    assert InboundMessage.select().count() == len(PEOPLE) * COPIES * 3
    assert all_handled_once()
    assert _retried(live) == []
    customers = Contact.select().where(Contact.phone.is_null() | (Contact.phone != ADMIN))
    assert sorted((c.phone, c.bsuid) for c in customers) == sorted(PEOPLE)
    assert all(c.opted_out_at is not None for c in customers)
    assert not InboundMessage.select().where(InboundMessage.sender == "").exists()
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]
    assert rendezvous.met or not is_mysql()  # the race was run, not only hoped for
