"""/undo (or /undur) takes back a cheap mistake for 2 minutes, tells who was told, and is audited."""

from __future__ import annotations

import datetime as dt

from models import AuditLog, Event, StaffMember, WocsConfirmation, WocsTask, utcnow
from tests.conftest import ADMIN

SITI, RAJ = "60129998888", "60127776666"


def _team(live) -> WocsTask:
    live.ask(f"/admin add phone: {SITI} role: agent name: Siti")
    live.ask(f"/admin add phone: {RAJ} role: agent name: Raj")
    live.ask("/agent task: Setup booth for: Siti due: 2030-01-20")
    live.settle()
    return WocsTask.get()


def _told(live, phone: str, since: int) -> list[str]:
    live.settle()
    return live.replies_to(phone, 0)[since:]


def test_an_agent_undoes_done_and_the_admin_who_was_told_hears_it(live):
    task = _team(live)
    assert live.ask(f"/task done {task.id} siap!", SITI) == f"Task #{task.id} is done. Thank you!"
    seen = len(live.replies_to(ADMIN, 0))
    assert live.ask("/undo", SITI) == (
        f"Undone: /task done {task.id} — task #{task.id} (Setup booth) is open again. "
        "I've told them too."
    )
    assert _told(live, ADMIN, seen) == [
        f"Siti took back /task done {task.id}: task #{task.id} (Setup booth) is open again."
    ]
    back = WocsTask.get_by_id(task.id)
    assert (back.status, back.completed_at, back.result) == ("open", None, "")
    undone = AuditLog.get(AuditLog.action == "task.undo")
    assert (undone.actor, undone.entity) == (SITI, f"task:{task.id}")
    assert (undone.before, undone.after) == (
        {"command": f"task done {task.id}", "status": "done"},
        {"status": "open", "completed_at": None, "result": ""},
    )
    assert (
        live.ask("/undo", SITI)
        == f"/task done {task.id} on task #{task.id} (Setup booth) was already undone."
    )


def test_undur_takes_back_a_cancel_and_the_assignee_hears_it(live):
    task = _team(live)
    live.ask(f"/task cancel {task.id}")
    seen = len(live.replies_to(SITI, 0))
    assert live.ask("/undur").startswith(f"Undone: /task cancel {task.id} — ")
    assert _told(live, SITI, seen) == [
        f"Admin 6789 took back /task cancel {task.id}: task #{task.id} (Setup booth) is open again."
    ]
    assert WocsTask.get_by_id(task.id).status == "open"


def test_a_reassignment_goes_back_and_both_people_hear_it(live):
    task = _team(live)
    siti_seen, raj_seen = len(live.replies_to(SITI, 0)), len(live.replies_to(RAJ, 0))
    live.ask(f"/task assign {task.id} for: Raj")
    assert _told(live, SITI, siti_seen) == [
        f"Task #{task.id} (Setup booth) is now Raj's; you need not do it.\n\n"
        f"Tugas #{task.id} (Setup booth) kini milik Raj; anda tidak perlu melakukannya."
    ]
    assert live.ask("/undo").startswith(
        f"Undone: /task assign {task.id} — task #{task.id} (Setup booth) is back with Siti."
    )
    assert WocsTask.get_by_id(task.id).assignee.phone == SITI
    told = f"Admin 6789 took back /task assign {task.id}: task #{task.id} (Setup booth) is back with Siti."
    assert _told(live, SITI, siti_seen)[1:] == [told]
    assert _told(live, RAJ, raj_seen)[-1] == told


def test_a_start_and_an_event_move_go_back_but_a_confirmed_cancel_does_not(live):
    task = _team(live)
    live.ask(f"/task start {task.id}", SITI)
    assert live.ask("/undo", SITI) == (
        f"Undone: /task start {task.id} — task #{task.id} (Setup booth) is open again."
    )
    back = WocsTask.get_by_id(task.id)
    assert (back.status, back.started_at) == ("open", None)
    live.ask("/event create name: Raya Bazaar date: 2030-01-20 location: Dataran Merdeka")
    event = Event.get()
    live.ask(f"/event status {event.id} confirmed")
    assert live.ask("/undo") == (
        f"Undone: /event status {event.id} — event #{event.id} (Raya Bazaar) is planned again."
    )
    assert Event.get_by_id(event.id).status == "planned"
    live.ask(f"/event status {event.id} confirmed")
    live.ask(f"/event status {event.id} cancelled")
    live.ask("YES")
    assert live.ask("/undo") == (
        f"Event #{event.id} (Raya Bazaar) changed after /event status {event.id}, so I left it "
        "as it is. Change it back with its own command."
    )
    assert Event.get_by_id(event.id).status == "cancelled"


def test_too_late_or_changed_since_is_refused_and_nothing_moves(live):
    task = _team(live)
    live.ask(f"/task start {task.id}", SITI)
    WocsConfirmation.update(expires_at=utcnow() - dt.timedelta(seconds=1)).where(
        WocsConfirmation.state == "undoable"
    ).execute()
    assert live.ask("/undo", SITI) == (
        f"Too late to undo /task start {task.id} on task #{task.id} (Setup booth): /undo works "
        "for 2 minutes after a change. Change it back with its own command."
    )
    assert WocsTask.get_by_id(task.id).status == "in_progress"
    other = WocsTask.create(command="agent", title="Stock cooler", assignee=task.assignee)
    live.ask(f"/task start {other.id}", SITI)
    live.ask(f"/task assign {other.id} for: Raj")
    assert live.ask("/undo", SITI) == (
        f"Task #{other.id} (Stock cooler) changed after /task start {other.id}, so I left it as "
        "it is. Change it back with its own command."
    )
    assert WocsTask.get_by_id(other.id).status == "in_progress"
    assert not AuditLog.select().where(AuditLog.action == "task.undo").exists()


def test_only_whoever_made_the_change_or_an_admin_may_undo_it(live):
    task = _team(live)
    live.ask(f"/task done {task.id}", SITI)
    assert live.ask(f"/undo task {task.id}", RAJ) == (
        f"The last change to task #{task.id} (Setup booth) was someone else's; only they or an "
        "admin can undo it."
    )
    assert live.ask("/undo", RAJ) == (
        "You have no change to undo. /undo takes back your last task or event status change, "
        "task cancel or reassignment, within 2 minutes."
    )
    assert live.ask("/undo task", RAJ) == (
        "Write /undo alone for your last change, or name the record: /undo task 12."
    )
    seen = len(live.replies_to(SITI, 0))
    assert live.ask(f"/undo task {task.id}").startswith(f"Undone: /task done {task.id} — ")
    assert WocsTask.get_by_id(task.id).status == "open"
    assert _told(live, SITI, seen) == [
        f"Admin 6789 took back /task done {task.id}: task #{task.id} (Setup booth) is open again."
    ]
    customer = "60111230001"
    assert live.ask("/undo", customer).startswith("Sorry, commands are only for our team.")
    assert StaffMember.select().count() == 3
