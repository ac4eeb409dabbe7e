"""Business hours (`mon-sat 09:00-21:00`): parsed, shown, and measured in the business time zone."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from wocs.values import ValueProblem

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MALAY_DAYS = ("isnin", "selasa", "rabu", "khamis", "jumaat", "sabtu", "ahad")
_DAY_WORDS = {
    **{d: n for n, d in enumerate(DAYS)},
    **{d: n for n, d in enumerate(MALAY_DAYS)},
    **{d: n for n, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday"))},
    "saturday": 5, "sunday": 6, "jumat": 4, "minggu": 6,
}  # fmt: skip
ALWAYS_WORDS = ("always", "24/7", "sentiasa", "off")
ALWAYS = "always"
HOW = (
    "Write the days and the hours, e.g. mon-sat 09:00-21:00 (more parts with commas: "
    "mon-fri 09:00-21:00, sat 10:00-18:00), or always."
)
_PART = re.compile(
    r"(?P<days>[a-z]+(?:\s*-\s*[a-z]+)?)\s+(?P<open>\d{1,2}[:.]\d{2})\s*-\s*(?P<close>\d{1,2}[:.]\d{2})"
)
WEEK_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class Hours:
    """The weekly opening spans, as (start, end) minutes counted from Monday 00:00."""

    spans: tuple[tuple[int, int], ...] = ()  # empty: always open

    @property
    def always(self) -> bool:
        """True when the business never closes."""
        return not self.spans

    def show(self) -> str:
        """The canonical text (`mon-sat 09:00-21:00`), the way the flag is stored and replied."""
        if self.always:
            return ALWAYS
        by_hours: dict[tuple[int, int], list[int]] = {}
        for start, end in self.spans:
            day, opens = divmod(start, 1440)
            by_hours.setdefault((opens, opens + end - start), []).append(day)
        parts = []
        for (opens, closes), days in by_hours.items():
            for first, last in _runs(days):
                named = DAYS[first] if first == last else f"{DAYS[first]}-{DAYS[last]}"
                parts.append(f"{named} {_clock(opens)}-{_clock(closes)}")
        return ", ".join(parts)

    def is_open(self, moment: dt.datetime, tz: ZoneInfo) -> bool:
        """True when `moment` (naive UTC) falls within the hours."""
        if self.always:
            return True
        at = _week_minute(moment, tz)
        return any(start <= at < end for start, end in self.spans)

    def last_closing(self, moment: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
        """When the hours last ended at or before `moment` (naive UTC); None if always open."""
        if self.always:
            return None
        at = _week_minute(moment, tz)
        back = min((at - end) % WEEK_MINUTES for _, end in self.spans)
        return _shifted(moment, tz, -back)

    def next_opening(self, moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
        """When the hours next begin after `moment` (naive UTC); `moment` itself if always open."""
        if self.always:
            return moment
        at = _week_minute(moment, tz)
        ahead = min((start - at) % WEEK_MINUTES or WEEK_MINUTES for start, _ in self.spans)
        return _shifted(moment, tz, ahead)

    def open_minutes(self, start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> float:
        """Minutes of business hours between two moments (naive UTC)."""
        if end <= start:
            return 0.0
        total = (end - start).total_seconds() / 60
        if self.always:
            return total
        first = _week_minute(start, tz) + start.second / 60
        counted = 0.0
        weeks, rest = divmod(total, WEEK_MINUTES)
        for opens, closes in self.spans:
            counted += weeks * (closes - opens)
            # The rest of the stretch, from `first`, may wrap past Sunday night into next week.
            for shift in (0, WEEK_MINUTES):
                low, high = max(opens + shift, first), min(closes + shift, first + rest)
                counted += max(0.0, high - low)
        return counted


def parse(text: str) -> Hours:
    """Hours from what an admin wrote; ValueProblem says how to write them."""
    raw = re.sub(r"\s+", " ", text.strip().lower())
    if raw in ALWAYS_WORDS:
        return Hours()
    spans: list[tuple[int, int]] = []
    for piece in filter(None, (p.strip() for p in re.split(r"[,;]", raw))):
        found = _PART.fullmatch(piece)
        if not found:
            raise ValueProblem(f"I can't read '{piece[:40]}' as days and hours. {HOW}")
        opens, closes = _minute(found["open"]), _minute(found["close"])
        if opens is None or closes is None or closes <= opens:
            raise ValueProblem(
                f"'{piece[:40]}': the hours must be times of day (00:00 to 24:00), closing after "
                f"opening; for a night past midnight write two parts. {HOW}"
            )
        for day in _days(found["days"]):
            spans.append((day * 1440 + opens, day * 1440 + closes))
    spans.sort()
    if any(later[0] < earlier[1] for earlier, later in itertools.pairwise(spans)):
        raise ValueProblem(f"'{text.strip()[:60]}' gives one day two overlapping spans. {HOW}")
    return Hours(tuple(spans))


def _days(text: str) -> list[int]:
    first, _, last = (part.strip() for part in text.partition("-"))
    numbers = [_DAY_WORDS.get(word) for word in (first, last or first)]
    if None in numbers:
        unknown = first if numbers[0] is None else last
        raise ValueProblem(f"'{unknown}' is not a day (mon, tue, … sun or isnin … ahad). {HOW}")
    start, end = numbers[0] or 0, numbers[1] or 0
    return [(start + n) % 7 for n in range((end - start) % 7 + 1)]


def _minute(text: str) -> int | None:
    hours, minutes = (int(part) for part in re.split(r"[:.]", text))
    if minutes > 59 or hours * 60 + minutes > 1440:
        return None
    return hours * 60 + minutes


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _runs(days: list[int]) -> list[tuple[int, int]]:
    """Consecutive days as (first, last) pairs: [0, 1, 2, 5] → [(0, 2), (5, 5)]."""
    runs: list[tuple[int, int]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _week_minute(moment: dt.datetime, tz: ZoneInfo) -> int:
    local = moment.replace(tzinfo=dt.UTC).astimezone(tz)
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def _shifted(moment: dt.datetime, tz: ZoneInfo, minutes: int) -> dt.datetime:
    """`moment` moved by whole business-clock minutes, seconds dropped, as naive UTC."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(tz).replace(second=0, microsecond=0)
    wall = local.replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    return wall.replace(tzinfo=tz).astimezone(dt.UTC).replace(tzinfo=None)


def show_opening(moment: dt.datetime, tz: ZoneInfo) -> tuple[str, str]:
    """An opening time as a customer reads it, in English and Malay: (`Mon 09:00`, `Isnin 09:00`)."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(tz)
    clock = local.strftime("%H:%M")
    day = local.weekday()
    return f"{DAYS[day].capitalize()} {clock}", f"{MALAY_DAYS[day].capitalize()} {clock}"
