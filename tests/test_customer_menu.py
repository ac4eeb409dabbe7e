"""The customer menu: an interactive list on a conversation's opening, a tap routed as its words."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from commands.customers import STOP, TALK
from models import Contact, Conversation, ConversationMessage, Entry, utcnow
from tests.conftest import ADMIN, addressee, wait_until
from tests.scenarios import all_handled_once, create_campaign, posted
from whatsapp.interactive import tap_body
from whatsapp.payload import text_message_body
from wocs import keywords
from wocs.interactive import LIST, Choice
from wocs.replies import reply

SITI = "60129998888"
FARAH = "60135551234"


def says(live, text: str, phone: str = FARAH) -> None:
    posted(live, text_message_body(phone, text, f"wamid.test.{uuid.uuid4().hex}", name="Farah"))


def taps(live, choice: Choice, phone: str = FARAH) -> None:
    posted(live, tap_body(phone, choice, f"wamid.test.{uuid.uuid4().hex}", kind=LIST))


def menus(live, phone: str = FARAH, count: int = 1) -> list[dict]:
    """The interactive lists `phone` got at the Graph server, once there are `count`."""
    found: list[dict] = []

    def arrived() -> bool:
        found[:] = [
            b["interactive"]
            for b in live.graph.sent()
            if addressee(b) == phone and b["type"] == "interactive"
        ]
        return len(found) >= count

    wait_until(arrived)
    return found


def rows(shown: dict) -> list[tuple[str, str]]:
    return [(r["id"], r["title"]) for s in shown["action"]["sections"] for r in s["rows"]]


def test_a_new_conversation_gets_the_menu_list_once_and_its_join_row_joins(live):
    create_campaign(live)
    live.ask("/admin add phone: 012-999 8888 role: agent name: Siti")
    live.ask("/duty on", SITI)
    says(live, "Hi, do you deliver to Shah Alam?")
    (shown,) = menus(live)
    assert shown["type"] == "list" and shown["body"]["text"] == reply("menu")
    assert shown["action"]["button"] == "Menu / Pilihan"
    assert rows(shown) == [
        ("JOIN RAYA26", "Join the lucky draw"),
        ("TALK TO US", "Talk to us"),
        ("STOP", "Stop promotions"),
    ]
    says(live, "Berapa harga nasi lemak?")  # the same conversation: no second menu
    wait_until(lambda: ConversationMessage.select().count() == 2)
    live.settle()
    assert len(menus(live)) == 1
    join = Choice("JOIN RAYA26", "Join the lucky draw", "RAYA26: masuk cabutan bertuah")
    seen = len(live.replies_to(FARAH, 0))
    taps(live, join)
    assert live.replies_to(FARAH, seen + 1)[seen].startswith("You're in the RAYA26 lucky draw")
    assert Entry.select().count() == 1
    assert ConversationMessage.select().count() == 2  # a keyword, not a message for the team
    assert all_handled_once()


def test_with_nobody_on_duty_the_menu_comes_under_the_away_message(live):
    says(live, "Hello?")
    (shown,) = menus(live)
    assert shown["body"]["text"] == reply("away")  # one message: the away text and the menu
    assert [i for i, _ in rows(shown)] == ["TALK TO US", "STOP"]  # no draw is open
    assert live.replies_to(FARAH, 0) == [reply("away")]


def test_talk_to_us_opens_a_conversation_and_the_team_is_told(live):
    live.ask("/admin add phone: 012-999 8888 role: agent name: Siti")
    live.ask("/duty on", SITI)
    seen = len(live.replies_to(SITI, 0))
    taps(live, TALK)
    assert live.replies_to(FARAH) == [reply("talking")]
    number = Conversation.get().id
    assert live.replies_to(SITI, seen + 1)[seen].startswith(f"💬 #{number} ")
    assert live.replies_to(SITI, seen + 1)[seen].split(": ", 1)[1].startswith("Talk to us\n↩️")
    # Typed the way a person asks, it does the same.
    says(live, "nak cakap dengan orang")
    assert live.replies_to(FARAH, 2)[1] == reply("talking")
    assert ConversationMessage.select().count() == 2
    assert all_handled_once()


def test_stop_from_the_menu_opts_out_and_the_next_menu_offers_start(live):
    says(live, "Hi")
    menus(live)
    taps(live, STOP)
    assert live.replies_to(FARAH, 2)[1] == reply("stopped")
    assert Contact.get(Contact.phone == FARAH).opted_out_at is not None
    # A day later, a new opening of the conversation gets the menu again, offering START.
    number = Conversation.get().id
    live.ask(f"/close {number}", ADMIN)
    Contact.update(last_menu_at=utcnow() - dt.timedelta(hours=25)).execute()
    says(live, "Hi again")
    assert [i for i, _ in rows(menus(live, count=2)[1])] == ["TALK TO US", "START"]


def test_no_menu_while_automatic_replies_are_off(live):
    live.ask("/config set key: auto_reply_enabled value: off")
    says(live, "Hello?")
    wait_until(lambda: ConversationMessage.select().exists())
    live.settle()
    assert live.replies_to(FARAH, 0) == []
    assert Contact.get(Contact.phone == FARAH).last_menu_at is None


def test_a_reopened_conversation_gets_no_second_menu_within_a_day(live):
    says(live, "Hi")
    menus(live)
    live.ask(f"/close {Conversation.get().id}", ADMIN)
    says(live, "One more thing")
    assert live.replies_to(FARAH, 2) == [reply("away"), reply("away")]
    assert len(menus(live)) == 1


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("TALK TO US", "talk"),
        ("talk to someone please", "talk"),
        ("Nak cakap dengan orang", "talk"),
        ("chat", "talk"),
        ("Can I talk to someone about my order tomorrow?", None),
        ("The talk at your booth was great", None),
    ],
)
def test_asking_for_a_person_is_the_talk_keyword(typed, intent):
    asked = keywords.read(typed)
    assert (asked.intent if asked else None) == intent
