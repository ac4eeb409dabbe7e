"""Run one command message: parse, find, check permission, bind, call; always a reply."""

from __future__ import annotations

import logging

from wocs import registry
from wocs.audit import audit
from wocs.context import CommandError, Context
from wocs.grammar import CommandSyntaxError, parse
from wocs.replies import reply
from wocs.values import mask_phone

log = logging.getLogger(__name__)


def run_command(text: str, ctx: Context) -> str:
    """Answer a slash-command message; never raises for anything the sender typed."""
    if ctx.role == "customer":
        audit(ctx, "command.refused", after={"text": text[:200], "reason": "not on the whitelist"})
        log.info("refused a command from %s: not on the whitelist", mask_phone(ctx.phone))
        return reply("stranger")
    try:
        parsed = parse(text)
    except CommandSyntaxError as exc:
        return f"{exc.message}\nSend /help to see what you can do."
    try:
        cmd, words = registry.resolve(parsed)
    except LookupError:
        return _unknown(parsed.name, ctx)
    except CommandSyntaxError as exc:
        return exc.message
    if not ctx.may(cmd.role):
        audit(ctx, "command.refused", entity=cmd.full_name, after={"reason": f"needs {cmd.role}"})
        return f"Sorry, only {cmd.role}s can use /{cmd.full_name}."
    try:
        kwargs = registry.bind(cmd, words, parsed.items, ctx)
    except CommandSyntaxError as exc:
        return f"{exc.message}\nUsage: {cmd.usage}"
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
