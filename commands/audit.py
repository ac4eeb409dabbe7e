"""/audit: the latest changes and refusals, newest first, for admins."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from models import AuditLog
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


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any) -> str:
    """One value, compact: phones masked, long text cut."""
    if value is None:
        return "–"
    if isinstance(value, str):
        text = mask_phone(value) if _PHONE.fullmatch(value) else value
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return _cut(" ".join(text.split()), VALUE_LIMIT)


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_short(v)}" for k, v in value.items())
    return "" if value is None else _short(value)


def change(before: Any, after: Any) -> str:
    """What changed: `status: open→closed` for each changed key, else `before → after`."""
    if isinstance(before, dict) and isinstance(after, dict):
        changed = [k for k in {**before, **after} if before.get(k) != after.get(k)]
        return ", ".join(f"{k}: {_short(before.get(k))}→{_short(after.get(k))}" for k in changed)
    old, new = _compact(before), _compact(after)
    if old and new:
        return f"{old} → {new}"
    return new or (f"{old} → (removed)" if old else "")


def entry_line(row: AuditLog, ctx: Context, width: int) -> str:
    """One audit row: business time · actor · action entity · change."""
    when = row.at.replace(tzinfo=dt.UTC).astimezone(ctx.tz).strftime("%d %b %H:%M")
    actor = mask_phone(row.actor) if row.actor.isdigit() else row.actor
    source = "" if row.source == "whatsapp" else f" ({row.source})"
    what = f"{row.action} {row.entity}".strip()
    parts = [when, actor + source, what, change(row.before, row.after)]
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
    lines = [entry_line(row, ctx, width) for row in rows]
    return Result(
        f"Latest {len(rows)} of {total} audit entries, newest first{note}:\n" + "\n".join(lines)
    )
