"""Replies to a broadcast and to a winner's notice land in the conversation tagged with what they answer."""

from __future__ import annotations

import uuid

from domain.conversations import shown
from models import Broadcast, Contact, Conversation, ConversationMessage, Draw, OutboundMessage
from tests.scenarios import approve, create_campaign, posted
from tests.test_desk import AMIN, FARAH, SITI, _says, _team
from whatsapp.payload import text_message_body


def _tags() -> list[str]:
    said = ConversationMessage.select().where(ConversationMessage.direction == "in")
    return [m.about for m in said.order_by(ConversationMessage.id)]


def test_replies_to_a_broadcast_are_tagged_and_listed_without_those_who_stopped(live):
    approve("campaign_reminder")
    create_campaign(live)
    _team(live, SITI)
    for phone, name in ((FARAH, "Farah"), (AMIN, "Amin")):
        _says(live, phone, "JOIN RAYA26", name)
        live.replies_to(phone)
    live.ask("/broadcast campaign: RAYA26 template: campaign_reminder vars: RAYA26; 20 Jan")
    live.settle()
    broadcast = Broadcast.get()
    seen = len(live.replies_to(SITI, 0))
    _says(live, FARAH, "Bila cabutan dibuat?", "Farah")
    forwarded = live.replies_to(SITI, seen + 1)[seen]
    number = Conversation.get().id
    assert forwarded.startswith(
        f"💬 #{number} Farah (+60 13-555 ****) (answering broadcast #{broadcast.id}): Bila"
    )
    _says(live, AMIN, "STOP", "Amin")  # an opt-out is no reply
    live.replies_to(AMIN, 2)  # the entry, the opt-out (the broadcast was a template)
    live.ask(f"/reply {number} Selepas 20 Jan!", SITI)
    _says(live, FARAH, "Ok terima kasih", "Farah")  # after our answer: about nothing
    # A quote-reply to the broadcast answers it whatever came since.
    sent = OutboundMessage.get(
        OutboundMessage.broadcast == broadcast.id, OutboundMessage.to == FARAH
    )
    body = text_message_body(FARAH, "Hadiah apa?", f"wamid.test.{uuid.uuid4().hex}", name="Farah")
    body["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"id": sent.wamid}
    posted(live, body)
    live.settle()
    tag = f"broadcast:{broadcast.id}"
    assert _tags() == [tag, "", tag]
    farah = Contact.get(Contact.phone == FARAH)
    assert live.ask("/stats replies") == (
        "Replies to broadcasts, newest first (1):\n"
        f"#{broadcast.id} RAYA26 · campaign_reminder: 1 of 2 replied (50%), 1 opted out\n"
        f"  {shown(farah)}: “Hadiah apa?” (#{number})\n"
        f"  {shown(farah)}: “Bila cabutan dibuat?” (#{number})"
    )


def test_a_winner_answering_their_notice_is_tagged_with_the_campaign(live):
    _team(live, SITI)
    create_campaign(live, code="CNY27")
    for phone, name in ((FARAH, "Farah"), (AMIN, "Amin")):
        _says(live, phone, "JOIN CNY27", name)
        live.replies_to(phone)
    live.draw("CNY27", " winners: 1")
    (winner,) = Draw.get().winners
    loser = AMIN if winner["phone"] == FARAH else FARAH
    live.replies_to(winner["phone"], 2)  # the entry, the notice
    _says(live, winner["phone"], "Terima kasih! Bila boleh ambil?", "Winner")
    _says(live, loser, "Saya tak menang?", "Loser")
    live.settle()
    tags = {m.conversation.contact.phone: m.about for m in ConversationMessage.select()}
    assert tags == {winner["phone"]: "winner:CNY27", loser: ""}
    number = ConversationMessage.get(ConversationMessage.about != "").conversation_id
    assert live.ask("/stats replies").endswith(
        "Replies to winners' notices (1):\nCNY27: 1 winner replied\n"
        f"  {shown(Contact.get(Contact.phone == winner['phone']))}: "
        f"“Terima kasih! Bila boleh ambil?” (#{number})"
    )
