"""Dates and times as people write them, end to end: tasks and events with times, a passed day asked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from models import Event, WocsConfirmation, WocsTask, WocsTaskLog
from wocs.dates import show_date, show_time, utc_moment

KL = ZoneInfo("Asia/Kuala_Lumpur")

RAJ = "60129997777"
ADD_RAJ = "/admin add phone: 012-999 7777 role: agent name: Raj"
DECEMBER_4 = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)  # Friday, 10:00 in Kuala Lumpur
JANUARY_14 = dt.datetime(2026, 1, 14, 2, 0, tzinfo=dt.UTC)  # Wednesday, 10:00 in Kuala Lumpur


def _team(commands_db, now: dt.datetime = JANUARY_14) -> None:
    commands_db.now = now
    assert commands_db.run(ADD_RAJ).text.startswith("Raj ")


def test_a_task_due_with_a_time_keeps_and_shows_it(commands_db):
    _team(commands_db)
    answer = commands_db.run("/agent task: Setup booth for: Raj due: esok 9pagi").text
    assert answer.endswith("due Thu 15 Jan 2026, 9:00 am. I've told them."), answer
    task = WocsTask.get()
    # The day in business time, and the moment in UTC: 9 am in Kuala Lumpur is 1 am UTC.
    assert (task.due, task.due_at) == (dt.date(2026, 1, 15), dt.datetime(2026, 1, 15, 1, 0))
    assert task.params == {}
    shown = commands_db.run(f"/task show {task.id}").text
    assert "Due: Thu 15 Jan 2026, 9:00 am" in shown, shown
    listed = commands_db.run("/task list").text
    assert "due Thu 15 Jan 2026, 9:00 am (open)" in listed, listed


def test_the_assignee_is_told_the_time(commands_db):
    _team(commands_db)
    result = commands_db.run("/agent task: Call EO for: Raj due: lusa 3 petang")
    (notice,) = result.notices
    assert notice.to == RAJ
    assert "Due: Fri 16 Jan 2026, 3:00 pm · Priority: normal" in notice.text, notice.text


def test_a_task_without_a_time_shows_the_day_alone(commands_db):
    _team(commands_db)
    answer = commands_db.run("/agent task: X for: Raj due: 20 Januari 2027").text
    assert answer.endswith("due Wed 20 Jan 2027 (next year). I've told them."), answer
    assert (WocsTask.get().params, WocsTask.get().due_at) == ({}, None)


def test_a_time_already_gone_today_is_refused(commands_db):
    _team(commands_db)  # 10:00 in Kuala Lumpur
    answer = commands_db.run("/agent task: X for: Raj due: today 9am").text
    assert answer.startswith(
        "due: Wed 14 Jan 2026, 9:00 am has already gone. Give a later time, or the day alone."
    ), answer
    assert WocsTask.select().count() == 0
    assert commands_db.run("/agent task: X for: Raj due: today 11am").text.startswith("Task #")


def test_english_and_malay_days_and_times_on_tasks(commands_db):
    _team(commands_db)
    expected = {
        "20 Jan": (dt.date(2026, 1, 20), None),
        "next friday": (dt.date(2026, 1, 16), None),
        "jumaat depan": (dt.date(2026, 1, 16), None),
        "ahad depan": (dt.date(2026, 1, 18), None),
        "minggu depan": (dt.date(2026, 1, 21), None),
        "today 5pm": (dt.date(2026, 1, 14), dt.time(17)),
        "tomorrow 9am": (dt.date(2026, 1, 15), dt.time(9)),
        "9.30pm": (dt.date(2026, 1, 14), dt.time(21, 30)),
        "2pm": (dt.date(2026, 1, 14), dt.time(14)),
        "3 Dec 8 malam": (dt.date(2026, 12, 3), dt.time(20)),
        "9am tomorrow": (dt.date(2026, 1, 15), dt.time(9)),
    }
    for typed, (day, clock) in expected.items():
        answer = commands_db.run(f"/agent task: {typed} for: Raj due: {typed}").text
        assert answer.startswith("Task #"), (typed, answer)
        task = WocsTask.get(WocsTask.title == typed)
        moment = utc_moment(day, clock, KL) if clock is not None else None
        assert (task.due, task.due_at) == (day, moment), typed


def test_a_bare_hour_is_asked_about_not_guessed(commands_db):
    _team(commands_db)
    for typed in ("esok at 3", "tomorrow 8", "at 3", "20 Jan 3"):
        answer = commands_db.run(f"/agent task: X for: Raj due: {typed}").text
        assert answer.startswith(f"due: '{typed}': morning or afternoon? Write "), answer
    assert WocsTask.select().count() == 0
    # Tonight says which half of the day it is.
    answer = commands_db.run("/agent task: X for: Raj due: tonight 9").text
    assert answer.endswith("due Wed 14 Jan 2026, 9:00 pm. I've told them."), answer


def test_an_event_with_a_time_says_when_it_starts(commands_db):
    _team(commands_db)
    answer = commands_db.run(
        "/event create name: Bazar Raya date: 20 Jan 2pm location: Mid Valley"
    ).text
    assert answer.startswith("Event #"), answer
    assert "Bazar Raya, Tue 20 Jan 2026, 2:00 pm at Mid Valley." in answer, answer
    event = Event.get()
    assert (event.date, event.starts_at) == (dt.date(2026, 1, 20), dt.datetime(2026, 1, 20, 6))
    assert event.notes == []
    shown = commands_db.run(f"/event show {event.id}").text
    assert f"Event #{event.id}: Bazar Raya\nTue 20 Jan 2026, 2:00 pm at Mid Valley\n" in shown, (
        shown
    )
    listed = commands_db.run("/event list").text
    assert f"#{event.id} Tue 20 Jan 2026, 2:00 pm — Bazar Raya, Mid Valley (planned)" in listed


def test_events_of_one_day_are_listed_by_their_time(commands_db):
    _team(commands_db)
    for typed in ("20 Jan 7pm", "20 Jan", "20 Jan 10am"):
        commands_db.run(f"/event create name: At {typed} date: {typed} location: KL")
    listed = commands_db.run("/event list").text.splitlines()[1:]
    assert [line.split(" — ")[0].split(" ", 1)[1] for line in listed] == [
        "Tue 20 Jan 2026",
        "Tue 20 Jan 2026, 10:00 am",
        "Tue 20 Jan 2026, 7:00 pm",
    ], listed


def test_a_passed_day_month_is_asked_about_not_moved(commands_db):
    _team(commands_db, DECEMBER_4)
    answer = commands_db.run("/agent task: X for: Raj due: 1/12 note: bring ice").text
    assert answer.startswith(
        "Tue 1 Dec 2026 has passed — did you mean Wed 1 Dec 2027? "
        "Reply YES or write the date again.\n"
    ), answer
    assert WocsTask.select().count() == 0
    done = commands_db.run("/confirm")
    assert done.text.endswith("due Wed 1 Dec 2027 (next year). I've told them."), done.text
    task = WocsTask.get()
    assert (task.title, task.due, task.params) == ("X", dt.date(2027, 12, 1), {"note": "bring ice"})
    assert task.assignee.phone == RAJ
    assert [n.to for n in done.notices] == [RAJ]


def test_a_passed_day_with_a_time_keeps_the_time_when_confirmed(commands_db):
    _team(commands_db, DECEMBER_4)
    answer = commands_db.run("/agent task: X for: Raj due: 1 Dec 9am priority: urgent").text
    assert "did you mean Wed 1 Dec 2027, 9:00 am?" in answer, answer
    commands_db.run("/confirm")
    task = WocsTask.get()
    assert (task.due, task.due_at, task.priority) == (
        dt.date(2027, 12, 1),
        dt.datetime(2027, 12, 1, 1, 0),
        "urgent",
    )


def test_a_passed_event_day_is_asked_and_can_be_written_again(commands_db):
    _team(commands_db, DECEMBER_4)
    answer = commands_db.run(
        "/event create name: Bazar date: 1/12 location: Bangsar fee: RM150 eo: 012-345 6789"
    ).text
    assert "Tue 1 Dec 2026 has passed — did you mean Wed 1 Dec 2027?" in answer, answer
    assert Event.select().count() == 0
    again = commands_db.run("/event create name: Bazar date: 1/12/2027 location: Bangsar").text
    assert again.startswith("Event #"), again
    assert WocsConfirmation.get().state == "replaced" or Event.select().count() == 1
    assert Event.get().date == dt.date(2027, 12, 1)


def test_a_confirmed_event_keeps_its_fee_and_organiser(commands_db):
    _team(commands_db, DECEMBER_4)
    commands_db.run(
        "/event create name: Bazar date: 1 Disember location: Bangsar fee: RM150 eo: 012-345 6789"
    )
    answer = commands_db.run("/confirm").text
    assert answer.startswith("Event #"), answer
    event = Event.get()
    assert (event.date, event.fee, event.eo_contact) == (
        dt.date(2027, 12, 1),
        Decimal("150.00"),
        "60123456789",
    )


def test_a_day_still_ahead_this_year_is_not_asked(commands_db):
    _team(commands_db, DECEMBER_4)
    answer = commands_db.run("/agent task: X for: Raj due: 20/12").text
    assert answer.endswith("due Sun 20 Dec 2026. I've told them."), answer
    today = commands_db.run("/agent task: Y for: Raj due: 4 Dec").text
    assert today.endswith("due Fri 4 Dec 2026. I've told them."), today


def test_task_history_is_in_local_time(commands_db):
    _team(commands_db)
    commands_db.run("/agent task: X for: Raj due: esok")
    shown = commands_db.run(f"/task show {WocsTask.get().id}").text
    local = WocsTaskLog.get().at + dt.timedelta(hours=8)  # Kuala Lumpur has no summer time
    when = f"{show_date(local.date())}, {show_time(local.time().replace(second=0, microsecond=0))}"
    assert f"History:\n  {when} created for Raj" in shown, shown
    assert "UTC" not in shown


def test_yes_typed_answers_the_question(live):
    assert live.ask(ADD_RAJ).startswith("Raj ")
    today = dt.datetime.now(live.settings.tz).date()
    yesterday = today - dt.timedelta(days=1)
    answer = live.ask(f"/agent task: X for: Raj due: {yesterday.day}/{yesterday.month}")
    if yesterday.year < today.year:
        assert answer.startswith("Task #"), answer  # on 1 January, 31/12 is this year's
        return
    assert "has passed — did you mean" in answer and WocsTask.select().count() == 0, answer
    done = live.ask("YES")
    assert done.startswith("Task #"), done
    due = WocsTask.get().due
    assert due > today and (due.month, due.day) == (yesterday.month, yesterday.day)
    assert live.ask("yes").startswith("There is no question waiting for your answer")


def test_a_campaign_day_gone_by_lately_is_refused_naming_the_year(commands_db):
    commands_db.now = DECEMBER_4
    answer = commands_db.run(
        "/campaign create code: XMAS prize: Hamper start: 1/12 end: 2027-01-31"
    ).text
    assert answer.startswith(
        "start: '1/12': Tue 1 Dec 2026 has passed. If you mean Wed 1 Dec 2027, "
        "write the year: 1/12/2027."
    ), answer


def test_a_send_at_a_day_gone_by_lately_is_refused(commands_db):
    commands_db.now = DECEMBER_4
    answer = commands_db.run("/send to: 012-345 6789 template: welcome at: 1 Dec 9am").text
    assert "'1 Dec 9am': Tue 1 Dec 2026 has passed. If you mean Wed 1 Dec 2027" in answer, answer


def test_a_task_due_at_a_time_is_overdue_once_that_time_has_gone(commands_db):
    _team(commands_db)  # 10:00 in Kuala Lumpur
    commands_db.run("/agent task: Buy ice for: Raj due: today 11am")
    commands_db.run("/agent task: Count stock for: Raj due: today")
    assert commands_db.run("/task list overdue").text == "No overdue tasks."
    commands_db.now = JANUARY_14 + dt.timedelta(hours=2)  # noon
    ice = WocsTask.get(WocsTask.title == "Buy ice")
    assert commands_db.run("/task list overdue").text == (
        f"Overdue tasks (1):\n#{ice.id} Buy ice — Raj, due Wed 14 Jan 2026, 11:00 am (open)"
    )
