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
