"""/event end to end: signed webhooks in, the events family run by workers, replies checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

import commands.events  # noqa: F401  (registers the /event family)
from commands.events import default_checklist
from models import AuditLog, Event, StaffMember, WocsAttachment
from tests.conftest import ADMIN
from wocs.dates import DATE_HINT, show_moment
from wocs.values import MONEY_HINT, PHONE_HINT

SITI = "60129998888"
LONG_AGO = dt.datetime(2025, 1, 1)
CHECKLIST = [
    "Tent/canopy 3x3 m with weights and pegs",
    "Table, tablecloth and two chairs",
    "Banner, menu board and price tags",
    "Cash float (small notes, coins) and DuitNow QR standee",
    "Stock counted and packed, with spare cups and boxes",
    "Ice and coolers for drinks",
    "Permits: EO booth pass, typhoid jab cards, food handler certs",
    "Extension cord, lights and fan",
    "Waste bags, wet tissues and hand sanitiser",
]
CREATE_USAGE = (
    "Usage: /event create name: <event name> date: <date> location: <place> "
    "[fee: <amount>] [eo: <organiser's phone>]"
)
UNTICKED = "\n".join(f"{i}. ☐ {text}" for i, text in enumerate(CHECKLIST, 1))


def booth(**fields) -> Event:
    """An event made straight in the database, with the default checklist."""
    values = {
        "name": "Pasar Malam Raya",
        "date": dt.date(2030, 3, 1),
        "location": "Dataran Merdeka",
        "checklist": default_checklist(),
        "updated_at": LONG_AGO,
        **fields,
    }
    return Event.create(**values)


def test_admin_creates_lists_and_shows_events(live):
    answer = live.ask(
        "/event create name: Pasar Malam Raya\ndate: 2030-03-01\nlocation: Dataran Merdeka\n"
        "fee: RM150\neo: 019-876 5432"
    )
    raya = Event.get(Event.name == "Pasar Malam Raya")
    assert answer == (
        f"Event #{raya.id} created: Pasar Malam Raya, Fri 1 Mar 2030 at Dataran Merdeka.\n"
        "Status: planned · Fee: RM150.00 · EO: +60198765432\n"
        f"Checklist: 9 items. Send /event show {raya.id} to see it."
    )
    assert (raya.date, raya.location, raya.fee, raya.eo_contact, raya.status, raya.notes) == (
        dt.date(2030, 3, 1),
        "Dataran Merdeka",
        Decimal("150.00"),
        "60198765432",
        "planned",
        [],
    )
    assert raya.checklist == [{"text": text, "done": False} for text in CHECKLIST]
    created = AuditLog.get(AuditLog.action == "event.create")
    assert (created.actor, created.entity, created.before) == (ADMIN, f"event:{raya.id}", None)
    assert created.after["fee"] == "150.00" and created.after["eo"] == "60198765432"

    answer = live.ask("/event create name: Karnival Usahawan date: 10/2/2030 location: Shah Alam")
    karnival = Event.get(Event.name == "Karnival Usahawan")
    assert answer == (
        f"Event #{karnival.id} created: Karnival Usahawan, Sun 10 Feb 2030 at Shah Alam.\n"
        "Status: planned · Fee: none · EO: not given\n"
        f"Checklist: 9 items. Send /event show {karnival.id} to see it."
    )
    bazar = booth(
        name="Bazar Ramadan", date=dt.date(2024, 3, 20), location="Bangsar", status="closed"
    )

    assert live.ask("/event list") == (
        "Upcoming events (2):\n"
        f"#{karnival.id} Sun 10 Feb 2030 — Karnival Usahawan, Shah Alam (planned)\n"
        f"#{raya.id} Fri 1 Mar 2030 — Pasar Malam Raya, Dataran Merdeka (planned)"
    )
    assert live.ask("/event list past") == (
        f"Past events (1):\n#{bazar.id} Wed 20 Mar 2024 — Bazar Ramadan, Bangsar (closed)"
    )

    # A stored photo is counted; one still being fetched is not.
    WocsAttachment.create(event=raya, filename="booth.jpg", url="", state="pending")
    Event.update(photos=["events/1/booth.jpg"]).where(Event.id == raya.id).execute()
    assert live.ask(f"/event show {raya.id}") == (
        f"Event #{raya.id}: Pasar Malam Raya\n"
        "Fri 1 Mar 2030 at Dataran Merdeka\n"
        "Status: planned · Fee: RM150.00 · EO: +60198765432\n"
        f"Checklist (0 of 9 done):\n{UNTICKED}\n"
        "Notes: none\n"
        "Photos: 1"
    )


def test_same_event_twice_and_past_dates_are_refused(live):
    raya = booth()
    assert live.ask("/event create name: Pasar Malam Raya date: 2030-03-01 location: Bangsar") == (
        f"Event #{raya.id} is already Pasar Malam Raya on Fri 1 Mar 2030. "
        f"Send /event show {raya.id} to see it."
    )
    assert live.ask("/event create name: Bazar date: 2020-01-01 location: Bangsar") == (
        "date: Wed 1 Jan 2020 is in the past. Give today or a later date."
    )
    assert Event.select().count() == 1
    assert not AuditLog.select().where(AuditLog.action == "event.create").exists()


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("date: someday", f"date: 'someday' is not a date. {DATE_HINT}"),
        (
            "date: 2030-03-01 fee: RM1.505",
            f"fee: 'RM1.505' has more than 2 decimal places. {MONEY_HINT}",
        ),
        ("date: 2030-03-01 eo: 12345", f"eo: '12345' is not a phone number. {PHONE_HINT}"),
    ],
)
def test_bad_date_fee_or_phone_gets_the_problem_and_usage(live, extra, problem):
    answer = live.ask(f"/event create name: Bazar location: Bangsar {extra}")
    assert answer == f"{problem}\n{CREATE_USAGE}"
    assert Event.select().count() == 0


def test_status_moves_only_along_legal_transitions(live):
    today = dt.datetime.now(live.settings.tz).date()
    raya, rain = booth(date=today), booth(name="Bazar Hujan")
    n = raya.id
    assert live.ask(f"/event status {n} live") == (
        f"Event #{n} is planned; from there it can only become confirmed or cancelled."
    )
    for status in ("confirmed", "setup", "live", "closed"):
        assert live.ask(f"/event status {n} {status}") == (
            f"Event #{n} (Pasar Malam Raya) is now {status}."
        )
        if status == "confirmed":
            assert live.ask(f"/event status {n} CONFIRMED") == (f"Event #{n} is already confirmed.")
            assert live.ask(f"/event status {n} planned") == (
                f"Event #{n} is confirmed; from there it can only become setup or cancelled."
            )
    assert live.ask(f"/event status {n} planned") == (
        f"Event #{n} is closed, which is final; it cannot change."
    )
    assert live.ask(f"/event status {n} open") == (
        "<status> 'open' is not one of: planned, confirmed, setup, live, closed, cancelled.\n"
        "Usage: /event status <n> <planned|confirmed|setup|live|closed|cancelled>"
    )
    assert live.ask(f"/event status {rain.id} cancelled") == (
        f"Event #{rain.id} (Bazar Hujan) is now cancelled."
    )
    assert live.ask(f"/event status {rain.id} confirmed") == (
        f"Event #{rain.id} is cancelled, which is final; it cannot change."
    )

    raya = Event.get_by_id(n)
    assert raya.status == "closed" and raya.updated_at > LONG_AGO
    changes = AuditLog.select().where(AuditLog.entity == f"event:{n}").order_by(AuditLog.id)
    assert [(a.action, a.before["status"], a.after["status"]) for a in changes] == [
        ("event.status", "planned", "confirmed"),
        ("event.status", "confirmed", "setup"),
        ("event.status", "setup", "live"),
        ("event.status", "live", "closed"),
    ]


def test_an_event_goes_live_on_its_day_not_before(live):
    n = booth(status="setup", date=dt.date(2030, 3, 1)).id
    assert live.ask(f"/event status {n} live") == (
        f"Event #{n} is on Fri 1 Mar 2030; it can go live on that day, not before."
    )
    assert Event.get_by_id(n).status == "setup"
    assert not AuditLog.select().where(AuditLog.action == "event.status").exists()


def test_closed_and_cancelled_events_are_listed_with_the_past_ones(live):
    ahead = booth(name="Bazar Raya").id
    called_off = booth(name="Bazar Hujan", status="cancelled").id
    over = booth(name="Karnival", status="closed", date=dt.date(2030, 2, 1)).id
    assert live.ask("/event list") == (
        f"Upcoming events (1):\n#{ahead} Fri 1 Mar 2030 — Bazar Raya, Dataran Merdeka (planned)"
    )
    assert live.ask("/event list past") == (
        "Past events (2):\n"
        f"#{called_off} Fri 1 Mar 2030 — Bazar Hujan, Dataran Merdeka (cancelled)\n"
        f"#{over} Fri 1 Feb 2030 — Karnival, Dataran Merdeka (closed)"
    )


def test_checklist_add_and_check_by_number_or_prefix(live):
    raya = booth()
    n = raya.id
    usage = f"Send /event check {n} item: <number>"
    assert live.ask(f"/event checklist {n} add: Extra  gas tong") == (
        f"Added item 10 to event #{n}: Extra gas tong. 0 of 10 done."
    )
    assert live.ask(f"/event checklist {n} add: extra GAS tong") == (
        f"Event #{n} already has item 10: Extra gas tong."
    )
    assert live.ask(f"/event check {n} item: 2") == (
        f"Ticked item 2 on event #{n}: Table, tablecloth and two chairs. 1 of 10 done."
    )
    assert live.ask(f"/event check {n} item: ICE") == (
        f"Ticked item 6 on event #{n}: Ice and coolers for drinks. 2 of 10 done."
    )
    assert live.ask(f"/event check {n} item: #6") == (
        f"Item 6 on event #{n} (Ice and coolers for drinks) is already ticked."
    )
    assert live.ask(f"/event check {n} item: t") == (
        f"'t' matches 2 items on event #{n}:\n"
        "1. ☐ Tent/canopy 3x3 m with weights and pegs\n"
        "2. ☑ Table, tablecloth and two chairs\n" + usage
    )
    ticked = UNTICKED.replace("2. ☐", "2. ☑").replace("6. ☐", "6. ☑") + "\n10. ☐ Extra gas tong"
    assert live.ask(f"/event check {n} item: generator") == (
        f"Event #{n} has no item 'generator'. Its checklist:\n{ticked}\n{usage}"
    )
    assert live.ask(f"/event check {n} item: 11") == (
        f"Event #{n} has no item 11. Its checklist:\n{ticked}\n{usage}"
    )

    raya = Event.get_by_id(n)
    assert [i for i, item in enumerate(raya.checklist, 1) if item["done"]] == [2, 6]
    assert raya.checklist[-1] == {"text": "Extra gas tong", "done": False}
    assert raya.updated_at > LONG_AGO
    actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
    assert actions == ["event.checklist.add", "event.check", "event.check"]

    raya.checklist = [dict(item, done=True) for item in raya.checklist[:-1]] + raya.checklist[-1:]
    raya.save()
    assert live.ask(f"/event check {n} item: extra gas tong") == (
        f"Ticked item 10 on event #{n}: Extra gas tong. 10 of 10 done. The checklist is complete!"
    )


def test_notes_span_lines_and_show_lists_the_latest(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    earlier = [
        {"text": f"note {i}", "by": "Aisyah", "at": "2030-02-01T01:00:00Z"} for i in range(5)
    ]
    raya = booth(notes=earlier)
    n = raya.id
    assert live.ask(
        f"/event note {n} text: EO says load-in from 3pm\nPark behind Block B", SITI
    ) == (f"Note added to event #{n} (Pasar Malam Raya). Send /event show {n} to read the notes.")
    raya = Event.get_by_id(n)
    note = raya.notes[-1]
    at = dt.datetime.fromisoformat(note["at"])
    assert len(raya.notes) == 6 and raya.updated_at > LONG_AGO
    assert (note["text"], note["by"]) == ("EO says load-in from 3pm\nPark behind Block B", "Siti")
    assert abs(dt.datetime.now(dt.UTC) - at) < dt.timedelta(minutes=5)
    assert AuditLog.get(AuditLog.action == "event.note").after == note

    kl = ZoneInfo("Asia/Kuala_Lumpur")
    shown = live.ask(f"/event show {n}", SITI)
    assert shown.endswith(
        "Notes:\n…1 earlier\n"
        + "".join(f"Fri 1 Feb 2030, 9:00 am Aisyah: note {i}\n" for i in range(1, 5))
        + f"{show_moment(at, kl)} Siti: EO says load-in from 3pm\nPark behind Block B\n"
        "Photos: 0"
    )


def test_agent_may_list_show_check_and_note_but_not_change_the_event(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    n = booth(eo_contact="60198765432").id
    assert live.ask("/event list", SITI).startswith("Upcoming events (1):\n")
    shown = live.ask(f"/event show {n}", SITI)
    assert shown.startswith(f"Event #{n}: Pasar Malam Raya\n"), shown
    assert "· EO: 60*****5432\n" in shown  # the organiser's whole phone is for admins
    assert live.ask(f"/event check {n} item: banner", SITI) == (
        f"Ticked item 3 on event #{n}: Banner, menu board and price tags. 1 of 9 done."
    )
    refused = {
        "/event create name: Bazar date: 2030-03-01 location: Bangsar": "event create",
        f"/event status {n} confirmed": "event status",
        f"/event checklist {n} add: Kipas": "event checklist",
    }
    for text, name in refused.items():
        assert live.ask(text, SITI) == f"Sorry, only admins can use /{name}."
    assert [
        a.entity
        for a in AuditLog.select().where(AuditLog.action == "command.refused").order_by(AuditLog.id)
    ] == [*refused.values()]
    raya = Event.get_by_id(n)
    assert (raya.status, len(raya.checklist), Event.select().count()) == ("planned", 9, 1)


def test_unknown_event_numbers_point_to_the_list(live):
    for text in (
        "/event show 999",
        "/event status 999 confirmed",
        "/event checklist 999 add: Kipas",
        "/event check 999 item: 1",
        "/event note 999 text: hello",
    ):
        assert live.ask(text) == "There is no event #999. Send /event list to see the events."
    assert not AuditLog.select().exists()


def test_lists_are_capped_and_empty_lists_say_so(live):
    assert live.ask("/event list") == "No upcoming events."
    assert live.ask("/event list past") == "No past events."
    for day in range(1, 23):
        booth(name=f"Bazar {day}", date=dt.date(2030, 1, day))
    answer = live.ask("/event list upcoming").splitlines()
    assert answer[0] == "Upcoming events (22):"
    assert answer[1].endswith("Tue 1 Jan 2030 — Bazar 1, Dataran Merdeka (planned)")
    assert (len(answer), answer[-1]) == (
        22,
        "…and 2 more: send MORE (or /event list upcoming page 2).",
    )
    rest = live.ask("/event list page 2").splitlines()
    assert rest[0] == "Upcoming events (22, page 2):"
    assert [line.split(" — ")[1].split(",")[0] for line in rest[1:]] == ["Bazar 21", "Bazar 22"]


def test_help_shows_the_event_commands_each_role_may_use(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    admin_only = [
        "/event checklist <n> [add: <item>]\n  or /event checklist <n> <item>",
        "/event create name: <event name> date: <date> location: <place> "
        "[fee: <amount>] [eo: <organiser's phone>]",
        "/event status <n> <planned|confirmed|setup|live|closed|cancelled>",
    ]
    everyone = [
        "/event check <n> item: <number or start of its text>\n"
        "  or /event check <n> <number or start of its text>",
        "/event list [upcoming|past] [page: <n>]",
        "/event note <n> text: <note>\n  or /event note <n> <note>",
        "/event show <n>",
    ]
    admin_help, agent_help = live.ask("/help event"), live.ask("/help event", SITI)
    assert all(f"{usage}\n" in admin_help for usage in admin_only + everyone)
    assert all(f"{usage}\n" in agent_help for usage in everyone)
    assert not any(usage in agent_help for usage in admin_only)
