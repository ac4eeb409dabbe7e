"""Tests for wocs.values: exact tables of good/bad inputs plus hypothesis robustness checks."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wocs.dates import parse_date, parse_time, parse_when
from wocs.values import (
    ValueProblem,
    mask_phone,
    parse_int,
    parse_list,
    parse_money,
    parse_phone,
    parse_priority,
)

TODAY = date(2026, 1, 14)  # a Wednesday
# database=None: do not write example files into the shared working tree.
FUZZ = settings(max_examples=300, deadline=None, database=None)
ROUND_TRIP = settings(max_examples=200, deadline=None, database=None)


def assert_problem(exc: pytest.ExceptionInfo[ValueProblem], text: str, example: str) -> None:
    """The message quotes what the user typed and shows a valid example."""
    message = str(exc.value)
    shown = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    assert f"'{shown}'" in message
    assert example in message
    assert isinstance(exc.value, ValueError)


# --- parse_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-20", date(2026, 1, 20)),
        ("2026-1-5", date(2026, 1, 5)),
        ("2027/03/04", date(2027, 3, 4)),
        ("20/1", date(2026, 1, 20)),
        ("14/1", date(2026, 1, 14)),  # today counts as "on or after today"
        ("1/12", date(2026, 12, 1)),
        ("29/2", date(2028, 2, 29)),  # next leap year
        ("20/1/2026", date(2026, 1, 20)),
        ("20/01/26", date(2026, 1, 20)),
        ("20-1-2026", date(2026, 1, 20)),
        ("20.1.2026", date(2026, 1, 20)),
        ("5/6/2025", date(2025, 6, 5)),  # explicit year in the past is allowed
        ("29/2/2028", date(2028, 2, 29)),
        ("today", TODAY),
        ("  Today  ", TODAY),
        ("hari ini", TODAY),
        ("Hari  Ini", TODAY),
        ("harini", TODAY),
        ("tomorrow", date(2026, 1, 15)),
        ("esok", date(2026, 1, 15)),
        ("BESOK", date(2026, 1, 15)),
        ("lusa", date(2026, 1, 16)),
        ("yesterday", date(2026, 1, 13)),
        ("semalam", date(2026, 1, 13)),
        ("wednesday", TODAY),  # same weekday as today means today
        ("wed", TODAY),
        ("rabu", TODAY),
        ("thursday", date(2026, 1, 15)),
        ("khamis", date(2026, 1, 15)),
        ("friday", date(2026, 1, 16)),
        ("Fri", date(2026, 1, 16)),
        ("jumaat", date(2026, 1, 16)),
        ("hari jumaat", date(2026, 1, 16)),
        ("saturday", date(2026, 1, 17)),
        ("sabtu", date(2026, 1, 17)),
        ("sun", date(2026, 1, 18)),
        ("ahad", date(2026, 1, 18)),
        ("minggu", date(2026, 1, 18)),
        ("monday", date(2026, 1, 19)),
        ("isnin", date(2026, 1, 19)),
        ("tue", date(2026, 1, 20)),
        ("selasa", date(2026, 1, 20)),
    ],
)
def test_parse_date_good(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_parse_date_weekday_rule_across_the_week() -> None:
    # Every weekday name resolves to 0-6 days ahead; the same weekday is today itself.
    for offset in range(7):
        day = date(2026, 1, 12 + offset)  # Monday 12 Jan .. Sunday 18 Jan
        assert parse_date("friday", day) == date(2026, 1, 16 + (7 if offset > 4 else 0))
        assert parse_date(day.strftime("%A"), day) == day


def test_a_day_month_gone_by_lately_is_refused_naming_the_year() -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_date("13/1", TODAY)
    assert str(exc.value) == (
        "'13/1': Tue 13 Jan 2026 has passed. If you mean Wed 13 Jan 2027, write the year: 13/1/2027."
    )
    assert parse_date("13/1/2027", TODAY) == date(2027, 1, 13)
    assert parse_date("14 Jul", TODAY) == date(2026, 7, 14)  # still ahead: never asked


def test_parse_date_year_end_rollover() -> None:
    assert parse_date("2/1", date(2026, 12, 30)) == date(2027, 1, 2)
    assert parse_date("tomorrow", date(2026, 12, 31)) == date(2027, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "32/13",
        "31/2",
        "30/2/2026",
        "29/2/2026",
        "2026-13-01",
        "2026-02-30",
        "0/1",
        "1/0",
        "20/1/3000",
        "20/1/202",
        "20/1-2026",
        "next fridayy",
        "fridayy",
        "20 Jab",
        "32 Jan",
        "2026-01-20T10:00",
        "١٢/١",  # non-ASCII digits are not accepted
        "abc",
    ],
)
def test_parse_date_bad(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_date(text, TODAY)
    assert_problem(exc, text, "2026-01-20")


def test_parse_date_message_matches_house_style() -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_date("32/13", TODAY)
    assert str(exc.value) == (
        "'32/13' is not a date. Write it like 2026-01-20, 20/1, 20 Jan, today, tomorrow, esok or friday."
    )


def test_parse_date_invalid_day_message_is_specific() -> None:
    with pytest.raises(ValueProblem, match="no day 31"):
        parse_date("31/2", TODAY)


def test_parse_date_calendar_edges_raise_value_problem() -> None:
    with pytest.raises(ValueProblem):
        parse_date("tomorrow", date.max)
    with pytest.raises(ValueProblem):
        parse_date("yesterday", date.min)
    with pytest.raises(ValueProblem):
        parse_date("1/1", date.max)


# --- parse_time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:30", time(10, 30)),
        ("10.30", time(10, 30)),
        ("9:05", time(9, 5)),
        ("21:30", time(21, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("2130", time(21, 30)),
        ("0930", time(9, 30)),
        ("930", time(9, 30)),
        ("9am", time(9, 0)),
        ("9 AM", time(9, 0)),
        ("9 a.m.", time(9, 0)),
        ("9pm", time(21, 0)),
        ("9:15pm", time(21, 15)),
        ("9.15pm", time(21, 15)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:45pm", time(12, 45)),
        ("1am", time(1, 0)),
        (" 11:59 pm ", time(23, 59)),
    ],
)
def test_parse_time_good(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "24:00",
        "25:00",
        "10:60",
        "2460",
        "13pm",
        "0am",
        "0pm",
        "10:3",
        "10:300",
        "12345",
        "noonish",
        "9:15 xm",
        "13 petang",
        "-1:00",
    ],
)
def test_parse_time_bad(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_time(text)
    assert_problem(exc, text, "9:15pm")


def test_a_bare_hour_asks_morning_or_afternoon() -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_time("at 9")
    assert str(exc.value) == "'at 9': morning or afternoon? Write 9am or 9pm (9 pagi or 9 petang)."
    assert parse_time("at 21") == time(21, 0)


# --- parse_money ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RM150", Decimal("150.00")),
        ("rm 150.50", Decimal("150.50")),
        ("150", Decimal("150.00")),
        ("150.5", Decimal("150.50")),
        ("RM1,500.00", Decimal("1500.00")),
        ("1,500", Decimal("1500.00")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("MYR 20", Decimal("20.00")),
        ("0", Decimal("0.00")),
        ("RM0.05", Decimal("0.05")),
        ("RM10,000,000", Decimal("10000000.00")),
        ("  Rm 7  ", Decimal("7.00")),
    ],
)
def test_parse_money_good(text: str, expected: Decimal) -> None:
    value = parse_money(text)
    assert value == expected
    assert value.as_tuple().exponent == -2  # always exactly two decimal places


@pytest.mark.parametrize(
    "text",
    [
        "-5",
        "RM-5",
        "-RM5",
        "150.505",
        "RM10,000,000.01",
        "99999999",
        "1,50",
        "1,5000",
        "15,00.00",
        "150.",
        ".50",
        "RM",
        "RM 1 500",
        "five ringgit",
        "$150",
        "1e3",
        "NaN",
        "Infinity",
        "१२३",  # non-ASCII digits
    ],
)
def test_parse_money_bad(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_money(text)
    assert_problem(exc, text, "RM150")


def test_parse_money_specific_messages() -> None:
    with pytest.raises(ValueProblem, match="negative"):
        parse_money("RM-5")
    with pytest.raises(ValueProblem, match="more than 2 decimal places"):
        parse_money("1.234")
    with pytest.raises(ValueProblem, match="too large"):
        parse_money("20,000,000")


# --- parse_phone ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("012-345 6789", "60123456789"),
        ("0123456789", "60123456789"),
        ("+60 12-345 6789", "60123456789"),
        ("+60123456789", "60123456789"),
        ("60123456789", "60123456789"),
        ("(012) 345-6789", "60123456789"),
        ("011-2345 6789", "601123456789"),
        ("03-2161 2345", "60321612345"),
        ("+44 20 7946 0958", "442079460958"),
        ("442079460958", "442079460958"),
        ("+65 9123 4567", "6591234567"),
    ],
)
def test_parse_phone_good(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


def test_parse_phone_other_region() -> None:
    assert parse_phone("020 7946 0958", region="GB") == "442079460958"
    assert parse_phone("+60 12-345 6789", region="GB") == "60123456789"


@pytest.mark.parametrize(
    "text",
    [
        "12345",
        "012-345 678a",
        "call me",
        "0123456789 ext 5",
        "+",
        "++60123456789",
        "60+123456789",
        "000000000",
        "+999 123 4567",
        "1" * 30,
        "０１２３４５６７８９",  # full-width digits
    ],
)
def test_parse_phone_bad(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_phone(text)
    assert_problem(exc, text, "012-345 6789")


def test_parse_phone_message_matches_house_style() -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_phone("12345")
    assert str(exc.value) == (
        "'12345' is not a phone number. Write it like 012-345 6789 or +60 12-345 6789."
    )


def test_parse_phone_bad_region_is_value_problem() -> None:
    with pytest.raises(ValueProblem):
        parse_phone("0123456789", region="XX")


# --- parse_list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Siti, Ali, Mei", ["Siti", "Ali", "Mei"]),
        ("Siti;Ali ; Mei", ["Siti", "Ali", "Mei"]),
        ("Siti", ["Siti"]),
        ("Siti,, ,Ali,", ["Siti", "Ali"]),
        ("Siti, siti, SITI, Ali", ["Siti", "Ali"]),
        ("tepung gandum, Gula Melaka", ["tepung gandum", "Gula Melaka"]),
        ("  a  ,b", ["a", "b"]),
        ("🍜, ☕", ["🍜", "☕"]),
        ("a\x00b,\x07", ["a b"]),  # control characters become spaces
    ],
)
def test_parse_list_good(text: str, expected: list[str]) -> None:
    assert parse_list(text) == expected


@pytest.mark.parametrize("text", [",", " ; , ;", ",,,", "\x00,\x1b"])
def test_parse_list_bad(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_list(text)
    assert_problem(exc, text, "Siti, Ali")


# --- parse_priority ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("low", "low"),
        ("rendah", "low"),
        ("p4", "low"),
        ("normal", "normal"),
        ("biasa", "normal"),
        ("medium", "normal"),
        ("med", "normal"),
        ("P3", "normal"),
        ("high", "high"),
        ("Tinggi", "high"),
        ("p2", "high"),
        ("URGENT", "urgent"),
        ("segera", "urgent"),
        ("penting", "urgent"),
        (" p1 ", "urgent"),
    ],
)
def test_parse_priority_good(text: str, expected: str) -> None:
    assert parse_priority(text) == expected


@pytest.mark.parametrize("text", ["p0", "p5", "highest", "very urgent", "1", "lo w"])
def test_parse_priority_bad(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_priority(text)
    assert_problem(exc, text, "urgent")
    assert all(word in str(exc.value) for word in ("low", "normal", "high", "urgent"))


# --- parse_int --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        (" #7 ", 7),
        ("007", 7),
        ("1", 1),
        ("2147483647", 2**31 - 1),
        ("#0002147483647", 2**31 - 1),
    ],
)
def test_parse_int_good(text: str, expected: int) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    "text",
    ["0", "#0", "-3", "+3", "1.5", "1e3", "##1", "# 1", "12a", "twelve"],
)
def test_parse_int_bad(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_int(text)
    assert_problem(exc, text, "#12")
    assert str(exc.value).startswith(f"'{text}' is not a number")


def test_parse_int_huge_number_message_is_shortened() -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_int("9" * 150)
    assert "…" in str(exc.value)
    assert "far too large" in str(exc.value)


@pytest.mark.parametrize("text", ["2147483648", "#99999999999", "9" * 30])
def test_parse_int_too_large_says_there_is_none_without_the_internal_limit(text: str) -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_int(text)
    assert str(exc.value).startswith(f"There is no #{text.lstrip('#')[:39]}")
    assert "2147483647" not in str(exc.value)


def test_parse_int_uses_what() -> None:
    with pytest.raises(ValueProblem) as exc:
        parse_int("abc", what="task number")
    assert str(exc.value).startswith("'abc' is not a task number")


# --- mask_phone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("60123456789", "60*****6789"),
        ("601123456789", "60******6789"),
        ("442079460958", "44******0958"),
        ("1234567", "12*4567"),
        ("123456", "****56"),
        ("123", "*23"),
        ("12", "12"),
        ("", ""),
        ("MY.1502576394655843", "MY*************5843"),  # a BSUID, like a phone
        ("nuraina.bakes", "nu*******akes"),  # a username
    ],
)
def test_mask_phone(digits: str, expected: str) -> None:
    assert mask_phone(digits) == expected


def test_mask_phone_round_trip_with_parse() -> None:
    assert mask_phone(parse_phone("012-345 6789")) == "60*****6789"


# --- robustness: empty, too long, control characters, arbitrary text ---------------------------

PARSERS = [
    ("date", lambda s: parse_date(s, TODAY)),
    ("time", parse_time),
    ("money", parse_money),
    ("phone", parse_phone),
    ("list", parse_list),
    ("priority", parse_priority),
    ("int", parse_int),
]


@pytest.mark.parametrize(("name", "parse"), PARSERS, ids=[name for name, _ in PARSERS])
@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00", "🍜", "a" * 201, "1" * 5000])
def test_every_parser_rejects_junk(name: str, parse, text: str) -> None:
    if name == "list" and text == "🍜":
        assert parse(text) == ["🍜"]  # an emoji is a perfectly good list item
        return
    with pytest.raises(ValueProblem) as exc:
        parse(text)
    message = str(exc.value)
    assert message
    assert len(message) < 300
    assert "\x00" not in message


def test_too_long_input_is_rejected_even_if_valid_after_strip() -> None:
    with pytest.raises(ValueProblem, match="too long"):
        parse_time(" " * 200 + "10:30")


def test_value_problem_is_a_value_error() -> None:
    problem = ValueProblem("nope")
    assert isinstance(problem, ValueError)
    assert str(problem) == "nope"


def _only_value_problem(parse, text: str) -> None:
    try:
        parse(text)
    except ValueProblem as exc:
        assert str(exc)


@FUZZ
@given(text=st.text(), today=st.dates())
def test_parse_date_never_crashes(text: str, today: date) -> None:
    _only_value_problem(lambda s: parse_date(s, today), text)


@FUZZ
@given(
    text=st.one_of(
        st.text(),
        st.from_regex(r"\A[0-9]{1,4}([-/.][0-9]{1,4}){1,2}\Z"),
    ),
    today=st.dates(),
)
def test_parse_date_numeric_shapes_never_crash(text: str, today: date) -> None:
    _only_value_problem(lambda s: parse_date(s, today), text)


WORDS = [
    "next", "depan", "esok", "in", "999", "days", "weeks", "hari", "lagi", "bulan", "month",
    "jan", "disember", "29", "31", "feb", "2100", "1899", "9pagi", "12", "malam", "at", "pukul",
    "20/1", "2026-01-20", ",", "friday", "ini", "tengahari", "noon", "99:99", "0", "'27",
]  # fmt: skip


@pytest.mark.parametrize("text", ["bulan depan", "next month", "in 999 weeks", "1 jan", "esok"])
@pytest.mark.parametrize("today", [date.min, date.max])
def test_parse_when_at_the_ends_of_the_calendar(text: str, today: date) -> None:
    _only_value_problem(lambda s: parse_when(s, today), text)


@FUZZ
@given(
    text=st.one_of(st.text(), st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)),
    today=st.one_of(st.dates(), st.sampled_from([date.min, date.max, date(2028, 2, 29)])),
)
def test_parse_when_never_crashes(text: str, today: date) -> None:
    _only_value_problem(lambda s: parse_when(s, today), text)


@FUZZ
@given(text=st.one_of(st.text(), st.from_regex(r"\A[0-9]{1,4}([:.][0-9]{1,3})?\s?([ap]m)?\Z")))
def test_parse_time_never_crashes(text: str) -> None:
    _only_value_problem(parse_time, text)


@FUZZ
@given(text=st.one_of(st.text(), st.from_regex(r"\A-?(RM)? ?[0-9,]{1,40}(\.[0-9]{0,4})?\Z")))
def test_parse_money_never_crashes(text: str) -> None:
    _only_value_problem(parse_money, text)


@FUZZ
@given(text=st.one_of(st.text(), st.from_regex(r"\A\+?[0-9 ()-]{1,25}\Z")))
def test_parse_phone_never_crashes(text: str) -> None:
    _only_value_problem(parse_phone, text)


@FUZZ
@given(text=st.text())
def test_parse_list_never_crashes(text: str) -> None:
    _only_value_problem(parse_list, text)


@FUZZ
@given(text=st.text())
def test_parse_priority_never_crashes(text: str) -> None:
    _only_value_problem(parse_priority, text)


@FUZZ
@given(text=st.one_of(st.text(), st.from_regex(r"\A#?[0-9]{1,15}\Z")), what=st.text(max_size=20))
def test_parse_int_never_crashes(text: str, what: str) -> None:
    _only_value_problem(lambda s: parse_int(s, what), text)


@FUZZ
@given(text=st.text())
def test_mask_phone_never_crashes(text: str) -> None:
    assert isinstance(mask_phone(text), str)


@ROUND_TRIP
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)))
def test_parse_date_iso_round_trip(day: date) -> None:
    assert parse_date(day.isoformat(), TODAY) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}", TODAY) == day


@ROUND_TRIP
@given(st.integers(min_value=0, max_value=23), st.integers(min_value=0, max_value=59))
def test_parse_time_round_trip(hour: int, minute: int) -> None:
    assert parse_time(f"{hour}:{minute:02d}") == time(hour, minute)
    assert parse_time(f"{hour:02d}{minute:02d}") == time(hour, minute)
    twelve = (hour % 12) or 12
    suffix = "am" if hour < 12 else "pm"
    assert parse_time(f"{twelve}:{minute:02d}{suffix}") == time(hour, minute)


@ROUND_TRIP
@given(st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False))
def test_parse_money_round_trip(amount: Decimal) -> None:
    assert parse_money(f"RM{amount:,.2f}") == amount
    assert parse_money(f"{amount:.2f}") == amount


@ROUND_TRIP
@given(st.integers(min_value=1, max_value=2**31 - 1))
def test_parse_int_round_trip(number: int) -> None:
    assert parse_int(str(number)) == number
    assert parse_int(f"#{number}") == number


@FUZZ
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_characters=",;", blacklist_categories=("Cs", "Cc")),
            min_size=1,
            max_size=8,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_parse_list_properties(parts: list[str]) -> None:
    text = ",".join(parts)
    try:
        items = parse_list(text)
    except ValueProblem:
        assert len(text) > 200 or not any(part.strip() for part in parts)
        return
    assert items
    assert all(item == item.strip() and item for item in items)
    folded = [item.casefold() for item in items]
    assert len(folded) == len(set(folded))
