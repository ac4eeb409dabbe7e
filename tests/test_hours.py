"""Business hours: read as admins write them, shown one way, and measured in business time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from wocs import hours
from wocs.values import ValueProblem

KL = ZoneInfo("Asia/Kuala_Lumpur")
WEEK = hours.parse("mon-sat 09:00-21:00")


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A December 2026 moment in Kuala Lumpur (Mon 7 Dec … Sun 13 Dec) as naive UTC."""
    local = dt.datetime(2026, 12, day, hour, minute, tzinfo=KL)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("mon-sat 09:00-21:00", "mon-sat 09:00-21:00"),
        ("Isnin-Jumaat 9.00-17.30, Sabtu 10:00-14:00", "mon-fri 09:00-17:30, sat 10:00-14:00"),
        ("fri-mon 00:00-24:00", "mon 00:00-24:00, fri-sun 00:00-24:00"),
        ("24/7", "always"),
        ("Sentiasa", "always"),
    ],
)
def test_hours_are_read_in_english_and_malay_and_shown_one_way(written, shown):
    assert hours.parse(written).show() == shown


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("mon-sat", "as days and hours"),
        ("someday 09:00-17:00", "'someday' is not a day"),
        ("mon 21:00-09:00", "closing after opening"),
        ("mon 09:00-25:00", "00:00 to 24:00"),
        ("mon 09:00-13:00, mon 12:00-18:00", "overlapping"),
    ],
)
def test_hours_that_cannot_be_read_say_how_to_write_them(written, says):
    with pytest.raises(ValueProblem, match=says) as raised:
        hours.parse(written)
    assert "mon-sat 09:00-21:00" in str(raised.value)


def test_open_closing_and_opening_in_the_business_time_zone():
    assert WEEK.is_open(utc(7, 9), KL) and not WEEK.is_open(utc(7, 21), KL)
    assert not WEEK.is_open(utc(13, 12), KL)  # Sunday
    assert WEEK.next_opening(utc(12, 22), KL) == utc(14, 9)  # Saturday night → Monday
    assert WEEK.last_closing(utc(14, 8), KL) == utc(12, 21)
    assert hours.show_opening(utc(14, 9), KL) == ("Mon 09:00", "Isnin 09:00")
    always = hours.parse("always")
    assert always.is_open(utc(13, 3), KL) and always.last_closing(utc(13, 3), KL) is None


def test_minutes_are_counted_inside_the_hours_only():
    assert WEEK.open_minutes(utc(7, 10), utc(7, 10, 15), KL) == 15
    assert WEEK.open_minutes(utc(7, 20, 55), utc(8, 9, 10), KL) == 15  # overnight stands still
    assert WEEK.open_minutes(utc(12, 20, 50), utc(14, 9, 5), KL) == 15  # and over Sunday
    assert WEEK.open_minutes(utc(7, 9), utc(21, 9), KL) == 2 * 6 * 12 * 60
    assert hours.parse("always").open_minutes(utc(13, 1), utc(13, 2), KL) == 60
