"""What a customer's short plain message asks for: to join a draw, to stop or to start again.

The rules, so that a sentence that merely mentions a keyword is never taken for one:
- Only short messages count (at most SHORT words once emoji and punctuation are dropped).
- Join: JOIN or MASUK (or SERTAI) anywhere, followed by the code, perhaps after a filler word
  (`join the CNY27 draw`); `JOIN: CNY27`, `JOIN #CNY27`, `Hi! JOIN CNY27 please` all count.
- A code alone (`CNY27`, `#CNY27 🎉`) is only a candidate: the caller joins it when it is an
  open campaign's code, and otherwise answers as to any other message.
- Stop / start: every word is the keyword or a polite companion of it (`stop please`,
  `berhenti hantar`, `unsubscribe me`); `when does the promo stop?` has other words, so it
  is not an opt-out.
- Talk: asking for a person and nothing else (`talk to us`, the menu's choice; `nak cakap
  dengan orang`); a question that also asks for someone is simply a message for the team.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SHORT = 8
JOIN_WORDS = frozenset({"join", "masuk", "sertai", "sertailah"})
STOP_WORDS = frozenset({"stop", "berhenti", "unsubscribe", "unsub"})
START_WORDS = frozenset({"start", "mula", "subscribe"})
TALK_WORDS = frozenset({"talk", "chat", "bercakap", "cakap", "sembang"})
# Words that may go with a talk keyword: who to talk to, and how it is asked.
_TALK_COMPANIONS = frozenset(
    {
        "to", "us", "with", "someone", "somebody", "person", "human", "agent", "team", "staff",
        "i", "want", "can", "a", "dengan", "kami", "orang", "pasukan", "nak", "mahu", "boleh",
    }
)  # fmt: skip
# Words allowed around a stop or start keyword without changing what it means.
_COMPANIONS = frozenset(
    {
        "please", "pls", "plz", "me", "now", "sending", "send", "messages", "message", "msg",
        "msgs", "it", "all", "thanks", "thank", "you", "again", "tolong", "hantar", "mesej",
        "saya", "lah", "je", "sahaja", "terima", "kasih", "semula", "balik", "ok", "okay",
    }
)  # fmt: skip
# Words that may stand between JOIN and its code (`join the CNY27 draw`, `masuk kempen CNY27`).
_FILLERS = frozenset(
    {"the", "a", "to", "in", "draw", "lucky", "campaign", "contest", "kempen", "cabutan", "ke"}
)
_WORD = re.compile(r"[0-9a-z]+")
_CODE = re.compile(r"[0-9a-z]{3,20}")


@dataclass(frozen=True)
class Asked:
    """What a message asks: `join` (code may be ''), `code` (a bare code), `stop`, `start`, `talk`."""

    intent: str  # join, code, stop, start or talk
    code: str = ""


def _words(text: str) -> list[str]:
    """Lower-case words of letters and digits; emoji, `#`, `:` and punctuation fall away."""
    folded = unicodedata.normalize("NFKD", text).casefold()
    return _WORD.findall(folded)


def read(text: str) -> Asked | None:
    """What a customer's plain message asks for, or None when it is none of the keywords."""
    words = _words(text)
    if not words or len(words) > SHORT:
        return None
    for n, word in enumerate(words):
        if word in JOIN_WORDS:
            rest = [w for w in words[n + 1 :] if w not in _FILLERS | _COMPANIONS]
            code = rest[0] if rest and _CODE.fullmatch(rest[0]) else ""
            return Asked("join", code.upper())
    for intent, keys, companions in (
        ("stop", STOP_WORDS, _COMPANIONS),
        ("start", START_WORDS, _COMPANIONS),
        ("talk", TALK_WORDS, _COMPANIONS | _TALK_COMPANIONS),
    ):
        if keys & set(words) and set(words) <= keys | companions:
            return Asked(intent)
    if len(words) == 1 and _CODE.fullmatch(words[0]) and text.strip()[:1] != "/":
        return Asked("code", words[0].upper())
    return None
