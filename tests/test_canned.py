"""Canned replies end to end: admins keep them, the team sends them by key, every change audited."""

from __future__ import annotations

from models import AuditLog, CannedReply, Conversation, ConversationMessage
from tests.conftest import ADMIN
from tests.test_desk import FARAH, SITI, _quote_reply, _says, _team

PRICE = "Nasi lemak RM4.50, with ayam RM8. / Nasi lemak RM4.50, dengan ayam RM8."


def test_admins_keep_canned_replies_and_agents_send_them_by_key(live):
    _team(live, SITI)
    assert live.ask(f"/canned add key: harga text: {PRICE}") == (
        "Canned reply :harga kept. Send it with /reply N :harga."
    )
    assert live.ask("/sedia tambah kunci: Alamat teks: Jalan 1, Shah Alam").startswith(
        "Canned reply :alamat kept"
    )
    listed = live.ask("/canned list", SITI)
    assert listed.startswith("Canned replies (2):\n:alamat — Jalan 1, Shah Alam\n:harga — Nasi")
    refused = live.ask("/canned add key: x text: y", SITI)
    assert "admin" in refused.lower() and CannedReply.select().count() == 2
    seen = len(live.replies_to(SITI, 0))
    _says(live, FARAH, "Berapa harga?", "Farah")
    forwarded = live.replies_to(SITI, seen + 1)[seen]
    number = Conversation.get().id
    assert live.ask(f"/reply {number} :harga", SITI).startswith(f"Sent to #{number}")
    assert live.replies_to(FARAH) == [PRICE]
    _says(live, FARAH, "Dan alamat?", "Farah")
    _quote_reply(live, SITI, forwarded, ":alamat")  # a quote-reply sends it as well
    assert live.replies_to(FARAH, 2)[1] == "Jalan 1, Shah Alam"
    texts = [
        m.text for m in ConversationMessage.select().where(ConversationMessage.direction == "out")
    ]
    assert texts == [PRICE, "Jalan 1, Shah Alam"]


def test_an_unknown_key_is_named_with_the_keys_there_are_and_nothing_is_sent(live):
    _team(live, SITI)
    live.ask(f"/canned add key: harga text: {PRICE}")
    _says(live, FARAH, "Hi", "Farah")
    live.replies_to(SITI, 3)
    number = Conversation.get().id
    refused = live.ask(f"/reply {number} :hraga", SITI)
    assert refused == (
        "There is no canned reply :hraga. Did you mean :harga? Canned replies: :harga."
    )
    assert "can't be a key" in live.ask("/canned add key: two words text: hi")
    live.settle()
    assert not ConversationMessage.select().where(ConversationMessage.direction == "out").exists()


def test_replacing_and_removing_are_audited_with_before_and_after(live):
    live.ask("/canned add key: harga text: RM4")
    assert live.ask("/canned add key: harga text: RM4.50").startswith(
        "Canned reply :harga replaced"
    )
    assert live.ask("/canned buang harga") == "Canned reply :harga removed."
    assert live.ask("/canned list") == (
        "No canned replies yet. Add one with /canned add key: harga text: …"
    )
    trail = [
        (a.action, a.before, a.after, a.actor)
        for a in AuditLog.select().where(AuditLog.entity == "canned:harga").order_by(AuditLog.id)
    ]
    assert trail == [
        ("canned.add", None, {"text": "RM4"}, ADMIN),
        ("canned.add", {"text": "RM4"}, {"text": "RM4.50"}, ADMIN),
        ("canned.remove", {"text": "RM4.50"}, None, ADMIN),
    ]
