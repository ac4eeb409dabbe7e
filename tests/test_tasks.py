"""Tasks end to end: who hears of a reassignment, and the same task asked about before it is made twice."""

from __future__ import annotations

from models import AuditLog, StaffMember, WocsTask

SITI, RAJ = "60129998888", "60129997777"
SETUP = "/agent task: Setup booth for: Siti due: 20/1/2030"


def _team(live) -> None:
    for phone, name in ((SITI, "Siti"), (RAJ, "Raj")):
        StaffMember.create(phone=phone, name=name, role="agent")


def test_reassigning_tells_the_new_and_the_previous_assignee(live):
    _team(live)
    live.ask(SETUP)
    n = WocsTask.get().id
    live.replies_to(SITI)  # the new task
    answer = live.ask(f"/task assign {n} for: Raj")
    assert answer == f"Task #{n} now belongs to Raj. I've told them and Siti.", answer
    (told,) = live.replies_to(RAJ)
    assert told.startswith(f"Task #{n} is now yours: Setup booth\nDue: Sun 20 Jan 2030\n"), told
    assert live.replies_to(SITI, 2)[1] == (
        f"Task #{n} (Setup booth) is now Raj's; you need not do it."
    )
    assert WocsTask.get_by_id(n).assignee.phone == RAJ
    moved = AuditLog.get(AuditLog.action == "task.assign")
    assert (moved.before, moved.after) == (
        {"assignee": StaffMember.get(StaffMember.phone == SITI).id},
        {"assignee": StaffMember.get(StaffMember.phone == RAJ).id},
    )
    assert live.ask(f"/task assign {n} for: Raj") == f"Task #{n} is already Raj's."
    live.settle()
    assert len(live.replies_to(RAJ, 0)) == 1  # nothing more for an assignment that changed nothing


def test_the_same_task_again_is_asked_about_before_it_is_made(live):
    _team(live)
    first = live.ask(SETUP)
    assert first.startswith("Task #"), first
    n = WocsTask.get().id
    again = live.ask(SETUP)
    assert again.startswith(
        f"Siti already has task #{n}: Setup booth, due Sun 20 Jan 2030 (open). "
        "Create another one?\n"
    ), again
    assert WocsTask.select().count() == 1
    made = live.ask("YES")
    assert made.startswith("Task #") and made.endswith("I've told them."), made
    assert WocsTask.select().count() == 2
    # A third time asks about the latest; cancelling it makes nothing.
    third = live.ask("/agent task: setup BOOTH for: Siti due: 2030-01-20")
    latest = WocsTask.select().order_by(WocsTask.id.desc()).get().id
    assert third.startswith(f"Siti already has task #{latest}: Setup booth"), third
    assert live.ask("/cancel").startswith("Cancelled: nothing was done about /agent")
    assert WocsTask.select().count() == 2
    # Another day, another person or a task already done is no twin.
    assert live.ask("/agent task: Setup booth for: Siti due: 21/1/2030").startswith("Task #")
    assert live.ask("/agent task: Setup booth for: Raj due: 20/1/2030").startswith("Task #")
    WocsTask.update(status="done").where(WocsTask.due == "2030-01-20").execute()
    assert live.ask(SETUP).startswith("Task #")
