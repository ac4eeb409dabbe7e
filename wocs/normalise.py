"""What phones and pasting do to typed text, undone before a command is read."""

from __future__ import annotations

import re

# Other spaces and line breaks read as the plain ones. Smart quotes become straight ones so
# that quoting a key phrase works from any keyboard.
_PLAIN = str.maketrans(
    {
        **dict.fromkeys("\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
        **dict.fromkeys("\u2007\u2008\u2009\u200a\u202f\u205f\u3000\x0b\x0c", " "),
        **dict.fromkeys("\x85\u2028\u2029\r", "\n"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
        **dict.fromkeys("\u2018\u2019\u201a\u201b", "'"),
    }
)
# Zero-width marks (a pasted phone number often carries a left-to-right mark) are dropped
# where they stop a command from being read: before it, in its words up to the first key, and
# in typed values. Free text keeps them: right-to-left marks order Arabic and Hebrew words.
# The zero-width joiner and non-joiner are never marks to drop: they hold emoji together.
_ZERO_WIDTH_MARKS = "\u200b\u200e\u200f\u2060\ufeff\u180e"
_ZERO_WIDTH: dict[int, None] = dict.fromkeys(map(ord, _ZERO_WIDTH_MARKS))
# Keyboards that add a space after "/" turn `/event list` into `/ event list`.
_SLASH_SPACE = re.compile(r"/[ \t]+(?=[A-Za-z])")
_DASHES: dict[int, str | None] = {
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-"),
    **_ZERO_WIDTH,
}


def plain(text: str) -> str:
    """The message with phone punctuation and spacing made plain, and surrounding space gone."""
    text = text.replace("\r\n", "\n").translate(_PLAIN).lstrip(_ZERO_WIDTH_MARKS)
    ends = [at for at in (text.find(":"), text.find("\n")) if at >= 0]
    head = min(ends, default=len(text))  # the command's words, up to its first key
    text = (text[:head].translate(_ZERO_WIDTH) + text[head:]).strip()
    spaced = _SLASH_SPACE.match(text)
    return "/" + text[spaced.end() :] if spaced else text


def hyphens(text: str) -> str:
    """A typed value (date, phone, slug) with dashes made hyphens and zero-width marks gone."""
    return text.translate(_DASHES)
