"""Run one command message: parse, find, check permission, bind, call; always a reply."""

from __future__ import annotations

import logging
from typing import Any

from wocs import registry
from wocs.audit import audit
from wocs.context import CommandError, Context
from wocs.grammar import CommandSyntaxError, parse
from wocs.replies import reply
from wocs.values import mask_phone

log = logging.getLogger(__name__)


class Refusal(Exception):
    """A command message that will not run; `reply` is what the bot answers."""

    def __init__(self, reply: str, audited: dict[str, Any] | None = None) -> None:
        super().__init__(reply)
        self.reply = reply
        self.audited = audited  # the audit entry a refusal of permission leaves


def prepare(text: str, ctx: Context) -> tuple[registry.Command, dict[str, Any]]:
    """Parse, find, permit and bind a command message; Refusal carries the reply otherwise."""
    if ctx.role == "customer":
        reason = {"text": text[:200], "reason": "not on the whitelist"}
        raise Refusal(reply("stranger"), {"action": "command.refused", "after": reason})
    try:
        parsed = parse(text)
    except CommandSyntaxError as exc:
        raise Refusal(f"{exc.message}\nSend /help to see what you can do.") from None
    try:
        cmd, words = registry.resolve(parsed)
    except LookupError:
        raise Refusal(_unknown(parsed.name, ctx)) from None
    except CommandSyntaxError as exc:
        raise Refusal(exc.message) from None
    if not ctx.may(cmd.role):
        raise Refusal(
            f"Sorry, only {cmd.role}s can use /{cmd.full_name}.",
            {
                "action": "command.refused",
                "entity": cmd.full_name,
                "after": {"reason": f"needs {cmd.role}"},
            },
        )
    try:
        return cmd, registry.bind(cmd, words, parsed.items, ctx)
    except CommandSyntaxError as exc:
        raise Refusal(f"{exc.message}\nUsage: {cmd.usage}") from None


def run_command(text: str, ctx: Context) -> str:
    """Answer a slash-command message; never raises for anything the sender typed."""
    try:
        cmd, kwargs = prepare(text, ctx)
    except Refusal as refusal:
        if refusal.audited:
            audit(ctx, **refusal.audited)
        if ctx.role == "customer":
            log.info("refused a command from %s: not on the whitelist", mask_phone(ctx.phone))
        return refusal.reply
    try:
        return cmd.func(ctx, **kwargs)
    except CommandError as exc:
        return str(exc)


def _unknown(name: str, ctx: Context) -> str:
    names = sorted({c.name for c in registry.visible_to(ctx)})
    guess = registry.closest(name, names)
    if guess:
        return f"I don't know /{name[:30]}. Did you mean /{guess}?\nSend /help to see everything."
    return f"I don't know /{name[:30]}. Send /help to see what you can do."
