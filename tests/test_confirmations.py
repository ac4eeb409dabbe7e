"""What cannot be undone asks first, with Yes/No buttons and a typed YES/TIDAK: on both stacks."""

from __future__ import annotations

import datetime as dt

from jobs.worker import InProcessWorkers
from models import (
    AuditLog,
    Broadcast,
    Contact,
    Conversation,
    Event,
    StaffMember,
    WocsConfirmation,
    WocsTask,
    utcnow,
)
from tests.conftest import ADMIN, addressee, wait_until
from tests.scenarios import approve, create_campaign, template_sends
from tests.test_interactive import _tap
from wocs import flags

SITI, RAJ, CUSTOMER = "60129998888", "60127776666", "60111230001"


def _question(live, text: str) -> tuple[WocsConfirmation, dict]:
    """Send `text` as the admin; the question kept and the buttons' message Meta was sent."""
    live.ask(text)
    asked = WocsConfirmation.get(WocsConfirmation.state == "pending")
    sent = [b for b in live.graph.sent() if addressee(b) == ADMIN and b["type"] == "interactive"][
        -1
    ]["interactive"]
    assert [b["reply"]["id"] for b in sent["action"]["buttons"]] == [
        f"/confirm {asked.id}",
        f"/cancel {asked.id}",
    ]
    assert sent["body"]["text"].endswith(f"(Question {asked.id}; it expires in 10 minutes.)")
    return asked, sent


def _answer(live, tap: str) -> str:
    """The admin taps a button (its id); the reply."""
    live.settle()
    seen = len(live.replies_to(ADMIN, 0))
    _tap(live, ADMIN, tap)
    return live.replies_to(ADMIN, seen + 1)[seen]


def _event(live) -> Event:
    live.ask(
        "/event create name: Raya Bazaar date: 2030-01-20 location: Dataran Merdeka fee: RM150"
    )
    return Event.get()


def test_cancelling_an_event_asks_first_and_a_tap_on_no_keeps_it(live):
    event = _event(live)
    asked, sent = _question(live, f"/event status {event.id} cancelled")
    assert sent["body"]["text"].startswith(
        f"Cancel event #{event.id} (Raya Bazaar, Sun 20 Jan 2030 at Dataran Merdeka)? "
        "A cancelled event is final: it cannot be planned again or brought back with /undo.\n"
        "Tap ✅ Yes or ❌ No, or reply YES or NO (Ya / Tidak)."
    )
    assert Event.get_by_id(event.id).status == "planned"
    assert _answer(live, f"/cancel {asked.id}") == (
        f"Cancelled: nothing was done about /event status (question {asked.id})."
    )
    assert Event.get_by_id(event.id).status == "planned"
    asked, _ = _question(live, f"/event status {event.id} cancelled")
    assert (
        _answer(live, f"/confirm {asked.id}")
        == f"Event #{event.id} (Raya Bazaar) is now cancelled."
    )
    assert Event.get_by_id(event.id).status == "cancelled"
    (changed,) = AuditLog.select().where(AuditLog.action == "event.status")
    assert (changed.before, changed.after) == ({"status": "planned"}, {"status": "cancelled"})


def test_a_typed_ya_answers_as_a_tap_does_and_other_moves_are_not_asked(live):
    event = _event(live)
    assert live.ask(f"/event status {event.id} confirmed") == (
        f"Event #{event.id} (Raya Bazaar) is now confirmed."
    )
    live.ask(f"/event status {event.id} cancelled")
    assert live.ask("Ya") == f"Event #{event.id} (Raya Bazaar) is now cancelled."


def test_a_question_survives_a_worker_restart_and_expires(live):
    event = _event(live)
    asked, _ = _question(live, f"/event status {event.id} cancelled")
    old = live.app.extensions["wocs_workers"]
    old.stop()
    live.app.extensions["wocs_workers"] = InProcessWorkers(old.runtime, old.count).start()
    assert _answer(live, f"/confirm {asked.id}").endswith("is now cancelled.")
    other = Event.create(name="Pasar Malam", date=dt.date(2030, 2, 1), location="Bangsar")
    asked, _ = _question(live, f"/event status {other.id} cancelled")
    WocsConfirmation.update(expires_at=utcnow() - dt.timedelta(seconds=1)).execute()
    assert _answer(live, f"/confirm {asked.id}") == (
        "That question expired. Send /event status again to be asked anew."
    )
    assert Event.get_by_id(other.id).status == "planned"


def test_a_broadcast_to_more_than_the_setting_asks_first(live):
    approve("campaign_reminder")
    create_campaign(live)
    entrants = [f"6011123{n:04d}" for n in range(3)]
    for phone in entrants:
        live.say(phone, "JOIN RAYA26")
    live.settle()
    flags.set_flag("broadcast_confirm_over", "2")
    asked, sent = _question(
        live, "/broadcast campaign: RAYA26 template: campaign_reminder vars: RAYA26; 20 Jan"
    )
    assert sent["body"]["text"].startswith(
        "Send campaign_reminder to 3 recipients (entrants:RAYA26), now? "
        "Once it is sending it cannot be called back.\nPreview: "
    )
    assert Broadcast.select().count() == 0
    done = _answer(live, f"/confirm {asked.id}")
    assert done.startswith(
        f"Broadcast #{Broadcast.get().id} (campaign_reminder to entrants:RAYA26): 3 recipients, "
        "sending now."
    )
    wait_until(lambda: sorted(template_sends(live)) == entrants)
    assert Broadcast.get().params == ["RAYA26", "20 Jan"]
    flags.set_flag("broadcast_confirm_over", "3")
    reply = live.ask("/broadcast campaign: RAYA26 template: campaign_reminder vars: A; B")
    assert "(campaign_reminder to entrants:RAYA26): 3 recipients, sending now" in reply
    assert Broadcast.select().count() == 2


def test_a_scheduled_broadcast_is_confirmed_for_the_same_moment(live):
    approve("campaign_reminder")
    create_campaign(live)
    for n in range(2):
        live.say(f"6011123{n:04d}", "JOIN RAYA26")
    live.settle()
    flags.set_flag("broadcast_confirm_over", "1")
    asked, _ = _question(
        live,
        "/broadcast campaign: RAYA26 template: campaign_reminder vars: A; B at: 2030-01-20 9am",
    )
    done = _answer(live, f"/confirm {asked.id}")
    assert "(campaign_reminder to entrants:RAYA26): 2 recipients, sending Sun 20 Jan 2030" in done
    assert Broadcast.get().send_at == dt.datetime(2030, 1, 20, 1, 0)  # 9 am in Kuala Lumpur


def _team_with_work(live) -> list[WocsTask]:
    live.ask(f"/admin add phone: {SITI} role: agent name: Siti")
    live.ask(f"/admin add phone: {RAJ} role: agent name: Raj")
    live.ask("/agent task: Setup booth for: Siti due: 2030-01-20")
    live.ask("/agent task: Stock the cooler for: Siti due: 2030-01-20")
    live.ask("/agent task: Print flyers for: Raj due: 2030-01-20")
    siti = StaffMember.get(StaffMember.phone == SITI)
    contact = Contact.create(phone=CUSTOMER, name="Farah")
    Conversation.create(contact=contact, assignee=siti)
    return list(WocsTask.select().order_by(WocsTask.id))


def test_removing_a_member_with_open_work_asks_and_hands_it_over(live):
    tasks = _team_with_work(live)
    live.settle()
    asked, sent = _question(live, "/admin remove Siti to: Raj")
    assert sent["body"]["text"].startswith(
        f"Siti (+{SITI}) has 2 open tasks (#{tasks[0].id} and #{tasks[1].id}) and "
        f"1 open conversation (#{Conversation.get().id}). Take them off the team? Then their "
        "tasks go to Raj (who is told) and their conversations wait unassigned in /inbox open."
    )
    assert StaffMember.get(StaffMember.phone == SITI).active
    seen = len(live.replies_to(RAJ, 0))
    assert _answer(live, f"/confirm {asked.id}") == (
        f"Siti (+{SITI}) is off the team.\n"
        f"Tasks #{tasks[0].id} and #{tasks[1].id} now belong to Raj; I've told them.\n"
        f"Conversations #{Conversation.get().id} wait unassigned in /inbox open."
    )
    told = live.replies_to(RAJ, seen + 2)[seen:]
    assert [t.split(":")[0] for t in told] == [
        f"Task #{tasks[0].id} is now yours",
        f"Task #{tasks[1].id} is now yours",
    ]
    raj = StaffMember.get(StaffMember.phone == RAJ)
    assert [t.assignee_id for t in WocsTask.select().order_by(WocsTask.id)] == [raj.id] * 3
    assert Conversation.get().assignee is None
    assert not StaffMember.get(StaffMember.phone == SITI).active
    actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)][-4:]
    assert actions == ["member.remove", "task.assign", "task.assign", "conversation.unassign"]


def test_removing_without_to_leaves_the_tasks_unassigned_and_idle_members_are_not_asked(live):
    tasks = _team_with_work(live)
    _, sent = _question(live, "/admin remove Siti")
    assert (
        "their tasks are left unassigned (add to: NAME to hand them to someone)"
        in (sent["body"]["text"])
    )
    assert live.ask("YES").startswith(
        f"Siti (+{SITI}) is off the team.\nTasks #{tasks[0].id} and #{tasks[1].id} have nobody "
        "now: give each to someone with /task assign N for: NAME."
    )
    assert [t.assignee_id for t in WocsTask.select().order_by(WocsTask.id)][:2] == [None, None]
    WocsTask.update(status="done").where(WocsTask.id == tasks[2].id).execute()
    assert live.ask("/admin remove Raj") == f"Raj (+{RAJ}) is off the team."


def test_work_that_changed_since_the_question_is_asked_about_again(live):
    tasks = _team_with_work(live)
    asked, _ = _question(live, "/admin remove Siti to: Raj")
    WocsTask.update(status="done").where(WocsTask.id == tasks[1].id).execute()
    again = _answer(live, f"/confirm {asked.id}")
    assert again.startswith(f"Siti (+{SITI}) has 1 open task (#{tasks[0].id}) and "), again
    assert StaffMember.get(StaffMember.phone == SITI).active
