"""Dates and times read per second on one core: wocs.dates beside dateparser (a maintained parser).

Run: python bench/dates.py [--seconds 3]   (dateparser: pip install -r requirements-bench.txt)
Prints one figure per line, and how many of the phrasings each reads as wocs.dates does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wocs.dates import When, parse_when
from wocs.values import ValueProblem

TODAY = dt.date(2026, 1, 14)
NOW = dt.datetime(2026, 1, 14, 10, 0)
PHRASINGS = [
    "esok", "lusa 3 petang", "esok 9pagi", "tomorrow 9am", "20 Jan", "20 Januari 2027",
    "next friday", "jumaat depan", "9.30pm", "2pm", "2026-01-20", "20/1", "friday 9:30pm",
    "minggu depan", "3 Dec", "today 5pm",
]  # fmt: skip


def ours(text: str) -> When | None:
    """What wocs.dates reads."""
    try:
        return parse_when(text, TODAY)
    except ValueProblem:
        return None


def alike(moment: dt.datetime | None, when: When | None) -> bool:
    """The same day, and the same time where one was written (a day alone keeps the clock)."""
    if moment is None or when is None:
        return moment is None and when is None
    return moment.date() == when.day and (when.time is None or moment.time() == when.time)


def theirs() -> Callable[[str], Any] | None:
    """dateparser set up for English and Malay day-first dates after today, if installed."""
    try:
        import dateparser  # optional: only this benchmark uses it
    except ImportError:
        return None
    options = {"RELATIVE_BASE": NOW, "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}

    def read(text: str) -> Any:
        return dateparser.parse(text, languages=["en", "ms"], settings=options)

    return read


def rate(func: Callable[[str], Any], seconds: float) -> float:
    """Phrasings read per second over about `seconds`."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for text in PHRASINGS:
            func(text)
        count += len(PHRASINGS)
    return count / (time.perf_counter() - started)


def main() -> None:
    """Measure both and print their rates and agreement."""
    options = argparse.ArgumentParser()
    options.add_argument("--seconds", type=float, default=3.0)
    seconds = options.parse_args().seconds
    print(f"wocs_dates_per_second: {rate(ours, seconds):,.0f}")
    other = theirs()
    if other is None:
        print("dateparser_per_second: not installed")
        return
    print(f"dateparser_per_second: {rate(other, seconds):,.0f}")
    same = sum(1 for text in PHRASINGS if alike(other(text), ours(text)))
    print(f"dateparser_reads_alike: {same} of {len(PHRASINGS)}")


if __name__ == "__main__":
    main()
