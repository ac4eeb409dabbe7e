"""Dates and times as people write them in English and Malay, and as replies show them."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from wocs.values import MAX_INPUT, ValueProblem, excerpt

DATE_HINT = "Write it like 2026-01-20, 20/1, 20 Jan, today, tomorrow, esok or friday."
TIME_HINT = "Write it like 10:30, 9am, 9:15pm, 2130 or 9 pagi."
WHEN_HINT = "Write it like esok 9pagi, 20 Jan 2pm, friday 9:30pm or 2026-01-20 10:30."

_RELATIVE_DAYS = {
    "today": 0, "hari ini": 0, "harini": 0, "hari ni": 0, "tonight": 0, "malam ini": 0,
    "tomorrow": 1, "tmrw": 1, "tmr": 1, "esok": 1, "besok": 1, "esoknya": 1,
    "lusa": 2, "day after tomorrow": 2, "tulat": 3,
    "yesterday": -1, "semalam": -1,
    "next week": 7, "minggu depan": 7, "minggu hadapan": 7,
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
_MONTH_NAMES = (
    ("january", "jan", "januari"),
    ("february", "feb", "februari", "febuari"),
    ("march", "mar", "mac"),
    ("april", "apr"),
    ("may", "mei"),
    ("june", "jun"),
    ("july", "jul", "julai"),
    ("august", "aug", "ogos", "ogo", "ogs"),
    ("september", "sep", "sept"),
    ("october", "oct", "oktober", "okt"),
    ("november", "nov"),
    ("december", "dec", "disember", "dis"),
)
_MONTHS = {name: i for i, names in enumerate(_MONTH_NAMES, start=1) for name in names}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# "next friday" and "jumaat depan" both mean the first such day after today, never today.
_NEXT = re.compile(r"(?:next|coming) (\w+)|(?:hari )?(\w+) (?:depan|hadapan|akan datang)")
_THIS = re.compile(r"(?:this|hari|this coming) (\w+)|(\w+) (?:ini|ni)")
_ON = re.compile(r"(?:on|pada|by|before|sebelum) ")
_IN_DAYS = re.compile(
    r"(?:in |dalam )?([0-9]{1,3}) (day|days|hari|week|weeks|minggu)(?: (?:time|lagi|from now))?"
)
_NEXT_MONTH = re.compile(r"next month|bulan depan|bulan hadapan")
_DAY = r"([0-9]{1,2})(?:st|nd|rd|th|hb|haribulan)?"
_YEAR = r"(?:[ ,/-]+([0-9]{4}|'[0-9]{2}))?"
_DAY_MONTH = re.compile(_DAY + r"[ /-]*" + _MONTH + _YEAR)
_MONTH_DAY = re.compile(_MONTH + r"[ -]*" + _DAY + _YEAR)
_ISO_DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_DMY_DATE = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})(?:\2([0-9]{4}|[0-9]{2}))?")

# Parts of the day: which hours (as written) move to the afternoon.
_PERIODS = {
    "am": "am", "a.m.": "am", "a.m": "am", "pagi": "am", "pg": "am", "subuh": "am",
    "pm": "pm", "p.m.": "pm", "p.m": "pm", "petang": "pm", "ptg": "pm",
    "tengahari": "noon", "tengah hari": "noon", "tgh hari": "noon", "tghari": "noon",
    "malam": "night", "mlm": "night",
}  # fmt: skip
_PERIOD = "(" + "|".join(map(re.escape, sorted(_PERIODS, key=len, reverse=True))) + ")"
_NAMED_TIMES = {
    "noon": dt.time(12), "midday": dt.time(12), "tengah hari": dt.time(12),
    "tengahari": dt.time(12), "midnight": dt.time(0), "tengah malam": dt.time(0),
}  # fmt: skip
_AT = re.compile(r"(?:at|@|pukul|pkl|jam|by|before|sebelum)\s*(.+)")
_TIME_PERIOD = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*" + _PERIOD)
_TIME_24H = re.compile(r"([0-9]{1,2})[:.h]([0-9]{2})")
_TIME_HHMM = re.compile(r"([0-9]{1,2})([0-9]{2})")
_TIME_HOUR = re.compile(r"([0-9]{1,2})")
_TRIM = " ,;.!"
RECENT = dt.timedelta(days=183)  # a yearless day gone by less than this is asked about


class BareHour(ValueProblem):
    """An hour written without am/pm or a part of the day (`at 3`): which one is asked."""

    def __init__(self, raw: str, hour: int) -> None:
        super().__init__(
            f"'{excerpt(raw)}': morning or afternoon? Write {hour}am or {hour}pm "
            f"({hour} pagi or {hour} petang)."
        )
        self.hour = hour


_EVENING = ("tonight", "malam ini", "malam ni")  # days that say a bare hour is in the evening


@dataclass(frozen=True)
class When:
    """A day, the time of day if one was written, and the day it replaced when it had passed.

    `passed` is set when a day and month were written without a year and that day went by
    this year not long ago: `day` is then the same day next year, which the sender should
    confirm. Longer ago (`2/1` written on 30 December), next year is plainly meant.
    """

    day: dt.date
    time: dt.time | None = None
    passed: dt.date | None = None


def _clean(text: str, noun: str, hint: str) -> str:
    """The typed text lowercased with single spaces, or ValueProblem when empty or too long."""
    if not isinstance(text, str):
        raise ValueProblem(f"Expected {noun} as text. {hint}")
    if len(text) > MAX_INPUT:
        raise ValueProblem(
            f"That is too long to be {noun} (at most {MAX_INPUT} characters). {hint}"
        )
    key = " ".join(text.lower().split()).strip(_TRIM)
    if not key:
        raise ValueProblem(f"Expected {noun} but got nothing. {hint}")
    return key


def _real_date(raw: str, year: int, month: int, day: int) -> dt.date:
    """Build a date from explicit parts, or raise ValueProblem naming the input."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueProblem(f"'{excerpt(raw)}' is not a date. {DATE_HINT}")
    if not 1900 <= year <= 2100:
        raise ValueProblem(f"'{excerpt(raw)}' has a year outside 1900-2100. {DATE_HINT}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueProblem(
            f"'{excerpt(raw)}' is not a real date (that month has no day {day}). {DATE_HINT}"
        ) from None


def _yearless(raw: str, month: int, day: int, today: dt.date) -> When:
    """The next day/month on or after today (29/2 looks ahead to a leap year); `passed` if moved."""
    _real_date(raw, 2000, month, day)  # validates against a leap year, so 29/2 passes
    this_year = (
        dt.date(today.year, month, day)
        if calendar.isleap(today.year) or (month, day) != (2, 29)
        else None
    )
    for year in range(today.year, today.year + 9):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            recent = this_year is not None and dt.timedelta(0) < today - this_year < RECENT
            passed = this_year if recent else None
            return When(candidate, passed=passed)
    raise ValueProblem(f"'{excerpt(raw)}' is too far in the future. {DATE_HINT}")


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return 2000 + int(text[1:]) if text.startswith("'") else int(text)


def _weekday(word: str, today: dt.date, after: bool) -> dt.date | None:
    weekday = _WEEKDAYS.get(word)
    if weekday is None:
        return None
    ahead = (weekday - today.weekday()) % 7
    return today + dt.timedelta(days=ahead or (7 if after else 0))


def _relative(key: str, today: dt.date) -> dt.date | None:
    """Days named relative to today: esok, friday, next friday, jumaat depan, in 3 days."""
    if key in _RELATIVE_DAYS:
        return today + dt.timedelta(days=_RELATIVE_DAYS[key])
    if key in _WEEKDAYS:
        return _weekday(key, today, after=False)
    if _NEXT_MONTH.fullmatch(key):
        year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
        return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))
    if m := _NEXT.fullmatch(key):
        return _weekday(m[1] or m[2], today, after=True)
    if m := _THIS.fullmatch(key):
        return _weekday(m[1] or m[2], today, after=False)
    if m := _IN_DAYS.fullmatch(key):
        weeks = m[2].startswith(("week", "minggu"))
        return today + dt.timedelta(days=int(m[1]) * (7 if weeks else 1))
    return None


def _date(raw: str, key: str, today: dt.date) -> When:
    """Read `key` (already cleaned) as a day; ValueProblem names `raw` when it is not one."""
    key = key[m.end() :] if (m := _ON.match(key)) else key
    try:
        day = _relative(key, today)
    except (OverflowError, ValueError):  # past the calendar's first or last day
        raise ValueProblem(f"'{excerpt(raw)}' is outside the calendar. {DATE_HINT}") from None
    if day is not None:
        return When(day)
    if m := _ISO_DATE.fullmatch(key):
        return When(_real_date(raw, int(m[1]), int(m[3]), int(m[4])))
    parts: tuple[int, int, int | None] | None = None
    if m := _DMY_DATE.fullmatch(key):
        parts = (
            int(m[1]),
            int(m[3]),
            (int(m[4]) + (2000 if len(m[4]) == 2 else 0)) if m[4] else None,
        )
    elif m := _DAY_MONTH.fullmatch(key):
        parts = int(m[1]), _MONTHS[m[2]], _year(m[3])
    elif m := _MONTH_DAY.fullmatch(key):
        parts = int(m[2]), _MONTHS[m[1]], _year(m[3])
    if parts is None:
        raise ValueProblem(f"'{excerpt(raw)}' is not a date. {DATE_HINT}")
    day_of_month, month, year = parts
    if year is None:
        return _yearless(raw, month, day_of_month, today)
    return When(_real_date(raw, year, month, day_of_month))


def parse_date(text: str, today: dt.date) -> dt.date:
    """A date; weekday names mean the next such day on or after today (today if same).

    A day and month that went by lately are refused, naming the year to write, where there is
    no question to ask (parse_when leaves that to the command).
    """
    when = _date(text, _clean(text, "a date", DATE_HINT), today)
    if when.passed is not None:
        raise passed_problem(text, when.passed, when.day)
    return when.day


def passed_problem(text: str, passed: dt.date, day: dt.date) -> ValueProblem:
    """The refusal of a day that went by lately, for a value that cannot be asked about."""
    return ValueProblem(
        f"'{excerpt(text)}': {show_date(passed)} has passed. If you mean "
        f"{show_date(day)}, write the year: {day.day}/{day.month}/{day.year}."
    )


def _hour(hour: int, period: str) -> int:
    """The 24-hour clock hour for an hour written with a part of the day, or -1."""
    if not 1 <= hour <= 12:
        return -1
    if period == "am":
        return hour % 12
    if period == "pm":
        return hour % 12 + 12
    if period == "noon":
        return hour if hour >= 11 else hour + 12  # 12 tengahari is noon, 2 tengahari is 2 pm
    return hour % 12 + 12 if hour >= 6 else (0 if hour == 12 else hour)  # 8 malam, 1 malam


def _time(raw: str, key: str) -> dt.time:
    """Read `key` (already cleaned) as a time of day; ValueProblem names `raw` otherwise."""
    at = _AT.fullmatch(key)
    key = at[1] if at else key
    if key in _NAMED_TIMES:
        return _NAMED_TIMES[key]
    hour = minute = -1
    if m := _TIME_PERIOD.fullmatch(key):
        hour, minute = _hour(int(m[1]), _PERIODS[m[3]]), int(m[2] or 0)
    elif m := (_TIME_24H.fullmatch(key) or _TIME_HHMM.fullmatch(key)):
        hour, minute = int(m[1]), int(m[2])
    elif (m := _TIME_HOUR.fullmatch(key)) and at and int(m[1]) > 12:
        hour, minute = int(m[1]), 0  # "at 21" can only be the evening
    elif m and 1 <= int(m[1]) <= 12:
        raise BareHour(raw, int(m[1]))
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return dt.time(hour, minute)
    raise ValueProblem(f"'{excerpt(raw)}' is not a time. {TIME_HINT}")


def parse_time(text: str) -> dt.time:
    """A clock time such as 10:30, 10.30, 9am, 9:15pm, 2130, 9 pagi, 3 petang or noon."""
    return _time(text, _clean(text, "a time", TIME_HINT))


def parse_when(text: str, today: dt.date) -> When:
    """A day with an optional time before or after it (esok 9pagi, 9am tomorrow, 20 Jan 2pm)."""
    key = _clean(text, "a date", WHEN_HINT)
    try:
        return _date(text, key, today)
    except ValueProblem as exc:
        problem = exc
    words = key.split(" ")
    # The longest day first, so that the year of `20 Jan 2027` is never read as 20:27.
    for cut in range(len(words) - 1, 0, -1):
        for day_part, time_part in (
            (words[:cut], words[cut:]),
            (words[len(words) - cut :], words[: len(words) - cut]),
        ):
            day_key = " ".join(day_part).strip(_TRIM)
            try:
                when = _date(text, day_key, today)
                clock = _time(text, " ".join(time_part).strip(_TRIM))
            except BareHour as bare:
                if day_key not in _EVENING or bare.hour == 12:
                    problem = bare  # a day and an hour: ask which half of the day
                    continue
                clock = dt.time(bare.hour + 12)  # "tonight 9" is 9 pm
            except ValueProblem:
                continue
            return When(when.day, clock, when.passed)
    try:
        return When(today, _time(text, key))  # a time alone is today
    except BareHour:
        raise
    except ValueProblem:
        raise problem from None


def show_date(day: dt.date | None, today: dt.date | None = None) -> str:
    """A date the way people read it in a chat (Tue 20 Jan 2026), `(next year)` after it if so."""
    if not day:
        return "no date"
    # A day-month typed without a year that has passed means next year: the reply says so.
    later = " (next year)" if today is not None and day.year == today.year + 1 else ""
    return f"{day:%a} {day.day} {day:%b %Y}{later}"


def show_time(clock: dt.time) -> str:
    """A time of day as people read it: 9:00 am, 12:30 pm."""
    return f"{clock.hour % 12 or 12}:{clock.minute:02d} {'am' if clock.hour < 12 else 'pm'}"


def show_when(day: dt.date | None, clock: dt.time | None, today: dt.date | None = None) -> str:
    """A day with its time if it has one: Fri 20 Jan 2027, 9:00 am."""
    shown = show_date(day, today)
    return f"{shown}, {show_time(clock)}" if day and clock is not None else shown


def utc_moment(day: dt.date, clock: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The moment `clock` on `day` in the business time zone, as naive UTC (the way it is stored)."""
    local = dt.datetime.combine(day, clock, tzinfo=tz)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def local_time(moment: dt.datetime | None, tz: dt.tzinfo) -> dt.time | None:
    """The business-time clock of a stored moment (naive UTC or aware), None for none."""
    if moment is None:
        return None
    local = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(tz)
    return local.time().replace(second=0, microsecond=0)


def show_moment(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """A stored moment (naive UTC or aware) in the business time zone: Fri 20 Jan 2027, 9:00 am."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(tz)
    return show_when(local.date(), local_time(moment, tz))
