"""The team's desk end to end: business hours, the morning hand-off, unanswered conversations."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from jobs import desk
from jobs.sweeper import sweep
from models import AuditLog, Conversation, OutboundMessage, StaffMember, utcnow
from tests.conftest import ADMIN
from tests.scenarios import all_handled_once, posted
from tests.test_reports import at_once
from whatsapp.payload import text_message_body
from wocs import hours
from wocs.flags import set_flag

KL = ZoneInfo("Asia/Kuala_Lumpur")
SITI, RAJ = "60129998888", "60129997777"  # agents, added in this order
FARAH, AMIN = "60135551234", "60135559876"  # customers


def _team(live, *on_duty: str) -> None:
    live.ask("/admin add phone: 012-999 8888 role: agent name: Siti")
    live.ask("/admin add phone: 012-999 7777 role: agent name: Raj")
    for phone in on_duty:
        assert live.ask("/duty on", phone).startswith("You're on duty")


def _closed_now() -> hours.Hours:
    """Hours on one weekday three days from today, so the whole test runs after closing."""
    day = (dt.datetime.now(KL).weekday() + 3) % 7
    set_flag("business_hours", f"{hours.DAYS[day]} 09:00-21:00")
    return hours.parse(f"{hours.DAYS[day]} 09:00-21:00")


def _says(live, phone: str, text: str, name: str) -> None:
    posted(live, text_message_body(phone, text, f"wamid.test.{uuid.uuid4().hex}", name=name))


def _quote_reply(live, phone: str, copy: str, text: str) -> None:
    """`phone` quote-replies the message we sent them that reads `copy`."""
    live.settle()
    row = OutboundMessage.get(OutboundMessage.to == phone, OutboundMessage.body == copy)
    body = text_message_body(phone, text, f"wamid.test.{uuid.uuid4().hex}")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"id": row.wamid}
    posted(live, body)


def _texts(live, phone: str, start: str) -> list[str]:
    live.settle()
    return [t for t in live.replies_to(phone, 0) if t.startswith(start)]


def test_after_hours_only_night_cover_is_rung_and_the_morning_hands_the_rest_over(live):
    _team(live, SITI)
    week = _closed_now()
    # Siti went on duty in the day: after closing her phone stays quiet.
    StaffMember.update(duty_since=utcnow() - dt.timedelta(days=8)).execute()
    siti = len(live.replies_to(SITI, 0))
    _says(live, FARAH, "Hi, do you deliver to Shah Alam?", "Farah")
    opening = week.next_opening(utcnow(), KL)
    back, kembali = hours.show_opening(opening, KL)
    (away,) = live.replies_to(FARAH)
    assert f"We're back {back}" in away and f"Kami kembali {kembali}" in away
    # Raj covers tonight: sent after closing, his /duty on rings his phone.
    covering = live.ask("/duty on", RAJ)
    assert covering.startswith("It's outside business hours") and back in covering
    _says(live, AMIN, "Berapa harga nasi lemak?", "Amin")
    forwarded = live.replies_to(RAJ, 3)[2]  # added, covering, the forward
    live.settle()
    amin = Conversation.get(Conversation.assignee.is_null(False))
    assert forwarded.startswith(f"💬 #{amin.id} Amin (+60 13-555 ****): Berapa harga")
    assert len(live.replies_to(SITI, 0)) == siti
    farah = Conversation.get(Conversation.assignee.is_null())
    # At opening the conversation that waited goes to the least busy member on duty: Siti.
    moment = opening + dt.timedelta(minutes=1)
    # Two workers sweeping at once hand it over once, and tell the admins once.
    assert sorted(r["handed"] for r in at_once(desk.rounds, (moment,), (moment,))) == [0, 1]
    (handed,) = _texts(live, SITI, "🌅")
    assert handed.startswith(f"🌅 #{farah.id} Farah (+60 13-555 ****) wrote while nobody")
    assert "do you deliver to Shah Alam?" in handed
    (morning,) = _texts(live, ADMIN, "🌅")
    assert morning.startswith("🌅 2 conversations came in after hours:")
    assert f"#{farah.id} Farah (+60 13-555 ****) → Siti" in morning and "→ Raj" in morning
    assert desk.rounds(moment + dt.timedelta(minutes=1)) == {"handed": 0, "offered": 0}
    assert len(_texts(live, SITI, "🌅")) == len(_texts(live, ADMIN, "🌅")) == 1
    # Quote-replying the hand-off answers the customer; the agent gets no hint.
    _quote_reply(live, SITI, handed, "Yes, RM5 to Shah Alam.")
    assert live.replies_to(FARAH, 2)[1] == "Yes, RM5 to Shah Alam."
    assert not _texts(live, SITI, "Commands start with a slash")
    assert Conversation.get_by_id(farah.id).state == "waiting"
    # Already on duty, Siti covers tonight too by saying so after closing (audited).
    assert "You're covering" in live.ask("/duty on", SITI)
    changes = AuditLog.select().where(AuditLog.action == "member.duty", AuditLog.actor == SITI)
    assert [a.after["on_duty"] for a in changes.order_by(AuditLog.id)] == [True, True]
    assert all_handled_once()


def test_an_unanswered_conversation_goes_to_the_next_on_duty_once_per_step(live):
    _team(live, SITI, RAJ)
    _says(live, FARAH, "Ada nasi lemak hari ini?", "Farah")
    live.replies_to(SITI, 3)  # added, on duty, the forward
    number = Conversation.get().id
    start = Conversation.get().turn_at
    assert desk.rounds(start + dt.timedelta(minutes=14))["offered"] == 0
    later = start + dt.timedelta(minutes=16)
    # Two workers sweeping at once: one offer, one set of messages.
    assert sorted(r["offered"] for r in at_once(desk.rounds, (later,), (later,))) == [0, 1]
    (offer,) = _texts(live, RAJ, "⏰")
    assert offer.startswith(
        f"⏰ #{number} Farah (+60 13-555 ****) waited 15 min for an answer from Siti; "
        "it's yours now:"
    )
    assert "Ada nasi lemak hari ini?" in offer and f"/reply {number}" in offer
    assert _texts(live, SITI, f"Conversation #{number} went to Raj")
    (told,) = _texts(live, ADMIN, "⏰")
    assert told.endswith("I gave it to Raj.")
    assert Conversation.get().assignee.phone == RAJ
    # The next step waits a full 15 minutes from the offer, and goes back to Siti.
    assert desk.rounds(later + dt.timedelta(minutes=10))["offered"] == 0
    assert desk.rounds(later + dt.timedelta(minutes=16))["offered"] == 1
    assert len(_texts(live, ADMIN, "⏰")) == 2 and Conversation.get().assignee.phone == SITI
    # Quote-replying the offer answers the customer.
    (back,) = _texts(live, SITI, "⏰")
    assert "from Raj; it's yours now" in back
    _quote_reply(live, SITI, back, "Ada, RM4.50.")
    assert live.replies_to(FARAH) == ["Ada, RM4.50."]
    assert desk.rounds(later + dt.timedelta(hours=2))["offered"] == 0  # answered: no more
    assert all_handled_once()


def test_minutes_are_counted_in_business_hours_and_never_after_closing(live):
    _team(live, SITI, RAJ)
    set_flag("business_hours", "always")
    set_flag("unanswered_minutes", "30")
    _says(live, FARAH, "Hello?", "Farah")
    live.replies_to(SITI, 3)
    start = Conversation.get().turn_at
    assert desk.rounds(start + dt.timedelta(minutes=20))["offered"] == 0
    week = _closed_now()
    assert desk.rounds(start + dt.timedelta(hours=3))["offered"] == 0  # closed: nothing moves
    assert desk.rounds(week.next_opening(start, KL) + dt.timedelta(minutes=31))["offered"] == 1
    set_flag("unanswered_minutes", "0")
    assert desk.rounds(week.next_opening(start, KL) + dt.timedelta(hours=5))["offered"] == 0
    assert {"handed", "offered"} <= set(sweep())  # the sweeper makes the rounds


def test_whoever_takes_a_conversation_has_the_full_time_to_answer(live):
    _team(live, SITI, RAJ)
    _says(live, FARAH, "Hello?", "Farah")
    live.replies_to(SITI, 3)
    # She wrote ten minutes ago; the admin takes it now.
    Conversation.update(turn_at=Conversation.get().turn_at - dt.timedelta(minutes=10)).execute()
    assert "is yours" in live.ask(f"/take {Conversation.get().id}", ADMIN)
    taken = Conversation.get().offered_at
    assert desk.rounds(taken + dt.timedelta(minutes=14))["offered"] == 0
    assert desk.rounds(taken + dt.timedelta(minutes=16))["offered"] == 1
    assert Conversation.get().assignee.phone == SITI
