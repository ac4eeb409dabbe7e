"""What phones and pasting do to typed text, undone before a command is read."""

from __future__ import annotations

import re

# Other spaces and line breaks read as the plain ones; zero-width marks (a pasted phone
# number often carries a left-to-right mark) are dropped. The zero-width joiner and
# non-joiner stay: they hold emoji sequences and some scripts together inside free text.
# Smart quotes become straight ones so that quoting a key phrase works from any keyboard.
_PLAIN = str.maketrans(
    {
        **dict.fromkeys("\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006", " "),
        **dict.fromkeys("\u2007\u2008\u2009\u200a\u202f\u205f\u3000\x0b\x0c", " "),
        **dict.fromkeys("\x85\u2028\u2029\r", "\n"),
        **dict.fromkeys("\u200b\u200e\u200f\u2060\ufeff\u180e", None),
        **dict.fromkeys("\u201c\u201d\u201e\u201f", '"'),
        **dict.fromkeys("\u2018\u2019\u201a\u201b", "'"),
    }
)
# Keyboards that add a space after "/" turn `/event list` into `/ event list`.
_SLASH_SPACE = re.compile(r"/[ \t]+(?=[A-Za-z])")
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))


def plain(text: str) -> str:
    """The message with phone punctuation and spacing made plain, and surrounding space gone."""
    text = text.replace("\r\n", "\n").translate(_PLAIN).strip()
    spaced = _SLASH_SPACE.match(text)
    return "/" + text[spaced.end() :] if spaced else text


def hyphens(text: str) -> str:
    """Dashes a phone or a document put where a hyphen was meant (dates, phones, slugs)."""
    return text.translate(_DASHES)
