"""Jobs: the outbox sends once, the sweeper recovers lost work, inbound handling runs once."""

from __future__ import annotations

import datetime as dt
import threading

import peewee
import pytest

from jobs import outbox, staging
from jobs.inbound import process_inbound
from jobs.queues import HIGH, queue
from jobs.sweeper import sweep
from models import InboundMessage, OutboundMessage, StaffMember, WocsTask, utcnow, write_transaction
from tests.conftest import ADMIN, wait_until
from tests.scenarios import stored_inbound
from webhooks.intake import store
from whatsapp.payload import parse_body, text_message_body


def _queued(key: str, text: str = "hello", release: bool = False) -> OutboundMessage:
    """Add an outbox row; without `release` no job is enqueued, as if Redis had lost it."""
    with write_transaction():
        staging.add(ADMIN, text, key)
    if release:
        outbox.release([key])
    return OutboundMessage.get(OutboundMessage.idempotency_key == key)


def test_send_outbound_twice_sends_once(live):
    row = _queued("test:once")
    assert outbox.send_outbound(row.id) == "sent"
    assert outbox.send_outbound(row.id) == "skipped (sent)"
    assert len(live.graph.sent()) == 1
    sent = OutboundMessage.get_by_id(row.id)
    assert sent.wamid == live.graph.requests[0]["wamid"]
    assert live.graph.sent()[0]["biz_opaque_callback_data"] == f"ob:{row.id}"


def test_a_text_longer_than_whatsapp_takes_is_cut_and_logged_not_refused_by_meta(live, caplog):
    long = _queued("test:long", "x" * 5000, release=True)
    caption = "y" * 2000
    with write_transaction():
        staging.add(ADMIN, caption, "test:caption", image="photos/booth.png")
    assert len(long.body) == 4096 and long.body.endswith("x…")
    captioned = OutboundMessage.idempotency_key == "test:caption"
    assert len(OutboundMessage.get(captioned).body) == 1024
    OutboundMessage.delete().where(captioned).execute()  # never released: no photo to send
    assert "5000 characters, over 4096: cut" in caplog.text
    assert live.replies_to(ADMIN) == [long.body]


def test_the_same_idempotency_key_is_one_row(live):
    _queued("test:key", "first", release=True)
    _queued("test:key", "second", release=True)
    assert [r.body for r in OutboundMessage.select()] == ["first"]
    assert live.replies_to(ADMIN) == ["first"]


def test_sweeper_processes_an_inbound_row_whose_job_was_lost(live):
    StaffMember.create(phone="60129998888", name="Siti", role="agent")
    inbound_id = stored_inbound(
        "/agent task: Count stock\nfor: Siti\ndue: 2030-03-01", "wamid.lost"
    )
    InboundMessage.update(received_at=utcnow() - dt.timedelta(minutes=5)).execute()
    assert sweep()["inbound"] == 1
    live.settle()
    assert InboundMessage.get_by_id(inbound_id).state == "done"
    assert WocsTask.select().count() == 1
    assert live.replies_to(ADMIN)[0].startswith("Task #")


def test_rows_stored_together_are_handed_to_the_queue_in_one_job_and_each_handled(live):
    from jobs.handoff import Handoff

    inbound_ids = [stored_inbound("/task list", f"wamid.together.{n}") for n in range(3)]
    handoff = Handoff(live.runtime)
    handoff.add(inbound_ids)
    handoff.flush()
    assert live.replies_to(ADMIN, 3) == ["No open tasks."] * 3
    live.settle()
    states = [InboundMessage.get_by_id(inbound_id).state for inbound_id in inbound_ids]
    assert states == ["done"] * 3
    fan_out = queue(HIGH).fetch_job(f"fan-out-{inbound_ids[0]}-3")
    assert fan_out.return_value() == "queued 3 of 3"


def test_process_inbound_runs_once_even_when_called_again(live):
    inbound_id = stored_inbound("/task list", "wamid.twice")
    first, second = process_inbound(inbound_id), process_inbound(inbound_id)
    assert (first, second) == ("handled (1 messages)", "skipped (done)")
    live.settle()
    assert live.replies_to(ADMIN) == ["No open tasks."]
    assert OutboundMessage.select().count() == 1


def test_sweeper_resends_a_pending_row_and_releases_a_stale_send(live):
    pending = _queued("test:pending")
    stuck = _queued("test:stuck")
    old = utcnow() - dt.timedelta(minutes=30)
    OutboundMessage.update(updated_at=old).where(OutboundMessage.id == pending.id).execute()
    OutboundMessage.update(state="sending", updated_at=old).where(
        OutboundMessage.id == stuck.id
    ).execute()
    counts = sweep()
    assert counts["released"] == 1 and counts["outbound"] == 2
    wait_until(lambda: OutboundMessage.select().where(OutboundMessage.state == "sent").count() == 2)
    assert len(live.graph.sent()) == 2


def _status_naming(row_id: int, wamid: str) -> dict:
    """Meta's status webhook for `wamid`, carrying our row's reference."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "changes": [
                    {
                        "value": {
                            "statuses": [
                                {
                                    "id": wamid,
                                    "status": "delivered",
                                    "timestamp": "1767225600",
                                    "biz_opaque_callback_data": f"ob:{row_id}",
                                }
                            ]
                        }
                    }
                ]
            }
        ],
    }


def test_a_status_naming_our_row_recovers_a_lost_send_answer(live):
    row = _queued("test:lostanswer")
    OutboundMessage.update(state="sending").where(OutboundMessage.id == row.id).execute()
    assert live.post(_status_naming(row.id, "wamid.recovered")).status_code == 200
    row = OutboundMessage.get_by_id(row.id)
    assert (row.state, row.wamid) == ("delivered", "wamid.recovered")
    assert sweep()["released"] == 0
    assert live.graph.sent() == []


def test_a_reference_to_a_row_sent_as_another_message_is_not_applied_to_it(live):
    # After a restore, a late status for a lost message may name a row id used again since.
    row = _queued("test:reused")
    OutboundMessage.update(state="sent", wamid="wamid.its-own").where(
        OutboundMessage.id == row.id
    ).execute()
    assert live.post(_status_naming(row.id, "wamid.an-older-message")).status_code == 200
    row = OutboundMessage.get_by_id(row.id)
    assert (row.state, row.wamid, row.delivered_at) == ("sent", "wamid.its-own", None)


def test_a_crashing_command_apologises_once_and_is_marked_failed(live, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("jobs.inbound.run_command", boom)
    inbound_id = stored_inbound("/task list", "wamid.crash")
    assert process_inbound(inbound_id) == "handled (1 messages)"
    row = InboundMessage.get_by_id(inbound_id)
    assert (row.state, row.error) == ("failed", "RuntimeError: bug")
    assert live.replies_to(ADMIN)[0].startswith("Sorry, something went wrong on our side")


def test_a_dead_database_connection_is_retried_not_apologised_for(live, monkeypatch):
    # What a MariaDB restart in the middle of a job can raise (seen in the MariaDB drill).
    def connection_lost(*args, **kwargs):
        raise peewee.InterfaceError(0, "")

    monkeypatch.setattr("jobs.inbound.run_command", connection_lost)
    inbound_id = stored_inbound("/task list", "wamid.dead-connection")
    with pytest.raises(peewee.InterfaceError):
        process_inbound(inbound_id)
    monkeypatch.undo()
    assert InboundMessage.get_by_id(inbound_id).state == "received"
    assert process_inbound(inbound_id) == "handled (1 messages)"
    assert live.replies_to(ADMIN) == ["No open tasks."]


def test_redis_down_the_webhook_still_answers_and_the_sweeper_catches_up(live, monkeypatch):
    import dataclasses

    from jobs import queues, runtime

    wired, handoff = live.runtime, live.app.extensions["wocs_handoff"]
    down = dataclasses.replace(wired.settings, redis_url="redis://127.0.0.1:1/0")
    dead = runtime.connect_redis(down)
    callers: list[str] = []  # the threads that asked the dead Redis for a connection
    connect = dead.connection_pool.get_connection

    def recorded(*args, **kwargs):
        callers.append(threading.current_thread().name)
        return connect(*args, **kwargs)

    monkeypatch.setattr(dead.connection_pool, "get_connection", recorded)
    monkeypatch.setattr(wired, "redis", dead)
    answers = [live.say(ADMIN, "/task list").status_code for _ in range(3)]
    handoff.flush()  # the enqueues after the answers have met the dead Redis too
    monkeypatch.undo()
    assert answers == [200, 200, 200]
    # Not slowed by Redis: no request thread touched it, only the hand-off (or this flush) did.
    assert set(callers) <= {"wocs-handoff", threading.current_thread().name}, callers
    assert InboundMessage.select().where(InboundMessage.state == "received").count() == 3
    queues._redis_down_until = 0.0
    InboundMessage.update(received_at=utcnow() - dt.timedelta(minutes=1)).execute()
    assert sweep()["inbound"] == 3
    assert live.replies_to(ADMIN, 3) == ["No open tasks."] * 3


def test_a_redelivered_message_still_waiting_is_not_stored_twice_but_enqueued_again(live):
    inbound_id = stored_inbound("/task list", "wamid.again")
    again = store(parse_body(text_message_body(ADMIN, "/task list", "wamid.again")))
    assert (again.created, again.unhandled) == ([], [inbound_id])
    process_inbound(inbound_id)
    handled = store(parse_body(text_message_body(ADMIN, "/task list", "wamid.again")))
    assert (handled.created, handled.unhandled) == ([], [])
    assert InboundMessage.select().count() == 1


def test_a_job_left_started_by_a_killed_worker_is_replaced_by_the_sweeper(live):
    from rq import Queue
    from rq.job import JobStatus

    from jobs import runtime

    inbound_id = stored_inbound("/task list", "wamid.killed")
    InboundMessage.update(received_at=utcnow() - dt.timedelta(minutes=5)).execute()
    # What SIGKILL leaves behind: the job marked started long ago, its worker gone.
    orphan = Queue("parked", connection=runtime.current().redis).create_job(
        "jobs.inbound.process_inbound",
        args=(inbound_id,),
        job_id=f"inbound-{inbound_id}",
        timeout=60,
    )
    orphan.set_status(JobStatus.STARTED)
    orphan.started_at = dt.datetime.now(dt.UTC)
    orphan.save()
    assert sweep()["inbound"] == 0  # it may still be running: leave it
    orphan.started_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)
    orphan.save()
    assert sweep()["inbound"] == 1
    assert live.replies_to(ADMIN) == ["No open tasks."]
    live.settle()
    assert InboundMessage.get_by_id(inbound_id).state == "done"


def test_a_job_popped_by_a_worker_killed_before_it_started_is_replaced_by_the_sweeper(live):
    from rq import Queue
    from rq.job import JobStatus

    from jobs import queues

    inbound_id = stored_inbound("/task list", "wamid.popped")
    InboundMessage.update(received_at=utcnow() - dt.timedelta(minutes=5)).execute()
    high = queue(HIGH)
    # What SIGKILL between RQ's pop and its "started" mark leaves: a queued job on no queue.
    orphan = high.create_job(
        "jobs.inbound.process_inbound", args=(inbound_id,), job_id=f"inbound-{inbound_id}"
    )
    orphan.set_status(JobStatus.QUEUED)
    orphan.save()
    high.connection.lpush(high.intermediate_queue_key, orphan.id)
    assert sweep()["inbound"] == 1
    assert live.replies_to(ADMIN) == ["No open tasks."]
    live.settle()
    assert InboundMessage.get_by_id(inbound_id).state == "done"
    assert orphan.id not in high.intermediate_queue.get_job_ids()
    # A queued job still on its queue (one no worker here serves) is left alone: it will run.
    parked = Queue("parked", connection=high.connection)
    parked.enqueue_job(parked.create_job("jobs.inbound.process_inbound", args=(0,), job_id="p-1"))
    assert queues._drop_if_done("p-1") is False
    parked.empty()


def test_status_webhooks_from_the_graph_server_mark_rows_delivered(live):
    from tests.conftest import SECRET

    live.graph.send_statuses_to(f"{live.url}/webhooks/whatsapp", SECRET)
    live.say(ADMIN, "/task list")
    live.replies_to(ADMIN)
    wait_until(lambda: OutboundMessage.get().state == "delivered")
    row = OutboundMessage.get()
    assert row.wamid == live.graph.requests[0]["wamid"] and row.delivered_at is not None


def test_statuses_that_beat_the_send_answer_leave_the_row_delivered(live):
    from tests.conftest import SECRET

    row = _queued("test:statusfirst")
    live.graph.send_statuses_to(f"{live.url}/webhooks/whatsapp", SECRET, before_answer=True)
    # Meta's "sent" and "delivered" are applied while the row is still "sending" without its
    # wamid; the sender records its answer after them, and must not move the row back.
    assert outbox.send_outbound(row.id) == "sent"
    row = OutboundMessage.get_by_id(row.id)
    assert (row.state, row.wamid) == ("delivered", live.graph.requests[0]["wamid"])
    assert row.sent_at is not None and row.delivered_at is not None


def test_a_killed_schedulers_queues_are_taken_over_when_its_short_lease_lapses(live, monkeypatch):
    from jobs import runtime, worker

    redis = runtime.current().redis
    monkeypatch.setattr(worker, "LOCK_LEASE", 30)
    names = {"lease-a", "lease-b"}  # not the live worker's queues, whose locks it holds
    holder = worker.QueueScheduler(list(names), connection=redis)
    heir = worker.QueueScheduler(list(names), connection=redis)
    assert holder.acquire_locks() == names
    keys = [holder.get_locking_key(name) for name in names]
    for _ in range(3):  # renewed in time, the locks stay with their holder
        for key in keys:
            redis.pexpire(key, 2000)  # as if most of the lease had passed
        assert holder.acquire_locks() == names
        assert min(redis.pttl(key) for key in keys) > 2000  # a whole lease again
        assert heir.acquire_locks() == set()
    monkeypatch.setattr(worker, "LOCK_LEASE", 1)
    assert holder.acquire_locks() == names  # its last renewal, on a one-second lease
    # The holder was killed: nothing renews its lease, and once it lapses the heir has them.
    wait_until(lambda: heir.acquire_locks() == names)
    assert holder.acquire_locks() == set()
