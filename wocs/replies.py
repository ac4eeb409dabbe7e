"""Fixed reply texts, kept in templates/replies.toml so they can be edited without code."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

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


def capped_list(heading: str, total: int, lines: list[str], after: str = "") -> str:
    """A list reply: heading with the total, at most LIST_LIMIT lines, and how many were left out."""
    more = f"\n…and {total - LIST_LIMIT} more." if total > LIST_LIMIT else ""
    return f"{heading} ({total}){after}:\n" + "\n".join(lines[:LIST_LIMIT]) + more


def plural(count: int, noun: str) -> str:
    """`1 recipient`, `2,000 recipients`: a count with its noun in the right number."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
