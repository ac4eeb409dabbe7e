"""The public campaign page: how to enter, the committed draw, and its verifiable result."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, render_template

from jobs.draws import published_lines
from models import Campaign, Draw
from wocs import qr
from wocs.values import mask_phone

bp = Blueprint("pages", __name__)


def _day(moment: dt.datetime) -> str:
    tz = current_app.config["WOCS_SETTINGS"].tz
    return moment.replace(tzinfo=dt.UTC).astimezone(tz).strftime("%a %d %b %Y")


def _campaign_or_404(code: str) -> tuple[Campaign, Draw]:
    campaign = Campaign.get_or_none(Campaign.code == code.upper()[:32])
    if campaign is None:
        from flask import abort

        abort(404)
    return campaign, Draw.get(Draw.campaign == campaign)


@bp.get("/c/<code>")
def campaign_page(code: str) -> str:
    """Prize, dates, how to enter (link and QR), entry count, the commitment and the result."""
    campaign, draw = _campaign_or_404(code)
    winners = [
        {
            "name": (w["name"] or "Entrant").split()[0],
            "phone": mask_phone(w["phone"]),
            "entry": w["entry"],
        }
        for w in draw.winners
    ]
    return render_template(
        "pages/campaign.html",
        campaign=campaign,
        draw=draw,
        winners=winners,
        start=_day(campaign.start_at),
        end=_day(campaign.end_at),
        entries=campaign.entries.count(),
        join_text=qr.join_text(campaign.code),
        qr_svg=qr.qr_svg(campaign.qr_code),
    )


@bp.get("/c/<code>/entries.txt")
def campaign_entries(code: str) -> Response:
    """The frozen entry lines a draw hashed, so anyone can recompute it (tickets, not phones)."""
    campaign, draw = _campaign_or_404(code)
    if draw.state != "drawn":
        return Response(
            "The entries are published when the draw is made.\n", 404, mimetype="text/plain"
        )
    lines = published_lines(campaign, limit=draw.entry_count)
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
