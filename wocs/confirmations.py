"""Questions a command asks before an act that cannot be undone, kept as rows until answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import WocsConfirmation, utcnow
from wocs.context import CommandError, Context, Result
from wocs.dates import When, show_date, show_when
from wocs.interactive import Choice, buttons

YES, NO = "✅ Yes / Ya", "❌ No / Tidak"  # both languages: a staff member may read either
TIMEOUT = dt.timedelta(minutes=10)  # long enough to check the facts, short enough to be current
# A staff member's plain-text answer to the question, typed instead of /confirm or /cancel.
_TYPED = {
    **dict.fromkeys(("yes", "y", "ya", "yup", "ok", "okay", "setuju", "confirm"), "/confirm"),
    **dict.fromkeys(("no", "tidak", "tak", "x", "batal", "cancel"), "/cancel"),
}


def ask(
    ctx: Context, command: str, params: dict[str, Any], facts: dict[str, Any], question: str
) -> Result:
    """Keep the question and return it as the reply; /confirm then runs `command` with `params`.

    `facts` are what the question showed (an entry count): if they differ when the command runs
    again, it asks again instead of acting on something the sender never saw.
    """
    now = utcnow()
    # A new question replaces the sender's open ones: /confirm always answers the latest.
    WocsConfirmation.update(state="replaced", answered_at=now).where(
        WocsConfirmation.phone == ctx.phone, WocsConfirmation.state == "pending"
    ).execute()
    row = WocsConfirmation.create(
        phone=ctx.phone,
        command=command,
        params=params,
        facts=facts,
        question=question,
        expires_at=now + TIMEOUT,
    )
    minutes = int(TIMEOUT.total_seconds() // 60)
    return Result(
        f"{question}\nTap ✅ Yes or ❌ No, or reply YES or NO (Ya / Tidak). "
        f"(Question {row.id}; it expires in {minutes} minutes.)",
        entity=f"confirmation:{row.id}",
        # A tap sends the answer with the question's number: a later question is not answered
        # by an old message's button.
        interactive=buttons(Choice(f"/confirm {row.id}", YES), Choice(f"/cancel {row.id}", NO)),
    )


def typed_answer(text: str) -> str | None:
    """The command a plain YES or TIDAK (and their like) stands for, else None."""
    return _TYPED.get(" ".join(text.lower().split()).strip(" .!"))


def confirmed(ctx: Context, facts: dict[str, Any]) -> bool:
    """True when this run is the sender's answer to a question that showed exactly `facts`."""
    return ctx.confirmed is not None and ctx.confirmed == facts


def answer(ctx: Context, state: str, number: int | None = None) -> WocsConfirmation:
    """Mark the sender's open question (the latest, or `number`) confirmed or cancelled; return it.

    Raises CommandError when there is none, it expired, or it was already answered.
    """
    query = WocsConfirmation.select().where(
        WocsConfirmation.phone == ctx.phone, WocsConfirmation.state == "pending"
    )
    if number is not None:
        query = query.where(WocsConfirmation.id == number)
    row = query.order_by(WocsConfirmation.id.desc()).first()
    if row is None:
        raise CommandError(
            "There is no question waiting for your answer"
            + (f" with number {number}" if number is not None else "")
            + ". Send the command again."
        )
    now = utcnow()
    if row.expires_at < now:
        row.state, row.answered_at = "expired", now
        row.save()
        raise CommandError(f"That question expired. Send /{row.command} again to be asked anew.")
    # Only one answer counts, even when the same one arrives twice at once.
    taken = (
        WocsConfirmation.update(state=state, answered_at=now)
        .where(WocsConfirmation.id == row.id, WocsConfirmation.state == "pending")
        .execute()
    )
    if not taken:
        raise CommandError("That question has already been answered.")
    row.state = state
    return row


def about_passed(
    ctx: Context, command: str, fields: dict[str, str], key: str, when: When
) -> Result | None:
    """Ask whether next year was meant when a day and month written without a year have passed.

    `fields` are the command's other values as typed (by parameter name): /confirm runs the
    command again with them and the date in full, so nothing else is asked twice.
    """
    if when.passed is None or ctx.source != "whatsapp":
        return None
    clock = f" {when.time:%H:%M}" if when.time is not None else ""
    params = {**fields, key: f"{when.day.isoformat()}{clock}"}
    question = (
        f"{show_date(when.passed)} has passed — did you mean {show_when(when.day, when.time)}? "
        "Reply YES or write the date again."
    )
    return ask(ctx, command, params, {key: params[key]}, question)
