"""Where a command's own keys start inside a line, so that no value swallows a later key."""

from __future__ import annotations

import re
from collections.abc import Iterable

from wocs.grammar import Line, Pair

# A double-quoted stretch of one line keeps a key phrase inside it as text ("priority: high").
_QUOTED = re.compile(r'"[^"\n]*"')
# `priority\: urgent` is the written-out way to keep a key phrase in free text.
_ESCAPED = re.compile(r"(?<=[A-Za-z0-9_-])([ \t]*)\\:")


def key_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern finding any of these key words followed by a colon, not inside a word or URL."""
    alternatives = "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))
    if not alternatives:
        return None
    return re.compile(r"(?<!\S)(" + alternatives + r")[ \t]*:(?!//)", re.I)


def unescape(text: str) -> str:
    """The text with each escaped key colon (`priority\\: urgent`) turned back into a colon."""
    return _ESCAPED.sub(r"\1:", text) if "\\:" in text else text


def _first(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first key in `text` that stands outside double quotes."""
    found = pattern.search(text)
    if found is None or '"' not in text:
        return found
    quoted = [span.span() for span in _QUOTED.finditer(text)]
    for found in pattern.finditer(text):
        if not any(start < found.start() < end for start, end in quoted):
            return found
    return None


def split(pattern: re.Pattern[str], items: Iterable[Pair | Line]) -> list[Pair | Line]:
    """Cut every value and continuation line where one of the pattern's keys starts."""
    out: list[Pair | Line] = []
    for item in items:
        text = item.value if isinstance(item, Pair) else item.text
        found = _first(pattern, text)
        while found is not None:
            before, text = text[: found.start()], text[found.end() :].strip()
            if isinstance(item, Pair) or before.strip():
                out.append(_before(item, before))
            # A key found here is one of the command's own, so it never needs its raw line.
            item = Pair(found.group(1).lower(), text, item.line)
            found = _first(pattern, text)
        out.append(item)
    return out


def _before(item: Pair | Line, text: str) -> Pair | Line:
    """What stood before a key found inside `item`: its own key and value, or plain text."""
    if isinstance(item, Line):
        return Line(text.rstrip(), item.line)
    # The raw line ends with the value, so the same cut keeps it whole for free text.
    raw = item.raw[: len(item.raw) - len(item.value) + len(text)].rstrip() if item.raw else ""
    return Pair(item.key, text.strip(), item.line, raw)
