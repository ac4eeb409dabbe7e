"""Campaigns: public facts for everyone, entries, stats, and the verifiable draw as /draw runs it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from peewee import fn
from pydantic import BaseModel, Field

from api import actions, principal
from api.common import Strict, blueprint, not_found
from api.paging import Page, PageQuery, page
from domain.campaigns import state_of
from models import Campaign, Draw, Entry, utcnow
from wocs.values import mask_phone

bp = blueprint("campaigns", "Lucky-draw campaigns, their entries and draws")
CODE = r"^[A-Za-z0-9]{3,20}$"  # the command's CODE_PATTERN in either case: it upper-cases


def _code() -> Any:
    return Field(pattern=CODE, description="3 to 20 letters and digits, like RAYA26")


class CodePath(BaseModel):
    code: str = _code()


class Winner(BaseModel):
    ticket: str
    name: str


class DrawOut(BaseModel):
    state: Literal["committed", "closed", "queued", "drawn", "finished"]
    commitment: str = Field(description="SHA-256 of the secret seed, published before the draw")
    beacon_round: int | None = Field(description="the drand round fixed when the entries froze")
    seed: str | None = Field(description="revealed once drawn")
    entries_digest: str | None
    winners: list[Winner]


class CampaignOut(BaseModel):
    code: str
    prize: str
    requirements: str
    start_at: dt.datetime
    end_at: dt.datetime
    state: Literal["open", "upcoming", "ended", "closed"]
    join_link: str = Field(description="opens WhatsApp with JOIN <CODE> typed in")
    form_url: str
    entries: int
    draw: DrawOut


class CampaignPage(Page):
    items: list[CampaignOut]


class CampaignQuery(PageQuery):
    sort: Literal["id", "-id"] = "-id"


class EntryOut(BaseModel):
    id: int
    ticket: str
    name: str
    phone: str = Field(description="masked unless the caller is an admin or the entrant")
    verified: bool
    submitted_at: dt.datetime


class EntryPage(Page):
    items: list[EntryOut]


class DayCount(BaseModel):
    day: str = Field(description="UTC day, YYYY-MM-DD")
    entries: int


class StatsOut(BaseModel):
    code: str
    state: str
    entries: int
    by_day: list[DayCount]
    draw_state: str
    winners: int


class CampaignIn(Strict):
    code: str = _code()
    prize: str = Field(min_length=1, max_length=200)
    start: str = Field(min_length=1, max_length=40, description="2026-01-20, 20/1, today…")
    end: str = Field(min_length=1, max_length=40)
    requirements: str | None = Field(None, max_length=4000)
    form: str | None = Field(None, max_length=500, description="an https:// form link")


class DrawIn(Strict):
    winners: int = Field(1, ge=1, le=2**31 - 1)


class ChangedCampaignOut(BaseModel):
    message: str = Field(description="the reply the bot would send for the same change")
    campaign: CampaignOut


def dump(campaign: Campaign) -> dict[str, Any]:
    """A campaign as anyone may see it (no phones)."""
    draw = Draw.get(Draw.campaign == campaign)
    drawn = draw.state in ("drawn", "finished")
    return {
        "code": campaign.code,
        "prize": campaign.prize,
        "requirements": campaign.requirements,
        "start_at": campaign.start_at,
        "end_at": campaign.end_at,
        "state": state_of(campaign, utcnow()),
        "join_link": campaign.qr_code,
        "form_url": campaign.google_form_url,
        "entries": campaign.entries.count(),
        "draw": {
            "state": draw.state,
            "commitment": draw.commitment,
            "beacon_round": draw.beacon_round,
            "seed": draw.seed if drawn else None,
            "entries_digest": draw.entries_digest or None,
            "winners": [{"ticket": w["ticket"], "name": w["name"]} for w in draw.winners],
        },
    }


def _find(code: str) -> Campaign:
    principal.current()
    campaign = Campaign.get_or_none(Campaign.code == code.upper())
    if campaign is None:
        raise not_found(f"campaign {code.upper()}")
    return campaign


CHANGES = actions.Changes("campaign", lambda code: dump(Campaign.get(Campaign.code == code)))


@bp.get("", responses={200: CampaignPage}, summary="List campaigns")
def list_campaigns(query: CampaignQuery) -> dict:
    """Every campaign, newest first; anyone logged in (the campaign pages are public too)."""
    principal.current()
    rows = Campaign.select()
    return page(rows, Campaign.id, query.sort.startswith("-"), query, dump, query.sort)


@bp.get("/<code>", responses={200: CampaignOut}, summary="Show a campaign")
def show_campaign(path: CodePath) -> dict:
    """A campaign with its draw commitment (and, once drawn, its seed and winners)."""
    return dump(_find(path.code))


@bp.post("", responses={201: ChangedCampaignOut}, summary="Create a campaign")
def create_campaign(body: CampaignIn) -> tuple[dict, int]:
    """Create a campaign; its draw is committed to a secret seed at once (as /campaign create)."""
    return CHANGES.run("campaign create", body.model_dump()), 201


@bp.post("/<code>/close", responses={200: ChangedCampaignOut}, summary="Close a campaign")
def close_campaign(path: CodePath) -> dict:
    """Close it to new entries (as /campaign close; admins)."""
    return CHANGES.run("campaign close", {"code": path.code})


@bp.post("/<code>/select-winner", responses={202: ChangedCampaignOut}, summary="Draw winners")
def select_winner(path: CodePath, body: DrawIn) -> tuple[dict, int]:
    """Queue the verifiable draw exactly as /draw does; winners are told by WhatsApp (admins)."""
    return CHANGES.run("draw", {"code": path.code, "winners": body.winners}), 202


@bp.get("/<code>/entries", responses={200: EntryPage}, summary="List entries")
def list_entries(path: CodePath, query: CampaignQuery) -> dict:
    """Staff see every entry (phones masked except for admins); a user sees only their own."""
    campaign = _find(path.code)
    who = principal.current()
    rows = Entry.select().where(Entry.campaign == campaign)
    if not who.may("agent"):
        rows = rows.where(Entry.phone == who.phone)

    def entry(row: Entry) -> dict[str, Any]:
        shown = row.phone if who.may("admin") or row.phone == who.phone else mask_phone(row.phone)
        return {
            "id": row.id,
            "ticket": row.ticket,
            "name": row.name,
            "phone": shown,
            "verified": row.verified,
            "submitted_at": row.submitted_at,
        }

    return page(rows, Entry.id, query.sort.startswith("-"), query, entry, query.sort)


@bp.get("/<code>/stats", responses={200: StatsOut}, summary="Campaign figures")
def campaign_stats(path: CodePath) -> dict:
    """Entries in all and by day, and where the draw stands (as /campaign show allows)."""
    actions.permit("campaign show")
    campaign = _find(path.code)
    day = fn.DATE(Entry.submitted_at)
    counts = (
        Entry.select(day.alias("day"), fn.COUNT(Entry.id).alias("n"))
        .where(Entry.campaign == campaign)
        .group_by(day)
        .order_by(day)
        .tuples()
    )
    by_day = [{"day": str(d)[:10], "entries": n} for d, n in counts]
    draw = Draw.get(Draw.campaign == campaign)
    return {
        "code": campaign.code,
        "state": state_of(campaign, utcnow()),
        "entries": sum(d["entries"] for d in by_day),
        "by_day": by_day,
        "draw_state": draw.state,
        "winners": len(draw.winners),
    }
