"""Typed parameter kinds for commands: each turns the text a person typed into a value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wocs import dates, people, values
from wocs.context import Context
from wocs.values import ValueProblem


@dataclass(frozen=True)
class ValueType:
    """A named conversion from typed text to a value; `multiline` values may span lines."""

    name: str
    convert: Callable[[str, Context], Any]
    multiline: bool = False
    # Free text is taken as typed; other values read the dashes a phone or a pasted document
    # puts in (2026–01–20, 012–345 6789) as the hyphens that were meant.
    verbatim: bool = False
    malay: tuple[str, ...] = ()  # the Malay words it takes (a choice's), telling a Malay command


def _text(text: str, ctx: Context) -> str:
    if not text.strip():
        raise ValueProblem("This value is empty.")
    return text.strip()


def _choice(options: tuple[str, ...], ms: tuple[str, ...]) -> Callable[[str, Context], str]:
    by_word = {**dict(zip(ms, options[: len(ms)], strict=True)), **{o: o for o in options}}

    def convert(text: str, ctx: Context) -> str:
        word = text.strip().lower()
        if word not in by_word:
            raise ValueProblem(
                "'{raw}' is not one of: {options}.",
                raw=text.strip()[:40],
                options=", ".join(options),
            )
        return by_word[word]

    return convert


TEXT = ValueType("text", _text, verbatim=True)
LONG_TEXT = ValueType("text", _text, multiline=True, verbatim=True)
INT = ValueType("number", lambda text, ctx: values.parse_int(text))
DATE = ValueType("date", lambda text, ctx: dates.parse_date(text, ctx.today))
# A day with the time of day if one is written; `passed` when a yearless day has gone.
WHEN = ValueType("date", lambda text, ctx: dates.parse_when(text, ctx.today))
TIME = ValueType("time", lambda text, ctx: dates.parse_time(text))
MONEY = ValueType("amount", lambda text, ctx: values.parse_money(text))
PHONE = ValueType("phone", lambda text, ctx: values.parse_phone(text))
LIST = ValueType("list", lambda text, ctx: values.parse_list(text))
PRIORITY = ValueType("priority", lambda text, ctx: values.parse_priority(text))
PERSON = ValueType("person", people.find)


def choice(*options: str, ms: tuple[str, ...] = ()) -> ValueType:
    """A value that must be one of a few words; `ms` are their Malay words, in the same order."""
    return ValueType("|".join(options), _choice(tuple(options), ms), malay=ms)
