"""Reading a message's words and keys into a command's arguments: bind, and its errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wocs.context import Context
from wocs.grammar import CommandSyntaxError, Line, Pair, ParsedCommand
from wocs.keysplit import split, unescape
from wocs.language import EN, MS, malay_sub, tr
from wocs.normalise import hyphens
from wocs.registry import FAMILY_ALIASES, Arg, Command, Key, closest
from wocs.types import ValueType
from wocs.values import ValueProblem


class Missing(CommandSyntaxError):
    """A required argument or key was not given; `wanted` is the first one missing."""

    def __init__(self, message: str, wanted: Arg | Key) -> None:
        super().__init__(message)
        self.wanted = wanted


class Unclear(Missing):
    """A value that could mean several things (two Sitis); `choices` are what 1, 2, … stand for."""

    def __init__(self, message: str, wanted: Arg | Key, choices: tuple[str, ...]) -> None:
        super().__init__(message, wanted)
        self.choices = choices


def bind(
    cmd: Command,
    words: tuple[str, ...],
    items: tuple[Pair | Line, ...],
    ctx: Context,
    answers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Check and convert a message's words and keys into the command's keyword arguments.

    `answers` are values the sender gave later, by argument or key name (the answers to
    wocs.prompts' questions): for one the message left out, or one it gave that was refused
    (an ambiguous name); each is read by its own type.
    """
    kwargs: dict[str, Any] = {}
    answers = answers or {}
    left, spoken = _spoken_key(cmd, list(words))
    items = (*spoken, *items)
    for arg in cmd.args:
        if not left:
            if arg.name in answers:
                kwargs[arg.name] = _convert(arg, answers[arg.name], ctx, f"<{arg.name}>", 1)
            elif arg.required:
                raise Missing(tr(ctx.language, "Missing {names}.", names=f"<{arg.name}>"), arg)
            continue
        raw = " ".join(left) if arg.greedy else left.pop(0)
        if arg.greedy:
            left = []
        kwargs[arg.name] = _convert(arg, answers.get(arg.name, raw), ctx, f"<{arg.name}>", 1)
    bare = _bare_keys(cmd, left)
    if left and not bare:
        raise CommandSyntaxError(
            tr(
                ctx.language,
                "I did not expect '{words}' after /{name}.",
                words=" ".join(left)[:40],
                name=cmd.shown_name(ctx.language),
            )
        )
    lang = ctx.language
    for key, (text, line) in _collect(cmd, (*bare, *items), lang).items():
        typed = answers.get(key.name, text)
        kwargs[key.param] = _convert(key, typed, ctx, f"{key.word(lang)}:", line)
    for key in cmd.keys:
        if key.param not in kwargs and key.name in answers:
            kwargs[key.param] = _convert(key, answers[key.name], ctx, f"{key.word(lang)}:", 1)
    missing = [k for k in cmd.keys if k.required and k.param not in kwargs]
    if missing:
        names = ", ".join(f"{k.word(lang)}:" for k in missing)
        raise Missing(tr(lang, "Missing {names}.", names=names), missing[0])
    return kwargs


def _spoken_key(cmd: Command, words: list[str]) -> tuple[list[str], tuple[Pair, ...]]:
    """The words without a spoken key at their end (`open page 2`), and that key as a pair."""
    if len(words) < 2:
        return words, ()
    key = cmd.key_for(words[-2].lower())
    if key is None or not key.spoken:
        return words, ()
    return words[:-2], (Pair(key.name, words[-1], 1),)


def _bare_keys(cmd: Command, words: list[str]) -> list[Pair]:
    """The words left after the arguments, read as the positional keys they stand for."""
    keys = [k for k in cmd.keys if k.positional]
    pairs: list[Pair] = []
    for n, key in enumerate(keys):
        if not words:
            break
        last = n == len(keys) - 1
        pairs.append(Pair(key.name, " ".join(words) if last else words[0], 1))
        words = [] if last else words[1:]
    return pairs


def _collect(
    cmd: Command, items: tuple[Pair | Line, ...], lang: str = EN
) -> dict[Key, tuple[str, int]]:
    """Group key lines and continuation lines into one raw text per key; errors in `lang`."""
    found: dict[Key, list] = {}
    current: Key | None = None
    for item in _split_inline(cmd, items):
        key = cmd.key_for(item.key) if isinstance(item, Pair) else None
        if isinstance(item, Pair) and key is not None:
            if key in found:
                raise CommandSyntaxError(
                    tr(
                        lang,
                        "Line {line}: {key}: is given twice.",
                        line=item.line,
                        key=key.word(lang),
                    ),
                    item.line,
                )
            found[key] = [[item.value], item.line]
            current = key
            continue
        text = item.raw if isinstance(item, Pair) else item.text
        if isinstance(item, Pair) and (current is None or not current.type.multiline):
            raise _unknown_key(cmd, item, lang)
        if current is None:
            if not text.strip():
                continue
            keys = ", ".join(k.word(lang) + ":" for k in cmd.keys)
            want = (
                tr(lang, "should start with a key, like {keys}", keys=keys)
                if keys
                else tr(lang, "is extra: /{name} takes no keys", name=cmd.shown_name(lang))
            )
            where = tr(lang, "Line {line}:", line=item.line)
            raise CommandSyntaxError(f"{where} '{text[:40]}' {want}.", item.line)
        found[current][0].append(text)
    return {
        key: (
            unescape(
                "\n".join(parts).strip()
                if key.type.multiline
                else " ".join(p.strip() for p in parts if p.strip())
            ),
            line,
        )
        for key, (parts, line) in found.items()
    }


def _split_inline(cmd: Command, items: tuple[Pair | Line, ...]) -> list[Pair | Line]:
    """Split every value at the command's own keys, so `task: X for: Siti` is two pairs.

    Multi-line values split too (`note: bring ice priority: urgent`); a time (10:30), a URL
    and a word that is not one of the command's keys stay in the text.
    """
    pattern = cmd.inline_keys
    return split(pattern, items) if pattern is not None else list(items)


def _unknown_key(cmd: Command, pair: Pair, lang: str) -> CommandSyntaxError:
    known = [w for k in cmd.keys for w in (k.name, *k.aliases, *k.also)]
    guess = closest(pair.key, known)
    hint = tr(lang, " Did you mean {key}:?", key=guess) if guess else ""
    takes = ", ".join(f"{k.word(lang)}:" for k in cmd.keys) or tr(lang, "no keys")
    said = tr(lang, "/{name} has no key {key}:.", name=cmd.shown_name(lang), key=pair.key)
    return CommandSyntaxError(
        f"{tr(lang, 'Line {line}:', line=pair.line)} {said}{hint} "
        + tr(lang, "It takes {keys}.", keys=takes),
        pair.line,
    )


def read_value(kind: ValueType, text: str, ctx: Context) -> Any:
    """One typed value read by its type, as after its key; raises ValueProblem."""
    return kind.convert(text if kind.verbatim else hyphens(text), ctx)


def _convert(wanted: Arg | Key, text: str, ctx: Context, label: str, line: int) -> Any:
    try:
        return read_value(wanted.type, text, ctx)
    except ValueProblem as exc:
        where = tr(ctx.language, "Line {line}, ", line=line) if line > 1 else ""
        said = exc.said(ctx.language)
        if exc.choices:
            raise Unclear(f"{where}{label} {said}", wanted, exc.choices) from None
        raise CommandSyntaxError(f"{where}{label} {said}", line) from None


def spoken(cmd: Command, parsed: ParsedCommand) -> str:
    """MS when a command was written with a Malay name, sub-command or key; else EN."""
    if parsed.name in FAMILY_ALIASES:
        return MS
    words = [w.lower() for w in parsed.words]
    if words and words[0] in malay_sub(cmd.sub):
        return MS
    malay = {a for k in cmd.keys for a in k.aliases}
    if malay.union(*(a.type.malay for a in cmd.args)).intersection(words):  # `halaman 2`, `semua`
        return MS
    typed = (i.key for i in _split_inline(cmd, parsed.items) if isinstance(i, Pair))
    return MS if malay.intersection(typed) else EN
