"""Templates, /send and /broadcast against the Graph API test server: paced, once each, resumable."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rq.registry import ScheduledJobRegistry

import models
from jobs import runtime
from jobs.broadcasts import run_broadcast
from jobs.queues import BULK, queue
from jobs.worker import InProcessWorkers
from models import Broadcast, Campaign, Contact, Entry, OutboundMessage, WhatsAppTemplate, utcnow
from tests.conftest import ADMIN, SECRET, TOKEN, wait_until
from tests.scenarios import approve, template_sends
from whatsapp import template_review
from wocs import flags
from wocs import message_templates as templates
from wocs.dates import show_date

ROOT = Path(__file__).resolve().parent.parent


def campaign_with_entrants(code: str, count: int, opted_out: int = 0) -> list[str]:
    """A campaign with `count` entrants; the first `opted_out` of them said STOP."""
    now = utcnow()
    campaign = Campaign.create(
        code=code, prize="Hamper", start_at=now - dt.timedelta(days=1), end_at=now
    )
    phones = [f"6019{n:07d}" for n in range(count)]
    for first in range(0, count, 500):
        Entry.insert_many(
            [
                {"campaign": campaign, "phone": p, "ticket": p[-8:]}
                for p in phones[first : first + 500]
            ]
        ).execute()
    for phone in phones[:opted_out]:
        Contact.create(phone=phone, opted_out_at=now)
    return phones


def wait_for_sends(live, count: int, timeout: float) -> None:
    """Wait until `count` recipients have their template; on timeout, say where the rows are."""
    try:
        wait_until(lambda: len(template_sends(live)) >= count, timeout=timeout)
    except AssertionError:
        where = collections.Counter(
            (r.state, r.attempts, r.error[:30]) for r in OutboundMessage.select()
        )
        raise AssertionError(
            f"{len(template_sends(live))} of {count} sent; rows: {where}"
        ) from None


def busiest_second(live) -> int:
    """The most message requests the Graph server saw in any one-second window."""
    times = sorted(r["at"] for r in live.graph.requests)
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.fixture
def fast(live):
    """The live app with WHATSAPP_MPS=200 for this test."""
    wired = runtime.current()
    before = wired.settings
    wired.settings = dataclasses.replace(before, mps=200)
    yield live
    wired.settings = before


def test_push_submits_every_template_and_webhooks_keep_their_status(live):
    live.graph.send_statuses_to(f"{live.url}/webhooks/whatsapp", SECRET)
    lines = template_review.push(runtime.current().transport, "987654321")
    assert {"campaign_reminder (en): PENDING", "event_invite (en): PENDING"} <= set(lines)
    assert len(lines) == len(templates.definitions()) and all("PENDING" in x for x in lines)
    submitted = live.graph.templates["campaign_reminder"]
    assert submitted["category"] == "MARKETING"
    assert submitted["components"][0]["example"] == {"body_text": [["RAYA26", "20 Jan"]]}
    live.graph.decide_template("campaign_reminder")
    live.graph.decide_template("event_invite", "REJECTED", "INVALID_FORMAT")
    wait_until(
        lambda: (
            {(t.name, t.status) for t in WhatsAppTemplate.select()}
            >= {("campaign_reminder", "APPROVED"), ("event_invite", "REJECTED")}
        )
    )

    live.say(ADMIN, "/send to: 012-345 0000 template: event_invite vars: Bazaar; Sat")
    live.say(ADMIN, "/send to: 012-345 0000 template: draw_winnr")
    live.say(ADMIN, "/send to: 012-345 0000 template: campaign_reminder vars: RAYA26")
    refused = live.replies_to(ADMIN, 3)
    assert refused[0] == (
        "WhatsApp rejected template event_invite (INVALID_FORMAT), so it cannot be sent. Change "
        "its wording (templates/whatsapp/event_invite.json) and have it submitted again, or use "
        "another one."
    )
    assert refused[1].startswith("There is no template 'draw_winnr'. Templates: campaign_reminder")
    assert "takes 2 value(s)" in refused[2] and "you gave 1" in refused[2]

    live.say(ADMIN, "/send to: 012-345 0000 template: campaign_reminder vars: RAYA26; 20 Jan")
    live.settle()
    [sent] = [b for b in live.graph.sent() if b["type"] == "template"]
    assert sent["to"] == "+60123450000"
    assert sent["template"]["name"] == "campaign_reminder"
    params = sent["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == ["RAYA26", "20 Jan"]
    row = OutboundMessage.get(OutboundMessage.to == "60123450000")
    assert row.body.startswith("The RAYA26 lucky draw closes on 20 Jan.")


def test_send_to_a_segment_skips_who_opted_out(live):
    approve("event_invite")
    for n, phone in enumerate(("60111000001", "60111000002", "60111000003")):
        models.StaffMember.create(phone=phone, name=f"Agent {n}", role="agent")
    Contact.create(phone="60111000003", opted_out_at=utcnow())
    live.say(ADMIN, "/send to: agents template: event_invite vars: Mid Valley; Sat 20 Jan")
    reply = live.replies_to(ADMIN)[0]
    assert reply.startswith("Broadcast #") and "3 recipients, 1 opted out (skipped)" in reply
    live.settle()
    assert template_sends(live) == {"60111000001": 1, "60111000002": 1}
    texts = live.replies_to(ADMIN, 3)
    assert "started: 3 recipients; 1 opted out, skipped" in texts[1]
    assert "done: 2 sent, 1 skipped, 0 failed" in texts[2]


def test_bad_audiences_and_times_are_explained(live):
    approve("event_invite")
    live.say(ADMIN, "/send to: everyone template: event_invite vars: a; b")
    live.say(ADMIN, "/broadcast campaign: NOPE26 template: event_invite vars: a; b")
    live.say(ADMIN, "/send to: admins template: event_invite vars: a; b\nat: yesterday 9am")
    replies = live.replies_to(ADMIN, 3)
    assert "neither a phone number, a BSUID nor a segment" in replies[0]
    assert "There is no campaign NOPE26" in replies[1]
    assert "has passed" in replies[2]
    assert not Broadcast.select().exists()


def test_broadcast_of_2000_keeps_under_the_cap_and_reaches_everyone_once(fast):
    live = fast
    approve("campaign_reminder")
    phones = campaign_with_entrants("RAYA26", 2000, opted_out=5)
    flags.set_flag("broadcast_confirm_over", "5000")  # the question: test_confirmations
    live.say(ADMIN, "/broadcast campaign: RAYA26 template: campaign_reminder vars: RAYA26; 20 Jan")
    # Replies do not wait for the broadcast: this one comes back while it is still sending.
    live.say(ADMIN, "/task list")
    wait_for_sends(live, 1995, timeout=120)
    got = template_sends(live)
    assert set(got) == set(phones[5:]) and set(got.values()) == {1}
    assert busiest_second(live) <= 200
    wait_until(lambda: Broadcast.get().state == "done")
    broadcast = Broadcast.get()
    assert (broadcast.total, broadcast.sent, broadcast.skipped, broadcast.failed) == (
        2000,
        1995,
        5,
        0,
    )
    texts = live.replies_to(ADMIN, 7)
    order = [b.get("text", {}).get("body") or b["type"] for b in live.graph.sent()]
    assert order.index("No open tasks.") < len(order) - 1 - order[::-1].index("template")
    progress = [t for t in texts if t.startswith(("📣", "✅"))]
    assert len(progress) == 5
    assert "started: 2,000 recipients; 5 opted out, skipped" in progress[0]
    assert [p.split(": ", 1)[1][:3] for p in progress[1:4]] == ["25%", "50%", "75%"]
    assert "done: 1,995 sent, 5 skipped, 0 failed" in progress[4]


def test_broadcast_rides_out_throughput_errors(fast):
    live = fast
    approve("campaign_reminder")
    phones = campaign_with_entrants("LEBAT26", 300)
    flags.set_flag("broadcast_confirm_over", "5000")  # the question: test_confirmations
    live.graph.fail_next(20, code=130429)  # each answer pauses every sender ~1 s
    live.say(ADMIN, "/broadcast campaign: LEBAT26 template: campaign_reminder vars: X; Y")
    wait_for_sends(live, 300, timeout=90)
    assert template_sends(live) == dict.fromkeys(phones, 1)
    wait_until(lambda: Broadcast.get().state == "done")
    assert Broadcast.get().failed == 0
    assert OutboundMessage.select().where(OutboundMessage.attempts > 1).exists()


def test_scheduled_broadcast_waits_for_its_time(live):
    approve("campaign_reminder")
    campaign_with_entrants("ESOK26", 3)
    live.say(
        ADMIN,
        "/broadcast campaign: ESOK26 template: campaign_reminder vars: A; B\nat: tomorrow 9am",
    )
    tomorrow = dt.datetime.now(live.settings.tz).date() + dt.timedelta(days=1)
    assert f"sending {show_date(tomorrow)}, 9:00 am" in live.replies_to(ADMIN)[0]
    broadcast = Broadcast.get()
    wait_until(
        lambda: (
            f"broadcast-{broadcast.id}-at" in ScheduledJobRegistry(queue=queue(BULK)).get_job_ids()
        )
    )
    assert not template_sends(live)
    # The morning comes: the scheduler's job runs it.
    Broadcast.update(send_at=utcnow() - dt.timedelta(seconds=1)).execute()
    assert run_broadcast(broadcast.id).startswith("sending")
    live.settle()
    assert len(template_sends(live)) == 3


@pytest.mark.skipif(
    not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL and TEST_DATABASE_URL"
)
def test_killed_worker_resumes_broadcast_without_duplicates(live, tmp_path):
    """A `python bot.py worker` SIGKILLed mid-broadcast; another one finishes it, each once."""
    if live.settings.embedded:
        pytest.skip("the production worker runs on MariaDB + Redis")
    in_process = live.app.extensions["wocs_workers"]
    in_process.stop()
    live.graph.send_statuses_to(f"{live.url}/webhooks/whatsapp", SECRET)
    approve("campaign_reminder")
    phones = campaign_with_entrants("KILL26", 1000)
    flags.set_flag("broadcast_confirm_over", "5000")  # the question: test_confirmations
    env = {
        **os.environ,
        "DATABASE_URL": live.settings.database_url,
        "REDIS_URL": live.settings.redis_url,
        "WHATSAPP_TOKEN": TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": live.settings.phone_number_id,
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_API_BASE": live.graph.base_url,
        "WHATSAPP_MPS": "200",
        "WOCS_SWEEP_SECONDS": "1",
        "BACKUP_EVERY_HOURS": "0",  # its sweeps must not back the test database up
        "HOME": str(tmp_path),
    }

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "bot.py", "worker"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    worker = start_worker()
    try:
        live.say(ADMIN, "/broadcast campaign: KILL26 template: campaign_reminder vars: K; L")
        wait_for_sends(live, 300, timeout=60)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        cut_at = len(template_sends(live))
        assert cut_at < 1000, "the broadcast finished before the kill"
        # Meta's statuses for the sends it accepted arrive and name their rows.
        accepted = [int(b["biz_opaque_callback_data"][3:]) for b in live.graph.sent()]
        wait_until(
            lambda: (
                not OutboundMessage.select()
                .where(OutboundMessage.id.in_(accepted), OutboundMessage.state == "sending")
                .exists()
            ),
            timeout=60,
        )
        # Two minutes pass: sends cut off mid-flight are past their lease (a plain value, since
        # MariaDB cannot subtract a Python timedelta from a column).
        models.OutboundMessage.update(updated_at=utcnow() - dt.timedelta(minutes=3)).where(
            models.OutboundMessage.state == "sending"
        ).execute()
        Broadcast.update(updated_at=utcnow() - dt.timedelta(minutes=3)).execute()
        worker = start_worker()
        wait_for_sends(live, 1000, timeout=120)
        # The closing message is sent after the broadcast is marked done: wait for it too.
        wait_until(lambda: any(t.startswith("✅") for t in live.replies_to(ADMIN, 2)), timeout=30)
    finally:
        # Already gone when the test failed between the kill and the restart: keep its error.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
        restarted = InProcessWorkers(in_process.runtime, in_process.count).start()
        live.app.extensions["wocs_workers"] = restarted
    got = template_sends(live)
    assert got == dict.fromkeys(phones, 1), {p: n for p, n in got.items() if n > 1}
    broadcast = Broadcast.get()
    assert (broadcast.sent, broadcast.failed, broadcast.skipped) == (1000, 0, 0)
    done = [t for t in live.replies_to(ADMIN, 2, timeout=30) if t.startswith("✅")]
    assert done and "done: 1,000 sent" in done[0]


def test_templates_push_and_list_from_the_command_line(tmp_path, graph):
    from tests.test_cli import _bot, _env

    env = _env(
        tmp_path,
        WHATSAPP_TOKEN=TOKEN,
        WHATSAPP_PHONE_NUMBER_ID="1",
        WHATSAPP_APP_SECRET=SECRET,
        WHATSAPP_API_BASE=graph.base_url,
    )
    refused = _bot("templates", "push", env=env)
    assert refused.returncode == 2 and "WHATSAPP_WABA_ID" in refused.stderr
    pushed = _bot("templates", "push", env={**env, "WHATSAPP_WABA_ID": "555"})
    assert pushed.returncode == 0, pushed.stderr
    assert "campaign_reminder (en): PENDING" in pushed.stdout.splitlines()
    assert graph.templates["event_invite"]["components"][1]["type"] == "BUTTONS"
    listed = _bot("templates", "list", env=env)
    assert "campaign_reminder (en, MARKETING): PENDING" in listed.stdout.splitlines()
