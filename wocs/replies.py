"""Fixed reply texts, kept in templates/replies.toml so they can be edited without code."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from wocs.context import CommandError, Result
from wocs.language import EN, tr

REPLIES_FILE = Path(__file__).resolve().parent.parent / "templates" / "replies.toml"


@functools.cache
def _all() -> dict[str, str]:
    with REPLIES_FILE.open("rb") as handle:
        return {name: text.strip() for name, text in tomllib.load(handle).items()}


def reply(name: str) -> str:
    """The text of a named reply; a missing name is a bug, so it raises KeyError."""
    return _all()[name]


LIST_LIMIT = 20  # lines a list reply shows, so it stays one readable WhatsApp message
TEXT_LIMIT = 4096  # characters WhatsApp takes in one text message


def capped_list(
    heading: str,
    total: int,
    lines: list[str],
    after: str = "",
    *,
    page: int = 1,
    more: str = "",
    lang: str = EN,
) -> str:
    """A list reply: heading with the total, at most LIST_LIMIT lines, and how many were left out.

    `lines` are those of `page` (or all of them); `more` is the command showing the next page,
    offered with MORE when some are left.
    """
    left = total - (page - 1) * LIST_LIMIT - min(len(lines), LIST_LIMIT)
    rest = ""
    if left > 0:
        rest = "\n" + (
            tr(lang, "…and {left} more: send MORE (or {more}).", left=left, more=more)
            if more
            else tr(lang, "…and {left} more.", left=left)
        )
    part = tr(lang, ", page {page}", page=page) if page > 1 else ""
    return f"{heading} ({total}{part}){after}:\n" + "\n".join(lines[:LIST_LIMIT]) + rest


def paged(
    heading: str,
    total: int,
    lines: list[str],
    page: int,
    more: str,
    after: str = "",
    lang: str = EN,
) -> Result:
    """One page of a list as the reply; while rows are left, MORE runs `more` (the next page).

    The last page (or the whole list) carries more="", so MORE after it continues nothing.
    """
    text = capped_list(heading, total, lines, after, page=page, more=more, lang=lang)
    return Result(text, more=more if total > page * LIST_LIMIT else "")


def empty_list(text: str) -> Result:
    """The reply for a list with nothing in it: MORE after it continues no earlier list."""
    return Result(text, more="")


def page_start(page: int, total: int) -> int:
    """How many rows come before `page`; CommandError when the list has no such page."""
    pages = max(1, -(-total // LIST_LIMIT))
    if page > pages:
        raise CommandError(f"There is no page {page}: the list has {plural(pages, 'page')}.")
    return (page - 1) * LIST_LIMIT


def plural(count: int, noun: str) -> str:
    """`1 recipient`, `2,000 recipients`: a count with its noun in the right number."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
