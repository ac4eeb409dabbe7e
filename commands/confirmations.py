"""/confirm and /cancel: answer the question a command asked before an act that cannot be undone."""

from __future__ import annotations

from wocs import confirmations, registry
from wocs.context import Context, Result
from wocs.dispatch import execute
from wocs.registry import Arg, command, family_alias
from wocs.types import INT

family_alias("confirm", "sahkan")
family_alias("cancel", "batal")

NUMBER = Arg("number", INT, required=False, hint="[question number]")


@command("confirm", role="agent", args=(NUMBER,))
def confirm(ctx: Context, number: int | None = None) -> Result:
    """Go ahead with what you were just asked to confirm (the latest question, or its number)."""
    asked = confirmations.answer(ctx, "confirmed", number)
    ctx.confirmed = asked.facts
    # The command runs again as asked, through the one path: its role and checks apply anew,
    # and its values are read again by their own types, as if given by field.
    cmd = registry.named(asked.command)
    return execute(ctx, cmd, lambda: registry.bind_fields(cmd, dict(asked.params), ctx))


@command("cancel", role="agent", args=(NUMBER,))
def cancel(ctx: Context, number: int | None = None) -> Result:
    """Drop what you were just asked to confirm; nothing is done."""
    asked = confirmations.answer(ctx, "cancelled", number)
    return Result(f"Cancelled: nothing was done about /{asked.command} (question {asked.id}).")
