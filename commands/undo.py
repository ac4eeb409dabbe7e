"""/undo: take back your last task or event status change, task cancel or reassignment."""

from __future__ import annotations

from wocs import people, undo
from wocs.context import CommandError, Context, Result
from wocs.registry import Arg, command
from wocs.types import INT, choice


@command(
    "undo",
    role="agent",
    args=(
        Arg("kind", choice("task", "event"), required=False, hint="[task|event]"),
        Arg("n", INT, required=False, hint="[n]"),
    ),
    aliases=("undur",),  # not /batal: that already cancels a question or prompt
)
def undo_change(ctx: Context, kind: str | None = None, n: int | None = None) -> Result:
    """Take back your last change within 2 minutes (admins: anyone's, as /undo task 12)."""
    if (kind is None) != (n is None):
        raise CommandError(
            "Write /undo alone for your last change, or name the record: /undo task 12."
        )
    row, told = undo.take_back(ctx, f"{kind}:{n}" if kind else None)
    name, back = row.params["name"], row.params["back"]
    who = people.label(ctx.user) if ctx.user is not None else ctx.phone
    for phone in told:
        ctx.notify(phone, f"{who} took back /{row.command}: {name} is {back}.")
    also = " I've told them too." if told else ""
    return Result(f"Undone: /{row.command} — {name} is {back}.{also}", entity=undo.entity(row))
