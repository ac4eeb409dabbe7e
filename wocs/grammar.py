"""The pyparsing grammar of a command message: `/name words… [key: value]` plus key lines."""

from __future__ import annotations

from dataclasses import dataclass

import pyparsing as pp

from wocs.normalise import plain
from wocs.replies import TEXT_LIMIT


class CommandSyntaxError(Exception):
    """A command message that cannot be read; `str()` is the user-facing explanation."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass(frozen=True)
class Pair:
    """One `key: value` pair; `line` is the 1-based line the key stands on."""

    key: str
    value: str
    line: int
    raw: str = ""


@dataclass(frozen=True)
class Line:
    """A line that starts with no key: it continues the previous value."""

    text: str
    line: int


@dataclass(frozen=True)
class ParsedCommand:
    """The shape of a command message before its keys are checked and typed."""

    name: str
    words: tuple[str, ...]
    items: tuple[Pair | Line, ...]


def _grammar() -> pp.ParserElement:
    """Build the grammar once; newlines are significant, so only spaces and tabs are skipped."""
    key = r"(?P<key>[A-Za-z_][A-Za-z0-9_-]{0,29})[ \t]*:(?!//)"  # not the start of a URL
    name = pp.Regex(r"/([A-Za-z][A-Za-z0-9_-]{0,39})", as_group_list=False).set_name("command")
    word = pp.Regex(r"[^\s]+").set_name("word")
    pair = pp.Regex(key + r"(?P<value>[^\n]*)").set_name("key: value")
    # One token a line keeps this fast: a key and its value, or a plain continuation line.
    line = pp.Regex(r"\n[ \t]*(?:" + key + r")?(?P<value>[^\n]*)").set_name("line")
    for element in (name, word, pair):
        element.set_whitespace_chars(" \t")
    line.set_whitespace_chars("")
    head = (
        name("name")
        + pp.Group(pp.ZeroOrMore(~pair + word))("words")
        + pp.Opt(pp.Group(pair)("pair"))
    )
    body = pp.ZeroOrMore(pp.Group(line))
    # Tabs stay tabs: values are kept verbatim and error columns count the original text.
    return (pp.StringStart() + head + pp.Group(body)("body") + pp.StringEnd()).parse_with_tabs()


_GRAMMAR = _grammar()
_NAME_ONLY = pp.Regex(r"/([A-Za-z][A-Za-z0-9_-]{0,39})").set_whitespace_chars(" \t")


def looks_like_command(text: str) -> bool:
    """True when a message is meant as a slash command."""
    stripped = plain(text)
    return stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isspace()


def parse(text: str) -> ParsedCommand:
    """Parse a command message; raise CommandSyntaxError with the line and column on failure."""
    text = plain(text)
    if len(text) > TEXT_LIMIT:
        raise CommandSyntaxError(
            f"That message is too long ({len(text)} characters; one message holds at most "
            f"{TEXT_LIMIT}). Nothing was saved."
        )
    if not text.startswith("/"):
        raise CommandSyntaxError("A command starts with /, for example /help.")
    try:
        result = _GRAMMAR.parse_string(text, parse_all=True)
    except pp.ParseBaseException as exc:
        raise _explain(text, exc) from None
    items: list[Pair | Line] = []
    if "pair" in result:
        items.append(_pair(result["pair"], 1))
    lines = text.split("\n")
    for lineno, group in enumerate(result["body"], start=2):
        if group.get("key"):
            items.append(_pair(group, lineno, lines[lineno - 1].strip()))
        else:
            # Leading spaces stay: they carry meaning in multi-line values (nested lists, code).
            items.append(Line(lines[lineno - 1].rstrip(), lineno))
    name = result["name"][1:].lower()
    return ParsedCommand(name, tuple(result["words"]), tuple(items))


def _pair(group: pp.ParseResults, lineno: int, raw: str = "") -> Pair:
    return Pair(group["key"].lower(), group["value"].strip(), lineno, raw)


def _explain(text: str, exc: pp.ParseBaseException) -> CommandSyntaxError:
    """Turn a pyparsing failure into a sentence a person can act on."""
    try:
        _NAME_ONLY.parse_string(text)
    except pp.ParseBaseException:
        shown = text.split(None, 1)[0][:20] if text.split() else text
        return CommandSyntaxError(
            f"'{shown}' is not a command name: use letters after the /, for example /help.",
            1,
            2,
        )
    line = text.count("\n", 0, exc.loc) + 1
    col = exc.loc - (text.rfind("\n", 0, exc.loc) + 1) + 1
    return CommandSyntaxError(f"I could not read line {line} near column {col}.", line, col)
