"""End to end: commands as people really type them on a phone (issue 15, the first slice)."""

from __future__ import annotations

import datetime as dt

from models import Campaign, Event, WocsTask
from tests.conftest import ADMIN
from tests.test_broadcasts import approve
from whatsapp.payload import MAX_BODY, parse_body, text_message_body
from wocs.replies import TEXT_LIMIT

RAJ = "60129997777"
ADD_RAJ = "/admin add phone: 012-999 7777 role: agent name: Raj"
DECEMBER_2 = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Kuala Lumpur


def _with_raj(live) -> None:
    assert live.ask(ADD_RAJ).startswith("Raj ")


def test_a_note_no_longer_swallows_the_priority_after_it(live):
    _with_raj(live)
    answer = live.ask("/agent task: X for: Raj due: esok note: bring ice priority: urgent")
    assert answer.startswith("Task #"), answer
    task = WocsTask.get()
    assert (task.title, task.priority, task.params) == ("X", "urgent", {"note": "bring ice"})


def test_a_required_key_after_a_note_is_found(live):
    _with_raj(live)
    answer = live.ask("/agent task: X for: Raj note: bring ice priority: urgent due: esok")
    assert "Missing" not in answer and answer.startswith("Task #"), answer
    task = WocsTask.get()
    assert (task.priority, task.params["note"]) == ("urgent", "bring ice")
    assert task.due > dt.date(2026, 1, 1)


def test_requirements_no_longer_swallow_the_form_link(live):
    answer = live.ask(
        "/campaign create code: RAYA26 prize: Hamper start: 2026-01-01 end: 2030-12-31 "
        "requirements: Follow us form: https://forms.gle/abc?x=1"
    )
    assert answer.startswith("Campaign RAYA26 created"), answer
    campaign = Campaign.get()
    assert (campaign.requirements, campaign.google_form_url) == (
        "Follow us",
        "https://forms.gle/abc?x=1",
    )


def test_a_key_phrase_stays_in_a_note_when_escaped_or_quoted(live):
    _with_raj(live)
    live.ask("/agent task: X for: Raj due: esok note: ask \u201cdue: friday\u201d priority\\: low")
    task = WocsTask.get()
    assert (task.priority, task.params["note"]) == ("normal", 'ask "due: friday" priority: low')


def test_a_key_given_twice_on_one_line_is_reported(live):
    _with_raj(live)
    answer = live.ask("/agent task: X for: Raj due: esok note: ice due: lusa")
    assert answer.startswith("Line 1: due: is given twice."), answer
    assert WocsTask.select().count() == 0


def test_a_space_after_the_slash_is_still_a_command(live):
    assert live.ask("/ event list") == live.ask("/event list") == "No upcoming events."


def test_phone_spaces_quotes_and_zero_width_marks_are_read_plainly(live):
    _with_raj(live)
    answer = live.ask("\u200b/agent\u00a0task: \u201cPrint\u201d banner for:\u2009Raj due: esok")
    assert answer.startswith("Task #"), answer
    assert WocsTask.get().title == '"Print" banner'


def test_an_over_long_note_is_refused_whole_never_stored_cut(live):
    _with_raj(live)
    text = "/agent task: X for: Raj due: esok note: " + "n" * 10_000
    answer = live.ask(text)
    assert answer.startswith(
        f"That message is too long ({len(text)} characters; one message holds at most "
        f"{TEXT_LIMIT}). Nothing was saved."
    ), answer
    assert WocsTask.select().count() == 0


def test_a_past_day_month_says_it_means_next_year(commands_db):
    commands_db.now = DECEMBER_2
    commands_db.run(ADD_RAJ)
    answer = commands_db.run("/agent task: X for: Raj due: 1/12").text
    assert answer.endswith("due Wed 01 Dec 2027 (next year). I've told them."), answer
    answer = commands_db.run("/event create name: Bazar date: 1/12 location: Bangsar").text
    assert "Bazar, Wed 01 Dec 2027 (next year) at Bangsar." in answer, answer
    assert Event.get().date == dt.date(2027, 12, 1)


def test_a_day_month_still_ahead_this_year_says_nothing_more(commands_db):
    commands_db.now = DECEMBER_2
    commands_db.run(ADD_RAJ)
    answer = commands_db.run("/agent task: X for: Raj due: 20/12").text
    assert answer.endswith("due Sun 20 Dec 2026. I've told them."), answer


def test_a_long_body_is_kept_whole_up_to_the_storage_bound():
    ten_thousand = parse_body(text_message_body(ADMIN, "x" * 10_000, "wamid.long"))
    assert len(ten_thousand.messages[0].body) == 10_000
    huge = parse_body(text_message_body(ADMIN, "x" * (MAX_BODY + 5), "wamid.huge"))
    assert len(huge.messages[0].body) == MAX_BODY > TEXT_LIMIT  # still read as too long


def test_help_says_how_to_keep_a_key_phrase_in_a_note(commands_db):
    shown = commands_db.run("/help agent").text
    assert shown.endswith(
        "A key starts wherever it is written, mid-line too. To keep one as text in note:, "
        'write priority\\: … or put it in quotes: "priority: …".'
    )
    assert "quotes" not in commands_db.run("/help task list").text


def test_an_agents_own_list_is_headed_my_tasks(commands_db):
    commands_db.run(ADD_RAJ)
    commands_db.run("/agent task: X for: Raj due: esok")
    assert commands_db.run("/task list", RAJ).text.startswith("My tasks (1):")


def test_help_reads_value_kinds_as_english(commands_db):
    shown = commands_db.run("/help event create").text
    assert "  fee: an amount (also yuran:), optional" in shown and "  name: text" in shown
    shown = commands_db.run("/help send").text
    assert "  vars: values (also values:, nilai:), optional" in shown and "a values" not in shown


def test_a_bad_audience_or_time_names_its_key_once(commands_db):
    to = commands_db.run("/send to: everyone template: event_invite").text
    assert to.startswith("to: 'everyone' is neither a phone number nor a segment."), to
    at = commands_db.run("/send to: 012-345 6789 template: event_invite at: soonish").text
    assert at.startswith("at: 'soonish' is not a date and time."), at


def test_one_recipient_is_singular_and_a_second_cancel_is_nothing_to_do(commands_db):
    approve("campaign_reminder")
    sent = commands_db.run(
        "/send to: 012-345 6789 template: campaign_reminder vars: RAYA26; Fri at: esok 9am"
    ).text
    assert ": 1 recipient, sending " in sent, sent
    number = sent.split()[1].rstrip(":")
    assert commands_db.run(f"/broadcast cancel {number}").text.endswith("nothing was sent.")
    again = commands_db.run(f"/broadcast cancel {number}").text
    assert again.startswith(f"Broadcast {number} (campaign_reminder to 60123456789) is")
    assert again.endswith(" is already cancelled; nothing to do."), again


def test_a_number_beyond_any_record_says_there_is_none(commands_db):
    answer = commands_db.run("/task show 99999999999").text
    assert answer.startswith("<n> There is no #99999999999;"), answer
    assert "2147483647" not in answer


def test_config_list_points_only_admins_at_config_set(commands_db):
    commands_db.run(ADD_RAJ)
    assert "/config set" not in commands_db.run("/config list", RAJ).text
    assert "/config set" in commands_db.run("/config list").text
