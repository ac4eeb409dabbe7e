"""The pyparsing grammar of a command message: `/name words… [key: value]` plus key lines."""

from __future__ import annotations

import re
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


_KEY_WORD = r"[A-Za-z_][A-Za-z0-9_-]{0,29}"
_KEY_END = r"[ \t]*:(?!//)"  # not the start of a URL
_NAME = r"/([A-Za-z][A-Za-z0-9_-]{0,39})"


def _grammar() -> pp.ParserElement:
    """Build the grammar once; newlines are significant, so only spaces and tabs are skipped."""
    key = f"(?P<key>{_KEY_WORD}){_KEY_END}"
    name = pp.Regex(_NAME, as_group_list=False).set_name("command")
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
_NAME_ONLY = pp.Regex(_NAME).set_whitespace_chars(" \t")
# The same language, line by line, for the messages it reads at once (nearly all of them): the
# head as the grammar takes it (words up to a key, never backing off a word, then one pair),
# each later line a key and value or a plain line. What this does not read whole, the grammar
# reads, and explains when it cannot (tests/test_grammar.py holds the two to the same answers).
_FAST_HEAD = re.compile(
    r"/([A-Za-z][A-Za-z0-9_-]{0,39}+)"  # the name as the grammar takes it: never cut shorter
    + rf"((?>[ \t]*+(?!{_KEY_WORD}{_KEY_END})[^\s]++)*+)[ \t]*+"
    + rf"(?:({_KEY_WORD}){_KEY_END}([^\n]*))?"
)
_FAST_LINE = re.compile(rf"[ \t]*(?:({_KEY_WORD}){_KEY_END})?([^\n]*)")


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
    lines = text.split("\n")
    head = _FAST_HEAD.fullmatch(lines[0])
    return _read_lines(head, lines) if head is not None else read_with_grammar(text)


def read_with_grammar(text: str) -> ParsedCommand:
    """Read a plain command message with the pyparsing grammar alone (parse's slow path)."""
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


def _read_lines(head: re.Match[str], lines: list[str]) -> ParsedCommand:
    """The command whose first line `head` read, its later lines read one by one."""
    items: list[Pair | Line] = []
    if head[3] is not None:
        items.append(Pair(head[3].lower(), head[4].strip(), 1))
    for lineno, text in enumerate(lines[1:], start=2):
        found = _FAST_LINE.match(text)  # always matches: a key and value, or a plain line
        if found is not None and found[1]:
            items.append(Pair(found[1].lower(), found[2].strip(), lineno, text.strip()))
        else:
            items.append(Line(text.rstrip(), lineno))
    return ParsedCommand(head[1].lower(), tuple(head[2].split()), tuple(items))


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
