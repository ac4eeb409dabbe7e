"""/assign end to end: the new assignee gets the customer's latest messages and answers by quote-reply."""

from __future__ import annotations

import uuid

from models import AuditLog, Conversation, OutboundMessage, StaffMember
from tests.conftest import ADMIN
from tests.scenarios import all_handled_once, posted
from tests.test_conversations import FARAH, QUESTION, RAJ, SITI, _agents, _customer_says
from whatsapp.payload import text_message_body
from wocs.replies import reply


def _quote(live, phone: str, copy: str, text: str) -> None:
    """`phone` quote-replies the copy we sent them that reads `copy`."""
    live.settle()
    row = OutboundMessage.get(OutboundMessage.to == phone, OutboundMessage.body == copy)
    posted(
        live, text_message_body(phone, text, f"wamid.test.{uuid.uuid4().hex}", quoting=row.wamid)
    )


def test_an_admin_hands_a_conversation_over_with_its_latest_messages(live):
    _agents(live, SITI, RAJ)
    live.ask("/duty off", RAJ)  # so that Farah's conversation goes to Siti
    _customer_says(live, FARAH, QUESTION)
    _customer_says(live, FARAH, "It's for a party of 40")
    live.settle()
    number = Conversation.get().id
    assert Conversation.get().assignee.phone == SITI
    siti, raj = len(live.replies_to(SITI, 0)), len(live.replies_to(RAJ, 0))
    answer = live.ask(f"/assign {number} for: Raj", ADMIN)
    assert answer.startswith(f"Conversation #{number} with Farah (+60 13-555 ****) is now Raj's.")
    assert "Raj is off duty" in answer
    given = live.replies_to(RAJ, raj + 1)[raj]
    assert given.startswith(
        f"📥 Admin 6789 gave you conversation #{number} with Farah (+60 13-555 ****) (open);"
        " the customer's latest messages:\n· "
    )
    assert f": {QUESTION}\n· " in given and given.count("\n· ") == 2
    assert ": It's for a party of 40\n↩️ Quote-reply to answer" in given
    told = live.replies_to(SITI, siti + 1)[siti]
    assert told == f"Admin 6789 gave conversation #{number} (Farah (+60 13-555 ****)) to Raj."
    entry = AuditLog.get(AuditLog.action == "conversation.assign")
    raj_id = StaffMember.get(StaffMember.phone == RAJ).id
    assert (entry.actor, entry.entity, entry.after) == (
        ADMIN,
        f"conversation:{number}",
        {"assignee": raj_id},
    )
    # Raj answers by quote-replying it; Siti, an agent, no longer sees the conversation.
    _quote(live, RAJ, given, "Yes, we cater for 40!")
    assert live.replies_to(FARAH, 2) == [reply("menu"), "Yes, we cater for 40!"]
    assert live.ask(f"/history {number}", SITI).startswith(f"There is no conversation #{number}")
    assert all_handled_once()


def test_an_agent_hands_over_their_own_conversation_but_not_someone_elses(live):
    _agents(live, SITI)
    live.ask("/admin add phone: 012-999 6666 role: agent name: Siti Aminah")
    _customer_says(live, FARAH, QUESTION)
    live.settle()
    number = Conversation.get().id
    listed = live.ask(f"/assign {number} for: Sit", SITI)
    assert "'Sit' could mean 2 people:\n1. Siti — " in listed and "\n2. Siti Aminah — " in listed
    nobody = live.ask(f"/assign {number} for: Zed", SITI)
    assert "No team member is called 'Zed'" in nobody
    assert live.ask(f"/assign {number}", SITI).startswith("Who should have it?")
    assert live.ask("Raj", SITI).startswith(f"Conversation #{number} with Farah")
    assert Conversation.get().assignee.phone == RAJ
    # Raj's now: Siti may not take it back by /assign, the admin may.
    refused = live.ask(f"/assign {number} for: Siti", SITI)
    assert refused.startswith(f"There is no conversation #{number} for you")
    assert (
        live.ask(f"/assign {number} for: Raj", ADMIN) == f"Conversation #{number} is already Raj's."
    )


def test_a_conversation_is_never_given_to_its_own_customer(live):
    _agents(live, RAJ)
    _customer_says(live, "60129996666", "Can I order too?", name="Zain")  # not on the team yet
    live.settle()
    live.ask("/admin add phone: 012-999 6666 role: agent name: Zain")
    number = Conversation.get().id
    refused = live.ask(f"/assign {number} for: Zain", ADMIN)
    assert refused == f"Zain is the customer of #{number}; choose someone else."
    assert Conversation.get().assignee.phone == RAJ
