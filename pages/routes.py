"""The public campaign page: how to enter, the committed draw, and its verifiable result."""

from __future__ import annotations

import datetime as dt
from typing import cast

from flask import Blueprint, Response, current_app, jsonify, render_template

from domain.campaigns import published_lines, state_of
from domain.draw_record import public_record
from models import Campaign, Draw, Entry, utcnow
from wocs import qr
from wocs.beacon import BeaconSettings
from wocs.dates import show_date
from wocs.draw import DRAWN_STATES
from wocs.values import mask_phone

bp = Blueprint("pages", __name__)

# What the page shows for each campaign state: ended, closed and drawing all mean "entries closed".
PAGE_STATES = {"upcoming": "upcoming", "open": "open", "drawn": "drawn"}
FROZEN = ("closed", "queued", *DRAWN_STATES)  # draw states whose entries are frozen
MS_DAYS = ("Isnin", "Selasa", "Rabu", "Khamis", "Jumaat", "Sabtu", "Ahad")
MS_MONTHS = [
    "Januari",
    "Februari",
    "Mac",
    "April",
    "Mei",
    "Jun",
    "Julai",
    "Ogos",
    "September",
    "Oktober",
    "November",
    "Disember",
]


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC).astimezone(current_app.config["WOCS_SETTINGS"].tz)


def _day(moment: dt.datetime) -> str:
    return show_date(_local(moment).date())


def _day_ms(moment: dt.datetime) -> str:
    """The business day in Malay, e.g. Khamis, 1 Januari 2026."""
    day = _local(moment)
    return f"{MS_DAYS[day.weekday()]}, {day.day} {MS_MONTHS[day.month - 1]} {day.year}"


def beacon() -> BeaconSettings:
    """The drand chain this app's draws are decided by."""
    return cast(BeaconSettings, current_app.config["WOCS_SETTINGS"].beacon)


def _missing(code: str) -> Response:
    """A 404 page in English and Malay for a code no campaign has."""
    page = render_template("pages/not_found.html", code=code.upper()[:32])
    return Response(page, 404)


def _winners(draw: Draw) -> list[dict[str, object]]:
    """The winners as the public may see them: first name, masked address, ticket, collected."""
    ids = [w["entry"] for w in draw.winners]
    collected = {
        e.id
        for e in Entry.select(Entry.id).where(Entry.id.in_(ids), Entry.claimed_at.is_null(False))
    }
    return [
        {
            "name": (w["name"] or "Entrant").split()[0],
            "phone": mask_phone(w["phone"]),
            "ticket": w["ticket"],
            "collected": w["entry"] in collected,
            "redraw": w.get("redraw"),
            "forfeited": w.get("forfeited") if w["entry"] not in collected else None,
        }
        for w in draw.winners
    ]


@bp.get("/c/<code>")
def campaign_page(code: str) -> Response:
    """Prize, dates, the state, how to enter while open (link and QR), the draw and its check."""
    campaign = Campaign.get_or_none(Campaign.code == code.upper()[:32])
    if campaign is None:
        return _missing(code)
    draw = Draw.get(Draw.campaign == campaign)
    now = utcnow()
    state = PAGE_STATES.get(state_of(campaign, now, draw.state), "closed")
    page = render_template(
        "pages/campaign.html",
        campaign=campaign,
        draw=draw,
        state=state,
        winners=_winners(draw) if state == "drawn" else [],
        start=_day(campaign.start_at),
        end=_day(campaign.end_at),
        start_ms=_day_ms(campaign.start_at),
        end_ms=_day_ms(campaign.end_at),
        as_of=_local(now).strftime("%H:%M"),
        frozen=draw.state in FROZEN,
        redraws=draw.redraws,
        round_at=_local(beacon().round_time(draw.beacon_round)).strftime("%d %b %Y %H:%M:%S")
        if draw.beacon_round
        else "",
        entries=campaign.entries.count(),
        join_text=qr.join_text(campaign.code),
        qr_svg=qr.qr_svg(campaign.qr_code) if state == "open" else "",
    )
    answer = Response(page)
    answer.headers["Cache-Control"] = "no-cache"  # the count and the state change; always ask
    return answer


@bp.get("/c/<code>/entries.txt")
def campaign_entries(code: str) -> Response:
    """The frozen entry lines a draw hashed, so anyone can recompute it (tickets, not phones)."""
    campaign = Campaign.get_or_none(Campaign.code == code.upper()[:32])
    if campaign is None:
        return _missing(code)
    draw = Draw.get(Draw.campaign == campaign)
    if draw.frozen_at is None:
        return Response(
            "The entries are published when the campaign closes.\n"
            "Senarai penyertaan diterbitkan apabila kempen ditutup.\n",
            404,
            mimetype="text/plain",
        )
    lines = published_lines(campaign, limit=draw.entry_count)
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/c/<code>/draw.json")
def campaign_record(code: str) -> Response:
    """Everything the draw published, as one file `verify-draw --from-file` re-checks."""
    campaign = Campaign.get_or_none(Campaign.code == code.upper()[:32])
    if campaign is None:
        return _missing(code)
    answer = jsonify(public_record(campaign))
    answer.headers["Cache-Control"] = "no-cache"
    disposition = f'attachment; filename="{campaign.code}-draw.json"'
    answer.headers["Content-Disposition"] = disposition
    return answer
