"""Events: booths at bazaars and fairs, from plan to close, with a checklist and notes."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from models import Event, for_update, utcnow
from wocs import confirmations
from wocs.audit import audit
from wocs.context import CommandError, Context, NotFound, Result
from wocs.dates import When, local_time, show_date, show_moment, show_when, utc_moment
from wocs.people import shown_phone
from wocs.registry import PAGE, Arg, Key, command, family_alias
from wocs.replies import LIST_LIMIT, page_start, paged
from wocs.types import INT, LONG_TEXT, MONEY, PHONE, TEXT, WHEN, choice

CHECKLIST_FILE = Path(__file__).resolve().parent.parent / "templates" / "booth_checklist.txt"
# Where each status may go next; closed and cancelled are final.
NEXT_STATUS = {
    "planned": ("confirmed", "cancelled"),
    "confirmed": ("setup", "cancelled"),
    "setup": ("live", "cancelled"),
    "live": ("closed",),
    "closed": (),
    "cancelled": (),
}
FINISHED = ("closed", "cancelled")  # over, whatever their day: listed with the past ones
# Bounds that keep /event show inside one WhatsApp message (4,096 characters).
ITEM_MAX = 80
CHECKLIST_MAX = 25
NOTES_SHOWN = 5
NOTE_PREVIEW = 200
_NUMBER = re.compile(r"#?([0-9]+)")


def default_checklist() -> list[dict]:
    """The booth checklist a new event starts with, read from templates/booth_checklist.txt."""
    lines = (line.strip() for line in CHECKLIST_FILE.read_text(encoding="utf-8").splitlines())
    return [{"text": line, "done": False} for line in lines if line and not line.startswith("#")]


def get_event(n: int, lock: bool = False) -> Event:
    """The event numbered `n`; `lock` holds its row until the command's transaction ends."""
    query = Event.select().where(Event.id == n)
    event = (for_update(query) if lock else query).first()
    if event is None:
        raise NotFound(
            f"There is no event #{n}. Send /event list to see the events.", f"event #{n}"
        )
    return event


def _changed(ctx: Context, event: Event, action: str, before: dict, after: dict) -> None:
    event.updated_at = utcnow()
    event.save()
    audit(ctx, f"event.{action}", f"event:{event.id}", before, after)


def _money(amount: Decimal) -> str:
    return f"RM{amount:,.2f}" if amount else "none"


def starts(event: Event, tz: dt.tzinfo, today: dt.date | None = None) -> str:
    """The day an event is on, with the time it starts if one was given, in business time."""
    return show_when(event.date, local_time(event.starts_at, tz), today)


def _facts(event: Event, ctx: Context) -> str:
    """Status, fee and organiser: admins see the organiser's phone whole, agents masked."""
    eo = shown_phone(event.eo_contact, ctx) if event.eo_contact else "not given"
    return f"Status: {event.status} · Fee: {_money(event.fee)} · EO: {eo}"


def _either(words: tuple[str, ...]) -> str:
    return " or ".join(filter(None, [", ".join(words[:-1]), words[-1]]))


def _items(items: list[dict], numbers: list[int] | None = None) -> str:
    """Checklist lines with their numbers and ticks; `numbers` picks some (1-based)."""
    numbers = numbers or list(range(1, len(items) + 1))
    return "\n".join(
        f"{i}. {'☑' if items[i - 1]['done'] else '☐'} {items[i - 1]['text']}" for i in numbers
    )


def _checklist(event: Event) -> str:
    """An event's checklist with its progress, or how to start one."""
    items = event.checklist
    if not items:
        return f"Checklist: empty. Add to it with /event checklist {event.id} add: …"
    return f"Checklist ({_progress(items)}):\n{_items(items)}"


def _progress(items: list[dict]) -> str:
    done = sum(1 for item in items if item["done"])
    return f"{done} of {len(items)} done"


family_alias("event", "acara")


@command(
    "event create",
    role="admin",
    keys=(
        Key("name", TEXT, required=True, aliases=("nama",), hint="<event name>"),
        Key("date", WHEN, required=True, aliases=("tarikh",), hint="<date>"),
        Key("location", TEXT, required=True, aliases=("lokasi", "tempat"), hint="<place>"),
        Key("fee", MONEY, aliases=("yuran",), hint="<amount>"),
        Key("eo", PHONE, aliases=("penganjur",), hint="<organiser's phone>"),
    ),
    aliases=("event add",),
)
def create_event(
    ctx: Context,
    name: str,
    date: When,
    location: str,
    fee: Decimal = Decimal("0.00"),
    eo: str = "",
) -> Result:
    """Plan a booth at an event; it starts with the standard booth checklist."""
    day = date.day
    if day < ctx.today:
        raise CommandError(f"date: {show_date(day)} is in the past. Give today or a later date.")
    twin = Event.get_or_none((Event.name == name[:200]) & (Event.date == day))
    if twin is not None:
        raise CommandError(
            f"Event #{twin.id} is already {twin.name} on {show_date(day)}. "
            f"Send /event show {twin.id} to see it."
        )
    fields = {"name": name, "location": location, "fee": str(fee), "eo": f"+{eo}" if eo else ""}
    question = confirmations.about_passed(ctx, "event create", fields, "date", date)
    if question is not None:
        return question
    event = Event.create(
        name=name[:200],
        date=day,
        starts_at=utc_moment(day, date.time, ctx.tz) if date.time is not None else None,
        location=location[:200],
        fee=fee,
        eo_contact=eo,
        checklist=default_checklist(),
    )
    audit(
        ctx,
        "event.create",
        f"event:{event.id}",
        None,
        {
            "name": event.name,
            "date": day,
            "starts_at": event.starts_at,
            "location": event.location,
            "fee": fee,
            "eo": eo,
        },
    )
    return Result(
        f"Event #{event.id} created: {event.name}, {starts(event, ctx.tz, ctx.today)} "
        f"at {event.location}.\n"
        f"{_facts(event, ctx)}\n"
        f"Checklist: {len(event.checklist)} items. Send /event show {event.id} to see it.",
        entity=f"event:{event.id}",
    )


@command(
    "event list",
    role="agent",
    args=(Arg("which", choice("upcoming", "past"), required=False),),
    keys=(PAGE,),
)
def list_events(ctx: Context, which: str = "upcoming", page: int = 1) -> Result:
    """List upcoming events (soonest first) or past, closed and cancelled ones (latest first)."""
    if which == "past":
        query = Event.select().where((Event.date < ctx.today) | Event.status.in_(FINISHED))
        query = query.order_by(-Event.date, -Event.starts_at, -Event.id)
    else:
        query = Event.select().where(Event.date >= ctx.today, Event.status.not_in(FINISHED))
        query = query.order_by(Event.date, Event.starts_at, Event.id)
    total = query.count()
    if not total:
        return Result(f"No {which} events.")
    lines = [
        f"#{e.id} {starts(e, ctx.tz)} — {e.name}, {e.location} ({e.status})"
        for e in query.offset(page_start(page, total)).limit(LIST_LIMIT)
    ]
    more = f"/event list {which} page {page + 1}"
    return paged(f"{which.capitalize()} events", total, lines, page, more)


@command("event show", role="agent", args=(Arg("n", INT),))
def show_event(ctx: Context, n: int) -> Result:
    """Show an event with its checklist, latest notes and photo count."""
    event = get_event(n)
    checklist = _checklist(event)
    notes = [_show_note(note, ctx) for note in event.notes[-NOTES_SHOWN:]]
    earlier = len(event.notes) - len(notes)
    if earlier:
        notes.insert(0, f"…{earlier} earlier")
    return Result(
        "\n".join(
            [
                f"Event #{n}: {event.name}",
                f"{starts(event, ctx.tz)} at {event.location}",
                _facts(event, ctx),
                checklist,
                "Notes:\n" + "\n".join(notes) if notes else "Notes: none",
                f"Photos: {len(event.photos)}",
            ]
        ),
        entity=f"event:{n}",
    )


def _by(ctx: Context) -> str:
    return str(ctx.user.name or ctx.phone)


def _stamp(ctx: Context) -> str:
    return f"{ctx.now.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%S}Z"


def _show_note(note: dict, ctx: Context) -> str:
    when = show_moment(dt.datetime.fromisoformat(note["at"]), ctx.tz)
    text = note["text"]
    text = text if len(text) <= NOTE_PREVIEW else text[: NOTE_PREVIEW - 1] + "…"
    return f"{when} {note['by']}: {text}"


@command(
    "event status",
    role="admin",
    args=(
        Arg("n", INT),
        Arg("status", choice(*NEXT_STATUS), hint="<" + "|".join(NEXT_STATUS) + ">"),
    ),
)
def change_status(ctx: Context, n: int, status: str) -> Result:
    """Move an event along: planned, confirmed, setup, live, then closed (or cancelled)."""
    event = get_event(n, lock=True)
    allowed = NEXT_STATUS[event.status]
    if status == event.status:
        return Result(f"Event #{n} is already {status}.", entity=f"event:{n}")
    if not allowed:
        raise CommandError(f"Event #{n} is {event.status}, which is final; it cannot change.")
    if status not in allowed:
        raise CommandError(
            f"Event #{n} is {event.status}; from there it can only become {_either(allowed)}."
        )
    if status == "live" and event.date > ctx.today:
        raise CommandError(
            f"Event #{n} is on {starts(event, ctx.tz)}; it can go live on that day, not before."
        )
    before = {"status": event.status}
    event.status = status
    _changed(ctx, event, "status", before, {"status": status})
    return Result(f"Event #{n} ({event.name}) is now {status}.", entity=f"event:{n}")


@command(
    "event checklist",
    role="admin",
    args=(Arg("n", INT),),
    keys=(Key("add", TEXT, aliases=("tambah",), hint="<item>", positional=True),),
)
def add_item(ctx: Context, n: int, add: str = "") -> Result:
    """Show an event's checklist, or add an item to it."""
    if not add:
        event = get_event(n)
        return Result(f"Event #{n}: {event.name}\n{_checklist(event)}", entity=f"event:{n}")
    text = " ".join(add.split())
    if len(text) > ITEM_MAX:
        raise CommandError(
            f"Keep a checklist item under {ITEM_MAX} characters (that one has {len(text)})."
        )
    event = get_event(n, lock=True)
    items = event.checklist
    same = next(
        (i for i, item in enumerate(items, 1) if item["text"].casefold() == text.casefold()), 0
    )
    if same:
        raise CommandError(f"Event #{n} already has item {same}: {items[same - 1]['text']}.")
    if len(items) >= CHECKLIST_MAX:
        raise CommandError(f"Event #{n}'s checklist is full ({CHECKLIST_MAX} items).")
    event.checklist = [*items, {"text": text, "done": False}]
    _changed(
        ctx, event, "checklist.add", {"items": len(items)}, {"item": len(items) + 1, "text": text}
    )
    return Result(
        f"Added item {len(items) + 1} to event #{n}: {text}. {_progress(event.checklist)}.",
        entity=f"event:{n}",
    )


@command(
    "event check",
    role="agent",
    args=(Arg("n", INT),),
    keys=(Key("item", TEXT, required=True, hint="<number or start of its text>", positional=True),),
)
def check_item(ctx: Context, n: int, item: str) -> Result:
    """Tick a checklist item, by its number or the start of its text."""
    event = get_event(n, lock=True)
    items = event.checklist
    number = find_item(event, " ".join(item.split()))
    chosen = items[number - 1]
    if chosen["done"]:
        return Result(
            f"Item {number} on event #{n} ({chosen['text']}) is already ticked.",
            entity=f"event:{n}",
        )
    event.checklist = [dict(it, done=True) if i == number else it for i, it in enumerate(items, 1)]
    _changed(ctx, event, "check", {"item": number, "done": False}, {"item": number, "done": True})
    complete = all(it["done"] for it in event.checklist)
    return Result(
        f"Ticked item {number} on event #{n}: {chosen['text']}. {_progress(event.checklist)}."
        + (" The checklist is complete!" if complete else ""),
        entity=f"event:{n}",
    )


def find_item(event: Event, wanted: str) -> int:
    """The number of the item meant by its number or a unique case-insensitive start of its text."""
    items = event.checklist
    usage = f"Send /event check {event.id} item: <number>"
    if m := _NUMBER.fullmatch(wanted):
        if 1 <= int(m[1]) <= len(items):
            return int(m[1])
        what = m[1][:12]
    else:
        key = wanted.casefold()
        matches = [i for i, it in enumerate(items, 1) if it["text"].casefold().startswith(key)]
        exact = [i for i in matches if items[i - 1]["text"].casefold() == key]
        if len(exact or matches) == 1:
            return (exact or matches)[0]
        if matches:
            raise CommandError(
                f"'{wanted[:40]}' matches {len(matches)} items on event #{event.id}:\n"
                f"{_items(items, matches)}\n{usage}"
            )
        what = f"'{wanted[:40]}'"
    listed = _items(items) or "(empty)"
    raise CommandError(f"Event #{event.id} has no item {what}. Its checklist:\n{listed}\n{usage}")


@command(
    "event note",
    role="agent",
    args=(Arg("n", INT),),
    keys=(
        Key("text", LONG_TEXT, required=True, aliases=("nota",), hint="<note>", positional=True),
    ),
)
def add_note(ctx: Context, n: int, text: str) -> Result:
    """Add a note to an event (it may run over several lines)."""
    event = get_event(n, lock=True)
    note = {"text": text, "by": _by(ctx), "at": _stamp(ctx)}
    event.notes = [*event.notes, note]
    _changed(ctx, event, "note", {"notes": len(event.notes) - 1}, note)
    return Result(
        f"Note added to event #{n} ({event.name}). Send /event show {n} to read the notes.",
        entity=f"event:{n}",
    )
