"""Reports: /report and /stats on real data, the daily report and the due-date reminders, once each."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

import models
from commands.reports import report
from domain.conversations import shown
from jobs import outbox, staging
from jobs.queues import DEFAULT, queue
from jobs.reports import daily_report, plan, remind_due, remind_task
from jobs.sweeper import sweep
from models import (
    Broadcast,
    Campaign,
    Contact,
    ConversationMessage,
    Entry,
    Event,
    InboundMessage,
    OutboundMessage,
    StaffMember,
    WocsTask,
    utcnow,
    write_transaction,
)
from tests.conftest import ADMIN, SECRET, carried, wait_until
from wocs.dates import show_date
from wocs.flags import set_flag
from wocs.replies import TEXT_LIMIT, reply

KL = ZoneInfo("Asia/Kuala_Lumpur")
SITI, ALI, BOB = "60129998888", "60129997777", "60129996666"
ADMIN2, LATE, GONE = "60123450002", "60123450003", "60123450004"
CUSTOMERS = [f"6011{n:07d}" for n in range(1, 6)]
FUTURE = dt.date(2030, 1, 20)  # a Sunday no test session reaches: its jobs stay scheduled
LONG_AGO = dt.datetime(2025, 1, 1)


def kl(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in business time."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=KL)


def stored(moment: dt.datetime) -> dt.datetime:
    """A business-time moment the way the database stores times (naive UTC)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def at_once(func: Callable, *calls: tuple) -> list:
    """Run func(*args) for each call in its own thread and connection, all starting together."""
    start, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(n: int, args: tuple) -> None:
        start.wait()
        try:
            results[n] = func(*args)
        finally:
            models.db.close()

    threads = [threading.Thread(target=carried(run), args=(n, a)) for n, a in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert None not in results, results
    return results


def texts(live, phone: str, start: str) -> list[str]:
    return [t for t in live.replies_to(phone, 0) if t.startswith(start)]


def keys(prefix: str) -> set[str]:
    rows = OutboundMessage.select().where(OutboundMessage.idempotency_key.startswith(prefix))
    return {row.idempotency_key for row in rows}


@pytest.fixture
def registry(live):
    """The default queue's scheduled jobs, with this test's jobs for FUTURE removed afterwards."""
    scheduled = queue(DEFAULT).scheduled_job_registry
    yield scheduled
    for name in ("report", "remind"):
        if (planned := f"{name}-{FUTURE.isoformat()}") in scheduled:
            scheduled.remove(planned, delete_job=True)


def test_report_today_and_week_on_real_data(live):
    today = dt.datetime.now(KL).date()
    day = dt.timedelta(days=1)
    siti = StaffMember.create(phone=SITI, name="Siti", role="agent")
    assert live.ask("/agent task: Setup booth\nfor: Siti\ndue: tomorrow").startswith("Task")
    booth = WocsTask.get(WocsTask.title == "Setup booth")
    assert live.ask(f"/task done {booth.id}", SITI) == f"Task #{booth.id} is done. Thank you!"
    banner = WocsTask.create(
        command="agent", title="Print banner", due=today - 2 * day, assignee=siti
    )
    cups = WocsTask.create(
        command="agent", title="Order cups", due=today - day, status="in_progress"
    )
    ice = WocsTask.create(
        command="agent",
        title="Buy ice",
        due=today - 3 * day,
        status="done",
        completed_at=utcnow() - 3 * day,
    )
    Event.create(name="Car boot", date=today - 4 * day, location="Amcorp")
    Event.create(name="Bazaar Raya", date=today, location="Mid Valley")
    Event.create(
        name="Pasar Malam",
        date=today + day,
        starts_at=stored(kl(today + day, 19)),
        location="SS2",
        status="confirmed",
    )
    Event.create(name="Expo", date=today + 3 * day, location="MITEC")
    raya = Campaign.create(
        code="RAYA26", prize="Hamper", start_at=LONG_AGO, end_at=dt.datetime(2030, 1, 1)
    )
    old = Campaign.create(
        code="OLD25", prize="Mug", start_at=LONG_AGO, end_at=LONG_AGO, status="closed"
    )
    for phone in CUSTOMERS[:2]:
        Entry.create(campaign=raya, phone=phone)
    Entry.create(campaign=raya, phone=CUSTOMERS[2], submitted_at=utcnow() - 5 * day)
    Entry.create(campaign=old, phone=CUSTOMERS[3])

    assert live.ask("/report") == (
        f"Daily report for {show_date(today)}\n\n"
        f"Tasks done today (1):\n#{booth.id} Setup booth — Siti\n\n"
        "Overdue tasks (2):\n"
        f"#{banner.id} Print banner — Siti, due {show_date(today - 2 * day)} (open)\n"
        f"#{cups.id} Order cups — nobody, due {show_date(today - day)} (in progress)\n\n"
        "Events today and tomorrow (2):\n"
        f"{show_date(today)} — Bazaar Raya, Mid Valley (planned)\n"
        f"{show_date(today + day)}, 7:00 pm — Pasar Malam, SS2 (confirmed)\n\n"
        "Campaigns (1):\nRAYA26 (open): 3 entries, 2 new\n\n"
        "New campaign entries today: 3.\n"
        # the task notice, two replies and the note to the admin; /agent, /task done, /report
        "Messages today: 4 sent, 0 delivered, 0 read, 0 failed; 3 received."
    )
    week = live.ask("/report week")
    assert week.startswith(
        f"Report for {show_date(today - 6 * day)} – {show_date(today)}\n\n"
        f"Tasks done these 7 days (2):\n#{ice.id} Buy ice — nobody\n#{booth.id} Setup booth — Siti\n\n"
        "Overdue tasks (2):\n"
    )
    assert (
        f"Events {show_date(today - 6 * day)} – {show_date(today + day)} (3):\n"
        f"{show_date(today - 4 * day)} — Car boot, Amcorp (planned)\n"
    ) in week
    assert week.endswith(
        "Campaigns (1):\nRAYA26 (open): 3 entries, 3 new\n\n"
        "New campaign entries these 7 days: 4.\n"
        "Messages these 7 days: 5 sent, 0 delivered, 0 read, 0 failed; 4 received."
    )
    assert live.ask("/report", SITI) == "Sorry, only admins can use /report."
    assert live.ask("/report month") == (
        "<period> 'month' is not one of: today, week.\nUsage: /report [today|week]"
    )


def test_a_crowded_report_still_fits_one_message(live):
    today = dt.datetime.now(KL).date()
    title = "Restock the chilli sauce, cups, lids and straws at the Mid Valley booth " * 3
    for n in range(30):
        WocsTask.create(
            command="agent", title=title, due=today, status="done", completed_at=utcnow()
        )
        WocsTask.create(command="agent", title=title, due=today - dt.timedelta(days=1))
        Event.create(name=title[:200], date=today, location=title[:200])
        Campaign.create(
            code=f"CODE{n:02d}", prize="Hamper", start_at=LONG_AGO, end_at=dt.datetime(2030, 1, 1)
        )
    text = report(today, today, KL)
    assert len(text) <= TEXT_LIMIT, len(text)
    assert text.count("…and 10 more.") == 4
    assert (
        "Tasks done today (30):\n#" in text
        and "Campaigns (30):\nCODE00 (open): 0 entries, 0 new" in text
    )


def _status(live, row: OutboundMessage, status: str) -> None:
    """Post Meta's status webhook for one sent row."""
    value = {"statuses": [{"id": row.wamid, "status": status, "timestamp": str(int(time.time()))}]}
    body = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}
    assert live.post(body).status_code == 200


def _send(live, phone: str, key: str, fail: int | None = None) -> OutboundMessage:
    """Send one message through the outbox (failing at the Graph server with `fail`)."""
    if fail:
        live.graph.fail_next(code=fail)
    with write_transaction():
        staging.add(phone, "Raya promo: 20% off this week!", key)
    outbox.release([key])
    live.settle()
    return OutboundMessage.get(OutboundMessage.idempotency_key == key)


def _all_delivered() -> None:
    """Wait for the Graph server's delivered status of every message it accepted."""
    waiting = OutboundMessage.sent_at.is_null(False) & OutboundMessage.delivered_at.is_null()
    wait_until(lambda: not OutboundMessage.select().where(waiting).exists())


def test_stats_counts_sends_statuses_failures_and_replies_to_broadcasts(live):
    live.graph.send_statuses_to(f"{live.url}/webhooks/whatsapp", SECRET)
    c1, c2, c3, c4, c5 = CUSTOMERS
    raya = Campaign.create(
        code="RAYA26", prize="Hamper", start_at=LONG_AGO, end_at=dt.datetime(2030, 1, 1)
    )
    live.say(c2, "hello")  # before the broadcast: not a reply to it
    live.replies_to(c2)
    live.settle()
    sent = [_send(live, phone, f"test:bc:{phone}") for phone in (c1, c2)]
    _send(live, c3, f"test:bc:{c3}", fail=131026)
    _all_delivered()  # a status webhook saves the whole row: let them land before editing it
    broadcast = Broadcast.create(
        audience="entrants:RAYA26", campaign=raya, template="raya_promo", state="done"
    )
    # Times are stored to the second (MariaDB): set the hello and the broadcast apart.
    InboundMessage.update(received_at=utcnow() - dt.timedelta(minutes=2)).execute()
    OutboundMessage.update(
        broadcast=broadcast.id, sent_at=utcnow() - dt.timedelta(minutes=1)
    ).where(
        OutboundMessage.idempotency_key.startswith("test:bc:"),
        OutboundMessage.sent_at.is_null(False),
    ).execute()
    live.say(c1, "what is the promo code?")
    live.replies_to(c1, 2)
    live.settle()
    _send(live, c4, "test:window", fail=131047)
    _send(live, c5, "test:stopped", fail=131050)
    _status(live, sent[0], "read")
    _all_delivered()
    earlier, long_ago = utcnow() - dt.timedelta(days=3), utcnow() - dt.timedelta(days=10)
    menu = OutboundMessage.get(OutboundMessage.to == c2, OutboundMessage.broadcast.is_null())
    OutboundMessage.update(sent_at=earlier, delivered_at=earlier).where(
        OutboundMessage.id == menu.id
    ).execute()
    OutboundMessage.update(failed_at=long_ago).where(
        OutboundMessage.idempotency_key == "test:window"
    ).execute()

    asked = ConversationMessage.get(ConversationMessage.about != "")
    replies = (
        "Replies to broadcasts, newest first (1):\n"
        f"#{broadcast.id} RAYA26 · raya_promo: 1 of 2 replied (50%)\n"
        f"  {shown(Contact.get(Contact.phone == c1))}: “what is the promo code?” "
        f"(#{asked.conversation_id})"
    )
    assert live.ask("/stats") == (
        "Messages we sent (today · last 7 days · all time):\n"
        "Sent: 3 · 4 · 4\n"  # the broadcast to c1 and c2, the menu c1 got; c2's menu days ago
        "Delivered: 3 · 4 · 4\n"
        "Read: 1 · 1 · 1\n"
        "Failed: 2 · 2 · 3\n"
        "Failures by reason (3):\n"
        "131026 undeliverable: 1 · 1 · 1\n"
        "131047 outside the 24h window: 0 · 0 · 1\n"
        "131050 opted out of marketing: 1 · 1 · 1\n\n" + replies
    )
    assert live.ask("/stats replies") == replies
    messages = live.ask("/stats messages")
    assert messages.startswith("Messages we sent") and "Replies" not in messages
    assert live.ask("/stats", SITI) == reply("stranger")  # not on the team


def test_stats_before_anything_was_sent(live):
    assert live.ask("/stats") == (
        "Messages we sent (today · last 7 days · all time):\n"
        "Sent: 0 · 0 · 0\nDelivered: 0 · 0 · 0\nRead: 0 · 0 · 0\nFailed: 0 · 0 · 0\n\n"
        "Replies to broadcasts: no broadcast has been sent yet."
    )


def test_the_daily_report_goes_once_per_admin_per_day_across_workers_and_restarts(live):
    day, next_day = dt.date(2026, 1, 20), dt.date(2026, 1, 21)
    StaffMember.update(created_at=LONG_AGO).execute()
    StaffMember.create(phone=ADMIN2, name="Mei", role="admin", created_at=LONG_AGO)
    StaffMember.create(phone=GONE, name="Former", role="admin", active=False, created_at=LONG_AGO)
    StaffMember.create(phone=SITI, name="Siti", role="agent", created_at=LONG_AGO)
    # Made an admin after the first report fell due: theirs starts the next day.
    StaffMember.create(phone=LATE, name="New", role="admin", created_at=stored(kl(day, 22)))

    # Two workers plan the day before the hour; RQ's scheduler runs the one job (its time is past).
    planned = at_once(plan, (kl(day, 20),), (kl(day, 20),))
    assert sum(p["planned"] for p in planned) >= 1
    wait_until(lambda: len(keys(f"report:{day}:")) == 2)
    live.settle()
    # A job run again by two workers, then a restart later that day: nothing more.
    assert at_once(daily_report, (day.isoformat(),), (day.isoformat(),)) == ["nothing to send"] * 2
    assert at_once(plan, (kl(day, 22, 30),), (kl(day, 22, 30),)) == [{"planned": 0}] * 2
    # The next day every worker was down at the hour: the first plan after it catches up.
    assert plan(kl(next_day, 21, 30)) == {"planned": 1}
    wait_until(lambda: len(keys(f"report:{next_day}:")) == 3)
    live.settle()
    assert plan(kl(next_day, 23)) == {"planned": 0}

    assert keys("report:") == {
        f"report:{day}:{ADMIN}",
        f"report:{day}:{ADMIN2}",
        f"report:{next_day}:{ADMIN}",
        f"report:{next_day}:{ADMIN2}",
        f"report:{next_day}:{LATE}",
    }
    for phone, days in ((ADMIN, 2), (ADMIN2, 2), (LATE, 1), (GONE, 0), (SITI, 0)):
        assert len(texts(live, phone, "Daily report for")) == days, phone
    assert texts(live, ADMIN2, "Daily report for") == [
        report(day, day, KL),
        report(next_day, next_day, KL),
    ]
    assert len(live.graph.sent()) == 5


def test_the_report_is_scheduled_at_the_hour_and_never_sent_before_it(live, registry):
    StaffMember.create(phone=ADMIN2, name="Mei", role="admin")
    job_id = f"report-{FUTURE.isoformat()}"
    assert plan(kl(FUTURE, 7)) == {"planned": 2}
    assert registry.get_scheduled_time(job_id) == kl(FUTURE, 21)
    assert registry.get_scheduled_time(f"remind-{FUTURE.isoformat()}") == kl(FUTURE, 8)
    job = queue(DEFAULT).fetch_job(job_id)
    assert (job.func_name, job.args) == ("jobs.reports.daily_report", (FUTURE.isoformat(),))
    assert at_once(plan, (kl(FUTURE, 7, 5),), (kl(FUTURE, 7, 5),)) == [{"planned": 0}] * 2
    set_flag("daily_report_hour", "22")
    assert plan(kl(FUTURE, 12)) == {"planned": 1}
    assert registry.get_scheduled_time(job_id) == kl(FUTURE, 22)

    assert daily_report(FUTURE.isoformat(), kl(FUTURE, 21, 59)) == "early"
    assert not keys("report:")
    ran = at_once(daily_report, *[(FUTURE.isoformat(), kl(FUTURE, 22))] * 2)
    assert "queued for 2" in ran
    live.settle()
    assert keys("report:") == {f"report:{FUTURE}:{ADMIN}", f"report:{FUTURE}:{ADMIN2}"}
    assert [len(texts(live, p, "Daily report for Sun 20 Jan 2030")) for p in (ADMIN, ADMIN2)] == [
        1,
        1,
    ]
    assert plan(kl(FUTURE, 22, 30)) == {"planned": 0}


def test_assignees_are_reminded_once_on_the_morning_a_task_is_due(live, registry):
    siti = StaffMember.create(phone=SITI, name="Siti", role="agent")
    ali = StaffMember.create(phone=ALI, name="Ali", role="agent")
    bob = StaffMember.create(phone=BOB, name="Bob", role="agent", active=False)

    def task(title: str, who: StaffMember, **fields) -> WocsTask:
        return WocsTask.create(
            command="agent", title=title, assignee=who, **{"due": FUTURE, **fields}
        )

    stock = task("Count stock", siti)
    ice = task("Buy ice", ali, status="in_progress")
    task("Fetch tent", ali, due_at=stored(kl(FUTURE, 15)))  # has a time: reminded before it
    task("Print banner", siti, status="done")
    task("Pack cups", siti, due=FUTURE + dt.timedelta(days=1))
    task("Fold flyers", bob)
    task("Late one", siti, created_at=stored(kl(FUTURE, 9)))  # created after its reminder

    assert remind_due(FUTURE.isoformat(), kl(FUTURE, 7, 59)) == "early"
    ran = at_once(remind_due, *[(FUTURE.isoformat(), kl(FUTURE, 8))] * 2)
    assert "reminded 2" in ran
    live.settle()
    assert plan(kl(FUTURE, 9)) == {"planned": 1}  # the report; nobody is owed a reminder
    assert f"remind-{FUTURE}" not in registry
    # A task the morning's run missed (a restart): the next plan runs the reminders again now.
    tent = task("Bring tent", siti, created_at=stored(kl(FUTURE, 7)))
    assert plan(kl(FUTURE, 9, 30)) == {"planned": 1}
    assert registry.get_scheduled_time(f"remind-{FUTURE}") == kl(FUTURE, 9, 30)
    assert remind_due(FUTURE.isoformat(), kl(FUTURE, 9, 30)) == "reminded 1"
    live.settle()
    assert remind_due(FUTURE.isoformat(), kl(FUTURE, 10)) == "nothing to remind"
    assert remind_due(FUTURE.isoformat(), kl(FUTURE + dt.timedelta(days=1), 0)) == "too late"

    assert keys("remind:") == {f"remind:{t.id}:{FUTURE}" for t in (stock, ice, tent)}
    assert texts(live, SITI, "Reminder") == [
        f"Reminder: task #{stock.id} is due today (Sun 20 Jan 2030): Count stock\n"
        f"Send /task start {stock.id} when you begin and /task done {stock.id} when it is finished.",
        f"Reminder: task #{tent.id} is due today (Sun 20 Jan 2030): Bring tent\n"
        f"Send /task start {tent.id} when you begin and /task done {tent.id} when it is finished.",
    ]
    assert texts(live, ALI, "Reminder") == [
        f"Reminder: task #{ice.id} is due today (Sun 20 Jan 2030): Buy ice\n"
        f"Send /task done {ice.id} when it is finished."
    ]
    assert texts(live, BOB, "Reminder") == []


def test_a_task_with_a_time_is_reminded_once_an_hour_before_it(live, registry):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    made = live.ask("/agent task: Buy ice for: Siti due: 20/1/2030 3pm")
    assert made.endswith("due Sun 20 Jan 2030, 3:00 pm. I've told them."), made
    ice = WocsTask.get()
    assert ice.due_at == stored(kl(FUTURE, 15))
    # The job the command started waits in RQ's scheduler for the hour before.
    job_id = f"remind-task-{ice.id}-at"
    try:
        wait_until(lambda: job_id in registry)
        assert registry.get_scheduled_time(job_id) == kl(FUTURE, 14)
        assert remind_task(ice.id, kl(FUTURE, 13, 59)) == "scheduled"
        assert plan(kl(FUTURE, 13, 59))["planned"] == 1  # the evening report; no reminder yet
        # At the time, several workers run it at once: the outbox key lets one message out.
        ran = at_once(remind_task, *[(ice.id, kl(FUTURE, 14))] * 3)
        assert set(ran) <= {"reminded", "already reminded"} and "reminded" in ran, ran
        live.settle()
        assert remind_task(ice.id, kl(FUTURE, 14, 30)) == "already reminded"
        assert plan(kl(FUTURE, 14, 30))["planned"] == 0
    finally:
        registry.remove(job_id, delete_job=True)
    assert keys("remind-at:") == {f"remind-at:{ice.id}:{stored(kl(FUTURE, 15)):%Y-%m-%dT%H:%M}"}
    assert texts(live, SITI, "Reminder") == [
        f"Reminder: task #{ice.id} is due at Sun 20 Jan 2030, 3:00 pm: Buy ice\n"
        f"Send /task start {ice.id} when you begin and /task done {ice.id} when it is finished."
    ]
    # A day-only morning run leaves it alone: it had its own reminder.
    assert remind_due(FUTURE.isoformat(), kl(FUTURE, 8)) == "nothing to remind"


def test_a_lost_reminder_job_is_run_by_the_sweep_and_late_ones_are_not_sent(live, registry):
    siti = StaffMember.create(phone=SITI, name="Siti", role="agent")

    def task(title: str, due_at: dt.datetime, **fields) -> WocsTask:
        made = {"created_at": due_at - dt.timedelta(hours=8), **fields}
        return WocsTask.create(
            command="agent", title=title, assignee=siti, due=due_at.date(), due_at=due_at, **made
        )

    # Its reminder time came while its scheduled job was lost with Redis: the sweep sends it.
    now = dt.datetime.now(KL)
    lost = task("Count stock", stored(now + dt.timedelta(minutes=30)))
    task("Pack cups", stored(now + dt.timedelta(hours=3)))  # not yet
    try:
        plan(now)
        wait_until(lambda: len(texts(live, SITI, "Reminder")) == 1)
        plan(now + dt.timedelta(minutes=1))
        live.settle()
    finally:
        for name in ("report", "remind"):
            if (planned := f"{name}-{now.date().isoformat()}") in registry:
                registry.remove(planned, delete_job=True)
    assert texts(live, SITI, "Reminder")[0].startswith(f"Reminder: task #{lost.id} is due at")
    assert keys("remind-at:") == {f"remind-at:{lost.id}:{lost.due_at:%Y-%m-%dT%H:%M}"}

    done = task("Print banner", stored(kl(FUTURE, 15)), status="done")
    quick = task("Call EO", stored(kl(FUTURE, 15)), created_at=stored(kl(FUTURE, 14, 30)))
    late = task("Fold flyers", stored(kl(FUTURE, 16)))
    assert remind_task(done.id, kl(FUTURE, 14)) == "skipped"
    assert remind_task(quick.id, kl(FUTURE, 14, 40)) == "told when made"  # it was just told
    assert remind_task(late.id, kl(FUTURE, 16)) == "too late"  # workers were down the whole hour
    assert len(keys("remind-at:")) == 1


def test_the_sweeper_keeps_todays_report_scheduled(live):
    now = dt.datetime.now(KL)
    due = kl(now.date(), 21)
    scheduled = queue(DEFAULT).scheduled_job_registry
    job_id = f"report-{now.date().isoformat()}"
    try:
        assert "planned" in sweep()
        if now < due - dt.timedelta(minutes=1):
            assert scheduled.get_scheduled_time(job_id) == due
        elif now > due:
            # The admin was added just now, after the hour: nobody missed today's report.
            assert job_id not in scheduled and not keys("report:")
    finally:
        for name in ("report", "remind"):
            if (planned := f"{name}-{now.date().isoformat()}") in scheduled:
                scheduled.remove(planned, delete_job=True)
