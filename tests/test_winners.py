"""After a draw, end to end: the confirmation, winners in full, the entries as CSV, prizes collected."""

from __future__ import annotations

import csv
import io

from models import AuditLog, Draw, Entry, StaffMember, WocsConfirmation
from tests.conftest import ADMIN

CUSTOMERS = [f"6011{n:07d}" for n in range(1, 8)]
SITI = "60129998888"


def _campaign_with_entries(live):
    live.ask("/campaign create code: CNY27 prize: Ang pow\nstart: 2026-01-01\nend: 2030-12-31")
    for phone in CUSTOMERS:
        live.say(phone, "JOIN CNY27")
    for phone in CUSTOMERS:
        live.replies_to(phone)


def test_more_winners_than_entries_asks_to_let_everyone_win(live):
    _campaign_with_entries(live)
    question = live.ask("/draw CNY27 winners: 100")
    assert question.startswith("CNY27 is still open. It must close first: its 7 entries are frozen")
    assert question.split("\n")[1].startswith(
        "CNY27 has only 7 entries, so 100 winners cannot be drawn. "
        "Draw all 7 as winners, so that everyone wins?"
    )
    assert Draw.get().state == "committed"
    assert live.ask("/cancel").startswith("Cancelled: nothing was done about /draw")
    assert live.ask("/confirm").startswith("There is no question waiting for your answer")
    live.ask("/draw CNY27 winners: 100")
    live.say("60119999999", "JOIN CNY27")  # an eighth entry arrives before the answer
    live.replies_to("60119999999")
    again = live.ask("/confirm")
    assert again.startswith("The entries changed since you were asked: 8 entries now.")
    assert Draw.get().state == "committed"
    assert live.ask("/confirm").startswith(
        "Drawing 8 winner(s) for CNY27 among 8 entries. It is decided by drand round "
    )
    live.replies_to(ADMIN, 8)
    assert Draw.get().state == "drawn" and len(Draw.get().winners) == 8
    assert WocsConfirmation.select().where(WocsConfirmation.state == "confirmed").count() == 2


def test_an_expired_question_is_not_confirmed(live):
    _campaign_with_entries(live)
    live.ask("/draw CNY27")
    WocsConfirmation.update(expires_at=WocsConfirmation.created_at).execute()
    assert live.ask("/confirm") == "That question expired. Send /draw again to be asked anew."
    assert Draw.get().state == "committed"


def test_admins_list_winners_get_the_entries_and_mark_prizes_collected(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    _campaign_with_entries(live)
    for text in ("/campaign winners CNY27", "/campaign entries CNY27", "/campaign claimed CNY27 X"):
        assert live.ask(text, SITI).startswith("Sorry, only admins can use /campaign ")
    assert live.ask("/campaign winners CNY27") == (
        "CNY27 has not been drawn yet. Draw it with /draw CNY27."
    )
    live.draw("CNY27", " winners: 2")
    draw = Draw.get()
    first, second = draw.winners
    listed = live.ask("/campaign winners cny27")
    assert listed.startswith("CNY27 winners (2), 0 collected:\n")
    assert f"1. No name · +{first['phone']} · ticket {first['ticket']} · not collected" in listed
    assert listed.endswith("Mark a prize collected: /campaign claimed CNY27 <ticket>")

    assert live.ask(f"/campaign claimed CNY27 {first['ticket']}") == (
        f"Ticket {first['ticket']} (the winner) of CNY27: prize collected. 1 of 2 collected."
    )
    assert "already collected" in live.ask(f"/campaign claimed CNY27 {first['ticket']}")
    loser = Entry.get(Entry.ticket.not_in([first["ticket"], second["ticket"]]))
    assert live.ask(f"/campaign claimed CNY27 {loser.ticket}") == (
        f"Ticket {loser.ticket} is in CNY27 but did not win."
    )
    assert live.ask("/campaign claimed CNY27 ZZZZ9999").startswith(
        "CNY27 has no winning ticket ZZZZ9999."
    )
    bad = live.ask("/campaign claimed CNY27 no!")
    assert "'no!' is not a ticket" in bad and "Usage: /campaign claimed <CODE> <ticket>" in bad
    assert "2 winners (2), 1 collected" not in live.ask("/campaign winners CNY27")
    assert "· collected " in live.ask("/campaign winners CNY27")
    claimed = AuditLog.get(AuditLog.action == "prize.claimed")
    assert claimed.actor == ADMIN and claimed.after == {
        "ticket": first["ticket"],
        "collected": True,
    }

    live.say(ADMIN, "/campaign entries CNY27")
    live.graph.wait_for(1)
    live.settle()
    (sent,) = [b for b in live.graph.sent() if b["type"] == "document"]
    assert sent["to"] == f"+{ADMIN}" and sent["document"]["filename"].startswith("CNY27-entries-")
    assert sent["document"]["caption"].startswith("CNY27: 7 entries as a CSV file.")
    uploaded = live.graph.media[sent["document"]["id"]]
    assert uploaded["mime_type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(uploaded["data"].decode("utf-8-sig"))))
    assert [r["phone"] for r in rows] == [e.phone for e in Entry.select().order_by(Entry.id)]
    assert sorted(r["phone"] for r in rows) == CUSTOMERS
    by_ticket = {r["ticket"]: r for r in rows}
    assert by_ticket[first["ticket"]]["winner"] == "1" and by_ticket[first["ticket"]]["collected"]
    assert (
        by_ticket[second["ticket"]]["winner"] == "2"
        and not by_ticket[second["ticket"]]["collected"]
    )
    assert AuditLog.select().where(AuditLog.action == "campaign.entries.export").count() == 1
    # The file with full phones was only kept to be sent: once sent it is gone from the storage.
    assert live.runtime.storage.keys("exports") == []
    assert "claimed|close|create|entries|list|qr|show|winners" in live.ask("/help")
    assert live.ask("/help campaign winners").startswith("/campaign winners <CODE>\nList a drawn")
