"""Conversations over HTTP: the inbox, one conversation, reply, assign and close as the commands do."""

from __future__ import annotations

import pytest

from models import AuditLog, Conversation, ConversationMessage, StaffMember
from tests.api_client import AGENT, call, fresh, token_for
from tests.conftest import ADMIN, Live
from tests.test_api_resources import AGENT2
from tests.test_conversations import FARAH, QUESTION, _customer_says
from wocs.replies import reply

MENU = reply("menu")  # what a conversation's opening gets

MASKED = "+60 13-555 ****"


@pytest.fixture
def desk(live: Live) -> dict[str, str]:
    """Tokens for an admin, Siti (on duty, given Farah's question), Ali and a plain user."""
    fresh(live)
    StaffMember.create(phone=AGENT2, name="Ali", role="agent")
    assert live.ask("/duty on", AGENT).startswith("You're on duty")
    _customer_says(live, FARAH, QUESTION)
    live.settle()
    phones = {"admin": ADMIN, "agent": AGENT, "agent2": AGENT2, "user": "60137776666"}
    return {who: token_for(live, phone) for who, phone in phones.items()}


def _ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_the_inbox_lists_what_each_member_may_see_with_filters(live, desk):
    number = Conversation.get().id
    mine = call(live, "GET", "/conversations", desk["agent"])
    (item,) = mine.json()["items"]
    assert item["customer"] == {"name": "Farah", "address": MASKED}
    assert item["assignee"]["name"] == "Siti" and item["assignee"]["phone"] != f"+{AGENT}"
    admin_view = call(live, "GET", "/conversations", desk["admin"]).json()["items"][0]
    assert admin_view["assignee"]["phone"] == f"+{AGENT}"  # admins see their team in full
    assert _ids(call(live, "GET", "/conversations", desk["agent2"])) == []
    assert _ids(call(live, "GET", "/conversations?mine=true", desk["agent"])) == [number]
    assert _ids(call(live, "GET", "/conversations?mine=true", desk["admin"])) == []
    assert _ids(call(live, "GET", "/conversations?state=waiting", desk["admin"])) == []
    siti = StaffMember.get(StaffMember.phone == AGENT).id
    assert _ids(call(live, "GET", f"/conversations?assignee={siti}", desk["admin"])) == [number]
    assert call(live, "GET", "/conversations", desk["user"]).status_code == 403
    assert call(live, "GET", "/conversations").status_code == 401


def test_pages_follow_the_cursor(live, desk):
    for n in range(3):
        _customer_says(live, f"6013555100{n}", f"Question {n}", name=f"C{n}")
    live.settle()
    first = call(live, "GET", "/conversations?limit=2&sort=id", desk["admin"]).json()
    rest = call(
        live, "GET", f"/conversations?limit=2&sort=id&cursor={first['next_cursor']}", desk["admin"]
    ).json()
    listed = [c["id"] for c in first["items"] + rest["items"]]
    assert listed == sorted(c.id for c in Conversation.select()) and rest["next_cursor"] is None
    bad = call(live, "GET", "/conversations?cursor=nonsense", desk["admin"])
    assert bad.status_code == 400 and "cursor" in bad.json()["error"]["fields"]


def test_reply_assign_and_close_run_the_commands(live, desk):
    number = Conversation.get().id
    shown = call(live, "GET", f"/conversations/{number}", desk["agent"]).json()
    assert [(m["direction"], m["text"]) for m in shown["messages"]] == [("in", QUESTION)]
    replied = call(
        live, "POST", f"/conversations/{number}/reply", desk["agent"], json={"text": "Yes, RM5."}
    )
    assert replied.status_code == 200, replied.text
    assert replied.json()["message"] == f"Sent to #{number} Farah ({MASKED})."
    assert replied.json()["conversation"]["state"] == "waiting"
    assert live.replies_to(FARAH, 2) == [MENU, "Yes, RM5."]
    live.settle()
    out = call(live, "GET", f"/conversations/{number}", desk["admin"]).json()["messages"][-1]
    assert (out["direction"], out["author"]["name"], out["delivery"]) == ("out", "Siti", "sent")
    entry = AuditLog.get(AuditLog.action == "conversation.reply")
    assert (entry.source, entry.actor) == ("api", AGENT)
    ali = len(live.replies_to(AGENT2, 0))
    given = call(
        live, "POST", f"/conversations/{number}/assign", desk["admin"], json={"assignee": "Ali"}
    )
    assert given.status_code == 200, given.text
    assert given.json()["conversation"]["assignee"]["name"] == "Ali"
    given = live.replies_to(AGENT2, ali + 1)[ali]
    assert given.startswith(f"📥 Admin 6789 gave you conversation #{number} with Farah")
    assert f": {QUESTION}\n↩️ Quote-reply to answer" in given
    assert call(live, "GET", f"/conversations/{number}", desk["agent"]).status_code == 404
    closed = call(
        live, "POST", f"/conversations/{number}/close", desk["agent2"], json={"note": "done"}
    )
    assert closed.json()["conversation"]["state"] == "closed"
    assert _ids(call(live, "GET", "/conversations", desk["admin"])) == []
    assert _ids(call(live, "GET", "/conversations?state=closed", desk["admin"])) == [number]
    assert ConversationMessage.get(ConversationMessage.direction == "note").text == "done"


def test_an_agent_hands_their_conversation_over_and_sees_the_result(live, desk):
    number = Conversation.get().id
    given = call(
        live, "POST", f"/conversations/{number}/assign", desk["agent"], json={"assignee": "Ali"}
    )
    assert given.status_code == 200, given.text
    assert given.json()["conversation"]["assignee"]["name"] == "Ali"
    assert call(live, "GET", f"/conversations/{number}", desk["agent"]).status_code == 404
    assert _ids(call(live, "GET", "/conversations?mine=true", desk["agent2"])) == [number]


def test_wrong_users_and_bad_input_get_4xx_and_change_nothing(live, desk):
    number = Conversation.get().id
    reply = f"/conversations/{number}/reply"
    for who, status in (("agent2", 404), ("user", 403)):
        answer = call(live, "POST", reply, desk[who], json={"text": "hi"})
        assert answer.status_code == status, answer.text
        assert call(live, "GET", f"/conversations/{number}", desk[who]).status_code == status
    assert call(live, "POST", reply, json={"text": "hi"}).status_code == 401
    assert call(
        live, "POST", "/conversations/999999/reply", desk["admin"], json={"text": "hi"}
    ).json() == {
        "error": {"code": "not_found", "message": "There is no conversation #999999 for you."}
    }
    blank = call(live, "POST", reply, desk["agent"], json={"text": "   "})
    assert blank.status_code == 400 and "text" in blank.json()["error"]["fields"]
    assert call(live, "POST", reply, desk["agent"], json={"txt": "hi"}).status_code == 400
    nobody = call(
        live, "POST", f"/conversations/{number}/assign", desk["admin"], json={"assignee": "Zed"}
    )
    assert nobody.status_code == 400
    assert "No team member is called 'Zed'" in nobody.json()["error"]["fields"]["assignee"]
    bogus = call(live, "GET", "/conversations?state=lost", desk["admin"])
    assert bogus.status_code == 400
    assert live.replies_to(FARAH, 0) == [MENU]  # the menu its opening got, no more
    conversation = Conversation.get()
    assert (conversation.state, conversation.assignee.phone) == ("open", AGENT)


def test_replies_have_a_per_user_limit_of_their_own(live, desk):
    number = Conversation.get().id
    statuses = [
        call(
            live, "POST", f"/conversations/{number}/reply", desk["agent"], json={"text": f"{n}"}
        ).status_code
        for n in range(31)
    ]
    assert statuses == [200] * 30 + [429]
    assert call(live, "GET", "/conversations", desk["agent"]).status_code == 200
    assert (
        call(
            live, "POST", f"/conversations/{number}/reply", desk["admin"], json={"text": "x"}
        ).status_code
        == 200
    )
