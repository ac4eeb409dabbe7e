"""Reply buttons and lists: sent in Meta's shape, refused where Meta refuses, taps routed as text."""

from __future__ import annotations

import copy

import pytest
import requests

from jobs import effects, staging
from models import Draw, OutboundMessage, WocsConfirmation, write_transaction
from tests.bodies import as_person, recorded
from tests.conftest import ADMIN, TOKEN, addressee, wait_until
from tests.scenarios import create_campaign
from whatsapp.cloud import CloudTransport
from whatsapp.errors import PermanentGraphError
from whatsapp.interactive import tap_body
from whatsapp.transports import Outgoing
from wocs.interactive import Choice, Section, buttons, menu, picked, readable

CUSTOMER = "60111230001"
AGENT = "60129998888"
MENU = menu(
    "Menu / Pilihan",
    Section(
        "Lucky draw",
        (
            Choice("JOIN RAYA26", "Join RAYA26", "Hamper Raya, closes Sunday"),
            Choice("STOP", "Stop promotions"),
        ),
    ),
    Section("Talk to us", (Choice("HELLO", "Talk to the team"),)),
    header="Kedai Aisyah",
)


def _sent_interactive(live, phone: str, count: int = 1) -> list[dict]:
    """The interactive bodies the Graph server accepted for `phone`, once `count` are there."""
    found: list[dict] = []

    def arrived() -> bool:
        found[:] = [
            b for b in live.graph.sent() if addressee(b) == phone and b["type"] == "interactive"
        ]
        return len(found) >= count

    wait_until(arrived)
    return found


def _tap(live, phone: str, reply_id: str, kind: str = "button_reply") -> None:
    """`phone` taps a choice whose id is `reply_id`: Meta's recorded body, re-addressed."""
    name = (
        "current__interactive_button.json"
        if kind == "button_reply"
        else ("current__interactive_list.json")
    )
    body = as_person(recorded(name), phone=phone)
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = live.settings.phone_number_id
    value["messages"][0]["interactive"][kind]["id"] = reply_id
    assert live.post(body).status_code == 200


def _quick_reply(live, phone: str, payload: str) -> None:
    """`phone` taps a template's quick-reply button (the older `button` message type)."""
    body = copy.deepcopy(recorded("callback_button__quick_reply.json"))
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = live.settings.phone_number_id
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = phone
    value["messages"][0]["button"]["payload"] = payload
    assert live.post(body).status_code == 200


def _ask_for_a_draw(live) -> WocsConfirmation:
    create_campaign(live)
    live.say(CUSTOMER, "JOIN RAYA26")
    live.replies_to(CUSTOMER)
    live.ask("/draw RAYA26")
    return WocsConfirmation.get(WocsConfirmation.state == "pending")


def test_a_question_comes_with_yes_and_no_buttons_and_a_tap_answers_it_once(live):
    asked = _ask_for_a_draw(live)
    (sent,) = _sent_interactive(live, ADMIN)
    interactive = sent["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"].startswith("RAYA26 is still open.")
    assert f"(Question {asked.id}; it expires in 10 minutes.)" in interactive["body"]["text"]
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": f"/confirm {asked.id}", "title": "✅ Yes / Ya"}},
        {"type": "reply", "reply": {"id": f"/cancel {asked.id}", "title": "❌ No / Tidak"}},
    ]
    seen = len(live.replies_to(ADMIN, 0))
    _tap(live, ADMIN, f"/confirm {asked.id}")
    assert live.replies_to(ADMIN, seen + 1)[seen].startswith("Drawing 1 winner(s) for RAYA26")
    wait_until(lambda: Draw.get().state == "drawn")
    live.settle()
    seen = len(live.replies_to(ADMIN, 0))
    _tap(live, ADMIN, f"/confirm {asked.id}")  # the same tap again: nothing more is drawn
    again = live.replies_to(ADMIN, seen + 1)[seen]
    assert again.startswith(f"There is no question waiting for your answer with number {asked.id}")


def test_a_tap_is_no_more_than_the_same_words_typed(live):
    """A customer's or another member's tap on `/confirm N` does what typing it would: nothing."""
    asked = _ask_for_a_draw(live)
    live.ask(f"/admin add phone: {AGENT} role: agent name: Siti")
    live.settle()
    _tap(live, CUSTOMER, f"/confirm {asked.id}")
    assert live.replies_to(CUSTOMER, 2)[1].startswith("Sorry, commands are only for our team.")
    _tap(live, AGENT, f"/confirm {asked.id}")
    told = live.replies_to(AGENT, 2)[1]
    assert told.startswith(f"There is no question waiting for your answer with number {asked.id}")
    live.settle()
    assert WocsConfirmation.get_by_id(asked.id).state == "pending"
    assert Draw.get().state == "committed"


def test_a_template_quick_reply_and_a_list_pick_are_routed_by_their_ids(live):
    asked = _ask_for_a_draw(live)
    seen = len(live.replies_to(ADMIN, 0))
    _quick_reply(live, ADMIN, f"/cancel {asked.id}")
    assert live.replies_to(ADMIN, seen + 1)[seen] == (
        f"Cancelled: nothing was done about /draw (question {asked.id})."
    )
    _tap(live, "60111230002", "JOIN RAYA26", kind="list_reply")
    assert live.replies_to("60111230002")[0].startswith("You're in the RAYA26 lucky draw")


def test_a_list_goes_through_the_outbox_in_meta_s_shape(live):
    with write_transaction():
        staging.add(CUSTOMER, "What would you like to do?", "menu:1", interactive=MENU)
    effects.release(["menu:1"])
    (sent,) = _sent_interactive(live, CUSTOMER)
    assert sent["interactive"] == {
        "type": "list",
        "header": {"type": "text", "text": "Kedai Aisyah"},
        "body": {"text": "What would you like to do?"},
        "action": {
            "button": "Menu / Pilihan",
            "sections": [
                {
                    "title": "Lucky draw",
                    "rows": [
                        {
                            "id": "JOIN RAYA26",
                            "title": "Join RAYA26",
                            "description": "Hamper Raya, closes Sunday",
                        },
                        {"id": "STOP", "title": "Stop promotions"},
                    ],
                },
                {"title": "Talk to us", "rows": [{"id": "HELLO", "title": "Talk to the team"}]},
            ],
        },
    }
    row = OutboundMessage.get(OutboundMessage.idempotency_key == "menu:1")
    assert (row.kind, row.state, row.interactive) == ("interactive", "sent", MENU.as_dict())


def _meta_buttons(*titles: str, body: str = "Go ahead?") -> dict:
    replies = [
        {"type": "reply", "reply": {"id": f"id-{n}", "title": t}} for n, t in enumerate(titles)
    ]
    return {"type": "button", "body": {"text": body}, "action": {"buttons": replies}}


def _meta_list(*sections: list[tuple[str, str]], titled: bool = True, label: str = "Menu") -> dict:
    shown = [
        {
            **({"title": f"Part {n}"} if titled else {}),
            "rows": [{"id": i, "title": t} for i, t in rows],
        }
        for n, rows in enumerate(sections)
    ]
    return {
        "type": "list",
        "body": {"text": "Pick one"},
        "action": {"button": label, "sections": shown},
    }


REFUSED = {
    "four buttons": _meta_buttons("A", "B", "C", "D"),
    "a 21-character button title": _meta_buttons("x" * 21),
    "two buttons with one title": _meta_buttons("Yes", "Yes"),
    "a 1,025-character body": _meta_buttons("Yes", body="x" * 1025),
    "a 257-character button id": {
        **_meta_buttons("Yes"),
        "action": {"buttons": [{"type": "reply", "reply": {"id": "x" * 257, "title": "Yes"}}]},
    },
    "no body": {"type": "button", "action": _meta_buttons("Yes")["action"]},
    "eleven rows": _meta_list([(f"r{n}", f"Row {n}") for n in range(11)]),
    "a 25-character row title": _meta_list([("r", "x" * 25)]),
    "a 201-character row id": _meta_list([("x" * 201, "Row")]),
    "two untitled sections": _meta_list([("a", "A")], [("b", "B")], titled=False),
    "a 21-character list button": _meta_list([("a", "A")], label="x" * 21),
    "a row seen twice": _meta_list([("a", "A")], [("a", "A again")]),
}


@pytest.mark.parametrize("what", sorted(REFUSED))
def test_the_graph_server_refuses_what_meta_refuses(graph, what):
    body = {"messaging_product": "whatsapp", "to": "+60111230001", "type": "interactive"}
    body["interactive"] = REFUSED[what]
    answer = requests.post(
        f"{graph.base_url}/1234567890/messages",
        json=body,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert answer.status_code == 400, what
    assert answer.json()["error"]["code"] == 131009
    assert answer.json()["error"]["message"] == "(#131009) Parameter value is not valid"


def test_the_graph_server_accepts_buttons_and_a_list_at_meta_s_limits(graph):
    graph.reset()
    transport = CloudTransport(TOKEN, "1234567890", api_base=graph.base_url)
    most = buttons(Choice("a" * 256, "x" * 20), Choice("b", "Two"), Choice("c", "Three"))
    rows = tuple(Choice(f"r{n}" + "x" * 197, f"{n:02d}" + "y" * 22, "z" * 72) for n in range(10))
    longest = menu("m" * 20, *(Section(f"S{n}" + "t" * 22, rows[n : n + 1]) for n in range(10)))
    for spec, body in ((most, "x" * 1024), (longest, "x" * 4096)):
        message = Outgoing(to="60111230001", kind="interactive", text=body)
        assert transport.send(Outgoing(**{**vars(message), "interactive": spec.as_dict()}))
    assert [b["interactive"]["type"] for b in graph.sent()] == ["button", "list"]


def test_our_own_choices_are_checked_where_they_are_made():
    with pytest.raises(ValueError, match="1 to 3 buttons"):
        buttons(*(Choice(str(n), f"Button {n}") for n in range(4)))
    with pytest.raises(ValueError, match="button titles take at most 20"):
        buttons(Choice("a", "A very long button title"))
    with pytest.raises(ValueError, match="row titles take at most 24"):
        menu("Menu", Section("", (Choice("a", "A row title over the limit"),)))


def test_the_transport_refuses_an_outbox_row_meta_would_refuse(graph):
    graph.reset()
    transport = CloudTransport(TOKEN, "1234567890", api_base=graph.base_url)
    spec = buttons(Choice("/confirm 1", "Yes")).as_dict()
    with pytest.raises(PermanentGraphError, match="at most 1024"):
        transport.send(Outgoing(to=CUSTOMER, kind="interactive", text="x" * 1025, interactive=spec))
    assert graph.requests == []


def test_a_terminal_shows_the_choices_numbered_and_a_number_picks_one():
    spec = MENU.as_dict()
    assert readable(spec) == [
        "(Menu / Pilihan)",
        "[1] Join RAYA26 — Hamper Raya, closes Sunday  → JOIN RAYA26",
        "[2] Stop promotions  → STOP",
        "[3] Talk to the team  → HELLO",
    ]
    assert picked(spec, " 3 ") == Choice("HELLO", "Talk to the team")
    assert picked(spec, "4") is None and picked(spec, "STOP") is None
    body = tap_body(CUSTOMER, Choice("HELLO", "Talk to the team"), "wamid.x", kind="list")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["interactive"] == {
        "type": "list_reply",
        "list_reply": {"id": "HELLO", "title": "Talk to the team"},
    }
