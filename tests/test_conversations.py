"""Customer conversations end to end: forwarded to whoever is on duty, answered by quote-reply."""

from __future__ import annotations

import uuid

from models import (
    AuditLog,
    Contact,
    Conversation,
    ConversationMessage,
    OutboundMessage,
    StaffMember,
)
from tests.bodies import BSUID, PHONE, linked, recorded, username_only
from tests.conftest import ADMIN, addressee, wait_until
from tests.scenarios import all_handled_once, approve, create_campaign, posted
from whatsapp.payload import text_message_body
from wocs.replies import reply
from wocs.values import mask_phone

SITI = "60129998888"  # an agent
RAJ = "60129997777"  # another agent
FARAH = "60135551234"  # a customer
AMIN = "60135559876"  # another customer
QUESTION = "Hi, do you deliver to Shah Alam?"


def _agents(live, *on_duty: str) -> None:
    live.ask("/admin add phone: 012-999 8888 role: agent name: Siti")
    live.ask("/admin add phone: 012-999 7777 role: agent name: Raj")
    for phone in on_duty:
        assert live.ask("/duty on", phone).startswith("You're on duty")


def _customer_says(live, phone: str, text: str, name: str = "Farah") -> None:
    posted(live, text_message_body(phone, text, f"wamid.test.{uuid.uuid4().hex}", name=name))


def _quote_reply(live, phone: str, forwarded: str, text: str) -> None:
    """`phone` quote-replies the message we sent them that reads `forwarded`."""
    live.settle()
    row = OutboundMessage.get(OutboundMessage.to == phone, OutboundMessage.body == forwarded)
    body = text_message_body(phone, text, f"wamid.test.{uuid.uuid4().hex}")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["context"] = {"from": "0", "id": row.wamid}
    posted(live, body)


def test_a_question_goes_to_the_agent_on_duty_and_a_quote_reply_reaches_the_customer(live):
    _agents(live, SITI)
    seen = len(live.replies_to(SITI, 0))
    _customer_says(live, FARAH, QUESTION)
    forwarded = live.replies_to(SITI, seen + 1)[seen]
    number = Conversation.get().id
    assert forwarded.startswith(f"💬 #{number} Farah (+60 13-555 ****): {QUESTION}")
    assert f"/reply {number}" in forwarded
    _quote_reply(live, SITI, forwarded, "Yes, RM5 to Shah Alam.")
    assert live.replies_to(FARAH, 2) == [reply("menu"), "Yes, RM5 to Shah Alam."]
    live.settle()
    assert len(live.replies_to(SITI, 0)) == seen + 1  # no hint, no confirmation ping
    conversation = Conversation.get()
    assert (conversation.state, conversation.assignee.phone) == ("waiting", SITI)
    out = ConversationMessage.get(ConversationMessage.direction == "out")
    assert out.outbound.to == FARAH and out.author.phone == SITI
    assert AuditLog.get(AuditLog.action == "conversation.reply").actor == SITI
    # The customer's next message continues the conversation and goes to Siti, without the hint.
    _customer_says(live, FARAH, "Great, thanks!")
    follow_up = live.replies_to(SITI, seen + 2)[seen + 1]
    assert follow_up == f"💬 #{number} Farah (+60 13-555 ****): Great, thanks!"
    assert Conversation.select().count() == 1 and Conversation.get().state == "open"
    assert all_handled_once()


def test_reply_by_command_and_the_least_busy_agent_gets_a_new_conversation(live):
    _agents(live, SITI, RAJ)
    _customer_says(live, FARAH, QUESTION)
    live.settle()
    first = Conversation.get().assignee.phone
    _customer_says(live, AMIN, "Berapa harga nasi lemak?", name="Amin")
    live.settle()
    second = Conversation.get(Conversation.id != Conversation.get().id).assignee.phone
    assert {first, second} == {SITI, RAJ}
    number = Conversation.select().join(StaffMember).where(StaffMember.phone == RAJ).get().id
    customer = FARAH if first == RAJ else AMIN
    assert live.ask(f"/reply {number} RM4.50 sebungkus", RAJ).startswith(f"Sent to #{number}")
    assert live.replies_to(customer, 2) == [reply("menu"), "RM4.50 sebungkus"]


def test_nobody_on_duty_the_customer_gets_the_away_message_once(live):
    _agents(live)
    _customer_says(live, FARAH, QUESTION)
    assert live.replies_to(FARAH) == [reply("away")]
    _customer_says(live, FARAH, "Hello?")
    _customer_says(live, FARAH, "Anyone there?")
    live.settle()
    assert live.replies_to(FARAH, 0) == [reply("away")]  # once per opening, not per message
    conversation = Conversation.get()
    assert (conversation.state, conversation.assignee) == ("open", None)
    assert conversation.messages.count() == 3
    assert {m.inbound.state for m in conversation.messages} == {"done"}
    # Someone comes on duty, finds it and answers it.
    assert "1 conversation needs someone" in live.ask("/duty on", SITI)
    assert f"#{conversation.id} Farah" in live.ask("/inbox open", SITI)
    assert "is yours" in live.ask(f"/take {conversation.id}", SITI)
    history = live.ask(f"/history {conversation.id}", SITI)
    assert QUESTION in history and "Anyone there?" in history
    assert all_handled_once()


def test_a_closed_conversation_reopens_and_the_away_message_comes_again(live):
    _agents(live)
    _customer_says(live, FARAH, QUESTION)
    live.replies_to(FARAH)
    number = Conversation.get().id
    assert live.ask(f"/close {number} note: answered by phone", ADMIN) == (
        f"Conversation #{number} is closed."
    )
    _customer_says(live, FARAH, "One more question")
    assert live.replies_to(FARAH, 2) == [reply("away"), reply("away")]
    conversation = Conversation.get()
    assert conversation.id == number and conversation.state == "open"
    history = live.ask(f"/history {number}", ADMIN)
    assert "(note): answered by phone" in history and "One more question" in history


def test_agents_see_their_own_and_unassigned_conversations_admins_all(live):
    _agents(live, SITI)
    _customer_says(live, FARAH, QUESTION)
    live.settle()
    number = Conversation.get().id
    assert f"#{number}" in live.ask("/inbox", SITI)
    assert f"#{number}" in live.ask("/inbox all", ADMIN)
    assert f"#{number}" not in live.ask("/inbox", RAJ)
    refused = live.ask(f"/reply {number} hello", RAJ)
    assert refused.startswith(f"There is no conversation #{number} for you")
    assert live.ask(f"/note {number} VIP customer", ADMIN).startswith("Noted")
    assert "VIP customer" not in " ".join(live.replies_to(FARAH, 0))
    seen = len(live.replies_to(SITI, 0))
    assert "is yours" in live.ask(f"/take {number}", ADMIN)
    told = live.replies_to(SITI, seen + 1)[seen]  # waits for the notice, which a job sends
    assert told.endswith(f"took conversation #{number} from you.")


def test_keywords_and_commands_are_not_conversations_and_nothing_loops(live):
    create_campaign(live)
    _agents(live, SITI)
    seen = len(live.replies_to(SITI, 0))
    _customer_says(live, FARAH, "JOIN RAYA26")
    assert live.replies_to(FARAH)[0].startswith("You're in the RAYA26 lucky draw")
    assert not Conversation.select().exists()
    # Staff prose is a hint, never a conversation; the agent is never their own customer.
    assert live.ask("Hi Aisyah, booth is ready", SITI) == reply("staff_hint")
    live.ask("/duty off", SITI)
    _customer_says(live, FARAH, QUESTION)
    _customer_says(live, FARAH, QUESTION)
    live.settle()
    assert live.replies_to(FARAH, 0)[1:] == [reply("away")]
    wait_until(lambda: ConversationMessage.select().count() == 2)
    assert len(live.replies_to(SITI, 0)) == seen + 2  # hint and duty-off reply, no forward
    assert all_handled_once()


def test_the_agent_is_told_at_once_when_the_customer_is_outside_the_24_hour_window(live):
    _agents(live, SITI)
    seen = len(live.replies_to(SITI, 0))
    _customer_says(live, FARAH, QUESTION)
    forwarded = live.replies_to(SITI, seen + 1)[seen]
    live.graph.refuse(FARAH, code=131047, message="Re-engagement message")
    _quote_reply(live, SITI, forwarded, "Sorry for the late answer!")
    told = live.replies_to(SITI, seen + 2)[seen + 1]
    assert told.startswith(f"I couldn't deliver your message to {mask_phone(FARAH)}")
    assert "24 hours" in told
    out = ConversationMessage.get(ConversationMessage.direction == "out")
    assert out.outbound.state == "failed" and out.outbound.error_code == 131047


def test_a_customer_known_by_phone_and_by_username_keeps_their_conversations_when_merged(live):
    _agents(live)
    _customer_says(live, PHONE, "Hi from my phone", name="Nur Aina")
    posted(live, username_only("Hi from my username"))
    live.settle()
    assert Conversation.select().count() == 2
    posted(live, linked("Still there?"))
    live.settle()
    contact = Contact.get(Contact.bsuid == BSUID)
    assert (
        contact.phone == PHONE
        and not Contact.select().where(Contact.id != contact.id, Contact.phone.is_null()).exists()
    )
    latest = Conversation.select().order_by(Conversation.id.desc()).first()
    assert {c.contact_id for c in Conversation.select()} == {contact.id}
    assert [m.text for m in latest.messages.order_by(ConversationMessage.id)] == [
        "Hi from my username",
        "Still there?",
    ]


def _customer_sends(live, phone: str, kind: str, part: dict) -> None:
    body = text_message_body(phone, "", f"wamid.test.{uuid.uuid4().hex}", name="Farah")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message["type"], message[kind] = kind, part
    posted(live, body)


def test_a_photo_and_a_location_reach_the_agent_as_what_they_are(live):
    _agents(live, SITI)
    seen = len(live.replies_to(SITI, 0))
    image = {"id": "1480", "mime_type": "image/jpeg", "caption": "Is this the one?"}
    _customer_sends(live, FARAH, "image", image)
    assert live.replies_to(SITI, seen + 1)[seen].startswith(
        f"💬 #{Conversation.get().id} Farah (+60 13-555 ****): [photo] Is this the one?"
    )
    place = {"latitude": 3.07, "longitude": 101.52, "name": "Rumah", "address": "Jalan 1"}
    _customer_sends(live, FARAH, "location", place)
    assert live.replies_to(SITI, seen + 2)[seen + 1].endswith(": [location] Rumah Jalan 1")
    assert all_handled_once()


def test_a_member_taken_off_the_team_while_on_duty_is_a_customer_never_forwarded_to(live):
    _agents(live, SITI, RAJ)
    live.ask("/admin remove Siti")
    seen, raj = len(live.replies_to(SITI, 0)), len(live.replies_to(RAJ, 0))
    _customer_says(live, SITI, "Can I still order?", name="Siti")
    forwarded = live.replies_to(RAJ, raj + 1)[raj]
    assert forwarded.startswith(f"💬 #{Conversation.get().id} Siti (+60 12-999 ****)")
    _customer_says(live, FARAH, QUESTION)  # Raj has one conversation, Siti is off the team
    live.replies_to(RAJ, raj + 2)
    live.settle()
    # Nothing forwarded to her, no away message: only the customer menu her message got.
    assert live.replies_to(SITI, 0)[seen:] == [reply("menu")]
    assert {c.assignee.phone for c in Conversation.select()} == {RAJ}


def test_an_agent_outside_their_window_gets_the_template_copy_and_quote_replies_to_it(live):
    approve("team_notice")
    _agents(live, SITI)
    live.graph.close_window(SITI)
    _customer_says(live, FARAH, QUESTION)
    live.settle()
    (sent,) = [b for b in live.graph.sent() if addressee(b) == SITI and b["type"] == "template"]
    assert QUESTION in sent["template"]["components"][0]["parameters"][0]["text"]
    copy = OutboundMessage.get(OutboundMessage.kind == "template", OutboundMessage.to == SITI)
    body = text_message_body(SITI, "Yes we do!", f"wamid.test.{uuid.uuid4().hex}")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"id": copy.wamid}
    posted(live, body)
    assert live.replies_to(FARAH, 2) == [reply("menu"), "Yes we do!"]


def _failed_status(wamid: str, to: str, code: int) -> dict:
    """Meta's `failed` status for a message it had accepted (recorded shape)."""
    body = recorded("current__status_failed.json")
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = "1234567890"
    status = value["statuses"][0]
    status["id"], status["recipient_id"] = wamid, to
    status["errors"][0].update(code=code, title="Message undeliverable")
    return body


def test_outside_the_window_the_agent_is_offered_the_templates_and_sends_one(live):
    approve("draw_winner", "team_notice", "login_code")
    _agents(live, SITI)
    seen = len(live.replies_to(SITI, 0))
    _customer_says(live, FARAH, "Saya menang ke?")
    live.replies_to(SITI, seen + 1)
    number = Conversation.get().id
    live.graph.close_window(FARAH)
    live.ask(f"/reply {number} Tahniah!", SITI)
    told = live.replies_to(SITI, seen + 3)[seen + 2]
    assert told.startswith(f"I couldn't deliver your message to {mask_phone(FARAH)}")
    assert f"/reply {number} template: NAME vars: a; b — draw_winner (2 values)." in told
    assert "team_notice" not in told and "login_code" not in told
    assert live.ask(f"/reply {number} template: draw_winner vars: Hamper; RAYA26", SITI) == (
        f"Sent to #{number} Farah (+60 13-555 ****)."
    )
    live.settle()
    (sent,) = [b for b in live.graph.sent() if addressee(b) == FARAH and b["type"] == "template"]
    assert sent["template"]["name"] == "draw_winner"
    out = ConversationMessage.select().where(ConversationMessage.direction == "out")
    assert [m.text for m in out.order_by(ConversationMessage.id)][-1].startswith(
        "Congratulations! You won Hamper in our RAYA26 lucky draw."
    )
    wrong = live.ask(f"/reply {number} template: draw_winner vars: Hamper", SITI)
    assert wrong.startswith("Template draw_winner takes 2 value(s)")
    unknown = live.ask(f"/reply {number} template: draw_winer", SITI)
    assert unknown.startswith("There is no template 'draw_winer'. Templates: ")
    audit = AuditLog.select().where(AuditLog.action == "conversation.reply").order_by(AuditLog.id)
    assert list(audit)[-1].after["template"] == "draw_winner"


def test_the_agent_is_told_once_when_meta_reports_their_reply_failed(live):
    _agents(live, SITI)
    seen = len(live.replies_to(SITI, 0))
    _customer_says(live, FARAH, QUESTION)
    live.replies_to(SITI, seen + 1)
    number = Conversation.get().id
    live.ask(f"/reply {number} Yes we do", SITI)
    live.settle()
    row = ConversationMessage.get(ConversationMessage.direction == "out").outbound
    for _ in range(2):  # Meta delivers a webhook at least once
        posted(live, _failed_status(row.wamid, FARAH, 131026))
    told = live.replies_to(SITI, seen + 3)[seen + 2]
    assert told.startswith(f"I couldn't deliver your message to {mask_phone(FARAH)}")
    assert "131026" in told
    live.settle()
    assert len(live.replies_to(SITI, 0)) == seen + 3
    assert OutboundMessage.get_by_id(row.id).state == "failed"


def test_staff_prose_gets_the_hint_unless_it_quote_replies_a_forwarded_message(live):
    _agents(live, SITI)
    seen = len(live.replies_to(SITI, 0))
    _customer_says(live, FARAH, QUESTION)
    forwarded = live.replies_to(SITI, seen + 1)[seen]
    _quote_reply(live, SITI, forwarded, "Yes we deliver")
    assert live.replies_to(FARAH, 2) == [reply("menu"), "Yes we deliver"]
    # Quote-replying anything else of ours (here the /duty reply) is prose: the hint.
    _quote_reply(live, SITI, live.replies_to(SITI, 0)[1], "ok noted")
    assert live.replies_to(SITI, seen + 2)[seen + 1] == reply("staff_hint")
    live.settle()
    assert live.replies_to(FARAH, 0) == [reply("menu"), "Yes we deliver"]
