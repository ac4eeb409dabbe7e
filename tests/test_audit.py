"""/audit: recent audit rows for admins, one compact line each, newest first, within one message."""

from __future__ import annotations

import datetime as dt

import commands.audit  # registers /audit
import commands.config  # noqa: F401  (registers /config)
from models import AuditLog, StaffMember
from tests.conftest import ADMIN

SITI, ALI, STRANGER = "60129998888", "60129997777", "60134564321"


def _at(minute: int) -> dt.datetime:
    """14 Jan 2026, 02:xx UTC = 10:xx in Kuala Lumpur."""
    return dt.datetime(2026, 1, 14, 2, minute)


def test_lines_show_the_team_by_name_and_customers_masked(live):
    siti = StaffMember.create(phone=SITI, name="Siti", role="agent")
    ali = StaffMember.create(phone=ALI, name="Ali", role="agent")
    rows = [
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
            "member.add",
            f"wocs_user:{siti.id}",
            None,
            {"phone": SITI, "name": "Siti", "role": "agent"},
            "whatsapp",
        ),
        ("system", "draw.run", "campaign:RAYA26", None, {"prize": "A" * 40, "winners": 2}, "job"),
        (STRANGER, "command.refused", "", None, {"reason": "not on the whitelist"}, "whatsapp"),
        (ADMIN, "hook.delete", "hook:7", {"text": "Buy\nnow"}, None, "api"),
        (
            ADMIN,
            "task.assign",
            "task:5",
            {"assignee": siti.id, "due": "x"},
            {"assignee": ali.id, "due": "x"},
            "whatsapp",
        ),
        (ADMIN, "contact.note", "contact:9", None, {"phone": STRANGER}, "whatsapp"),
    ]
    for minute, (actor, action, entity, before, after, source) in enumerate(rows):
        AuditLog.create(
            actor=actor,
            action=action,
            entity=entity,
            before=before,
            after=after,
            source=source,
            at=_at(minute),
        )
    # Admins see their team by name and with whole phones; customers stay masked.
    assert live.ask("/audit") == (
        "Latest 7 of 7 audit entries, newest first:\n"
        "14 Jan 10:06 · Admin 6789 · contact.note contact:9 · phone: 60*****4321\n"
        "14 Jan 10:05 · Admin 6789 · task.assign task:5 · assignee: Siti→Ali\n"
        "14 Jan 10:04 · Admin 6789 (api) · hook.delete hook:7 · text: Buy now → (removed)\n"
        "14 Jan 10:03 · 60*****4321 · command.refused · reason: not on the whitelist\n"
        "14 Jan 10:02 · system (job) · draw.run campaign:RAYA26 · "
        "prize: AAAAAAAAAAAAAAAAAAAAAAAAAAAAA…, winners: 2\n"
        "14 Jan 10:01 · Admin 6789 · member.add member Siti · "
        f"phone: +{SITI}, name: Siti, role: agent\n"
        "14 Jan 10:00 · Admin 6789 · config.set config:draws_enabled · value: on→off"
    )
    assert live.ask("/audit 2").splitlines()[0] == ("Latest 2 of 7 audit entries, newest first:")


def test_config_changes_show_up_in_the_audit(live):
    live.ask("/config set key: auto_reply_enabled value: off")
    shown = live.ask("/audit 1")
    assert shown.startswith("Latest 1 of 1 audit entries, newest first:\n")
    assert shown.endswith(" · Admin 6789 · config.set config:auto_reply_enabled · value: on→off")


def test_count_defaults_to_ten_stops_at_fifty_and_fits_one_message(live):
    assert live.ask("/audit") == "The audit log is empty."
    AuditLog.insert_many(
        [
            {
                "actor": "system",
                "action": f"test.{n}",
                "entity": f"campaign:{'X' * 20}",
                "after": {"note": "long " * 40, "more": "y" * 50},
                "at": _at(0) + dt.timedelta(minutes=n),
            }
            for n in range(60)
        ]
    ).execute()
    default = live.ask("/audit").splitlines()
    assert default[0] == "Latest 10 of 60 audit entries, newest first:"
    assert [line.split(" · ")[2].split()[0] for line in default[1:]] == [
        f"test.{n}" for n in range(59, 49, -1)
    ]
    most = live.ask("/audit 99")
    lines = most.splitlines()
    assert lines[0] == "Latest 50 of 60 audit entries, newest first (at most 50 at a time):"
    assert len(lines) == 51 and lines[-1].split(" · ")[2].startswith("test.10 ")
    assert len(most) <= 4096 and all(len(line) <= 78 for line in lines[1:])
    assert live.ask("/audit 0") == (
        "<n> '0' is not a number; numbers start at 1. "
        "Write a whole number like 12 or #12.\nUsage: /audit [<n>]"
    )


def test_agents_are_refused(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    assert live.ask("/audit", SITI) == "Sorry, only admins can use /audit."
    refused = AuditLog.get()
    assert (refused.actor, refused.action, refused.entity) == (SITI, "command.refused", "audit")
