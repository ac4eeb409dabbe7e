"""After a draw, for admins: the winners in full, every entry as a CSV file, prizes collected."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import secrets

from commands.campaigns import CODE, find, local_day
from commands.draws import drawn
from domain import contacts
from domain.campaigns import entries
from models import Contact, Draw, Entry, utcnow
from storage.base import send_once_key
from wocs.audit import audit
from wocs.context import CommandError, Context, NotFound, Result
from wocs.registry import Arg, command
from wocs.replies import LIST_LIMIT, capped_list
from wocs.types import ValueType
from wocs.values import ValueProblem, is_bsuid

COLUMNS = (
    "entry",
    "ticket",
    "name",
    "phone",
    "bsuid",
    "username",
    "entered",
    "winner",
    "collected",
)
FORMULA_START = ("=", "+", "-", "@")  # a spreadsheet would run such a cell as a formula
CHUNK = 1000  # entries whose contacts are looked up in one query


def _ticket(text: str, ctx: Context) -> str:
    ticket = text.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{4,12}", ticket):
        raise ValueProblem(
            f"'{text.strip()[:20]}' is not a ticket: tickets are letters and digits, like K7QF2M9A."
        )
    return ticket


TICKET = ValueType("ticket", _ticket)


def _addresses(entry: Entry, contact: Contact | None) -> tuple[str, str, str]:
    """The entrant's phone, BSUID and username, as far as their contact knows them."""
    bsuid = is_bsuid(entry.phone)
    phone = (contact.phone if contact else "") if bsuid else entry.phone
    other = entry.phone if bsuid else (contact.bsuid if contact else "")
    return phone or "", other or "", contact.username if contact else ""


def _reach(entry: Entry, contact: Contact | None) -> str:
    """How to reach a winner: the phone, else the username and BSUID."""
    phone, bsuid, username = _addresses(entry, contact)
    if phone:
        return f"+{phone}"
    return " ".join(filter(None, (f"@{username}" if username else "", f"BSUID {bsuid}")))


def _shown(moment: dt.datetime, ctx: Context, fmt: str) -> str:
    return moment.replace(tzinfo=dt.UTC).astimezone(ctx.tz).strftime(fmt)


@command("campaign winners", role="admin", args=(Arg("code", CODE, hint="<CODE>"),))
def list_winners(ctx: Context, code: str) -> Result:
    """List a drawn campaign's winners in full: name, phone, ticket, and whether they collected."""
    campaign, draw = drawn(code)
    found = {
        e.id: e for e in Entry.select().where(Entry.id.in_([w["entry"] for w in draw.winners]))
    }
    known = contacts.by_address(e.phone for e in found.values())
    lines, collected = [], 0
    for place, winner in enumerate(draw.winners, start=1):
        entry = found.get(winner["entry"])
        if entry is None:  # removed after the draw; the draw still names its ticket
            lines.append(f"{place}. (entry removed) · ticket {winner['ticket']}")
            continue
        collected += entry.claimed_at is not None
        state = (
            f"collected {local_day(entry.claimed_at, ctx)}"
            if entry.claimed_at
            else f"given up to redraw {winner['forfeited']}"
            if "forfeited" in winner
            else "not collected"
        )
        if "redraw" in winner:
            state += f" (redraw {winner['redraw']})"
        reach = _reach(entry, known.get(entry.phone))
        lines.append(
            f"{place}. {entry.name or 'No name'} · {reach} · ticket {entry.ticket} · {state}"
        )
    text = capped_list(f"{campaign.code} winners", len(lines), lines, f", {collected} collected")
    more = f"\nAll of them: /campaign entries {campaign.code}" if len(lines) > LIST_LIMIT else ""
    return Result(
        f"{text}{more}\nMark a prize collected: /campaign claimed {campaign.code} <ticket>",
        entity=f"campaign:{campaign.code}",
    )


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _rows(campaign_id: int, ctx: Context, places: dict[int, int]) -> io.StringIO:
    """Every entry of a campaign as CSV, oldest first, with its place among the winners."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    query = Entry.select().where(Entry.campaign == campaign_id).order_by(Entry.id).iterator()
    while chunk := list(itertools.islice(query, CHUNK)):
        known = contacts.by_address(e.phone for e in chunk)
        for entry in chunk:
            phone, bsuid, username = _addresses(entry, known.get(entry.phone))
            claimed = entry.claimed_at
            writer.writerow(
                (
                    entry.id,
                    entry.ticket,
                    _cell(entry.name),
                    phone,
                    bsuid,
                    _cell(username),
                    _shown(entry.submitted_at, ctx, "%Y-%m-%d %H:%M:%S"),
                    places.get(entry.id, ""),
                    _shown(claimed, ctx, "%Y-%m-%d %H:%M") if claimed else "",
                )
            )
    return buffer


@command("campaign entries", role="admin", args=(Arg("code", CODE, hint="<CODE>"),))
def export_entries(ctx: Context, code: str) -> Result:
    """Get every entry of a campaign as a CSV file: full phones, winners and prizes collected."""
    campaign = find(code)
    draw = Draw.get(Draw.campaign == campaign)
    count = campaign.entries.count()
    if not count:
        raise CommandError(f"{campaign.code} has no entries yet, so there is nothing to send.")
    places = {w["entry"]: n for n, w in enumerate(draw.winners, start=1)}
    data = _rows(campaign.id, ctx, places).getvalue().encode("utf-8-sig")  # BOM: Excel reads UTF-8
    stamp = _shown(utcnow(), ctx, "%Y%m%d-%H%M")
    # Kept in storage (the sending worker may be elsewhere) until the message is sent.
    key = send_once_key(f"{campaign.code}-entries-{stamp}.csv", secrets.token_hex(8))
    stored = ctx.storage.save(key, data, "text/csv")
    audit(ctx, "campaign.entries.export", f"campaign:{campaign.code}", None, {"entries": count})
    return Result(
        f"{campaign.code}: {entries(count)} as a CSV file. It has full phone numbers: keep it private.",
        document=stored.key,
        entity=f"campaign:{campaign.code}",
    )


@command(
    "campaign claimed",
    role="admin",
    args=(Arg("code", CODE, hint="<CODE>"), Arg("ticket", TICKET, hint="<ticket>")),
)
def claim_prize(ctx: Context, code: str, ticket: str) -> Result:
    """Mark a winner's prize collected, by their ticket; /campaign winners and the page show it."""
    campaign, draw = drawn(code)
    winner = next((w for w in draw.winners if w["ticket"] == ticket), None)
    entry = Entry.get_or_none(Entry.id == winner["entry"]) if winner else None
    if entry is None:
        entered = Entry.select().where(Entry.campaign == campaign, Entry.ticket == ticket).exists()
        if entered:
            raise CommandError(f"Ticket {ticket} is in {campaign.code} but did not win.")
        raise NotFound(
            f"{campaign.code} has no winning ticket {ticket}. "
            f"Send /campaign winners {campaign.code} to see them.",
            f"ticket {ticket}",
        )
    who = entry.name or "the winner"
    forfeited = (winner or {}).get("forfeited")
    if forfeited and not entry.claimed_at:
        raise CommandError(
            f"Ticket {ticket} ({who}) gave up its prize to redraw {forfeited} of "
            f"{campaign.code}, so it cannot be collected any more."
        )
    if entry.claimed_at:
        return Result(
            f"Ticket {ticket} ({who}) was already collected on {local_day(entry.claimed_at, ctx)}.",
            entity=f"campaign:{campaign.code}",
        )
    entry.claimed_at, entry.claimed_by = utcnow(), ctx.phone
    entry.save()
    audit(
        ctx,
        "prize.claimed",
        f"campaign:{campaign.code}",
        {"ticket": ticket, "collected": False},
        {"ticket": ticket, "collected": True},
    )
    standing = [w["entry"] for w in draw.winners if "forfeited" not in w]
    done = Entry.select().where(Entry.id.in_(standing), Entry.claimed_at.is_null(False)).count()
    if done == len(standing) and draw.state in ("drawn", "redrawn"):
        draw.state = "finished"  # every prize is collected: the draw is over
        draw.save()
    return Result(
        f"Ticket {ticket} ({who}) of {campaign.code}: prize collected. "
        f"{done} of {len(standing)} collected."
        + (" Every prize is collected: the draw is finished." if draw.state == "finished" else ""),
        entity=f"campaign:{campaign.code}",
    )
