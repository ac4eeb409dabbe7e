"""Campaigns: lucky draws customers enter by message, each with a QR code and a committed seed."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from domain.campaigns import draw_states, entries, freeze, locked_draw, state_of
from models import Campaign, Draw, Entry, utcnow
from wocs import draw as draws
from wocs import qr
from wocs.audit import audit
from wocs.context import CommandError, Context, NotFound, Result
from wocs.dates import show_date
from wocs.registry import PAGE, Arg, Key, command, family_alias
from wocs.replies import LIST_LIMIT, empty_list, page_start, paged
from wocs.types import DATE, LONG_TEXT, TEXT, ValueType
from wocs.values import ValueProblem

family_alias("campaign", "kempen")

CODE_PATTERN = re.compile(r"[A-Z0-9]{3,20}")
TICKET_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread (no 0/O, 1/I)


def _code(text: str, ctx: Context) -> str:
    code = text.strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise ValueProblem(
            f"'{text.strip()[:30]}' is not a campaign code: use 3 to 20 letters and digits, like RAYA26."
        )
    return code


def _url(text: str, ctx: Context) -> str:
    url = text.strip()
    if not re.fullmatch(r"https://[^\s<>\"']{3,490}", url):
        raise ValueProblem(f"'{url[:40]}' is not a web address: it must start with https://")
    return url


CODE = ValueType("code", _code)
URL = ValueType("link", _url, verbatim=True)


def business_day_bounds(day: dt.date, ctx: Context) -> tuple[dt.datetime, dt.datetime]:
    """The first and last moment of a business day, as naive UTC."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=ctx.tz)
    end = dt.datetime.combine(day, dt.time.max.replace(microsecond=0), tzinfo=ctx.tz)
    return (
        start.astimezone(dt.UTC).replace(tzinfo=None),
        end.astimezone(dt.UTC).replace(tzinfo=None),
    )


def local_day(moment: dt.datetime, ctx: Context) -> str:
    """A stored UTC time shown as the business day it falls on."""
    return show_date(moment.replace(tzinfo=dt.UTC).astimezone(ctx.tz).date())


def find(code: str) -> Campaign:
    """The campaign with this code, or a CommandError that says how to find one."""
    campaign = Campaign.get_or_none(Campaign.code == code.upper())
    if campaign is None:
        raise NotFound(
            f"There is no campaign {code.upper()[:20]}. Send /campaign list to see them.",
            f"campaign {code.upper()[:20]}",
        )
    return campaign


@command(
    "campaign create",
    role="admin",
    keys=(
        Key("code", CODE, required=True, aliases=("kod",), hint="<CODE>"),
        Key("prize", TEXT, required=True, aliases=("hadiah",), hint="<prize>"),
        Key("start", DATE, required=True, aliases=("mula",), hint="<date>"),
        Key("end", DATE, required=True, aliases=("tamat",), hint="<date>"),
        Key("requirements", LONG_TEXT, aliases=("syarat",), hint="<how to qualify>"),
        Key("form", URL, hint="<https://…>"),
    ),
)
def create_campaign(
    ctx: Context,
    code: str,
    prize: str,
    start: dt.date,
    end: dt.date,
    requirements: str = "",
    form: str = "",
) -> Result:
    """Create a lucky-draw campaign; its draw is committed to a secret seed at once."""
    if end < start:
        raise CommandError("end: comes before start:. Give an end date on or after the start date.")
    if end < ctx.today:
        raise CommandError("end: is in the past; a campaign must still be open on its last day.")
    if Campaign.get_or_none(Campaign.code == code):
        raise CommandError(f"{code} is already taken. Pick another code.")
    start_at, _ = business_day_bounds(start, ctx)
    _, end_at = business_day_bounds(end, ctx)
    campaign = Campaign.create(
        code=code,
        prize=prize[:200],
        requirements=requirements,
        start_at=start_at,
        end_at=end_at,
        google_form_url=form,
        qr_code=qr.wa_link(ctx.business_number, code),
    )
    seed = draws.new_seed()
    draw = Draw.create(campaign=campaign, seed=seed.hex(), commitment=draws.commitment(seed))
    ctx.later("jobs.draws.close_when_due", draw.id)  # it closes by itself at its end time
    audit(
        ctx,
        "campaign.create",
        f"campaign:{code}",
        None,
        {"prize": prize, "start": start, "end": end},
    )
    return Result(
        f"Campaign {code} created: {prize}, {local_day(start_at, ctx)} to {local_day(end_at, ctx)}.\n"
        f"Customers enter by sending: JOIN {code}\n"
        f"Send /campaign qr {code} for the QR code.",
        entity=f"campaign:{code}",
    )


@command("campaign list", role="agent", keys=(PAGE,))
def list_campaigns(ctx: Context, page: int = 1) -> Result:
    """List campaigns, newest first, with their entry counts; 20 a page."""
    now = utcnow()
    rows = Campaign.select().order_by(Campaign.start_at.desc(), Campaign.id.desc())
    total = rows.count()
    if not total:
        return empty_list("No campaigns yet. Create one with /campaign create.")
    shown = list(rows.offset(page_start(page, total)).limit(LIST_LIMIT))
    drawn = draw_states(c.id for c in shown)
    lines = [
        f"{c.code} — {c.prize} ({state_of(c, now, drawn.get(c.id, ''))}, "
        f"{entries(c.entries.count())}, "
        f"{local_day(c.start_at, ctx)} to {local_day(c.end_at, ctx)})"
        for c in shown
    ]
    more = f"/campaign list page {page + 1}"
    return paged("Campaigns", total, lines, page, more, lang=ctx.language)


@command("campaign show", role="agent", args=(Arg("code", CODE, hint="<CODE>"),))
def show_campaign(ctx: Context, code: str) -> Result:
    """Show a campaign: dates, entries, how to enter, and its draw commitment."""
    campaign = find(code)
    draw = Draw.get(Draw.campaign == campaign)
    lines = [
        f"{campaign.code}: {campaign.prize}",
        f"{local_day(campaign.start_at, ctx)} to {local_day(campaign.end_at, ctx)} · "
        f"{state_of(campaign, utcnow(), draw.state)} · {entries(campaign.entries.count())}",
        f"Enter: send JOIN {campaign.code} · {campaign.qr_code}",
    ]
    if campaign.requirements:
        lines.append(f"Requirements: {campaign.requirements}")
    if campaign.google_form_url:
        lines.append(f"Form: {campaign.google_form_url}")
    lines.append(f"Draw commitment (SHA-256 of the secret seed): {draw.commitment}")
    if draw.frozen_at is not None:
        lines.append(f"Closed: {closed_facts(draw)}")
    if draw.state in draws.DRAWN_STATES:
        lines.append(f"Drawn: seed {draw.seed}, {len(draw.winners)} winner(s).")
    return Result("\n".join(lines), entity=f"campaign:{campaign.code}")


@command("campaign qr", role="agent", args=(Arg("code", CODE, hint="<CODE>"),))
def campaign_qr(ctx: Context, code: str) -> Result:
    """Get the campaign's QR code: scanning it opens WhatsApp with JOIN <CODE> typed in."""
    campaign = find(code)
    # Kept in storage, not a local file: the worker that sends it may run on another machine.
    stored = ctx.storage.save(f"qr/{campaign.code}.png", qr.qr_png(campaign.qr_code), "image/png")
    return Result(
        f"Scan to join {campaign.code}: {campaign.prize}\n{campaign.qr_code}",
        image=stored.key,
        entity=f"campaign:{campaign.code}",
    )


@command("campaign close", role="admin", args=(Arg("code", CODE, hint="<CODE>"),))
def close_campaign(ctx: Context, code: str) -> Result:
    """Close a campaign: freeze its entries, publish their digest and fix the beacon round."""
    campaign = find(code)
    draw = locked_draw(campaign)
    if draw.state != "committed":
        return Result(
            f"{campaign.code} is already closed: {closed_facts(draw)}",
            entity=f"campaign:{campaign.code}",
        )
    freeze(draw, utcnow(), ctx.beacon)
    audit(
        ctx,
        "campaign.close",
        f"campaign:{campaign.code}",
        {"status": "open"},
        {"status": "closed", "entries": draw.entry_count, "round": draw.beacon_round},
    )
    return Result(
        f"{campaign.code} is closed to new entries. {closed_facts(draw)}\n"
        f"Draw it with /draw {campaign.code}.",
        entity=f"campaign:{campaign.code}",
    )


def closed_facts(draw: Draw) -> str:
    """What a closed draw has published: the count, the digest and the round that decides it."""
    return (
        f"{entries(draw.entry_count)} frozen, digest {draw.entries_digest}; "
        f"decided by drand round {draw.beacon_round}."
    )


def join(phone: str, name: str, code: str, ctx: Context) -> str:
    """Enter a customer into a campaign once; the reply says what happened, in English and Malay."""
    campaign = Campaign.get_or_none(Campaign.code == code.upper())
    if campaign is None:
        return (
            f"Sorry, we couldn't find a campaign called {code.upper()[:20]}. Please check the code.\n"
            "Maaf, kod kempen itu tidak dijumpai. Sila semak kod."
        )
    now = ctx.now.astimezone(dt.UTC).replace(tzinfo=None)
    # The lock the close takes too: an entry is either in the frozen list or refused.
    state = state_of(campaign, now, locked_draw(campaign).state)
    if state == "upcoming":
        opens = local_day(campaign.start_at, ctx)
        return f"{campaign.code} opens on {opens}. Please try again then! / Kempen belum bermula."
    if state in ("closed", "drawing", "drawn"):  # its entries are frozen for the draw
        return (
            f"Sorry, {campaign.code} is closed: its entries were frozen for the draw, "
            "so no new entry can join. Watch out for our next draw!\n"
            f"Maaf, {campaign.code} telah ditutup: penyertaan telah dibekukan untuk cabutan."
        )
    if state != "open":
        return f"Sorry, {campaign.code} has ended. Watch out for our next draw! / Maaf, kempen telah tamat."
    ticket = "".join(secrets.choice(TICKET_LETTERS) for _ in range(8))
    added = (
        Entry.insert(campaign=campaign, phone=phone, name=name[:120], ticket=ticket)
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    if not added:
        ticket = Entry.get(Entry.campaign == campaign, Entry.phone == phone).ticket
        return (
            f"You're already in the {campaign.code} draw with ticket {ticket} — good luck! "
            "/ Anda sudah menyertai cabutan ini."
        )
    return (
        f"You're in the {campaign.code} lucky draw for {campaign.prize}! Your ticket: {ticket}. "
        "We'll message you if you win.\n"
        f"Anda telah menyertai cabutan bertuah {campaign.code}. Semoga berjaya!"
    )
