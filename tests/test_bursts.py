"""A customer writing many messages in a row is one forward, each message in exactly one."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from jobs import desk, forwards, sweeper
from jobs.queues import HIGH, queue
from jobs.worker import reply_workers
from models import Conversation, ConversationMessage, utcnow
from tests.conftest import addressee, wait_until
from tests.scenarios import all_handled_once, posted
from whatsapp.payload import text_message_body

SITI = "60129998888"
FARAH = "60135551234"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8


@pytest.fixture
def burst(live) -> Iterator[Callable[[float], None]]:
    """`burst(seconds)`: the app gathers a customer's messages that long before forwarding."""
    kept = live.runtime.settings

    def use(seconds: float) -> None:
        live.runtime.settings = dataclasses.replace(kept, forward_burst=seconds)

    yield use
    live.runtime.settings = kept


@pytest.fixture
def siti(live, tmp_path, use_storage) -> int:
    """Siti on duty; returns how many texts she has had."""
    use_storage({"STORAGE_DIR": str(tmp_path / "files")})
    live.ask("/admin add phone: 012-999 8888 role: agent name: Siti")
    assert live.ask("/duty on", SITI).startswith("You're on duty")
    return len(live.replies_to(SITI, 0))


def in_a_row(phone: str, texts: list[str], name: str = "Farah") -> dict:
    """One webhook body carrying several messages from one person, as Meta batches them."""
    body = text_message_body(phone, texts[0], f"wamid.test.{uuid.uuid4().hex}", name=name)
    value = body["entry"][0]["changes"][0]["value"]
    first = value["messages"][0]
    value["messages"] = [
        {**first, "id": f"wamid.test.{uuid.uuid4().hex}", "text": {"body": text}} for text in texts
    ]
    return value and body


def all_forwarded() -> bool:
    waiting = ConversationMessage.select().where(
        ConversationMessage.direction == "in", ConversationMessage.forward.is_null()
    )
    return ConversationMessage.select().exists() and not waiting.exists()


def test_messages_written_in_a_row_reach_the_agent_as_one_burst(live, siti, burst):
    burst(4)
    texts = ["Hi", "Saya nak order", "Nasi lemak 3", "Ayam goreng 2", "Hantar ke Shah Alam"]
    body = in_a_row(FARAH, texts)
    photo = {**body["entry"][0]["changes"][0]["value"]["messages"][0]}
    photo.update(id=f"wamid.test.{uuid.uuid4().hex}", type="image")
    photo["image"] = {"id": "4401", "mime_type": "image/jpeg", "caption": "Macam ni"}
    del photo["text"]
    body["entry"][0]["changes"][0]["value"]["messages"].append(photo)
    live.graph.add_media("4401", PHOTO, "image/jpeg")
    posted(live, body)
    wait_until(all_forwarded, timeout=30)
    live.settle()
    number = Conversation.get().id
    head = f"💬 #{number} Farah (+60 13-555 ****)"
    assert live.replies_to(SITI, 0)[siti:] == [
        "\n".join(
            [
                f"{head}:",
                *texts,
                f"↩️ Quote-reply to answer, or send /reply {number} and your text.",
            ]
        )
    ]
    (image,) = [b for b in live.graph.sent() if addressee(b) == SITI and b["type"] == "image"]
    assert image["image"]["caption"] == f"{head}: Macam ni"  # media still each as media
    # The burst's text carries the five, the photo itself: each message in one forward.
    keys = Counter(m.forward.idempotency_key for m in ConversationMessage.select())
    first = ConversationMessage.select().order_by(ConversationMessage.id).first().id
    assert sorted(keys.values()) == [1, 5] and keys[f"forward:{first}"] == 5
    assert all_handled_once()


def test_each_message_is_forwarded_exactly_once_however_many_workers_race(live, siti, burst):
    burst(1)
    customers = [(f"6013555{n:04d}", f"Customer {n}") for n in range(3)]
    stop = threading.Event()
    workers = reply_workers(live.runtime, stop, burst=False)  # a production worker's threads too
    bodies = [
        in_a_row(phone, [f"{name} says {m}"], name=name)
        for phone, name in customers
        for m in range(6)
    ]
    start = threading.Barrier(len(bodies))

    def post(body: dict) -> None:
        start.wait()
        posted(live, body)

    def race(conversation: int) -> str:
        # A duplicate trigger for the same burst, as the sweeper and the due job may be.
        return forwards.forward_burst(conversation, 0)

    try:
        with concurrent.futures.ThreadPoolExecutor(len(bodies)) as pool:
            for future in [pool.submit(live.runtime.wrap(post), body) for body in bodies]:
                future.result()
            wait_until(lambda: ConversationMessage.select().count() == len(bodies), timeout=30)
            ids = [c.id for c in Conversation.select()] * 4
            for future in [pool.submit(live.runtime.wrap(race), n) for n in ids]:
                future.result()
        wait_until(all_forwarded, timeout=30)
        live.settle(timeout=30)
    finally:
        stop.set()
        for worker in workers:
            worker._stop_requested = True
    told = "\n".join(live.replies_to(SITI, 0)[siti:])
    said = [f"{name} says {m}" for _, name in customers for m in range(6)]
    assert {line: told.count(line) for line in said} == dict.fromkeys(said, 1)
    assert all_handled_once()


def test_a_burst_whose_job_was_lost_is_forwarded_by_the_sweeper(live, siti, burst):
    burst(60)
    posted(live, in_a_row(FARAH, ["Hello?"]))
    scheduled = ScheduledJobRegistry(queue=queue(HIGH))
    wait_until(lambda: any(j.startswith("burst-") for j in scheduled.get_job_ids()))
    live.settle()
    assert len(live.replies_to(SITI, 0)) == siti  # not due for a minute
    assert desk.rounds(utcnow())["handed"] == 0  # a burst on its way is not a message unseen
    # Redis loses the job that would forward it: the row alone says it is overdue.
    for job_id in scheduled.get_job_ids():
        Job.fetch(job_id, connection=live.runtime.redis).delete()
    overdue = utcnow() - forwards.GRACE - dt.timedelta(seconds=1)
    ConversationMessage.update(forward_due=overdue).execute()
    assert sweeper.sweep()["forwards"] == 1
    number = Conversation.get().id
    assert live.replies_to(SITI, siti + 1)[siti].startswith(f"💬 #{number} Farah")
    assert sweeper.sweep()["forwards"] == 0


def test_a_burst_due_when_nobody_is_on_duty_any_more_waits_in_the_inbox(live, siti, burst):
    burst(60)
    posted(live, in_a_row(FARAH, ["Ada stok?"]))
    wait_until(lambda: ConversationMessage.select().exists())
    live.settle()
    live.ask("/duty off", SITI)
    ConversationMessage.update(forward_due=utcnow() - dt.timedelta(seconds=1)).execute()
    number = Conversation.get().id
    assert forwards.forward_burst(number, 0) == "forwarded (0 sends)"
    assert ConversationMessage.get().forward_due is None  # not forwarded, and no longer due
    assert sweeper.sweep()["forwards"] == 0
    live.settle()
    assert len(live.replies_to(SITI, 0)) == siti + 1  # only the /duty off reply
    assert f"#{number} Farah" in live.ask("/inbox open")
