"""The natural-phrasings table: how people type commands (English, Malay, mixed), and what each binds to.

Grow it whenever a user-reported phrasing is found: one row, the words as typed, the values
the command must receive. The clock is Wednesday 14 January 2026, 10:00 in Kuala Lumpur.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from models import StaffMember
from tests.conftest import ADMIN
from wocs import keywords
from wocs.context import Context
from wocs.dates import When
from wocs.dispatch import check

NOW = datetime(2026, 1, 14, 2, 0, tzinfo=UTC)
TEAM = {
    "60129998888": "Siti",
    "60129997777": "Raj",
    "60129996666": "Muhammad Hafiz bin Abdullah",
    "60129995555": "Siti Aminah",
    "60129994444": "Zo\u00eb Lim",
}


def jan(day: int) -> date:
    """A day of January 2026."""
    return date(2026, 1, day)


def row(typed: str, command: str, /, **values: Any) -> Any:
    """One phrasing: what is typed, the command it names and the values that command gets."""
    return pytest.param(typed, command, values, id=typed.splitlines()[0][:60])


AGENT = [
    row(
        "/agent task: Setup booth for: Siti due: esok",
        "agent",
        task="Setup booth",
        assignee="Siti",
        due=jan(15),
    ),
    row(
        "/agent tugas: Susun meja untuk: Siti tarikh: esok",
        "agent",
        task="Susun meja",
        assignee="Siti",
        due=jan(15),
    ),
    row(
        "/agent tugas: Susun meja\nuntuk: Siti\ntarikh: lusa\nkeutamaan: tinggi",
        "agent",
        task="Susun meja",
        assignee="Siti",
        due=jan(16),
        priority="high",
    ),
    row(
        "/agent task: Beli ais untuk: Raj tarikh: jumaat nota: bawa cooler",
        "agent",
        task="Beli ais",
        assignee="Raj",
        due=jan(16),
        note="bawa cooler",
    ),
    row(
        "/agent task: X for: Raj due: esok note: bring ice priority: urgent",
        "agent",
        task="X",
        assignee="Raj",
        due=jan(15),
        note="bring ice",
        priority="urgent",
    ),
    row(
        "/agent task: X for: Raj note: bring ice priority: urgent due: esok",
        "agent",
        task="X",
        assignee="Raj",
        due=jan(15),
        note="bring ice",
        priority="urgent",
    ),
    row(
        "/agent task: Call EO for: Siti due: 20/1 note: call at 10:30 re: booth",
        "agent",
        task="Call EO",
        assignee="Siti",
        due=jan(20),
        note="call at 10:30 re: booth",
    ),
    row(
        "/agent tugas: Hantar 2 kotak untuk: Siti tarikh: 20/1 keutamaan: p2 "
        "nota: Hubungi EO: Encik Ali pukul 10:30",
        "agent",
        task="Hantar 2 kotak",
        assignee="Siti",
        due=jan(20),
        priority="high",
        note="Hubungi EO: Encik Ali pukul 10:30",
    ),
    row(
        "/agent task: Print \u201cJom\u201d banner for: Siti due: 2026\u201301\u201320",
        "agent",
        task='Print "Jom" banner',
        assignee="Siti",
        due=jan(20),
    ),
    row(
        "/agent task: Fix Ali\u2019s stall Untuk: Raj Tarikh: Khamis",
        "agent",
        task="Fix Ali's stall",
        assignee="Raj",
        due=jan(15),
    ),
    row("/ agent task: X for: Siti due: today", "agent", task="X", assignee="Siti", due=jan(14)),
    row(
        "/AGENT TASK: X FOR: Siti DUE: TOMORROW PRIORITY: P1",
        "agent",
        task="X",
        assignee="Siti",
        due=jan(15),
        priority="urgent",
    ),
    row("/agent task:X for:Siti due:esok", "agent", task="X", assignee="Siti", due=jan(15)),
    row(
        '/agent task: X for: Siti due: esok note: ask "priority: high" first',
        "agent",
        task="X",
        assignee="Siti",
        due=jan(15),
        note='ask "priority: high" first',
    ),
    row(
        "/agent task: X for: Siti due: esok note: ask priority\\: high",
        "agent",
        task="X",
        assignee="Siti",
        due=jan(15),
        note="ask priority: high",
    ),
    row(
        "/agent task: Angkat khemah untuk: Raj tarikh: isnin keutamaan: segera nota: guna lori\n"
        "balik sebelum 6",
        "agent",
        task="Angkat khemah",
        assignee="Raj",
        due=jan(19),
        priority="urgent",
        note="guna lori\nbalik sebelum 6",
    ),
    row(
        "/agent\u00a0task: X\u2009for: Siti\u200b due: esok",
        "agent",
        task="X",
        assignee="Siti",
        due=jan(15),
    ),
    row(
        "/agent nota: bawa ais tugas: Beli ais untuk: Raj tarikh: esok",
        "agent",
        task="Beli ais",
        assignee="Raj",
        due=jan(15),
        note="bawa ais",
    ),
    row(
        "/agent task: Setup booth\nnear door for: Siti due: esok",
        "agent",
        task="Setup booth near door",
        assignee="Siti",
        due=jan(15),
    ),
]

EVENTS = [
    row(
        "/event create name: Bazaar Raya date: 20/3 location: Mid Valley fee: RM150",
        "event create",
        name="Bazaar Raya",
        date=date(2026, 3, 20),
        location="Mid Valley",
        fee=Decimal("150.00"),
    ),
    row(
        "/event create nama: Pasar Malam tarikh: sabtu lokasi: SS2 yuran: RM1,500.50 "
        "penganjur: 012\u2013345 6789",
        "event create",
        name="Pasar Malam",
        date=jan(17),
        location="SS2",
        fee=Decimal("1500.50"),
        eo="60123456789",
    ),
    row(
        "/event create name: Car boot\ndate: 2026-02-01\ntempat: Amcorp",
        "event create",
        name="Car boot",
        date=date(2026, 2, 1),
        location="Amcorp",
    ),
    row("/event note 1 text: Booth A12 near exit", "event note", n=1, text="Booth A12 near exit"),
    row(
        "/event note 1 nota: Booth at https://maps.app/x: left side",
        "event note",
        n=1,
        text="Booth at https://maps.app/x: left side",
    ),
    row("/event checklist 2 tambah: Extension cord", "event checklist", n=2, add="Extension cord"),
    row("/event check 2 item: 3", "event check", n=2, item="3"),
]

CAMPAIGNS = [
    row(
        "/campaign create code: RAYA26 prize: Hamper start: today end: 2026-02-28 "
        "requirements: Follow us form: https://forms.gle/abc",
        "campaign create",
        code="RAYA26",
        prize="Hamper",
        start=jan(14),
        end=date(2026, 2, 28),
        requirements="Follow us",
        form="https://forms.gle/abc",
    ),
    row(
        "/campaign create kod: CNY27 hadiah: Angpau mula: esok tamat: 28/2 "
        "syarat: Ikut kami di TikTok\nKongsi video",
        "campaign create",
        code="CNY27",
        prize="Angpau",
        start=jan(15),
        end=date(2026, 2, 28),
        requirements="Ikut kami di TikTok\nKongsi video",
    ),
    row("/draw CNY27 pemenang: 3", "draw", code="CNY27", winners=3),
    row(
        "/broadcast kempen: CNY27 templat: promo nilai: Siti; RM5 pada: esok 9am",
        "broadcast",
        campaign="CNY27",
        template="promo",
        vars=["Siti", "RM5"],
        at=datetime(2026, 1, 15, 1, 0),
    ),
    row(
        "/send to: 012-345 6789 template: welcome vars: Siti; 10:30 at: esok 9am",
        "send",
        to="60123456789",
        template="welcome",
        vars=["Siti", "10:30"],
        at=datetime(2026, 1, 15, 1, 0),
    ),
]

OTHERS = [
    row(
        "/hook add text: Jom makan! tags: food, pov",
        "hook add",
        text="Jom makan!",
        tags=["food", "pov"],
    ),
    row(
        "/hook add teks: Line one\nLine two\ntags: raya",
        "hook add",
        text="Line one\nLine two",
        tags=["raya"],
    ),
    row(
        "/hook stats 4 views: 1200 likes: 85 shares: 9",
        "hook stats",
        n=4,
        views=1200,
        likes=85,
        shares=9,
    ),
    row("/task done 12 note: tables up at 10:30", "task done", n=12, note="tables up at 10:30"),
    row("/task done 12 nota: siap!", "task done", n=12, note="siap!"),
    row("/task assign 3 untuk: Raj", "task assign", n=3, assignee="Raj"),
    row(
        "/landing publish slug: raya title: Raya menu content: Kuih raya\nPrice: RM5",
        "landing publish",
        slug="raya",
        title="Raya menu",
        content="Kuih raya\nPrice: RM5",
    ),
    row(
        "/landing rollback slug: raya\u2013promo versi: 2",
        "landing rollback",
        slug="raya-promo",
        version=2,
    ),
    row(
        "/admin add telefon: 012\u2013999 8888 peranan: agent nama: Siti Aminah",
        "admin add",
        phone="60129998888",
        role="agent",
        name="Siti Aminah",
    ),
    row(
        "/config set kunci: daily_report_hour nilai: 20",
        "config set",
        key="daily_report_hour",
        value="20",
    ),
]

PEOPLE = [
    row("/agent task: X for: Hafiz due: esok", "agent", task="X", assignee=TEAM["60129996666"],
        due=jan(15)),
    row("/agent task: X for: aminah due: esok", "agent", task="X", assignee="Siti Aminah",
        due=jan(15)),
    row("/agent task: X for: @Siti Aminah due: esok", "agent", task="X", assignee="Siti Aminah",
        due=jan(15)),
    row("/agent task: X for: @raj due: esok", "agent", task="X", assignee="Raj", due=jan(15)),
    row("/agent tugas: X untuk: hafiz abdullah tarikh: esok", "agent", task="X",
        assignee=TEAM["60129996666"], due=jan(15)),
    row("/agent task: X for: HAFIZ BIN ABDULLAH due: esok", "agent", task="X",
        assignee=TEAM["60129996666"], due=jan(15)),
    row("/agent task: X for: muh due: esok", "agent", task="X", assignee=TEAM["60129996666"],
        due=jan(15)),
    row("/agent task: X for: zoe due: esok", "agent", task="X", assignee="Zo\u00eb Lim",
        due=jan(15)),
    row("/agent task: X for: ZO\u00cb LIM due: esok", "agent", task="X", assignee="Zo\u00eb Lim",
        due=jan(15)),
    row("/agent task: X for: siti due: esok", "agent", task="X", assignee="Siti", due=jan(15)),
    row("/task assign 3 for: 012-999 5555", "task assign", n=3, assignee="Siti Aminah"),
    row("/task assign 3 untuk: @+60 12-999 7777", "task assign", n=3, assignee="Raj"),
    row("/admin remove Siti Aminah", "admin remove", who="Siti Aminah"),
    row("/admin remove 012-999 7777", "admin remove", who="Raj"),
    row("/admin remove name: hafiz", "admin remove", who=TEAM["60129996666"]),
    row("/admin nickname Siti Aminah as: Mina", "admin nickname", who="Siti Aminah",
        nickname="Mina"),
    row("/admin nickname who: Raj panggilan: Bos", "admin nickname", who="Raj", nickname="Bos"),
]  # fmt: skip

POSITIONAL = [
    row("/event check 1 3", "event check", n=1, item="3"),
    row("/event check 1 Extension", "event check", n=1, item="Extension"),
    row("/event note 1 Booth A12", "event note", n=1, text="Booth A12"),
    row("/event note 1 Booth A12\nnear the exit", "event note", n=1, text="Booth A12\nnear the exit"),
    row("/event checklist 1", "event checklist", n=1),
    row("/event checklist 1 Extension cord", "event checklist", n=1, add="Extension cord"),
    row("/task done 10 siap!", "task done", n=10, note="siap!"),
    row("/task done #10 all tables up", "task done", n=10, note="all tables up"),
    row("/landing rollback raya-promo 1", "landing rollback", slug="raya-promo", version=1),
    row("/landing rollback raya\u2013promo versi: 1", "landing rollback", slug="raya-promo",
        version=1),
]  # fmt: skip

ALIASES = [
    row("/bantuan", "help"),
    row("/start", "help"),
    row("/menu", "help"),
    row("/bantuan task", "help", topic="task"),
    row("/help tugas", "help", topic="tugas"),
    row("/task selesai 10", "task done", n=10),
    row("/task selesai 10 siap!", "task done", n=10, note="siap!"),
    row("/tugas selesai 10 nota: siap", "task done", n=10, note="siap"),
    row("/tugas done 10", "task done", n=10),
    row("/tugas list", "task list"),
    row("/Tugas show 4", "task show", n=4),
    row("/acara list", "event list"),
    row("/acara check 2 3", "event check", n=2, item="3"),
    row("/acara note 2 Booth A12", "event note", n=2, text="Booth A12"),
]


def due(typed: str, day: date, clock: time | None = None, /, malay: bool = False) -> Any:
    """A task for Raj due when `typed` says: the day, and its time when one is written."""
    keys = ("tugas", "untuk", "tarikh") if malay else ("task", "for", "due")
    typed_row = f"/agent {keys[0]}: X {keys[1]}: Raj {keys[2]}: {typed}"
    when = day if clock is None else When(day, clock)
    return row(typed_row, "agent", task="X", assignee="Raj", due=when)


def on(month: int, day: int, year: int = 2026) -> date:
    """A day of 2026 (or of `year`)."""
    return date(year, month, day)


def at(hour: int, minute: int = 0) -> time:
    """A time of day."""
    return time(hour, minute)


# Days and times as people write them (the clock: Wednesday 14 January 2026, 10:00).
DAYS = [
    due("esok", jan(15), malay=True), due("besok", jan(15), malay=True),
    due("tomorrow", jan(15)), due("Tomorrow", jan(15)), due("tmrw", jan(15)),
    due("lusa", jan(16), malay=True), due("tulat", jan(17), malay=True),
    due("day after tomorrow", jan(16)), due("today", jan(14)), due("hari ini", jan(14), malay=True),
    due("harini", jan(14), malay=True), due("friday", jan(16)), due("Fri", jan(16)),
    due("jumaat", jan(16), malay=True), due("hari jumaat", jan(16), malay=True),
    due("this friday", jan(16)), due("jumaat ini", jan(16), malay=True),
    due("jumaat ni", jan(16), malay=True), due("next friday", jan(16)), due("Next Friday", jan(16)),
    due("jumaat depan", jan(16), malay=True), due("hari jumaat depan", jan(16), malay=True),
    due("wednesday", jan(14)), due("rabu", jan(14), malay=True), due("next wednesday", jan(21)),
    due("rabu depan", jan(21), malay=True), due("isnin depan", jan(19), malay=True),
    due("next monday", jan(19)), due("ahad depan", jan(18), malay=True), due("sunday", jan(18)),
    due("sabtu depan", jan(17), malay=True), due("selasa", jan(20), malay=True),
    due("khamis depan", jan(15), malay=True), due("coming saturday", jan(17)),
    due("on thursday", jan(15)), due("minggu depan", jan(21), malay=True), due("next week", jan(21)),
    due("minggu hadapan", jan(21), malay=True), due("in 3 days", jan(17)),
    due("3 hari lagi", jan(17), malay=True), due("dalam 3 hari", jan(17), malay=True),
    due("in 2 weeks", jan(28)), due("2 minggu lagi", jan(28), malay=True),
    due("bulan depan", on(2, 14), malay=True), due("next month", on(2, 14)),
    due("on 20 jan", jan(20)),
    due("by friday", jan(16)),
    due("pada 20 Januari", jan(20), malay=True),
    due("this coming friday", jan(16)),
    due("sebelum jumaat 5 petang", jan(16), at(17), malay=True),
    due("by friday 5pm", jan(16), at(17)),
    due("before 5pm", jan(14), at(17)),
    due("esok.", jan(15)), due("friday!", jan(16)),
]  # fmt: skip

MONTHS = [
    due("20 Jan", jan(20)), due("20 jan", jan(20)), due("20 January", jan(20)),
    due("20 Januari", jan(20), malay=True), due("20 Januari 2027", on(1, 20, 2027), malay=True),
    due("20hb Januari", jan(20), malay=True), due("20th Jan", jan(20)), due("Jan 20", jan(20)),
    due("January 20, 2026", jan(20)), due("20-Jan-2026", jan(20)), due("20jan", jan(20)),
    due("20 Jan.", jan(20)), due("3 Dec", on(12, 3)), due("3 Disember", on(12, 3), malay=True),
    due("3 dis", on(12, 3), malay=True), due("1 Mac", on(3, 1), malay=True), due("1 March", on(3, 1)),
    due("15 Ogos", on(8, 15), malay=True), due("15 Aug", on(8, 15)),
    due("31 Mei", on(5, 31), malay=True), due("31 May", on(5, 31)),
    due("1 Julai", on(7, 1), malay=True), due("10 Okt", on(10, 10), malay=True),
    due("10 Oct", on(10, 10)), due("25 Feb 2027", on(2, 25, 2027)), due("Feb 25th", on(2, 25)),
    due("2 Jun", on(6, 2), malay=True), due("29 Feb", on(2, 29, 2028)), due("14 Jan", jan(14)),
    due("Sept 9", on(9, 9)), due("9 September 2026", on(9, 9)), due("5 Apr '27", on(4, 5, 2027)),
    due("20/1", jan(20)), due("20/1/2026", jan(20)), due("20-1-2026", jan(20)),
    due("20.1.2026", jan(20)), due("2026-01-20", jan(20)), due("20/01/26", jan(20)),
    due("1/2", on(2, 1)), due("2026\u201301\u201320", jan(20)),
    row("/agent task: X for: Raj due: 1 Jan", "agent", task="X", assignee="Raj",
        due=When(on(1, 1, 2027), None, on(1, 1))),
    row("/agent task: X for: Raj due: 13/1", "agent", task="X", assignee="Raj",
        due=When(on(1, 13, 2027), None, jan(13))),
]  # fmt: skip

TIMES = [
    due("esok 9pagi", jan(15), at(9), malay=True), due("esok 9 pagi", jan(15), at(9), malay=True),
    due("esok pukul 9 pagi", jan(15), at(9), malay=True),
    due("lusa 3 petang", jan(16), at(15), malay=True), due("lusa 3ptg", jan(16), at(15), malay=True),
    due("tomorrow 9am", jan(15), at(9)), due("tomorrow 9 am", jan(15), at(9)),
    due("tomorrow at 9am", jan(15), at(9)), due("9am tomorrow", jan(15), at(9)),
    due("today 5pm", jan(14), at(17)), due("5pm today", jan(14), at(17)),
    due("9.30pm", jan(14), at(21, 30)), due("2pm", jan(14), at(14)),
    due("esok 2:30pm", jan(15), at(14, 30)), due("friday 9:30pm", jan(16), at(21, 30)),
    due("jumaat 8 malam", jan(16), at(20), malay=True),
    due("jumaat depan 8mlm", jan(16), at(20), malay=True), due("20 Jan 2pm", jan(20), at(14)),
    due("20 Januari 2027 10:30", on(1, 20, 2027), at(10, 30), malay=True),
    due("20/1 3pm", jan(20), at(15)), due("20/1 at 3pm", jan(20), at(15)),
    due("20/1 @ 3pm", jan(20), at(15)), due("20/1, 3pm", jan(20), at(15)),
    due("2026-01-20 09:00", jan(20), at(9)), due("2026-01-20 21:30", jan(20), at(21, 30)),
    due("esok 12 tengahari", jan(15), at(12), malay=True),
    due("esok tengahari", jan(15), at(12), malay=True), due("esok noon", jan(15), at(12)),
    due("tomorrow midnight", jan(15), at(0)), due("esok 1 tengahari", jan(15), at(13), malay=True),
    due("isnin 7.45am", jan(19), at(7, 45), malay=True), due("esok 0930", jan(15), at(9, 30)),
    due("esok 2130", jan(15), at(21, 30)), due("esok 9:00 a.m.", jan(15), at(9)),
    due("esok 9 p.m.", jan(15), at(21)), due("tonight 8pm", jan(14), at(20)),
    due("next week 10am", jan(21), at(10)), due("3 hari lagi 9am", jan(17), at(9), malay=True),
    due("esok 12am", jan(15), at(0)), due("esok 12pm", jan(15), at(12)),
    due("esok 6 pagi", jan(15), at(6), malay=True), due("esok 5 subuh", jan(15), at(5), malay=True),
    due("ahad 11 pagi", jan(18), at(11), malay=True), due("esok jam 10 pagi", jan(15), at(10), malay=True),
    due("esok at 21:00", jan(15), at(21)), due("3 Dec 8 malam", on(12, 3), at(20), malay=True),
    due("esok 10h30", jan(15), at(10, 30)), due("Fri 9:30 PM", jan(16), at(21, 30)),
    due("esok pkl 9 pagi", jan(15), at(9), malay=True),
    due("lusa jam 3 petang", jan(16), at(15), malay=True), due("20 Jan 7pm", jan(20), at(19)),
    due("jumaat 7.30 malam", jan(16), at(19, 30), malay=True), due("today at 5pm", jan(14), at(17)),
    due("hari ini 5 petang", jan(14), at(17), malay=True), due("esok 9pg", jan(15), at(9), malay=True),
    due("malam ini 9 malam", jan(14), at(21), malay=True), due("tonight 9", jan(14), at(21)),
    due("malam ini 8", jan(14), at(20), malay=True), due("7pm 20 Jan", jan(20), at(19)),
    due("Sat 7pm", jan(17), at(19)), due("sabtu 7 mlm", jan(17), at(19), malay=True),
    due("harini 3ptg", jan(14), at(15), malay=True), due("tmr 8am", jan(15), at(8)),
    due("tomorrow 08:00", jan(15), at(8)), due("20 Jan, 7 pm", jan(20), at(19)),
]  # fmt: skip

DATED = [
    row("/event add name: Bazar date: 20 Jan 7pm location: KLCC", "event create",
        name="Bazar", date=When(jan(20), at(19)), location="KLCC"),
    row("/event create name: Bazar date: sabtu 7 malam location: KLCC", "event create",
        name="Bazar", date=When(jan(17), at(19)), location="KLCC"),
    row("/event list past", "event list", which="past"),
    row("/event status 2 live", "event status", n=2, status="live"),
    row("/task assign 3 for: Siti Aminah", "task assign", n=3, assignee="Siti Aminah"),
    row("/event create name: Bazar date: 20 Jan 2pm location: Mid Valley", "event create",
        name="Bazar", date=When(jan(20), at(14)), location="Mid Valley"),
    row("/event create nama: Pasar tarikh: sabtu depan 5 petang lokasi: SS2", "event create",
        name="Pasar", date=When(jan(17), at(17)), location="SS2"),
    row("/event create name: Car boot date: 3 Mac location: Amcorp", "event create",
        name="Car boot", date=on(3, 1 + 2), location="Amcorp"),
    row("/event create name: Raya fair date: 20 Januari 2027 lokasi: KLCC", "event create",
        name="Raya fair", date=on(1, 20, 2027), location="KLCC"),
    row("/acara create nama: Bazar tarikh: jumaat depan 8 malam tempat: Bangsar", "event create",
        name="Bazar", date=When(jan(16), at(20)), location="Bangsar"),
    row("/campaign create code: CNY27 prize: Angpau start: 20 Jan end: 28 Februari",
        "campaign create", code="CNY27", prize="Angpau", start=jan(20), end=on(2, 28)),
    row("/campaign create kod: RAYA hadiah: Hamper mula: esok tamat: 31 Mac", "campaign create",
        code="RAYA", prize="Hamper", start=jan(15), end=on(3, 31)),
    row("/broadcast campaign: CNY27 template: promo at: jumaat 8 malam", "broadcast",
        campaign="CNY27", template="promo", at=datetime(2026, 1, 16, 12, 0)),
    row("/broadcast kempen: CNY27 templat: promo pada: lusa 3 petang", "broadcast",
        campaign="CNY27", template="promo", at=datetime(2026, 1, 16, 7, 0)),
    row("/broadcast campaign: CNY27 template: promo at: 20 Jan 2pm", "broadcast",
        campaign="CNY27", template="promo", at=datetime(2026, 1, 20, 6, 0)),
    row("/broadcast campaign: CNY27 template: promo at: 9pm", "broadcast",
        campaign="CNY27", template="promo", at=datetime(2026, 1, 14, 13, 0)),
    row("/send to: 012-345 6789 template: welcome at: today 5pm", "send", to="60123456789",
        template="welcome", at=datetime(2026, 1, 14, 9, 0)),
]  # fmt: skip

PHRASINGS = (
    AGENT
    + EVENTS
    + CAMPAIGNS
    + OTHERS
    + PEOPLE
    + POSITIONAL
    + ALIASES
    + DAYS
    + MONTHS
    + TIMES
    + DATED
)


def _shown(value: Any) -> Any:
    """A team member by name, a day with no time as its date: rows need not know ids or When."""
    if isinstance(value, When) and value.time is None and value.passed is None:
        return value.day
    return value.name if isinstance(value, StaffMember) else value


@pytest.mark.parametrize(("text", "command", "values"), PHRASINGS)
def test_phrasing_binds_to(commands_db, text: str, command: str, values: dict[str, Any]) -> None:
    for phone, name in TEAM.items():
        StaffMember.create(phone=phone, name=name, role="agent")
    ctx = Context(phone=ADMIN, user=StaffMember.get(StaffMember.phone == ADMIN), now=NOW)
    cmd, kwargs = check(text, ctx)
    assert (cmd.full_name, {k: _shown(v) for k, v in kwargs.items()}) == (command, values)


def test_the_table_has_enough_rows() -> None:
    assert len(PHRASINGS) >= 200


def said(typed: str, intent: str | None, code: str = "") -> Any:
    """One customer phrasing: what they wrote and what it asks (None: none of the keywords)."""
    return pytest.param(typed, intent, code, id=typed[:60] or "empty")


CUSTOMER = [
    said("JOIN CNY27", "join", "CNY27"),
    said("join cny27", "join", "CNY27"),
    said("Join CNY27 please", "join", "CNY27"),
    said("JOIN CNY27 \U0001f389", "join", "CNY27"),
    said("JOIN: CNY27", "join", "CNY27"),
    said("Hi! JOIN CNY27", "join", "CNY27"),
    said("Saya nak masuk CNY27", "join", "CNY27"),
    said("JOIN #CNY27", "join", "CNY27"),
    said("MASUK CNY27", "join", "CNY27"),
    said("sertai CNY27 terima kasih", "join", "CNY27"),
    said("I want to join the CNY27 draw", "join", "CNY27"),
    said("join please", "join"),
    said("join", "join"),
    said("CNY27", "code", "CNY27"),
    said("#CNY27 \U0001f389", "code", "CNY27"),
    said("cny27!", "code", "CNY27"),
    said("stop", "stop"),
    said("STOP!!!", "stop"),
    said("stop please", "stop"),
    said("Please stop sending me messages", "stop"),
    said("berhenti hantar", "stop"),
    said("tolong berhenti", "stop"),
    said("unsubscribe me", "stop"),
    said("UNSUBSCRIBE", "stop"),
    said("start", "start"),
    said("MULA", "start"),
    said("subscribe me again please", "start"),
    said("When does the promo stop?", None),
    said("Don't stop sending the promos, I love them", None),
    said("I told my friend to stop by your booth tomorrow", None),
    said("Bila kempen ini berhenti?", None),
    said("hi", None),
    said("Hello, what are your opening hours on Saturday at Mid Valley please?", None),
    said("I wanted to join yesterday but my phone died so can I still join the CNY27", None),
    said("", None),
]


@pytest.mark.parametrize(("text", "intent", "code"), CUSTOMER)
def test_customer_phrasing_asks_for(text: str, intent: str | None, code: str) -> None:
    asked = keywords.read(text)
    assert (asked.intent, asked.code) == (intent, code) if asked else intent is None


def test_the_tables_have_enough_rows() -> None:
    assert len(PHRASINGS) + len(CUSTOMER) >= 100
