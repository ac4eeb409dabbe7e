"""/account: what WhatsApp last reported about the business account and its number."""

from __future__ import annotations

import datetime as dt

from models import AccountEvent
from wocs.context import Context, Result
from wocs.registry import command, family_alias

family_alias("account", "akaun")

SHOWN = 10


@command("account", role="admin")
def show_account(ctx: Context) -> Result:
    """Show WhatsApp's latest reports on the business account: bans, quality, limits, reviews."""
    rows = list(
        AccountEvent.select()
        .order_by(AccountEvent.received_at.desc(), AccountEvent.id.desc())
        .limit(SHOWN)
    )
    if not rows:
        return Result("WhatsApp has reported nothing about the business account yet.")
    lines = []
    for row in rows:
        at = (row.happened_at or row.received_at).replace(tzinfo=dt.UTC).astimezone(ctx.tz)
        lines.append(f"{at:%d %b %H:%M} · {row.summary}")
    total = AccountEvent.select().count()
    more = f" ({total - len(rows)} older kept)" if total > len(rows) else ""
    return Result(
        f"WhatsApp's latest reports on the account, newest first{more}:\n" + "\n".join(lines)
    )
