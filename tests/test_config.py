"""Feature flags: /config set, get and list over the message path, and the commands that obey them."""

from __future__ import annotations

import pytest

import commands.config  # noqa: F401  (registers /config)
from models import AuditLog, Campaign, Draw, StaffMember, WocsAppConfig, WocsConfirmation
from tests.conftest import ADMIN
from wocs import flags
from wocs.replies import reply
from wocs.values import ValueProblem

SITI = "60129998888"
STRANGER = "60175550000"
FLAG_NAMES = (
    "draws_enabled, auto_reply_enabled, daily_report_hour, business_hours, unanswered_minutes"
)


def test_list_shows_every_flag_with_its_value_default_and_meaning(live):
    flags.set_flag("daily_report_hour", "7")
    assert live.ask("/config list") == (
        "Feature flags (5):\n"
        "draws_enabled: on (default) — /draw may run\n"
        "auto_reply_enabled: on (default) — customers get the away message\n"
        "daily_report_hour: 7 (default 21) — hour (business time) the daily report goes to admins\n"
        "business_hours: always (default) — when the team answers customers, "
        "e.g. mon-sat 09:00-21:00\n"
        "unanswered_minutes: 15 (default) — minutes (in business hours) before an unanswered "
        "customer goes to the next on duty (0: never)\n"
        "Change one with /config set key: <flag> value: <value>."
    )


def test_set_and_get_change_the_flag_and_audit_before_and_after(live):
    assert live.ask("/config set key: draws_enabled value: OFF") == (
        "draws_enabled is now off (was on)."
    )
    assert live.ask("/config get Draws_Enabled") == (
        "draws_enabled: off (default on) — /draw may run"
    )
    assert live.ask("/config set key: draws_enabled value: tidak") == (
        "draws_enabled is already off."
    )
    assert live.ask("/config set kunci: draws_enabled nilai: ya") == (
        "draws_enabled is now on (was off)."
    )
    assert live.ask("/config set key: daily_report_hour\nvalue: 0") == (
        "daily_report_hour is now 0 (was 21)."
    )
    assert live.ask("/config get daily_report_hour") == (
        "daily_report_hour: 0 (default 21) — hour (business time) the daily report goes to admins"
    )
    stored = {row.key: (row.value, row.description) for row in WocsAppConfig.select()}
    assert stored == {
        "draws_enabled": ("on", "/draw may run"),
        "daily_report_hour": ("0", "hour (business time) the daily report goes to admins"),
    }
    rows = AuditLog.select().order_by(AuditLog.id)
    assert [(r.actor, r.action, r.entity, r.before, r.after, r.source) for r in rows] == [
        (
            ADMIN,
            "config.set",
            "config:draws_enabled",
            {"value": "on"},
            {"value": "off"},
            "whatsapp",
        ),
        (
            ADMIN,
            "config.set",
            "config:draws_enabled",
            {"value": "off"},
            {"value": "on"},
            "whatsapp",
        ),
        (
            ADMIN,
            "config.set",
            "config:daily_report_hour",
            {"value": "21"},
            {"value": "0"},
            "whatsapp",
        ),
    ]


def test_bad_values_are_explained_and_change_nothing(live):
    bool_hint = "on or off (also yes/no, true/false, ya/tidak, 1/0)"
    assert live.ask("/config set key: draws_enabled value: maybe") == (
        f"draws_enabled takes {bool_hint}, not 'maybe'."
    )
    assert live.ask("/config set key: daily_report_hour value: 24") == (
        "daily_report_hour takes a whole number from 0 to 23, not '24'."
    )
    assert live.ask("/config set key: daily_report_hour value: 9pm") == (
        "daily_report_hour takes a whole number from 0 to 23, not '9pm'."
    )
    assert live.ask("/config set key: draws_enabled") == (
        "What is the value?\nReply with value, or CANCEL to drop /config set."
    )
    # The flag's own check is the command's: it answers once every value is in, as if typed whole.
    assert live.ask("maybe") == f"draws_enabled takes {bool_hint}, not 'maybe'."
    assert live.ask("/config set key: draws_enabled").startswith("What is the value?")
    assert live.ask("batal").startswith("Cancelled: /config set was not sent")
    assert WocsConfirmation.select().where(WocsConfirmation.state == "asking").count() == 0
    assert WocsAppConfig.select().count() == 0
    assert AuditLog.select().count() == 0


def test_unknown_flags_get_the_closest_suggestion_and_the_list(live):
    assert live.ask("/config set key: draw_enabled value: off") == (
        f"There is no flag 'draw_enabled'. Did you mean draws_enabled? The flags are: {FLAG_NAMES}."
        " Send /config list to see them with their values."
    )
    assert live.ask("/config get colour") == (
        f"There is no flag 'colour'. The flags are: {FLAG_NAMES}."
        " Send /config list to see them with their values."
    )
    assert WocsAppConfig.select().count() == 0


def test_agents_may_read_flags_but_not_change_them(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    assert live.ask("/config set key: draws_enabled value: off", SITI) == (
        "Sorry, only admins can use /config set."
    )
    assert live.ask("/config get draws_enabled", SITI) == (
        "draws_enabled: on (default) — /draw may run"
    )
    assert flags.flag("draws_enabled") is True
    refused = AuditLog.get()
    assert (refused.actor, refused.action, refused.entity) == (
        SITI,
        "command.refused",
        "config set",
    )


def test_draw_is_refused_while_draws_are_switched_off(live):
    live.ask("/campaign create code: RAYA26 prize: Hamper\nstart: 2026-01-01\nend: 2030-12-31")
    live.ask("/config set key: draws_enabled value: off")
    assert live.ask("/draw RAYA26") == (
        "Draws are switched off (draws_enabled is off), so nothing was drawn. "
        "An admin can switch them on with /config set key: draws_enabled value: on"
    )
    assert Draw.get(Draw.campaign == Campaign.get()).state == "committed"
    live.ask("/config set key: draws_enabled value: on")
    assert live.ask("/draw RAYA26") == ("RAYA26 has no entries yet, so there is nobody to draw.")


def test_the_away_message_is_silent_while_auto_reply_is_off_but_stop_and_join_are_answered(live):
    live.ask("/config set key: auto_reply_enabled value: off")
    live.say(STRANGER, "hello")
    live.settle()
    assert live.replies_to(STRANGER, 0) == []
    assert live.ask("JOIN NOPE", STRANGER).startswith(
        "Sorry, we couldn't find a campaign called NOPE."
    )
    assert live.ask("STOP", STRANGER) == reply("stopped")
    live.ask("/config set key: auto_reply_enabled value: on")
    assert live.ask("hello again", STRANGER) == reply("away")
    live.settle()
    assert len(live.replies_to(STRANGER, 0)) == 3


def test_flag_reads_and_writes_directly(live):
    assert flags.flag("daily_report_hour") == 21
    for word, value in [("on", True), ("No", False), ("TRUE", True), ("0", False), ("yes", True)]:
        assert flags.set_flag("auto_reply_enabled", word) is value
        assert flags.flag("auto_reply_enabled") is value
    assert flags.all_flags() == {
        "draws_enabled": True,
        "auto_reply_enabled": True,
        "daily_report_hour": 21,
        "business_hours": "always",
        "unanswered_minutes": 15,
    }
    with pytest.raises(ValueProblem, match="Did you mean daily_report_hour"):
        flags.set_flag("daily-report-hours", "3")
    # A hand-edited row that no longer parses falls back to the default, not an error.
    WocsAppConfig.update(value="lots").where(WocsAppConfig.key == "auto_reply_enabled").execute()
    assert flags.flag("auto_reply_enabled") is True


def test_text_flags_take_any_short_text():
    greeting = flags.Flag("greeting", "text", "Hi", "what customers see first")
    assert greeting.parse("  Selamat datang ") == "Selamat datang"
    with pytest.raises(ValueProblem, match="greeting takes any text up to 200 characters, not ''"):
        greeting.parse("   ")


def test_business_hours_are_checked_and_stored_the_one_way_they_are_shown(live):
    assert live.ask("/config set key: business_hours value: Isnin-Sabtu 9.00-21.00") == (
        "business_hours is now mon-sat 09:00-21:00 (was always)."
    )
    refused = live.ask("/config set key: business_hours value: mon-sat 21:00-09:00")
    assert "closing after opening" in refused and "mon-sat 09:00-21:00" in refused
    assert "'someday' is not a day" in live.ask(
        "/config set key: business_hours value: someday 09:00-17:00"
    )
    assert flags.flag("business_hours") == "mon-sat 09:00-21:00"
    assert AuditLog.select().where(AuditLog.entity == "config:business_hours").count() == 1
