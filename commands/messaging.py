"""Messaging: approved templates to a phone or a segment (/send), to a campaign's entrants (/broadcast)."""

from __future__ import annotations

import datetime as dt
import re

from commands.campaigns import CODE, find
from domain import contacts
from domain.broadcasts import audience_phones, describe
from models import BULK, DEFAULT, Broadcast, Campaign, Contact, utcnow
from wocs import dates, values
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.message_templates import readable, usable
from wocs.registry import Arg, Key, command
from wocs.replies import capped_list, plural
from wocs.types import INT, TEXT, ValueType
from wocs.values import ValueProblem

SEGMENTS = ("agents", "admins", "all-contacts")
AT_HINT = "Write it like 2026-01-20 09:00, tomorrow 9am, friday 20:30 or 21:00 (today)."
_VAR_SPLIT = re.compile(r"\s*[;|]\s*")


def _audience(text: str, ctx: Context) -> str:
    """A phone number, a BSUID (a customer known by username), or a segment."""
    raw = text.strip().lower().replace(" ", "")
    if raw in SEGMENTS:
        return raw
    bsuid = values.parse_bsuid(text)
    if bsuid:
        return bsuid  # sent through `recipient` (see domain/contacts.py)
    if raw.startswith("entrants:"):
        code = CODE.convert(raw.split(":", 1)[1], ctx)
        if not Campaign.select().where(Campaign.code == code).exists():
            raise ValueProblem(f"There is no campaign {code}. Send /campaign list to see them.")
        return f"entrants:{code}"
    try:
        return values.parse_phone(text)
    except ValueProblem:
        raise ValueProblem(
            f"'{text.strip()[:30]}' is neither a phone number, a BSUID nor a segment. "
            f"Segments: entrants:CODE, {', '.join(SEGMENTS)}."
        ) from None


def _moment(text: str, ctx: Context) -> dt.datetime:
    """A future business-time moment, returned as naive UTC."""
    try:
        when = dates.parse_when(text, ctx.today)
    except ValueProblem:
        when = None
    if when is None or when.time is None:
        raise ValueProblem(f"'{text.strip()[:30]}' is not a date and time. {AT_HINT}")
    if when.passed is not None:
        raise dates.passed_problem(text, when.passed, when.day)
    moment = dt.datetime.combine(when.day, when.time, tzinfo=ctx.tz)
    if moment <= ctx.now:
        raise ValueProblem(f"{dates.show_when(when.day, when.time)} has passed. Give a later time.")
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _vars(text: str, ctx: Context) -> list[str]:
    """Template values, separated by ; or |."""
    parts = [p for p in _VAR_SPLIT.split(text.strip()) if p]
    if any(len(p) > values.MAX_INPUT for p in parts):
        raise ValueProblem(f"each value may be at most {values.MAX_INPUT} characters.")
    return parts


AUDIENCE = ValueType("phone, BSUID or segment", _audience)
MOMENT = ValueType("date and time", _moment)
VARS = ValueType("values", _vars, verbatim=True)
TEMPLATE_KEYS = (
    Key("template", TEXT, required=True, aliases=("templat",), hint="<name>"),
    Key("vars", VARS, aliases=("values", "nilai"), hint="<value; value>"),
    Key("at", MOMENT, aliases=("pada",), hint="<date time>"),
)


def _queue(
    ctx: Context, audience: str, template: str, params: list[str], at: dt.datetime | None
) -> Result:
    """Check the template and the audience, store the broadcast, and ask for its job."""
    try:
        approved = usable(template, params)
    except ValueProblem as exc:
        raise CommandError(str(exc)) from None
    phones = list(audience_phones(audience))
    if not phones:
        raise CommandError(f"{audience} has nobody to send to yet.")
    stopped = (
        Contact.select()
        .where(contacts.matching(phones), Contact.opted_out_at.is_null(False))
        .count()
    )
    code = audience.split(":", 1)[1] if audience.startswith("entrants:") else None
    broadcast = Broadcast.create(
        audience=audience,
        campaign=find(code) if code else None,
        template=approved.name,
        language=approved.language,
        params=params,
        requested_by=ctx.phone,
        queue=DEFAULT if len(phones) == 1 else BULK,
        send_at=at,
    )
    audit(
        ctx,
        "broadcast.create",
        f"broadcast:{broadcast.id}",
        None,
        {"audience": audience, "template": approved.name, "recipients": len(phones)},
    )
    ctx.later("jobs.broadcasts.run_broadcast", broadcast.id)
    when = dates.show_moment(at, ctx.tz) if at else "now"
    skip = f", {stopped} opted out (skipped)" if stopped else ""
    return Result(
        f"Broadcast {describe(broadcast)}: {plural(len(phones), 'recipient')}{skip}, "
        f"sending {when}. "
        f"I'll tell you how it goes.\nPreview: {readable(approved.name, approved.language, params)}",
        entity=f"broadcast:{broadcast.id}",
    )


@command(
    "send",
    role="admin",
    keys=(
        Key("to", AUDIENCE, required=True, aliases=("kepada",), hint="<phone, BSUID or segment>"),
        *TEMPLATE_KEYS,
    ),
)
def send(
    ctx: Context,
    to: str,
    template: str,
    vars: list[str] | None = None,
    at: dt.datetime | None = None,
) -> Result:
    """Send an approved template to a phone, a BSUID or a segment (entrants:CODE, agents, admins, all-contacts)."""
    return _queue(ctx, to, template, vars or [], at)


@command(
    "broadcast",
    role="admin",
    keys=(
        Key("campaign", CODE, required=True, aliases=("kempen",), hint="<CODE>"),
        *TEMPLATE_KEYS,
    ),
)
def broadcast(
    ctx: Context,
    campaign: str,
    template: str,
    vars: list[str] | None = None,
    at: dt.datetime | None = None,
) -> Result:
    """Send an approved template to every entrant of a campaign, paced, with progress."""
    return _queue(ctx, f"entrants:{find(campaign).code}", template, vars or [], at)


@command("broadcast list", role="admin")
def list_broadcasts(ctx: Context) -> Result:
    """The latest broadcasts and how far each got."""
    rows = list(Broadcast.select().order_by(Broadcast.id.desc()).limit(10))
    if not rows:
        return Result("No broadcasts yet. Send one with /broadcast campaign: CODE template: NAME")
    lines = [
        f"{describe(b)}: {b.state}, {b.sent:,}/{b.total:,} sent, "
        f"{b.skipped:,} skipped, {b.failed:,} failed"
        for b in rows
    ]
    return Result(capped_list("Latest broadcasts", Broadcast.select().count(), lines))


@command("broadcast cancel", role="admin", args=(Arg("number", INT, hint="<N>"),))
def cancel_broadcast(ctx: Context, number: int) -> Result:
    """Cancel a broadcast that has not started sending."""
    found = Broadcast.get_or_none(Broadcast.id == number)
    if found is None:
        raise CommandError(f"There is no broadcast #{number}. See /broadcast list.")
    moved = (
        Broadcast.update(state="cancelled", finished_at=utcnow(), updated_at=utcnow())
        .where(Broadcast.id == number, Broadcast.state == "queued")
        .execute()
    )
    if not moved:
        if found.state == "cancelled":
            return Result(f"Broadcast {describe(found)} is already cancelled; nothing to do.")
        raise CommandError(
            f"Broadcast {describe(found)} is already {found.state}, too late to cancel."
        )
    audit(
        ctx, "broadcast.cancel", f"broadcast:{number}", {"state": "queued"}, {"state": "cancelled"}
    )
    return Result(
        f"Broadcast {describe(found)} is cancelled; nothing was sent.",
        entity=f"broadcast:{found.id}",
    )
