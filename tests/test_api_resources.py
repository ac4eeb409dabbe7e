"""Resources over HTTP: the same rules as the commands, every endpoint as the wrong user, paging."""

from __future__ import annotations

import datetime as dt

import pytest

from models import AuditLog, Contact, Draw, Entry, Event, Hook, StaffMember, WocsTask
from tests.api_client import AGENT, OTHER, USER, call, fresh, token_for
from tests.conftest import ADMIN, Live, wait_until
from wocs.context import Context
from wocs.dispatch import run_command

AGENT2 = "60162223333"


@pytest.fixture
def api_live(live: Live) -> Live:
    return fresh(live)


@pytest.fixture
def team(api_live: Live) -> dict[str, str]:
    """Access tokens for an admin, two agents and two plain users."""
    StaffMember.create(phone=AGENT2, name="Ali", role="agent")
    phones = {"admin": ADMIN, "agent": AGENT, "agent2": AGENT2, "user": USER, "other": OTHER}
    return {who: token_for(api_live, phone) for who, phone in phones.items()}


def _task(live: Live, team: dict, title: str = "Setup booth", assignee: str = "Siti") -> dict:
    answer = call(
        live,
        "POST",
        "/tasks",
        team["admin"],
        json={"title": title, "assignee": assignee, "due": "tomorrow", "priority": "high"},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def _event(live: Live, team: dict) -> dict:
    body = {"name": "Bazaar Raya", "date": "2030-04-01", "location": "Mid Valley", "fee": "RM150"}
    answer = call(live, "POST", "/events", team["admin"], json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["event"]


def _campaign(live: Live, team: dict) -> dict:
    body = {"code": "raya26", "prize": "Hamper Raya", "start": "2026-01-01", "end": "2030-12-31"}
    answer = call(live, "POST", "/campaigns", team["admin"], json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["campaign"]


def test_a_task_made_through_the_api_is_made_as_agent_makes_it(api_live, team):
    created = _task(api_live, team)
    task = created["task"]
    assert created["message"].startswith(f"Task #{task['id']} created for Siti")
    assert task["assignee"]["phone"] == AGENT and task["priority"] == "high"
    # The assignee is told by WhatsApp, through the same outbox as a command.
    (told,) = api_live.replies_to(AGENT)
    assert told.startswith(f"New task #{task['id']} from Admin")
    entry = AuditLog.get(AuditLog.action == "task.create")
    assert (entry.source, entry.actor, entry.entity) == ("api", ADMIN, f"task:{task['id']}")


def test_tasks_and_events_carry_their_time_of_day(api_live, team):
    body = {"title": "Buy ice", "assignee": "Siti", "due": "20/1/2030 3pm"}
    made = call(api_live, "POST", "/tasks", team["admin"], json=body).json()["task"]
    # The day in business time, the moment in UTC: 3 pm in Kuala Lumpur is 7 am UTC.
    assert (made["due"], made["due_at"]) == ("2030-01-20", "2030-01-20T07:00:00Z")
    shown = call(api_live, "GET", f"/tasks/{made['id']}", team["admin"]).json()
    assert shown["due_at"] == "2030-01-20T07:00:00Z"
    plain = _task(api_live, team, "Count stock")["task"]
    assert plain["due_at"] is None
    body = {"name": "Bazar Raya", "date": "2030-01-20 7pm", "location": "Mid Valley"}
    event = call(api_live, "POST", "/events", team["admin"], json=body).json()["event"]
    assert (event["date"], event["starts_at"]) == ("2030-01-20", "2030-01-20T11:00:00Z")
    listed = call(api_live, "GET", "/events", team["agent"]).json()["items"]
    assert [e["starts_at"] for e in listed] == ["2030-01-20T11:00:00Z"]
    text = "/agent task: x for: Siti due: 20/1/2030 9am"
    parsed = call(api_live, "POST", "/tasks/parse", team["admin"], json={"text": text}).json()
    assert parsed["params"]["due"] == "2030-01-20T09:00:00+08:00"  # business time, and says so


def test_task_input_is_checked_by_the_commands_own_value_types(api_live, team):
    bad = call(
        api_live,
        "POST",
        "/tasks",
        team["admin"],
        json={"title": "x", "assignee": "Nobody", "due": "someday", "priority": "asap"},
    )
    assert bad.status_code == 400
    fields = bad.json()["error"]["fields"]
    assert set(fields) == {"assignee", "due", "priority"}
    assert "No team member is called 'Nobody'" in fields["assignee"]
    past = call(
        api_live,
        "POST",
        "/tasks",
        team["admin"],
        json={"title": "x", "assignee": "Siti", "due": "2020-01-01"},
    )
    assert past.status_code == 409
    assert past.json()["error"]["message"].startswith("due: Wed 1 Jan 2020 is in the past.")
    assert not WocsTask.select().exists()


def test_parse_answers_what_the_bot_would(api_live, team):
    text = "/agent task: Setup booth\nfor: Siti\ndue: 2030-01-20"
    parsed = call(api_live, "POST", "/tasks/parse", team["admin"], json={"text": text}).json()
    assert parsed["ok"] and parsed["command"] == "agent"
    assert parsed["params"]["due"] == "2030-01-20"
    assert parsed["params"]["assignee"]["phone"] == AGENT
    assert not WocsTask.select().exists()  # parsed, not run
    admin = StaffMember.get(StaffMember.phone == ADMIN)
    for text, who, user in (
        ("/agnt task: x", "admin", admin),
        ("/agent task: x\nfor: Nobody\ndue: today", "admin", admin),
        ("/task cancel 1", "agent", StaffMember.get(StaffMember.phone == AGENT)),
        ("/task list", "user", None),
    ):
        answer = call(api_live, "POST", "/tasks/parse", team[who], json={"text": text}).json()
        phone = {"admin": ADMIN, "agent": AGENT, "user": USER}[who]
        assert answer == {
            "ok": False,
            "reply": run_command(text, Context(phone=phone, user=user)).text,
        }


def test_agents_see_and_move_only_their_own_tasks(api_live, team):
    mine = _task(api_live, team)["task"]
    theirs = _task(api_live, team, "Buy ice", "Ali")["task"]
    listed = call(api_live, "GET", "/tasks", team["agent"]).json()["items"]
    assert [t["id"] for t in listed] == [mine["id"]]
    assert len(call(api_live, "GET", "/tasks", team["admin"]).json()["items"]) == 2
    high = call(api_live, "GET", "/tasks?priority=high&status=open", team["admin"]).json()
    assert len(high["items"]) == 2
    assert call(api_live, "GET", f"/tasks/{theirs['id']}", team["agent"]).status_code == 404
    assert call(api_live, "GET", "/tasks/999999", team["admin"]).status_code == 404
    started = call(api_live, "POST", f"/tasks/{mine['id']}/start", team["agent"])
    assert started.status_code == 200 and started.json()["task"]["status"] == "in_progress"
    done = call(api_live, "POST", f"/tasks/{mine['id']}/done", team["agent"], json={"note": "ok"})
    assert done.json()["task"]["status"] == "done" and done.json()["task"]["result"] == "ok"
    assert any("Siti finished task" in t for t in api_live.replies_to(ADMIN))
    again = call(api_live, "POST", f"/tasks/{mine['id']}/done", team["agent"], json={})
    assert again.status_code == 409 and "already done" in again.json()["error"]["message"]


def test_every_endpoint_refuses_the_wrong_user(api_live, team):
    event = _event(api_live, team)
    task = _task(api_live, team)["task"]
    hook = call(api_live, "POST", "/hooks", team["agent"], json={"text": "Stop!"}).json()["hook"]
    _campaign(api_live, team)
    e, t, h = event["id"], task["id"], hook["id"]
    refused = [
        ("GET", "/events", None, {"user": 403}),
        ("GET", f"/events/{e}", None, {"user": 403}),
        (
            "POST",
            "/events",
            {"name": "x", "date": "2030-01-01", "location": "y"},
            {"agent": 403, "user": 403},
        ),
        ("POST", f"/events/{e}/status", {"status": "confirmed"}, {"agent": 403, "user": 403}),
        ("POST", f"/events/{e}/checklist", {"text": "Ice"}, {"agent": 403, "user": 403}),
        ("POST", f"/events/{e}/check", {"item": "1"}, {"user": 403}),
        ("POST", f"/events/{e}/notes", {"text": "hi"}, {"user": 403}),
        ("GET", "/tasks", None, {"user": 403}),
        ("GET", f"/tasks/{t}", None, {"agent2": 404, "user": 403}),
        (
            "POST",
            "/tasks",
            {"title": "x", "assignee": "Siti", "due": "today"},
            {"agent": 403, "user": 403},
        ),
        ("POST", f"/tasks/{t}/start", None, {"agent2": 404, "user": 403}),
        ("POST", f"/tasks/{t}/done", {}, {"agent2": 404, "user": 403}),
        ("POST", f"/tasks/{t}/cancel", None, {"agent": 403, "agent2": 403, "user": 403}),
        ("GET", "/hooks", None, {"user": 403}),
        ("GET", f"/hooks/{h}", None, {"user": 403}),
        ("POST", "/hooks", {"text": "x"}, {"user": 403}),
        ("POST", f"/hooks/{h}/use", None, {"user": 403}),
        ("POST", f"/hooks/{h}/stats", {"views": 10}, {"user": 403}),
        (
            "POST",
            "/campaigns",
            {"code": "ABC", "prize": "x", "start": "today", "end": "today"},
            {"agent": 403, "user": 403},
        ),
        ("POST", "/campaigns/RAYA26/close", None, {"agent": 403, "user": 403}),
        ("POST", "/campaigns/RAYA26/select-winner", {}, {"agent": 403, "user": 403}),
        ("GET", "/campaigns/RAYA26/stats", None, {"user": 403}),
        ("GET", "/audit", None, {"agent": 403, "user": 403}),
    ]
    for method, path, body, wrong in refused:
        for who, status in wrong.items():
            answer = call(api_live, method, path, team[who], json=body)
            assert answer.status_code == status, (method, path, who, answer.text)
            assert answer.json()["error"]["code"] == ("forbidden" if status == 403 else "not_found")
        assert call(api_live, method, path, json=body).status_code == 401
    # Nothing the wrong users tried changed anything.
    assert Event.get_by_id(e).status == "planned" and len(Event.get_by_id(e).notes) == 0
    assert WocsTask.get_by_id(t).status == "open" and WocsTask.select().count() == 1
    assert Hook.get_by_id(h).used_count == 0 and Draw.get().state == "committed"
    refusals = AuditLog.select().where(
        AuditLog.action == "command.refused", AuditLog.source == "api"
    )
    assert refusals.count() >= 10


def test_events_change_as_the_event_commands_change_them(api_live, team):
    event = _event(api_live, team)
    assert event["fee"] == "150.00" and event["checklist"][0]["done"] is False
    moved = call(
        api_live, "POST", f"/events/{event['id']}/status", team["admin"], json={"status": "live"}
    )
    assert moved.status_code == 409
    assert "can only become confirmed or cancelled" in moved.json()["error"]["message"]
    ticked = call(
        api_live, "POST", f"/events/{event['id']}/check", team["agent"], json={"item": "1"}
    )
    assert ticked.json()["event"]["checklist"][0]["done"] is True
    noted = call(
        api_live, "POST", f"/events/{event['id']}/notes", team["agent"], json={"text": "Gate B"}
    )
    assert noted.json()["event"]["notes"][0]["by"] == "Siti"
    bad = call(
        api_live,
        "POST",
        "/events",
        team["admin"],
        json={"name": "x", "date": "31/2", "location": "y"},
    )
    assert bad.status_code == 400 and "date" in bad.json()["error"]["fields"]
    listed = call(
        api_live, "GET", "/events?status=planned&date_from=2030-01-01", team["agent"]
    ).json()
    assert [e["id"] for e in listed["items"]] == [event["id"]]
    assert call(api_live, "GET", "/events/424242", team["agent"]).status_code == 404
    sources = {row.source for row in AuditLog.select().where(AuditLog.action.startswith("event."))}
    assert sources == {"api"}


def test_hooks_by_tag_use_and_figures(api_live, team):
    made = call(
        api_live,
        "POST",
        "/hooks",
        team["agent"],
        json={"text": "Stop scrolling!", "tags": ["Raya", "#promo"]},
    )
    hook = made.json()["hook"]
    assert made.status_code == 201 and hook["tags"] == ["raya", "promo"]
    call(api_live, "POST", "/hooks", team["agent"], json={"text": "Other", "tags": ["raya26"]})
    tagged = call(api_live, "GET", "/hooks?tag=raya", team["agent"]).json()["items"]
    assert [h["id"] for h in tagged] == [hook["id"]]
    used = call(api_live, "POST", f"/hooks/{hook['id']}/use", team["agent"]).json()
    assert used["message"] == "Stop scrolling!" and used["hook"]["used_count"] == 1
    stats = call(
        api_live,
        "POST",
        f"/hooks/{hook['id']}/stats",
        team["agent"],
        json={"views": 1000, "likes": 50},
    )
    assert stats.json()["hook"]["engagement_rate"] == pytest.approx(0.05)
    wrong = call(
        api_live, "POST", f"/hooks/{hook['id']}/stats", team["agent"], json={"likes": 5000}
    )
    assert (
        wrong.status_code == 409 and "can't be more than views" in wrong.json()["error"]["message"]
    )


def test_campaigns_entries_stats_and_the_draw(api_live, team):
    campaign = _campaign(api_live, team)
    assert campaign["code"] == "RAYA26" and campaign["draw"]["state"] == "committed"
    for phone in (USER, OTHER, "60171112222"):
        api_live.say(phone, "JOIN RAYA26")
        api_live.replies_to(phone)
    public = call(api_live, "GET", "/campaigns/raya26", team["user"]).json()
    assert public["entries"] == 3 and public["draw"]["seed"] is None
    own = call(api_live, "GET", "/campaigns/RAYA26/entries", team["user"]).json()["items"]
    assert [e["phone"] for e in own] == [USER]
    staff = call(api_live, "GET", "/campaigns/RAYA26/entries", team["agent"]).json()["items"]
    assert len(staff) == 3 and all("*" in e["phone"] for e in staff)
    full = call(api_live, "GET", "/campaigns/RAYA26/entries", team["admin"]).json()["items"]
    assert {e["phone"] for e in full} == {USER, OTHER, "60171112222"}
    stats = call(api_live, "GET", "/campaigns/RAYA26/stats", team["agent"]).json()
    assert stats["entries"] == 3 and sum(d["entries"] for d in stats["by_day"]) == 3
    drawn = call(
        api_live, "POST", "/campaigns/RAYA26/select-winner", team["admin"], json={"winners": 2}
    )
    assert drawn.status_code == 202 and drawn.json()["message"].startswith("Drawing 2 winner(s)")
    wait_until(lambda: Draw.get().state == "drawn")
    api_live.settle()
    after = call(api_live, "GET", "/campaigns/RAYA26", team["user"]).json()
    assert after["draw"]["seed"] and len(after["draw"]["winners"]) == 2
    assert any("RAYA26 draw among 3 entries" in t for t in api_live.replies_to(ADMIN))
    twice = call(api_live, "POST", "/campaigns/RAYA26/select-winner", team["admin"], json={})
    assert twice.status_code == 409
    assert "already been drawn" in twice.json()["error"]["message"]
    assert call(api_live, "GET", "/campaigns/NOPE1", team["user"]).status_code == 404
    assert Contact.select().count() >= 3 and Entry.select().count() == 3


def test_the_audit_log_shows_api_changes_to_admins(api_live, team):
    _task(api_live, team)
    entries = call(api_live, "GET", "/audit?source=api", team["admin"]).json()["items"]
    assert entries[0]["action"] == "task.create" and entries[0]["source"] == "api"
    only = call(api_live, "GET", "/audit?action=task.create", team["admin"]).json()["items"]
    assert len(only) == 1


def test_pages_stay_stable_while_records_are_added(api_live, team):
    Hook.insert_many([{"text": f"hook {n}", "tags": []} for n in range(7)]).execute()
    seen, cursor = [], None
    while True:
        query = "/hooks?limit=3" + (f"&cursor={cursor}" if cursor else "")
        answer = call(api_live, "GET", query, team["agent"]).json()
        seen += [h["text"] for h in answer["items"]]
        # Someone adds a hook between pages: it is newer than the cursor, so no page shifts.
        Hook.create(text=f"added {len(seen)}", tags=[])
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"hook {n}" for n in reversed(range(7))]
    dated = [
        {
            "name": f"e{n}",
            "date": dt.date(2030, 1, 1 + n % 3),
            "checklist": [],
            "photos": [],
            "notes": [],
        }
        for n in range(9)
    ]
    Event.insert_many(dated).execute()
    order, cursor = [], None
    while True:
        query = "/events?limit=4&sort=-date" + (f"&cursor={cursor}" if cursor else "")
        answer = call(api_live, "GET", query, team["agent"]).json()
        order += [(e["date"], e["id"]) for e in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert order == sorted(order, key=lambda p: (p[0], p[1]), reverse=True) and len(order) == 9


def test_limits_are_capped_and_cursors_checked(api_live, team):
    Hook.insert_many([{"text": f"hook {n}", "tags": []} for n in range(105)]).execute()
    capped = call(api_live, "GET", "/hooks?limit=5000", team["agent"]).json()
    assert len(capped["items"]) == 100 and capped["next_cursor"]
    other_sort = call(
        api_live, "GET", f"/hooks?sort=id&cursor={capped['next_cursor']}", team["agent"]
    )
    assert other_sort.status_code == 400 and "cursor" in other_sort.json()["error"]["fields"]
    for junk in ("abc", "W10", "WyItaWQiLCJ4IiwtMV0"):
        answer = call(api_live, "GET", f"/hooks?cursor={junk}", team["agent"])
        assert answer.status_code == 400, junk
    assert call(api_live, "GET", "/hooks?limit=0", team["agent"]).status_code == 400
