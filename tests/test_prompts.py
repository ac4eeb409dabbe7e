"""Asking for what a command left out, end to end through the webhook, on both stacks."""

from __future__ import annotations

import datetime as dt

from jobs.worker import InProcessWorkers
from models import AuditLog, Campaign, StaffMember, WocsConfirmation, WocsTask, utcnow
from tests.conftest import ADMIN
from tests.test_conversations import FARAH, QUESTION, _agents, _customer_says, _quote_reply
from wocs.replies import reply

SITI = "60129998888"
WHO = "Who is it for?\nReply with name or phone, or CANCEL to drop /agent."
WHEN = "When is it due?\nReply with date, or CANCEL to drop /agent."


def _siti() -> None:
    StaffMember.create(phone=SITI, name="Siti", role="agent")


def _asking() -> list[WocsConfirmation]:
    return list(WocsConfirmation.select().where(WocsConfirmation.state == "asking"))


def test_a_task_without_assignee_and_date_asks_for_each_then_runs_as_typed_whole(live):
    _siti()
    assert live.ask("/agent task: Setup booth") == WHO
    (row,) = _asking()
    assert (row.command, row.facts, row.params["answers"]) == ("agent", {"asking": "for"}, {})
    assert live.ask("Siti") == WHEN
    assert WocsTask.select().count() == 0
    done = live.ask("esok")
    assert done.startswith("Task #") and "created for Siti" in done, done
    task = WocsTask.get()
    tomorrow = dt.datetime.now(live.settings.tz).date() + dt.timedelta(days=1)
    assert (task.title, task.assignee.phone, task.due) == ("Setup booth", SITI, tomorrow)
    assert AuditLog.select().where(AuditLog.action == "task.create").count() == 1
    assert live.replies_to(SITI)[0].startswith(f"New task #{task.id} from ")
    assert not _asking()
    # The prompt is over: a plain message is a plain message again.
    assert live.ask("Siti") == reply("staff_hint")


def test_a_bad_answer_gets_the_types_error_and_the_same_question(live):
    _siti()
    assert live.ask("/agent task: X due: esok") == WHO
    again = live.ask("Zed")
    assert again.endswith(WHO) and again != WHO, again
    assert live.ask("Siti").startswith("Task #")


def test_the_first_missing_value_is_asked_first_and_answers_keep(live):
    _siti()
    assert (
        live.ask("/agent") == "What is the task?\nReply with what to do, or CANCEL to drop /agent."
    )
    assert live.ask("Bring the banner") == WHO
    assert live.ask("siti") == WHEN
    assert live.ask("lusa").startswith("Task #")
    assert WocsTask.get().title == "Bring the banner"


def test_cancel_or_batal_drops_the_prompt(live):
    for word in ("cancel", "Batal", "/cancel"):
        assert live.ask("/agent task: X") == WHO
        assert live.ask(word) == "Cancelled: /agent was not sent; nothing was done."
        assert not _asking()
    assert WocsTask.select().count() == 0


def test_a_new_command_replaces_the_prompt(live):
    _siti()
    assert live.ask("/agent task: X") == WHO
    assert live.ask("/help").strip()
    assert not _asking()
    assert live.ask("Siti") == reply("staff_hint")
    assert WocsTask.select().count() == 0
    # A command that asks again replaces the old question with its own.
    assert live.ask("/agent task: X") == WHO
    assert live.ask("/agent task: Y for: Siti") == WHEN
    assert len(_asking()) == 1
    assert live.ask("esok").startswith("Task #")
    assert WocsTask.get().title == "Y"


def test_a_prompt_survives_a_worker_restart(live):
    _siti()
    assert live.ask("/agent task: Setup booth for: Siti") == WHEN
    old = live.app.extensions["wocs_workers"]
    old.stop()
    restarted = InProcessWorkers(old.runtime, old.count).start()
    live.app.extensions["wocs_workers"] = restarted
    assert live.ask("esok").startswith("Task #")
    assert WocsTask.get().title == "Setup booth"


def test_an_expired_prompt_runs_nothing(live):
    _siti()
    assert live.ask("/agent task: X for: Siti") == WHEN
    WocsConfirmation.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    assert live.ask("esok") == (
        "I stopped waiting for your answer to /agent after 5 minutes; nothing was done. "
        "Send the command again."
    )
    assert WocsTask.select().count() == 0 and not _asking()


def test_the_answer_is_checked_for_permission_again(live):
    _siti()
    assert live.ask("/agent task: X for: Siti") == WHEN
    StaffMember.update(role="agent").where(StaffMember.phone == ADMIN).execute()
    assert live.ask("esok") == "Sorry, only admins can use /agent."
    assert WocsTask.select().count() == 0


def test_agents_are_refused_before_being_asked_and_customers_never_asked(live):
    _siti()
    assert live.ask("/agent task: X", SITI) == "Sorry, only admins can use /agent."
    customer = "60175550000"
    assert live.ask("/agent task: X", customer).startswith("Sorry, commands are only for our team.")
    assert not _asking()
    assert not live.ask("Siti", customer).startswith("When")


def _tasks(count: int) -> None:
    siti = StaffMember.create(phone=SITI, name="Siti", role="agent")
    today = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    for n in range(count):
        WocsTask.create(title=f"Job {n + 1}", assignee=siti, due=today, command="agent")


def test_a_cut_list_says_how_many_more_and_more_shows_them(live):
    _tasks(29)
    first = live.ask("/task list")
    assert first.startswith("Open tasks (29):\n#")
    assert first.endswith("\n…and 9 more: send MORE (or /task list open page 2)."), first
    assert first.count("\n#") == 20
    rest = live.ask("MORE")
    assert rest.startswith("Open tasks (29, page 2):\n#") and "Job 29" in rest, rest
    assert "Job 20 " not in rest and "more" not in rest
    # The list is over: MORE is a plain word again.
    assert live.ask("more") == reply("staff_hint")


def test_pages_by_word_or_key_and_a_page_past_the_end(live):
    _tasks(25)
    assert live.ask("/task list open page 2") == live.ask("/task list page: 2")
    assert live.ask("/task list halaman 2").startswith("Open tasks (25, halaman 2):\n")
    assert live.ask("/task list page 3") == "There is no page 3: the list has 2 pages."
    assert live.ask("/task list page 0").startswith("page: '0' is not a number; numbers start at 1")


def test_more_continues_after_a_restart_and_lagi_works_too(live):
    _tasks(45)
    assert live.ask("/task list all").endswith("send MORE (or /task list all page 2).")
    old = live.app.extensions["wocs_workers"]
    old.stop()
    live.app.extensions["wocs_workers"] = InProcessWorkers(old.runtime, old.count).start()
    second = live.ask("lagi")
    assert second.startswith("All tasks (45, page 2):\n")
    assert second.endswith("\n…and 5 more: send MORE (or /task list all page 3).")
    assert live.ask("more").startswith("All tasks (45, page 3):\n")


def test_a_prompt_comes_before_more(live):
    _tasks(21)
    assert live.ask("/task list").endswith("send MORE (or /task list open page 2).")
    assert live.ask("/agent for: Siti due: esok") == (
        "What is the task?\nReply with what to do, or CANCEL to drop /agent."
    )
    assert live.ask("more").startswith("Task #")
    assert WocsTask.select().where(WocsTask.title == "more").count() == 1


def test_campaigns_page_too_and_an_old_list_is_not_continued(live):
    start = utcnow() - dt.timedelta(days=30)
    for n in range(21):
        Campaign.create(
            code=f"C{n:02d}",
            prize="Hamper",
            start_at=start + dt.timedelta(hours=n),
            end_at=utcnow(),
        )
    first = live.ask("/campaign list")
    assert first.endswith("\n…and 1 more: send MORE (or /campaign list page 2)."), first
    assert live.ask("MORE").startswith("Campaigns (21, page 2):\nC00 — Hamper")
    live.ask("/campaign list")
    WocsConfirmation.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    assert live.ask("more") == reply("staff_hint")


def test_a_quote_reply_to_a_customer_is_not_an_answer_to_the_prompt(live):
    _agents(live, SITI)
    assert live.ask("/task show", SITI) == (
        "Which task?\nReply with the number, or CANCEL to drop /task show."
    )
    seen = len(live.replies_to(SITI, 0))
    _customer_says(live, FARAH, QUESTION)
    forwarded = live.replies_to(SITI, seen + 1)[seen]
    _quote_reply(live, SITI, forwarded, "Yes, RM5 to Shah Alam.")
    assert live.replies_to(FARAH, 2) == [reply("menu"), "Yes, RM5 to Shah Alam."]
    assert [row.command for row in _asking()] == ["task show"]
    assert live.ask("99", SITI).startswith("There is no task #99 for you.")


def test_more_continues_the_list_last_shown_not_an_earlier_one(live):
    _tasks(25)
    assert live.ask("/task list").endswith("send MORE (or /task list open page 2).")
    # The second page typed out is the list's end: MORE after it has nothing to continue.
    assert live.ask("/task list page 2").startswith("Open tasks (25, page 2):\n")
    assert live.ask("MORE") == reply("staff_hint")
    # Another list shown whole, or an empty one, forgets the earlier cut list too.
    assert live.ask("/task list").endswith("send MORE (or /task list open page 2).")
    assert live.ask("/task list overdue") == "No overdue tasks."
    assert live.ask("more") == reply("staff_hint")
    assert not WocsConfirmation.select().where(WocsConfirmation.state == "paging").exists()


def test_a_list_by_person_shows_only_theirs_and_pages_by_phone(live):
    _tasks(23)
    raj = StaffMember.create(phone="60127777777", name="Raj", role="agent")
    due = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    job = WocsTask.create(title="Raj's job", assignee=raj, due=due, command="agent")
    only = live.ask("/task list for: Raj")
    assert only.startswith(f"Open tasks for Raj (1):\n#{job.id} Raj's job — Raj, due "), only
    assert only.count("\n") == 1
    siti = live.ask("/task list open untuk: siti")
    assert siti.startswith("Open tasks for Siti (23):\n") and "Raj" not in siti
    # Asked in Malay (untuk:), so offered in Malay; the next page names Siti by phone.
    assert siti.endswith(f"hantar LAGI (atau /task list open page 2 for: +{SITI})."), siti
    second = live.ask("lagi")
    assert second.startswith("Open tasks for Siti (23, halaman 2):\n#") and " Job 21 — " in second
    assert live.ask("/task list all for: Raj") == live.ask("/task list for: Raj").replace(
        "Open", "All"
    )
    # An agent sees their own tasks only, and is told so when they ask for someone else's.
    assert live.ask("/task list for: Siti", "60127777777") == (
        "You can list only your own tasks: send /task list."
    )
    assert live.ask("/task list for: Raj", "60127777777").startswith("Open tasks for Raj (1):")
