"""The one way a command runs, from WhatsApp, the API and sync: permit, convert, run, refuse."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from models import StaffMember
from wocs import binding, prompts, registry
from wocs.audit import audit
from wocs.context import CommandError, Context, NotFound, Result
from wocs.grammar import CommandSyntaxError, parse
from wocs.language import tr
from wocs.replies import reply
from wocs.values import mask_phone

log = logging.getLogger(__name__)

# Why a command did not run; each channel answers them its own way (the API: 400, 403, 404, 409).
SYNTAX, FORBIDDEN, INVALID, NOT_FOUND, REJECTED = (
    "syntax",
    "forbidden",
    "invalid",
    "not_found",
    "rejected",
)


class Refusal(Exception):
    """A command that did not run; `reply` is the answer, `kind` the check that stopped it."""

    def __init__(
        self,
        reply: str,
        kind: str = SYNTAX,
        *,
        audited: dict[str, Any] | None = None,
        problems: dict[str, str] | None = None,
        what: str = "",
        missing: registry.Arg | registry.Key | None = None,
        choices: tuple[str, ...] = (),
        about: str = "",
    ) -> None:
        super().__init__(reply)
        self.reply = reply
        self.kind = kind
        self.audited = audited  # the audit entry the refusal leaves (permission refusals)
        self.problems = problems or {}  # per field, for values given by field
        self.what = what  # for NOT_FOUND: the record, as `task #12`
        self.missing = missing  # for SYNTAX: the first required value not given, if that was it
        self.choices = choices  # for SYNTAX: what 1, 2, … stand for when `missing` was unclear
        self.about = about  # for REJECTED: the argument or key whose value was refused, if known


def execute(ctx: Context, cmd: registry.Command, convert: Callable[[], dict[str, Any]]) -> Result:
    """Run `cmd` for the sender: permission before anything is looked up or converted.

    `convert` turns what the channel received (typed words and keys, or JSON fields) into
    the command's arguments. The result carries the notices and jobs the command asked for.
    """
    permit(ctx, cmd)
    try:
        kwargs = convert()
    except registry.FieldProblems as exc:
        raise Refusal(exc.message, INVALID, problems=exc.problems) from None
    except binding.Unclear as exc:
        raise Refusal(exc.message, missing=exc.wanted, choices=exc.choices) from None
    except binding.Missing as exc:
        raise Refusal(_with_usage(exc, cmd, ctx), missing=exc.wanted) from None
    except CommandSyntaxError as exc:
        raise Refusal(_with_usage(exc, cmd, ctx)) from None
    try:
        result = cmd.func(ctx, **kwargs)
    except NotFound as exc:
        raise Refusal(str(exc), NOT_FOUND, what=exc.what) from None
    except CommandError as exc:
        raise Refusal(str(exc), REJECTED, about=exc.about) from None
    return dataclasses.replace(result, notices=tuple(ctx.notices), jobs=tuple(ctx.jobs))


def permit(ctx: Context, cmd: registry.Command) -> None:
    """Refuse a sender whose role is below the command's; the refusal is audited."""
    if not ctx.may(cmd.role):
        raise Refusal(
            tr(
                ctx.language,
                "Sorry, only {role}s can use /{name}.",
                role=cmd.role,
                name=cmd.shown_name(ctx.language),
            ),
            FORBIDDEN,
            audited={
                "action": "command.refused",
                "entity": cmd.full_name,
                "after": {"reason": f"needs {cmd.role}"},
            },
        )


def refused(ctx: Context, refusal: Refusal) -> Result:
    """Record a refusal that leaves an audit entry; the reply to send instead of a result."""
    if refusal.audited:
        audit(ctx, **refusal.audited)
    return Result(refusal.reply)


def prepare(
    text: str, ctx: Context, answers: dict[str, str] | None = None, lang: str = ""
) -> tuple[registry.Command, Callable[[], dict[str, Any]]]:
    """Read a command message: the command it names and how to convert its values.

    `answers` fill in values the message left out (answers to a prompt), by name; `lang` is
    the language to answer in, else the one the message is written in.
    """
    if ctx.role == "customer":
        reason = {"text": text[:200], "reason": "not on the whitelist"}
        log.info("refused a command from %s: not on the whitelist", mask_phone(ctx.phone))
        raise Refusal(
            reply("stranger"), FORBIDDEN, audited={"action": "command.refused", "after": reason}
        )
    try:
        parsed = parse(text)
    except CommandSyntaxError as exc:
        raise Refusal(f"{exc.message}\n{tr(ctx.language, HELP_HINT)}") from None
    try:
        cmd, words = registry.resolve(parsed, ctx.language)
    except LookupError:
        raise Refusal(_unknown(parsed.name, ctx)) from None
    except CommandSyntaxError as exc:
        raise Refusal(exc.message) from None
    _speaks(ctx, lang or binding.spoken(cmd, parsed))
    return cmd, lambda: binding.bind(cmd, words, parsed.items, ctx, answers)


HELP_HINT = "Send /help to see what you can do."


def _speaks(ctx: Context, lang: str) -> None:
    """Answer in the language the command was written in, and remember it for later replies.

    Not audited: it is seen in how they write, like when they last wrote, not a change they ask for.
    """
    ctx.lang = lang
    member = ctx.user
    if member is not None and member.lang != lang:
        StaffMember.update(lang=lang).where(StaffMember.id == member.id).execute()
        member.lang = lang


def _with_usage(exc: CommandSyntaxError, cmd: registry.Command, ctx: Context) -> str:
    usage = tr(ctx.language, "Usage: {usage}", usage=cmd.usage_in(ctx.language))
    return f"{exc.message}\n{usage}"


def check(text: str, ctx: Context) -> tuple[registry.Command, dict[str, Any]]:
    """Read a command message without running it: the command and its converted values."""
    cmd, convert = prepare(text, ctx)
    permit(ctx, cmd)
    try:
        return cmd, convert()
    except CommandSyntaxError as exc:
        raise Refusal(_with_usage(exc, cmd, ctx)) from None


def run_command(
    text: str,
    ctx: Context,
    answers: dict[str, str] | None = None,
    asked: str = "",
    lang: str = "",
) -> Result:
    """Answer a slash-command message; never raises for anything the sender typed.

    On WhatsApp a command missing a required value, or given one that could mean several
    (two Sitis), asks for it (wocs.prompts) instead of refusing; `answers` are the values
    given so far that way, `asked` the one just answered, asked again if the command refuses it.
    A cut list is kept for MORE; `lang` answers in that language whatever the text's is.
    """
    try:
        cmd, convert = prepare(text, ctx, answers, lang)
        try:
            result = execute(ctx, cmd, convert)
        except Refusal as refusal:
            wanted = _to_ask(cmd, refusal, asked)
            if wanted is None or ctx.source != "whatsapp":
                raise
            problem = "" if refusal.missing is not None and not refusal.choices else refusal.reply
            return prompts.ask(ctx, cmd, text, answers, wanted, problem, refusal.choices)
    except Refusal as refusal:
        return refused(ctx, refusal)
    if result.more is not None and ctx.source == "whatsapp":
        prompts.keep_more(ctx, cmd, result.more)
    return result


def answer_prompt(text: str, ctx: Context) -> Result | None:
    """Read a staff member's message as the answer to their open prompt; None when it is not.

    Once every value is in, the command runs as if typed whole: the same checks and audit.
    """
    got = prompts.receive(text, ctx)
    if isinstance(got, prompts.Ready):
        return run_command(got.text, ctx, got.answers, got.asked, got.lang)
    return got


def _to_ask(
    cmd: registry.Command, refusal: Refusal, asked: str
) -> registry.Arg | registry.Key | None:
    """The value to ask (again) for instead of refusing: one missing or unclear, or the answer
    just given when the command's own check refused it (a task that does not exist)."""
    if refusal.missing is not None:
        return refusal.missing
    if not asked or refusal.kind not in (NOT_FOUND, REJECTED):
        return None
    # A record not found is the one the first argument names (`/task show 99`).
    first = cmd.args[0].name if cmd.args else ""
    return (
        cmd.wanted(asked)
        if asked in (refusal.about, first if refusal.kind == NOT_FOUND else "")
        else None
    )


def run_fields(name: str, values: dict[str, Any], ctx: Context) -> Result:
    """Run command `name` with values given by field (a gesture that stands for it, such as a
    quote-reply); never raises: a refusal is answered like a typed command's."""
    cmd = registry.named(name)
    try:
        return execute(ctx, cmd, lambda: registry.bind_fields(cmd, values, ctx))
    except Refusal as refusal:
        return refused(ctx, refusal)


def _unknown(name: str, ctx: Context) -> str:
    mine = registry.visible_to(ctx)
    names = {full.split()[0] for c in mine for full in c.names}
    names |= {a for a, base in registry.FAMILY_ALIASES.items() if base in names}
    guess = registry.closest(name, sorted(names))
    lang = ctx.language
    if guess:
        return tr(
            lang, "I don't know /{name}. Did you mean /{guess}?", name=name[:30], guess=guess
        ) + ("\n" + tr(lang, "Send /help to see everything."))
    return tr(lang, "I don't know /{name}.", name=name[:30]) + " " + tr(lang, HELP_HINT)
