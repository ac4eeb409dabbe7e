"""/audit: the latest changes and refusals, newest first, for admins."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from models import AuditLog, StaffMember
from wocs.context import Context, Result
from wocs.registry import Arg, command
from wocs.replies import TEXT_LIMIT
from wocs.types import INT
from wocs.values import mask_phone

DEFAULT_COUNT = 10
MOST = 50
VALUE_LIMIT = 30  # characters of one before/after value
LINE_LIMIT = 160  # characters of one entry, when the message has room for it
_PHONE = re.compile(r"[0-9]{8,15}")  # E.164 digits, the way phones are stored


PEOPLE_KEYS = ("assignee",)  # values that are a team member's id
_MEMBER = re.compile(r"wocs_user:([0-9]+)")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Team:
    """The team by id and by phone: admins read the audit with names and whole team phones."""

    by_id: dict[int, StaffMember]
    by_phone: dict[str, StaffMember]

    @classmethod
    def load(cls) -> Team:
        """Every team member, active or not (the log outlives their membership)."""
        members = list(StaffMember.select())
        return cls({m.id: m for m in members}, {m.phone: m for m in members})

    def phone(self, digits: str) -> str:
        """A team member's phone whole; anyone else's (a customer's) masked."""
        return f"+{digits}" if digits in self.by_phone else mask_phone(digits)

    def who(self, actor: str) -> str:
        """The actor by name when on the team, else masked (a phone) or as written (system)."""
        member = self.by_phone.get(actor)
        if member is not None:
            return member.name or f"+{member.phone}"
        return mask_phone(actor) if actor.isdigit() else actor

    def member(self, key: int) -> str:
        member = self.by_id.get(key)
        return (member.name or f"+{member.phone}") if member is not None else f"#{key}"

    def short(self, value: Any, key: str = "") -> str:
        """One value, compact: team members by name, customers' phones masked, long text cut."""
        if value is None:
            return "–"
        if key in PEOPLE_KEYS and isinstance(value, int):
            text = self.member(value)
        elif isinstance(value, str):
            text = self.phone(value) if _PHONE.fullmatch(value) else value
        else:
            text = json.dumps(value, ensure_ascii=False, default=str)
        return _cut(" ".join(text.split()), VALUE_LIMIT)

    def compact(self, value: Any) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k}: {self.short(v, k)}" for k, v in value.items())
        return "" if value is None else self.short(value)

    def change(self, before: Any, after: Any) -> str:
        """What changed: `status: open→closed` for each changed key, else `before → after`."""
        if isinstance(before, dict) and isinstance(after, dict):
            changed = [k for k in {**before, **after} if before.get(k) != after.get(k)]
            return ", ".join(
                f"{k}: {self.short(before.get(k), k)}→{self.short(after.get(k), k)}"
                for k in changed
            )
        old, new = self.compact(before), self.compact(after)
        if old and new:
            return f"{old} → {new}"
        return new or (f"{old} → (removed)" if old else "")

    def entity(self, entity: str) -> str:
        """The record an entry is about, a team member by name (`member Siti`)."""
        if m := _MEMBER.fullmatch(entity):
            return f"member {self.member(int(m[1]))}"
        return entity


def entry_line(row: AuditLog, ctx: Context, width: int, team: Team) -> str:
    """One audit row: business time · actor · action entity · change."""
    when = row.at.replace(tzinfo=dt.UTC).astimezone(ctx.tz).strftime("%d %b %H:%M")
    source = "" if row.source == "whatsapp" else f" ({row.source})"
    what = f"{row.action} {team.entity(row.entity)}".strip()
    parts = [when, team.who(row.actor) + source, what, team.change(row.before, row.after)]
    return _cut(" · ".join(p for p in parts if p), width)


@command("audit", role="admin", args=(Arg("n", INT, required=False),))
def show_audit(ctx: Context, n: int = DEFAULT_COUNT) -> Result:
    """Show the latest audit entries (10, or n up to 50), newest first."""
    total = AuditLog.select().count()
    if not total:
        return Result("The audit log is empty.")
    note = f" (at most {MOST} at a time)" if n > MOST else ""
    rows = list(
        AuditLog.select().order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(min(n, MOST))
    )
    # Fewer characters per line as the list grows, so it always fits one WhatsApp message.
    width = min(LINE_LIMIT, (TEXT_LIMIT - 100) // len(rows) - 1)
    team = Team.load()
    lines = [entry_line(row, ctx, width, team) for row in rows]
    return Result(
        f"Latest {len(rows)} of {total} audit entries, newest first{note}:\n" + "\n".join(lines)
    )
