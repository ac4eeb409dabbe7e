"""Who a customer is: phone, BSUID and username from Meta's bodies; one person is one contact."""

from __future__ import annotations

import json
import threading

import peewee
import requests

from domain import contacts
from jobs.inbound import process_inbound
from models import Contact, Entry, InboundMessage
from tests.bodies import BSUID, CORPUS, PHONE, as_person, linked, recorded, username_only
from tests.conftest import ADMIN, addressee
from tests.scenarios import (
    all_handled_once,
    approve,
    create_campaign,
    posted,
    stored_inbound,
    template_sends,
)
from wocs.replies import reply
from wocs.values import mask_phone


def test_a_username_only_customer_joins_by_recipient_wins_and_is_told(live):
    create_campaign(live)
    posted(live, username_only("JOIN RAYA26"))
    [joined] = live.replies_to(BSUID)
    entry = Entry.get()
    assert entry.phone == BSUID and joined.startswith("You're in the RAYA26 lucky draw")
    assert entry.ticket in joined
    [sent] = [b for b in live.graph.sent() if addressee(b) == BSUID]
    assert sent["recipient"] == BSUID and "to" not in sent
    contact = Contact.get(Contact.bsuid == BSUID)
    assert (contact.phone, contact.bsuid, contact.parent_bsuid) == (
        None,
        BSUID,
        "MY.ENT.9902576394655843",
    )
    assert (contact.username, contact.name) == ("nuraina.bakes", "Nur Aina")
    result = live.draw("RAYA26")
    assert live.replies_to(BSUID, 2)[1].startswith("Congratulations! 🎉 You won Hamper Raya")
    assert BSUID not in result and entry.ticket in result and mask_phone(BSUID) in result


def test_a_username_only_winner_is_masked_on_the_public_page(live):
    create_campaign(live)
    body = username_only("JOIN RAYA26")
    del body["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"]
    posted(live, body)
    live.replies_to(BSUID)
    live.draw("RAYA26")
    live.replies_to(BSUID, 2)
    page = requests.get(f"{live.url}/c/RAYA26", timeout=5).text
    assert BSUID not in page and "nuraina" not in page and mask_phone(BSUID) in page


def test_a_username_only_customer_stops_and_a_broadcast_skips_them(live):
    approve("campaign_reminder")
    create_campaign(live)
    posted(live, username_only("JOIN RAYA26"))
    live.say(PHONE, "JOIN RAYA26")
    live.replies_to(BSUID)
    live.replies_to(PHONE)
    posted(live, username_only("STOP"))
    assert live.replies_to(BSUID, 2)[1] == reply("stopped")
    live.settle()
    assert Contact.get(Contact.bsuid == BSUID).opted_out_at is not None
    live.say(ADMIN, "/broadcast campaign: RAYA26 template: campaign_reminder vars: RAYA26; 20 Jan")
    assert "2 recipients, 1 opted out (skipped)" in live.replies_to(ADMIN, 2)[1]
    live.settle()
    assert template_sends(live) == {PHONE: 1}
    assert all_handled_once()


def test_a_body_linking_phone_and_bsuid_merges_two_contacts_into_one(live):
    create_campaign(live)
    create_campaign(live, code="LEBAT26")
    live.say(PHONE, "JOIN RAYA26")
    live.replies_to(PHONE)
    posted(live, username_only("JOIN LEBAT26"))
    posted(live, username_only("JOIN RAYA26"))  # the same person, entered twice
    posted(live, username_only("STOP"))
    live.replies_to(BSUID, 3)
    assert Contact.select().where(Contact.phone == PHONE).count() == 1
    assert Contact.select().where(Contact.bsuid == BSUID).count() == 1
    posted(live, linked("hello"))
    live.settle()
    [contact] = Contact.select().where((Contact.phone == PHONE) | (Contact.bsuid == BSUID))
    assert (contact.phone, contact.bsuid) == (PHONE, BSUID)
    assert contact.opted_out_at is not None  # the stop under the username holds
    assert sorted((e.campaign.code, e.phone) for e in Entry.select()) == [
        ("LEBAT26", PHONE),
        ("RAYA26", PHONE),
    ]
    assert not InboundMessage.select().where(InboundMessage.sender == "").exists()
    assert all_handled_once()


def test_a_marketing_stop_linking_two_contacts_is_recorded_not_refused(live):
    live.say(PHONE, "hello")
    posted(live, username_only("hello"))
    live.settle()
    assert Contact.select().count() == 2
    body = json.loads((CORPUS / "user_marketing_preferences__resume.json").read_bytes())
    pref = body["entry"][0]["changes"][0]["value"]["user_preferences"][0]
    pref.update(wa_id=PHONE, user_id=BSUID, value="stop")
    posted(live, body)
    [contact] = Contact.select()
    assert (contact.phone, contact.bsuid) == (PHONE, BSUID) and contact.opted_out_at is not None


def at_once(live, *bodies: dict) -> None:
    """Post the bodies from one thread each, at the same moment."""
    threads = [threading.Thread(target=posted, args=(live, body)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_bodies_about_one_person_never_fail_or_loop(live):
    people = [(f"6011555{n:04d}", f"MY.7{n:018d}") for n in range(6)]
    for phone, bsuid in people[:3]:
        at_once(live, as_person(linked("hi"), phone=phone), username_only("hi", bsuid=bsuid))
        posted(live, linked("hello again", phone=phone, bsuid=bsuid))  # while those are handled
    for phone, bsuid in people[3:]:  # the linking body racing the other two
        at_once(
            live,
            as_person(linked("hi"), phone=phone),
            username_only("hi", bsuid=bsuid),
            linked("hello again", phone=phone, bsuid=bsuid),
        )
    live.settle()
    assert all_handled_once()
    customers = Contact.select().where(Contact.phone.is_null() | (Contact.phone != ADMIN))
    assert sorted((c.phone, c.bsuid) for c in customers) == sorted(people)


def test_two_username_senders_in_one_body_each_keep_their_own_name(live):
    posted(live, recorded("wocs__two_username_senders.json"))
    live.settle()
    names = {c.bsuid: (c.name, c.username) for c in Contact.select()}
    assert names == {
        "MY.1111111111111111111": ("Aina", "aina.k"),
        "MY.2222222222222222222": ("Badrul", "badrul.m"),
    }
    senders = {m.sender_bsuid: m.sender_name for m in InboundMessage.select()}
    assert senders == {"MY.1111111111111111111": "Aina", "MY.2222222222222222222": "Badrul"}


def test_a_number_change_moves_the_contact_its_opt_out_and_entries(live):
    new_phone, new_bsuid = "60119998887", "MY.8802576394655843"
    create_campaign(live)
    posted(live, linked("JOIN RAYA26"))
    posted(live, linked("STOP"))
    live.replies_to(PHONE, 2)
    live.say(new_phone, "hello")  # the new number wrote first: a stranger, until Meta says
    live.settle()
    posted(live, recorded("wocs__user_changed_number.json"))
    live.settle()
    [contact] = Contact.select().where(Contact.phone.in_((PHONE, new_phone)))
    assert (contact.phone, contact.bsuid) == (new_phone, new_bsuid)
    assert (
        contact.opted_out_at is not None
        and not Contact.select().where(Contact.bsuid == BSUID).exists()
    )
    assert [e.phone for e in Entry.select()] == [new_phone]
    live.say(new_phone, "JOIN RAYA26")
    assert live.replies_to(new_phone, 2)[-1].startswith("You're already in the RAYA26 draw")
    assert all_handled_once()


def test_a_unique_key_taken_meanwhile_reruns_the_job_at_once_instead_of_failing(live, monkeypatch):
    # What MariaDB raises when another body's job created the same person's contact between
    # this job's read and its insert (the race the concurrent test can only sometimes hit).
    real, calls = contacts.remember, []

    def first_loses_the_race(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise peewee.IntegrityError(1062, "Duplicate entry for key 'contact_bsuid'")
        return real(*args, **kwargs)

    monkeypatch.setattr(contacts, "remember", first_loses_the_race)
    inbound_id = stored_inbound("/task list", "wamid.race")
    assert process_inbound(inbound_id) == "handled (1 messages)"
    row = InboundMessage.get_by_id(inbound_id)
    assert (row.state, row.attempts, len(calls)) == ("done", 1, 2)
    assert live.replies_to(ADMIN) == ["No open tasks."]


def test_a_staff_member_writing_by_username_is_still_recognised_by_a_linked_bsuid(live):
    admin_bsuid = "MY.4402576394655843"
    posted(live, linked("/task list", phone=ADMIN, bsuid=admin_bsuid))
    assert live.replies_to(ADMIN) == ["No open tasks."]
    posted(live, username_only("/task list", bsuid=admin_bsuid))  # the phone withheld now
    assert live.replies_to(ADMIN, 2)[1] == "No open tasks."  # an admin, answered at the phone
    assert not [b for b in live.graph.sent() if addressee(b) == admin_bsuid]
