"""Questions for what a command left out ("Who is it for?"), kept as rows until answered.

A prompt is a WocsConfirmation row in state `asking`: its command, the message as first typed
and the answers so far (params), the name being asked (facts). Nothing is kept in memory, so
the answer may reach another worker, after a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models import WocsConfirmation, utcnow
from wocs import registry
from wocs.context import Context, Result
from wocs.grammar import looks_like_command
from wocs.normalise import plain
from wocs.values import ValueProblem

TIMEOUT = dt.timedelta(minutes=5)  # the answer comes now or not at all
ASKING = "asking"  # asking → answered | cancelled | replaced | expired
_CANCEL = {"cancel", "batal", "/cancel", "/batal"}


@dataclass(frozen=True)
class Ready:
    """Every answer is in: run `text` (the message as first typed) with `answers`."""

    text: str
    answers: dict[str, str]


def ask(
    ctx: Context,
    cmd: registry.Command,
    text: str,
    answers: dict[str, str] | None,
    wanted: registry.Arg | registry.Key,
) -> Result:
    """Keep the partial command and ask for `wanted`; the question is the reply."""
    now = utcnow()
    _close_open(ctx, "replaced", now)  # one prompt a sender: the newest is the one answered
    question = _question(cmd, wanted)
    row = WocsConfirmation.create(
        phone=ctx.phone,
        command=cmd.full_name,
        params={"text": text, "answers": dict(answers or {})},
        facts={"asking": wanted.name},
        question=question,
        state=ASKING,
        expires_at=now + TIMEOUT,
    )
    return Result(question, entity=f"prompt:{row.id}")


def receive(text: str, ctx: Context) -> Result | Ready | None:
    """Read a staff member's message against their open prompt.

    None when there is none or the message is another command (which replaces it); else the
    reply (the question again, a cancellation, an expiry) or Ready to run the command.
    """
    row = (
        WocsConfirmation.select()
        .where(WocsConfirmation.phone == ctx.phone, WocsConfirmation.state == ASKING)
        .order_by(WocsConfirmation.id.desc())
        .first()
    )
    if row is None:
        return None
    said = plain(text).strip()
    if said.lower().strip(" .!") in _CANCEL:
        _take(row, "cancelled")
        return Result(f"Cancelled: /{row.command} was not sent; nothing was done.")
    if looks_like_command(said):
        _take(row, "replaced")
        return None
    if row.expires_at < utcnow():
        _take(row, "expired")
        minutes = int(TIMEOUT.total_seconds() // 60)
        return Result(
            f"I stopped waiting for your answer to /{row.command} after {minutes} minutes; "
            "nothing was done. Send the command again."
        )
    cmd = registry.named(row.command)
    wanted = cmd.wanted(row.facts["asking"])
    try:
        registry.read_value(wanted.type, said, ctx)
    except ValueProblem as exc:
        return Result(f"{exc}\n{row.question}")
    if not _take(row, "answered"):
        return None  # the same answer, delivered twice at once: the other one runs it
    params: dict[str, Any] = row.params
    return Ready(params["text"], {**params["answers"], wanted.name: said})


def _question(cmd: registry.Command, wanted: registry.Arg | registry.Key) -> str:
    how = f"Reply with {wanted.expected.strip('<>')}" if wanted.expected else "Reply"
    return f"{cmd.question(wanted)}\n{how}, or CANCEL to drop /{cmd.full_name}."


def _take(row: WocsConfirmation, state: str) -> bool:
    """Close the prompt if it is still open; False when another message closed it first."""
    return bool(
        WocsConfirmation.update(state=state, answered_at=utcnow())
        .where(WocsConfirmation.id == row.id, WocsConfirmation.state == ASKING)
        .execute()
    )


def _close_open(ctx: Context, state: str, now: dt.datetime) -> None:
    WocsConfirmation.update(state=state, answered_at=now).where(
        WocsConfirmation.phone == ctx.phone, WocsConfirmation.state == ASKING
    ).execute()
