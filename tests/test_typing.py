"""End to end: commands as people really type them on a phone (issue 15, the first slice)."""

from __future__ import annotations

import datetime as dt

import pytest

from models import Campaign, Contact, Entry, Event, Hook, StaffMember, WocsTask
from tests.conftest import ADMIN
from tests.scenarios import approve
from whatsapp.payload import MAX_BODY, parse_body, text_message_body
from wocs import people
from wocs.context import Context
from wocs.replies import TEXT_LIMIT, reply
from wocs.values import ValueProblem

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


def test_a_past_day_month_is_asked_about(commands_db):
    commands_db.now = DECEMBER_2
    commands_db.run(ADD_RAJ)
    answer = commands_db.run("/agent task: X for: Raj due: 1/12").text
    assert answer.startswith("Tue 1 Dec 2026 has passed — did you mean Wed 1 Dec 2027?"), answer
    answer = commands_db.run("/confirm").text
    assert answer.endswith("due Wed 1 Dec 2027 (next year). I've told them."), answer
    commands_db.run("/event create name: Bazar date: 1/12 location: Bangsar")
    answer = commands_db.run("/confirm").text
    assert "Bazar, Wed 1 Dec 2027 (next year) at Bangsar." in answer, answer
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
    assert to.startswith("to: 'everyone' is neither a phone number, a BSUID nor a segment."), to
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


HAFIZ, AMINAH, NURHALIZA = "60129996666", "60129995555", "60129994444"


def _team(commands_db) -> None:
    for phone, name in (
        (HAFIZ, "Muhammad Hafiz bin Abdullah"),
        (AMINAH, "Siti Aminah"),
        (NURHALIZA, "Siti Nurhaliza"),
    ):
        commands_db.run(f"/admin add phone: {phone} role: agent name: {name}")


def _assigned(commands_db, who: str) -> str:
    answer = commands_db.run(f"/agent task: X ({who}) for: {who} due: esok").text
    assert answer.startswith("Task #"), answer
    return WocsTask.select().order_by(WocsTask.id.desc()).get().assignee.name


def test_people_are_found_by_any_part_of_their_name(commands_db):
    _team(commands_db)
    assert _assigned(commands_db, "Hafiz") == "Muhammad Hafiz bin Abdullah"
    assert _assigned(commands_db, "aminah") == "Siti Aminah"
    assert _assigned(commands_db, "@Siti Aminah") == "Siti Aminah"
    assert _assigned(commands_db, "SITI NURHALIZA") == "Siti Nurhaliza"


def test_two_sitis_are_listed_with_whole_phones_for_an_admin(commands_db):
    _team(commands_db)
    answer = commands_db.run("/agent task: X for: Siti due: esok").text
    assert answer.startswith(
        "for: 'Siti' could mean 2 people:\n"
        f"1. Siti Aminah — +{AMINAH}\n"
        f"2. Siti Nurhaliza — +{NURHALIZA}\n"
        f"Write their phone number instead, like +{AMINAH}, or more of the name."
    ), answer
    assert _assigned(commands_db, f"+{AMINAH}") == "Siti Aminah"


def test_an_agent_sees_the_choices_masked(commands_db):
    _team(commands_db)
    agent = StaffMember.get(StaffMember.phone == HAFIZ)
    with pytest.raises(ValueProblem) as caught:
        people.find("siti", Context(phone=HAFIZ, user=agent))
    assert "Siti Aminah — 60*****5555" in str(caught.value)
    assert AMINAH not in str(caught.value)


def test_a_nickname_the_team_sets_finds_the_person(commands_db):
    _team(commands_db)
    set_it = commands_db.run("/admin nickname Siti Aminah as: Mina").text
    assert set_it == "Siti Aminah can now be called Mina, as in for: Mina.", set_it
    assert StaffMember.get(StaffMember.phone == AMINAH).nickname == "Mina"
    assert _assigned(commands_db, "mina") == "Siti Aminah"
    assert 'Siti Aminah "Mina" (+60129995555) — agent' in commands_db.run("/admin list").text
    taken = commands_db.run("/admin nickname Hafiz as: MINA").text
    assert taken == 'Siti Aminah "Mina" is already called that; pick another.', taken
    assert commands_db.run("/admin nickname Siti Aminah as: -").text == (
        "Siti Aminah has no nickname now."
    )


def test_admin_remove_takes_a_name_without_a_key(commands_db):
    _team(commands_db)
    answer = commands_db.run("/admin remove Siti Nurhaliza").text
    assert answer == f"Siti Nurhaliza (+{NURHALIZA}) is off the team.", answer
    assert not StaffMember.get(StaffMember.phone == NURHALIZA).active


def test_event_check_note_and_checklist_without_keys(commands_db):
    commands_db.run("/event create name: Bazar date: esok location: Bangsar")
    n = Event.get().id
    assert commands_db.run(f"/event checklist {n}").text.startswith(
        f"Event #{n}: Bazar\nChecklist (0 of "
    )
    ticked = commands_db.run(f"/event check {n} 3").text
    assert ticked.startswith(f"Ticked item 3 on event #{n}:"), ticked
    noted = commands_db.run(f"/event note {n} Booth A12").text
    assert noted.startswith(f"Note added to event #{n}"), noted
    assert Event.get().notes[-1]["text"] == "Booth A12"


def test_task_done_with_a_bare_note_and_in_malay(commands_db):
    commands_db.run(ADD_RAJ)
    commands_db.run("/agent task: X for: Raj due: esok")
    commands_db.run("/agent task: Y for: Raj due: esok")
    first, second = (t.id for t in WocsTask.select().order_by(WocsTask.id))
    assert commands_db.run(f"/task done {first} siap!", RAJ).text == (
        f"Task #{first} is done. Thank you!"
    )
    assert WocsTask.get_by_id(first).result == "siap!"
    assert commands_db.run(f"/tugas selesai {second}", RAJ).text.startswith(
        f"Task #{second} is done"
    )


def test_landing_rollback_without_keys(commands_db):
    for text in ("one", "two"):
        commands_db.run(f"/landing publish slug: raya-promo title: Raya {text} content: {text}")
    answer = commands_db.run("/landing rollback raya-promo 1").text
    assert answer == "/p/raya-promo now shows version 1: Raya one (was version 2).", answer


def test_start_and_malay_names_answer_with_help(commands_db):
    start = commands_db.run("/start").text
    assert start == commands_db.run("/help").text == commands_db.run("/bantuan").text
    assert "/stats" not in start.splitlines()[0]
    assert commands_db.run("/acara list").text == "No upcoming events."
    shown = commands_db.run("/help task done").text
    assert shown.splitlines()[:3] == [
        "/task done <n> [note: <what was done>]",
        "  or /task done <n> <what was done>",
        "Mark a task as done, with an optional note; whoever created it is told."
        " (also /task selesai, /tugas done)",
    ], shown
    assert commands_db.run("/help tugas selesai").text == shown


CUSTOMER = "60131234567"
JOINS = (
    "Join CNY27 please",
    "JOIN CNY27 \U0001f389",
    "CNY27",
    "JOIN: CNY27",
    "Hi! JOIN CNY27",
    "Saya nak masuk CNY27",
    "JOIN #CNY27",
)


def _cny27(live) -> None:
    answer = live.ask(
        "/campaign create code: CNY27 prize: Angpau start: 2026-01-01 end: 2030-12-31"
    )
    assert answer.startswith("Campaign CNY27 created"), answer


def test_every_way_of_joining_joins(live):
    _cny27(live)
    for n, text in enumerate(JOINS):
        phone = f"6013123450{n}"
        answer = live.ask(text, phone)
        assert answer.startswith("You're in the CNY27 lucky draw"), (text, answer)
    assert Entry.select().count() == len(JOINS)


def test_a_bare_code_joins_only_an_open_campaign(live):
    live.ask("/campaign create code: SOON27 prize: Angpau start: 2030-01-01 end: 2030-12-31")
    assert live.ask("SOON27", CUSTOMER) == reply("away")
    assert not Entry.select().exists()


def test_opt_out_phrases_are_honoured_and_a_mention_is_not(live):
    for n, text in enumerate(("stop please", "berhenti hantar", "unsubscribe me")):
        phone = f"6013123460{n}"
        assert live.ask(text, phone) == reply("stopped"), text
        assert Contact.get(Contact.phone == phone).opted_out_at is not None
    assert live.ask("When does the promo stop?", CUSTOMER) == reply("away")
    assert Contact.get(Contact.phone == CUSTOMER).opted_out_at is None


def test_hook_tags_on_the_same_line_as_the_text(commands_db):
    answer = commands_db.run("/hook add text: Jom makan! tags: food, pov").text
    assert answer.startswith("Hook #"), answer
    hook = Hook.get()
    assert (hook.text, hook.tags) == ("Jom makan!", ["food", "pov"])


def test_admin_list_shows_whole_phones_where_masks_would_look_alike(commands_db):
    for phone, name in (("60129991234", "Siti"), ("60139991234", "Siti N")):
        commands_db.run(f"/admin add phone: {phone} role: agent name: {name}")
    listed = commands_db.run("/admin list").text
    assert "Siti (+60129991234) — agent\nSiti N (+60139991234) — agent" in listed, listed
    assert "*" not in listed


def test_the_issue_s_dates_and_times_are_read_as_meant(commands_db):
    commands_db.now = DECEMBER_2
    commands_db.run(ADD_RAJ)
    expected = {
        "20 Jan": "Wed 20 Jan 2027 (next year)",
        "3 Dec": "Thu 3 Dec 2026",
        "20 Januari 2027": "Wed 20 Jan 2027 (next year)",
        "next friday": "Fri 4 Dec 2026",
        "ahad depan": "Sun 6 Dec 2026",
        "minggu depan": "Wed 9 Dec 2026",
        "today 5pm": "Wed 2 Dec 2026, 5:00 pm",
        "esok 9pagi": "Thu 3 Dec 2026, 9:00 am",
    }
    for typed, shown in expected.items():
        answer = commands_db.run(f"/agent task: {typed} for: Raj due: {typed}").text
        assert answer.endswith(f"due {shown}. I've told them."), (typed, answer)
