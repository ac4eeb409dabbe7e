"""Reports for admins: /report and /stats, and the report text the daily job sends them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast
from zoneinfo import ZoneInfo

from peewee import JOIN, Case, ColumnBase, Expression, Field, fn

from commands.events import starts
from domain import replies
from domain.campaigns import draw_states, entries, state_of
from domain.conversations import shown
from domain.tasks import OPEN_STATES
from models import (
    Campaign,
    Draw,
    Entry,
    Event,
    InboundMessage,
    OutboundMessage,
    StaffMember,
    WocsTask,
    utcnow,
)
from wocs.context import Context, Result
from wocs.dates import show_date
from wocs.meta_errors import error_name
from wocs.registry import Arg, command
from wocs.replies import LIST_LIMIT, TEXT_LIMIT, capped_list, plural
from wocs.types import choice

WEEK = 7
LINE_LIMIT = 100  # characters of one listed item, when the message has room for it
FIXED_ROOM = 600  # characters the headings and the message line may take
SHOWN_BROADCASTS = 10  # broadcasts (and winners' notices) /stats replies lists
QUOTES = 3  # newest replies quoted under each
QUOTE_WIDTH = 60
# failed_at marks every message that ended undelivered, whatever its final state says.
STAMPS: dict[str, Field] = {
    "sent": OutboundMessage.sent_at,
    "delivered": OutboundMessage.delivered_at,
    "read": OutboundMessage.read_at,
    "failed": OutboundMessage.failed_at,
}


def midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The start of a business day as naive UTC, the way times are stored."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start.astimezone(dt.UTC).replace(tzinfo=None)


def _within(field: Field, since: dt.datetime | None, until: dt.datetime | None) -> Expression:
    condition = field.is_null(False)
    if since is not None:
        condition &= field >= since
    if until is not None:
        condition &= field < until
    return condition


def _count_if(condition: ColumnBase) -> ColumnBase:
    return fn.COALESCE(fn.SUM(Case(None, [(condition, 1)], 0)), 0)


def message_counts(
    periods: list[dt.datetime | None], until: dt.datetime | None = None
) -> list[dict[str, int]]:
    """Outbound messages sent, delivered, read and failed since each start (None: ever), one query."""
    columns = []
    for n, since in enumerate(periods):
        for name, field in STAMPS.items():
            columns.append(_count_if(_within(field, since, until)).alias(f"{name}{n}"))
    # .dicts() rows are dicts (peewee's stubs say models), as in the queries below.
    row = cast("dict[str, Any]", OutboundMessage.select(*columns).dicts().get())
    return [{name: int(row[f"{name}{n}"]) for name in STAMPS} for n in range(len(periods))]


def failures_by_code(periods: list[dt.datetime | None]) -> list[tuple[int | None, list[int]]]:
    """Failed sends per error code, counted since each start; the most frequent code first."""
    columns = [
        _count_if(_within(OutboundMessage.failed_at, since, None)).alias(f"p{n}")
        for n, since in enumerate(periods)
    ]
    rows = cast(
        "Iterable[dict[str, Any]]",
        OutboundMessage.select(OutboundMessage.error_code, *columns)
        .where(OutboundMessage.failed_at.is_null(False))
        .group_by(OutboundMessage.error_code)
        .order_by(fn.COUNT(OutboundMessage.id).desc(), OutboundMessage.error_code)
        .dicts(),
    )
    return [(r["error_code"], [int(r[f"p{n}"]) for n in range(len(periods))]) for r in rows]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _who(task: WocsTask) -> str:
    person = task.assignee
    return (person.name or person.phone) if person is not None else "nobody"


def _tasks(*conditions: Expression) -> tuple[int, list[WocsTask]]:
    query = WocsTask.select().where(*conditions)
    shown = (
        WocsTask.select(WocsTask, StaffMember)
        .join(StaffMember, JOIN.LEFT_OUTER, on=WocsTask.assignee == StaffMember.id)
        .where(*conditions)
        .order_by(WocsTask.due, WocsTask.id)
        .limit(LIST_LIMIT)
    )
    return query.count(), list(shown)


def _campaigns(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[str]:
    """A line for each campaign running in the span or drawn in it: its state and entries."""
    counted = (
        Campaign.select(
            Campaign.id,
            Campaign.code,
            fn.COUNT(Entry.id).alias("total"),
            _count_if(_within(Entry.submitted_at, start, end)).alias("new"),
        )
        .join(Entry, JOIN.LEFT_OUTER)
        .switch(Campaign)
        .join(Draw, JOIN.LEFT_OUTER)
        .where(
            ((Campaign.start_at < end) & (Campaign.end_at >= start))
            | _within(Draw.drawn_at, start, end)
        )
        .group_by(Campaign.id, Campaign.code)
        .order_by(Campaign.code)
        .tuples()
    )
    rows = cast("list[tuple[int, str, int, int]]", list(counted))
    found = {c.id: c for c in Campaign.select().where(Campaign.id.in_([r[0] for r in rows]))}
    drawn = draw_states(found)
    return [
        f"{code} ({state_of(found[key], now, drawn.get(key, ''))}): {entries(total)}, {new} new"
        for key, code, total, new in rows
    ]


def report(first: dt.date, last: dt.date, tz: ZoneInfo) -> str:
    """The report on business days first..last: tasks, events, campaign entries and messages."""
    start, end = midnight(first, tz), midnight(last + dt.timedelta(days=1), tz)
    now = utcnow()
    one_day = first == last
    span = "today" if one_day else "these 7 days"
    done_total, done = _tasks(WocsTask.status == "done", _within(WocsTask.completed_at, start, end))
    late_total, late = _tasks(WocsTask.status.in_(OPEN_STATES), WocsTask.due < last)
    events = Event.select().where(Event.date.between(first, last + dt.timedelta(days=1)))
    campaigns = _campaigns(start, end, now)
    sections = [
        ("Tasks done " + span, done_total, [f"#{t.id} {t.title} — {_who(t)}" for t in done]),
        (
            "Overdue tasks",
            late_total,
            [
                f"#{t.id} {t.title} — {_who(t)}, due {show_date(t.due)} "
                f"({t.status.replace('_', ' ')})"
                for t in late
            ],
        ),
        (
            "Events today and tomorrow"
            if one_day
            else f"Events {show_date(first)} – {show_date(last + dt.timedelta(days=1))}",
            events.count(),
            [
                f"{starts(e, tz)} — {e.name}, {e.location} ({e.status})"
                for e in events.order_by(Event.date, Event.starts_at, Event.id).limit(LIST_LIMIT)
            ],
        ),
        (
            "Campaigns",
            len(campaigns),
            campaigns,
        ),
    ]
    # Narrower lines as the lists grow, so the report always fits one WhatsApp message.
    shown = sum(min(len(lines), LIST_LIMIT) for _, _, lines in sections)
    width = min(LINE_LIMIT, (TEXT_LIMIT - FIXED_ROOM) // max(shown, 1) - 1)
    parts = [
        f"Daily report for {show_date(last)}"
        if one_day
        else f"Report for {show_date(first)} – {show_date(last)}"
    ]
    for heading, total, lines in sections:
        cut = [_cut(line, width) for line in lines]
        parts.append(capped_list(heading, total, cut) if total else f"{heading}: none.")
    new_entries = Entry.select().where(_within(Entry.submitted_at, start, end)).count()
    (sent,) = message_counts([start], end)
    received = InboundMessage.select().where(_within(InboundMessage.received_at, start, end))
    parts.append(
        f"New campaign entries {span}: {new_entries}.\n"
        f"Messages {span}: {sent['sent']} sent, {sent['delivered']} delivered, "
        f"{sent['read']} read, {sent['failed']} failed; {received.count()} received."
    )
    return "\n\n".join(parts)


@command("report", role="admin", args=(Arg("period", choice("today", "week"), required=False),))
def show_report(ctx: Context, period: str = "today") -> Result:
    """Report on today or the last 7 days: tasks, events, campaign entries and messages."""
    first = ctx.today - dt.timedelta(days=WEEK - 1) if period == "week" else ctx.today
    return Result(report(first, ctx.today, ctx.tz))


def _row(label: str, counts: list[int]) -> str:
    return f"{label}: " + " · ".join(f"{n:,}" for n in counts)


def _message_stats(ctx: Context) -> str:
    week_ago = ctx.today - dt.timedelta(days=WEEK - 1)
    periods = [midnight(ctx.today, ctx.tz), midnight(week_ago, ctx.tz), None]
    counts = message_counts(periods)
    lines = ["Messages we sent (today · last 7 days · all time):"]
    lines += [_row(name.capitalize(), [c[name] for c in counts]) for name in STAMPS]
    failures = failures_by_code(periods)
    if failures:
        listed = [_row(error_name(code), numbers) for code, numbers in failures]
        lines.append(capped_list("Failures by reason", len(listed), listed))
    return "\n".join(lines)


def _reply_stats() -> str:
    reach, counts = replies.broadcast_reach(), replies.repliers()
    lines = []
    for broadcast, reached, stopped in reach[:SHOWN_BROADCASTS]:
        about = broadcast.campaign.code if broadcast.campaign else broadcast.audience
        replied = counts.get(f"{replies.BROADCAST}{broadcast.id}", 0)
        share = f" ({replied * 100 // reached}%)" if reached else ""
        opted = f", {stopped} opted out" if stopped else ""
        lines.append(
            f"#{broadcast.id} {about} · {broadcast.template}: "
            f"{replied} of {reached} replied{share}{opted}"
        )
        lines += _quotes(f"{replies.BROADCAST}{broadcast.id}")
    parts = [
        f"Replies to broadcasts, newest first ({len(reach)}):\n" + "\n".join(lines)
        if reach
        else "Replies to broadcasts: no broadcast has been sent yet."
    ]
    notices = sorted(tag for tag in counts if tag.startswith(replies.WINNER))
    if notices:
        told = []
        for tag in notices[:SHOWN_BROADCASTS]:
            told.append(
                f"{tag.removeprefix(replies.WINNER)}: {plural(counts[tag], 'winner')} replied"
            )
            told += _quotes(tag)
        parts.append(f"Replies to winners' notices ({len(notices)}):\n" + "\n".join(told))
    return "\n\n".join(parts)


def _quotes(about: str) -> list[str]:
    """The newest replies tagged `about`: who, what they said, and their conversation."""
    return [
        f"  {shown(m.conversation.contact)}: “{_cut(m.text, QUOTE_WIDTH)}” (#{m.conversation_id})"
        for m in replies.latest(about, QUOTES)
    ]


@command("stats", role="admin", args=(Arg("what", choice("messages", "replies"), required=False),))
def show_stats(ctx: Context, what: str | None = None) -> Result:
    """Messages sent, delivered, read and failed (and why), and who answered broadcasts and winners."""
    parts = []
    if what in (None, "messages"):
        parts.append(_message_stats(ctx))
    if what in (None, "replies"):
        parts.append(_reply_stats())
    return Result("\n\n".join(parts))
