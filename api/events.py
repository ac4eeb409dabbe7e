"""Events (booths): list, show, and the same changes /event makes on WhatsApp."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api import actions
from api.common import IdPath, Strict, blueprint
from api.paging import Page, PageQuery, page
from commands.events import NEXT_STATUS, get_event
from models import Event

bp = blueprint("events", "Booths at events, their checklists and notes")
Status = Literal["planned", "confirmed", "setup", "live", "closed", "cancelled"]
assert set(Status.__args__) == set(NEXT_STATUS)  # one list of states, the commands'


class ChecklistItem(BaseModel):
    text: str
    done: bool


class Note(BaseModel):
    text: str
    by: str
    at: str


class EventOut(BaseModel):
    id: int
    name: str
    date: dt.date = Field(description="the day it is on, in business time")
    starts_at: dt.datetime | None = Field(
        description="the moment it starts (UTC), when a time of day was given"
    )
    location: str
    fee: str = Field(description="ringgit, two decimals")
    eo_contact: str = Field(description="the organiser's phone, E.164 digits, or empty")
    status: Status
    checklist: list[ChecklistItem]
    photos: list[str] = Field(description="storage keys of the photos")
    notes: list[Note]
    created_at: dt.datetime
    updated_at: dt.datetime


class EventPage(Page):
    items: list[EventOut]


class ChangedEventOut(BaseModel):
    message: str = Field(description="the reply the bot would send for the same change")
    event: EventOut


class EventQuery(PageQuery):
    status: Status | None = None
    date_from: dt.date | None = Field(None, description="on or after this day")
    date_to: dt.date | None = Field(None, description="on or before this day")
    sort: Literal["date", "-date", "id", "-id"] = "date"


class EventIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    date: str = Field(
        min_length=1,
        max_length=40,
        description="a day, with a time if wanted: 2026-01-20, 20/1, 20 Jan 7pm, a weekday…",
    )
    location: str = Field(min_length=1, max_length=200)
    fee: str | None = Field(None, max_length=40, description="RM150, 150.50…")
    eo: str | None = Field(None, max_length=40, description="the organiser's phone")


class StatusIn(Strict):
    status: Status


class ItemIn(Strict):
    text: str = Field(min_length=1, max_length=200)


class CheckIn(Strict):
    item: str = Field(min_length=1, max_length=200, description="its number or start of its text")


class NoteIn(Strict):
    text: str = Field(min_length=1, max_length=4000)


def dump(event: Event) -> dict[str, Any]:
    """An event as the API shows it."""
    return {
        "id": event.id,
        "name": event.name,
        "date": event.date,
        "starts_at": event.starts_at,
        "location": event.location,
        "fee": f"{event.fee:.2f}",
        "eo_contact": event.eo_contact,
        "status": event.status,
        "checklist": event.checklist,
        "photos": event.photos,
        "notes": event.notes,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


CHANGES = actions.Changes("event", lambda key: dump(Event.get_by_id(int(key))))


@bp.get("", responses={200: EventPage}, summary="List events")
def list_events(query: EventQuery) -> dict:
    """Events by date (or id), filtered by status and dates; agents and admins."""
    actions.permit("event list")
    rows = Event.select()
    if query.status:
        rows = rows.where(Event.status == query.status)
    if query.date_from:
        rows = rows.where(Event.date >= query.date_from)
    if query.date_to:
        rows = rows.where(Event.date <= query.date_to)
    key = Event.date if query.sort.lstrip("-") == "date" else Event.id
    return page(rows, key, query.sort.startswith("-"), query, dump, query.sort)


@bp.get("/<int:id>", responses={200: EventOut}, summary="Show an event")
def show_event(path: IdPath) -> dict:
    """One event with its checklist, notes and photos."""
    actions.permit("event show")
    return dump(actions.found(lambda: get_event(path.id)))


@bp.post("", responses={201: ChangedEventOut}, summary="Plan an event")
def create_event(body: EventIn) -> tuple[dict, int]:
    """Create an event with the standard booth checklist (as /event create; admins)."""
    return CHANGES.run("event create", body.model_dump()), 201


@bp.post("/<int:id>/status", responses={200: ChangedEventOut}, summary="Move an event along")
def change_status(path: IdPath, body: StatusIn) -> dict:
    """planned → confirmed → setup → live → closed, or cancelled (as /event status; admins)."""
    return CHANGES.run("event status", {"n": path.id, "status": body.status})


@bp.post("/<int:id>/checklist", responses={200: ChangedEventOut}, summary="Add a checklist item")
def add_item(path: IdPath, body: ItemIn) -> dict:
    """Add an item to the checklist (as /event checklist; admins)."""
    return CHANGES.run("event checklist", {"n": path.id, "add": body.text}, {"add": "text"})


@bp.post("/<int:id>/check", responses={200: ChangedEventOut}, summary="Tick a checklist item")
def check_item(path: IdPath, body: CheckIn) -> dict:
    """Tick an item by its number or the start of its text (as /event check)."""
    return CHANGES.run("event check", {"n": path.id, "item": body.item})


@bp.post("/<int:id>/notes", responses={200: ChangedEventOut}, summary="Add a note")
def add_note(path: IdPath, body: NoteIn) -> dict:
    """Add a note (as /event note)."""
    return CHANGES.run("event note", {"n": path.id, "text": body.text})
