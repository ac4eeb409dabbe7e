"""Typed value converters for the WOCS command language (dates, times, money, phones, ...)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import phonenumbers

MAX_INPUT = 200
MAX_MONEY = Decimal("10000000")
MAX_INT = 2**31 - 1

DATE_HINT = "Write it like 2026-01-20, 20/1, today, tomorrow, esok or friday."
TIME_HINT = "Write it like 10:30, 9am, 9:15pm or 2130."
MONEY_HINT = "Write it like RM150, 150.50 or RM1,500."
PHONE_HINT = "Write it like 012-345 6789 or +60 12-345 6789."
LIST_HINT = "Write items separated by commas, like Siti, Ali, Mei."
PRIORITY_HINT = "Use low, normal, high or urgent (also rendah, biasa, tinggi, segera, p1-p4)."
INT_HINT = "Write a whole number like 12 or #12."

_RELATIVE_DAYS = {
    "today": 0, "hari ini": 0, "harini": 0,
    "tomorrow": 1, "esok": 1, "besok": 1, "lusa": 2,
    "yesterday": -1, "semalam": -1,
}  # fmt: skip
_WEEKDAY_NAMES = (
    ("monday", "mon", "isnin", "isn"),
    ("tuesday", "tue", "tues", "selasa", "sel"),
    ("wednesday", "wed", "rabu", "rab"),
    ("thursday", "thu", "thur", "thurs", "khamis", "kha"),
    ("friday", "fri", "jumaat", "jumat", "jum"),
    ("saturday", "sat", "sabtu", "sab"),
    ("sunday", "sun", "ahad", "ahd", "minggu"),
)
_WEEKDAYS = {name: i for i, names in enumerate(_WEEKDAY_NAMES) for name in names}
_PRIORITIES = {
    "low": "low", "rendah": "low", "p4": "low",
    "normal": "normal", "biasa": "normal", "medium": "normal", "med": "normal", "p3": "normal",
    "high": "high", "tinggi": "high", "p2": "high",
    "urgent": "urgent", "segera": "urgent", "penting": "urgent", "p1": "urgent",
}  # fmt: skip

_ISO_DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?")
_TIME_AMPM = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*([ap])\.?m\.?")
_TIME_24H = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")
_TIME_HHMM = re.compile(r"([0-9]{1,2})([0-9]{2})")
_MONEY = re.compile(r"(-)?\s*(?:rm|myr)?\s*(-)?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_PHONE_CHARS = re.compile(r"\+?[0-9\s().-]+")
_LIST_SPLIT = re.compile(r"[,;]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_INT = re.compile(r"#?([0-9]+)")


class ValueProblem(ValueError):
    """A value the user typed that cannot be understood; str(exc) is a user-facing sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def _real_date(raw: str, year: int, month: int, day: int) -> datetime.date:
    """Build a date from explicit parts, or raise ValueProblem naming the input."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueProblem(f"'{excerpt(raw)}' is not a date. {DATE_HINT}")
    if not 1900 <= year <= 2100:
        raise ValueProblem(f"'{excerpt(raw)}' has a year outside 1900-2100. {DATE_HINT}")
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueProblem(
            f"'{excerpt(raw)}' is not a real date (that month has no day {day}). {DATE_HINT}"
        ) from None


def _next_date(raw: str, month: int, day: int, today: datetime.date) -> datetime.date:
    """Return the next day/month on or after today (looking ahead for 29/2), or raise."""
    _real_date(raw, 2000, month, day)  # validates against a leap year, so 29/2 passes
    for year in range(today.year, today.year + 9):
        try:
            candidate = datetime.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValueProblem(f"'{excerpt(raw)}' is too far in the future. {DATE_HINT}")


def parse_date(text: str, today: datetime.date) -> datetime.date:
    """Parse a date; weekday names mean the next such day on or after today (today if same)."""
    raw = _clean(text, "a date", DATE_HINT)
    key = _key(raw)
    try:
        if key in _RELATIVE_DAYS:
            return today + datetime.timedelta(days=_RELATIVE_DAYS[key])
        weekday = _WEEKDAYS.get(key.removeprefix("hari "))
        if weekday is not None:
            return today + datetime.timedelta(days=(weekday - today.weekday()) % 7)
    except OverflowError:
        raise ValueProblem(f"'{excerpt(raw)}' is outside the calendar. {DATE_HINT}") from None
    if m := _ISO_DATE.fullmatch(key):
        return _real_date(raw, int(m[1]), int(m[3]), int(m[4]))
    if m := _DMY_DATE.fullmatch(key):
        day, month = int(m[1]), int(m[3])
        if m[4] is None:
            return _next_date(raw, month, day, today)
        year = int(m[4]) + (2000 if len(m[4]) == 2 else 0)
        return _real_date(raw, year, month, day)
    raise ValueProblem(f"'{excerpt(raw)}' is not a date. {DATE_HINT}")


def parse_time(text: str) -> datetime.time:
    """Parse a clock time such as 10:30, 10.30, 9am, 9:15pm or 2130."""
    raw = _clean(text, "a time", TIME_HINT)
    key = _key(raw)
    hour = minute = -1
    if m := _TIME_AMPM.fullmatch(key):
        hour12, minute = int(m[1]), int(m[2] or 0)
        if 1 <= hour12 <= 12:
            hour = hour12 % 12 + (12 if m[3] == "p" else 0)
    elif m := (_TIME_24H.fullmatch(key) or _TIME_HHMM.fullmatch(key)):
        hour, minute = int(m[1]), int(m[2])
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return datetime.time(hour, minute)
    raise ValueProblem(f"'{excerpt(raw)}' is not a time. {TIME_HINT}")


def parse_money(text: str) -> Decimal:
    """Parse a ringgit amount (RM150, rm 150.50, RM1,500.00) into a 2-place Decimal."""
    raw = _clean(text, "an amount", MONEY_HINT)
    m = _MONEY.fullmatch(_key(raw))
    if m is None:
        raise ValueProblem(f"'{excerpt(raw)}' is not an amount of money. {MONEY_HINT}")
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
    problem = ValueProblem(f"'{excerpt(raw)}' is not a phone number. {PHONE_HINT}")
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
        raise ValueProblem(f"'{excerpt(raw)}' is not a priority. {PRIORITY_HINT}")
    return priority


def parse_int(text: str, what: str = "number") -> int:
    """Parse a positive whole number (1 to 2**31-1), allowing a leading # as in #12."""
    raw = _clean(text, f"a {what}", INT_HINT)
    m = _INT.fullmatch(raw)
    if m is None:
        raise ValueProblem(f"'{excerpt(raw)}' is not a {what}. {INT_HINT}")
    digits = m[1].lstrip("0")
    if not digits:
        raise ValueProblem(f"'{excerpt(raw)}' is not a {what}; numbers start at 1. {INT_HINT}")
    # Beyond what a column holds nothing can exist: say so, not the storage limit.
    if len(digits) > 10 or int(digits) > MAX_INT:
        raise ValueProblem(f"There is no #{excerpt(digits)}; that number is far too large.")
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
