"""Typed value converters for the WOCS command language (money, phones, lists, ...); dates in wocs.dates."""

from __future__ import annotations

import re
from decimal import Decimal

import phonenumbers

from wocs.language import tr

MAX_INPUT = 200
MAX_MONEY = Decimal("10000000")
MAX_INT = 2**31 - 1

MONEY_HINT = "Write it like RM150, 150.50 or RM1,500."
PHONE_HINT = "Write it like 012-345 6789 or +60 12-345 6789."
LIST_HINT = "Write items separated by commas, like Siti, Ali, Mei."
PRIORITY_HINT = "Use low, normal, high or urgent (also rendah, biasa, tinggi, segera, p1-p4)."
INT_HINT = "Write a whole number like 12 or #12."

_PRIORITIES = {
    "low": "low", "rendah": "low", "p4": "low",
    "normal": "normal", "biasa": "normal", "medium": "normal", "med": "normal", "p3": "normal",
    "high": "high", "tinggi": "high", "p2": "high",
    "urgent": "urgent", "segera": "urgent", "penting": "urgent", "p1": "urgent",
}  # fmt: skip

_MONEY = re.compile(r"(-)?\s*(?:rm|myr)?\s*(-)?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_PHONE_CHARS = re.compile(r"\+?[0-9\s().-]+")
_LIST_SPLIT = re.compile(r"[,;]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_INT = re.compile(r"#?([0-9]+)")


class ValueProblem(ValueError):
    """A value the user typed that cannot be understood; str(exc) is a user-facing sentence.

    With `fields` the message is a template (`'{raw}' is not a {what}.`), so `said` can give
    it in Malay; its `what` and `hint` are team texts too, the rest is what was typed.
    """

    def __init__(self, message: str, choices: tuple[str, ...] = (), **fields: str) -> None:
        super().__init__(message.format(**fields) if fields else message)
        self.message = str(self)
        self.template, self.fields = message, fields
        # When the value could mean several things: what answering 1, 2, … stands for.
        self.choices = choices

    def said(self, lang: str) -> str:
        """The message for a reader of `lang`."""
        if not self.fields:
            return tr(lang, self.template)
        told = {k: tr(lang, v) if k in ("what", "hint") else v for k, v in self.fields.items()}
        return tr(lang, self.template, **told)


def excerpt(text: str) -> str:
    """Return a short, printable excerpt of user input for use inside an error message."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _clean(text: str, noun: str, hint: str) -> str:
    """Check type and length of raw input and return it stripped, or raise ValueProblem."""
    if not isinstance(text, str):
        raise ValueProblem(f"Expected {noun} as text. {hint}")
    if len(text) > MAX_INPUT:
        raise ValueProblem(
            f"That is too long to be {noun} (at most {MAX_INPUT} characters). {hint}"
        )
    stripped = text.strip()
    if not stripped:
        raise ValueProblem(f"Expected {noun} but got nothing. {hint}")
    return stripped


def _key(text: str) -> str:
    """Lowercase text and collapse runs of whitespace to single spaces."""
    return " ".join(text.lower().split())


def parse_money(text: str) -> Decimal:
    """Parse a ringgit amount (RM150, rm 150.50, RM1,500.00) into a 2-place Decimal."""
    raw = _clean(text, "an amount", MONEY_HINT)
    m = _MONEY.fullmatch(_key(raw))
    if m is None:
        raise ValueProblem(
            "'{raw}' is not an amount of money. {hint}", raw=excerpt(raw), hint=MONEY_HINT
        )
    if m[1] or m[2]:
        raise ValueProblem(
            f"'{excerpt(raw)}' is negative; amounts cannot be below zero. {MONEY_HINT}"
        )
    cents = m[4] or "0"
    if len(cents) > 2:
        raise ValueProblem(f"'{excerpt(raw)}' has more than 2 decimal places. {MONEY_HINT}")
    value = Decimal(f"{m[3].replace(',', '')}.{cents}")
    if value > MAX_MONEY:
        raise ValueProblem(f"'{excerpt(raw)}' is too large; the most is RM10,000,000. {MONEY_HINT}")
    return value.quantize(Decimal("0.01"))


def parse_phone(text: str, region: str = "MY") -> str:
    """Parse a phone number into E.164 digits without the plus, e.g. 60123456789."""
    raw = _clean(text, "a phone number", PHONE_HINT)
    problem = ValueProblem(
        "'{raw}' is not a phone number. {hint}", raw=excerpt(raw), hint=PHONE_HINT
    )
    if not _PHONE_CHARS.fullmatch(raw):
        raise problem
    digits = "".join(ch for ch in raw if ch.isdigit())
    if not 5 <= len(digits) <= 17:
        raise problem
    candidates = [raw] if raw.startswith("+") else [raw, "+" + digits]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, str(region).upper())
            if phonenumbers.is_valid_number(number):
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                return e164.removeprefix("+")
        except Exception:  # noqa: S112 - any phonenumbers failure means "not a number"
            continue
    raise problem


def parse_list(text: str) -> list[str]:
    """Split on commas/semicolons; strip, drop empties and case-insensitive duplicates."""
    raw = _clean(text, "a list", LIST_HINT)
    items: list[str] = []
    seen: set[str] = set()
    for part in _LIST_SPLIT.split(_CONTROL.sub(" ", raw)):
        item = part.strip()
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            items.append(item)
    if not items:
        raise ValueProblem(f"'{excerpt(raw)}' has no items. {LIST_HINT}")
    return items


def parse_priority(text: str) -> str:
    """Return one of low, normal, high, urgent from English/Malay words or p1-p4."""
    raw = _clean(text, "a priority", PRIORITY_HINT)
    priority = _PRIORITIES.get(_key(raw))
    if priority is None:
        raise ValueProblem(
            "'{raw}' is not a priority. {hint}", raw=excerpt(raw), hint=PRIORITY_HINT
        )
    return priority


def parse_int(text: str, what: str = "number") -> int:
    """Parse a positive whole number (1 to 2**31-1), allowing a leading # as in #12."""
    raw = _clean(text, f"a {what}", INT_HINT)
    m = _INT.fullmatch(raw)
    if m is None:
        raise ValueProblem(
            "'{raw}' is not a {what}. {hint}", raw=excerpt(raw), what=what, hint=INT_HINT
        )
    digits = m[1].lstrip("0")
    if not digits:
        raise ValueProblem(
            "'{raw}' is not a {what}; numbers start at 1. {hint}",
            raw=excerpt(raw),
            what=what,
            hint=INT_HINT,
        )
    # Beyond what a column holds nothing can exist: say so, not the storage limit.
    if len(digits) > 10 or int(digits) > MAX_INT:
        raise ValueProblem("There is no #{raw}; that number is far too large.", raw=excerpt(digits))
    return int(digits)


def mask_phone(digits: str) -> str:
    """Mask a phone (or a BSUID, or a username) for display: first 2 and last 4 characters kept
    (short input: last 2 only); a BSUID keeps its country code and the end of its id."""
    value = str(digits or "").strip().removeprefix("+")
    if len(value) < 7:
        return "*" * max(len(value) - 2, 0) + value[-2:]
    return value[:2] + "*" * (len(value) - 6) + value[-4:]


def is_bsuid(address: str) -> bool:
    """True for a business-scoped user id (`MY.1502…`, `MY.ENT.…`); false for a phone's digits."""
    return "." in str(address or "")


# "CC." and up to 128 letters and digits; a parent BSUID has "ENT." after the country code.
_BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def parse_bsuid(raw: str) -> str | None:
    """The BSUID written (kept exactly, as Meta wants it back), or None when it is not one."""
    text = raw.strip()
    return text if _BSUID.fullmatch(text) else None


_PHONE_IN_TEXT = re.compile(r"(?<![\w.])\+?\d{7,20}(?![\w])")
_BSUID_IN_TEXT = re.compile(r"\b[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{4,128}\b")


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """Free text (Meta's error details, say) with every phone, BSUID and given username masked."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, mask_phone(name))
    text = _BSUID_IN_TEXT.sub(lambda m: mask_phone(m[0]), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m[0]), text)
