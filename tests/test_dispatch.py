"""Dispatch on a real database: every text gets a reply, and permissions hold for every command."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import AuditLog, StaffMember
from tests.conftest import CommandRunner
from wocs.registry import REGISTRY

NOW = dt.datetime(2026, 1, 14, 2, 0, tzinfo=dt.UTC)
NAMES = sorted({f"/{c.full_name}" for c in REGISTRY.values()})
KEYS = sorted({k.name for c in REGISTRY.values() for k in c.keys})


@pytest.fixture
def db(commands_db: CommandRunner) -> CommandRunner:
    """Command logic needs only the database: no HTTP, queue or Graph server."""
    commands_db.now = NOW
    return commands_db


command_like = st.builds(
    lambda name, words, pairs: " ".join([name, *words]) + "".join(f"\n{k}: {v}" for k, v in pairs),
    st.sampled_from(NAMES),
    st.lists(st.text(max_size=12), max_size=3),
    st.lists(st.tuples(st.sampled_from([*KEYS, "zz"]), st.text(max_size=30)), max_size=4),
)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=st.one_of(command_like, st.text(max_size=80).map(lambda t: "/" + t)))
def test_any_text_from_an_admin_gets_a_reply_and_never_raises(db, text):
    answer = db.run(text).text
    assert isinstance(answer, str) and answer.strip()


@pytest.mark.parametrize("name", [n for n in NAMES if n != "/help"])
def test_strangers_are_refused_every_command_and_it_is_audited(db, name):
    answer = db.run(f"{name} 1", "60175550000").text
    assert answer.startswith("Sorry, commands are only for our team.")
    assert AuditLog.select().where(AuditLog.action == "command.refused").count() == 1


@pytest.mark.parametrize(
    "cmd", [c for c in REGISTRY.values() if c.role == "admin"], ids=lambda c: c.full_name
)
def test_agents_are_refused_admin_commands(db, cmd):
    StaffMember.create(phone="60129998888", name="Siti", role="agent")
    answer = db.run(f"/{cmd.full_name}", "60129998888").text
    assert answer == f"Sorry, only admins can use /{cmd.full_name}."


def test_help_overview_shrinks_to_one_line_a_family_when_it_would_not_fit():
    from commands.help import overview

    everything = sorted(REGISTRY.values(), key=lambda c: c.full_name)
    tasks = [c for c in everything if c.name in ("help", "task")]
    full = overview(tasks)
    assert "/task done <n> [note: <what was done>]" in full and len(full) <= 4096
    whole = overview(everything)  # every command at once no longer fits one message
    assert len(whole) <= 4096 and "/task done <n>" not in whole
    compact = overview(everything, limit=500)
    assert "/task assign|cancel|done|list|show|start" in compact
    assert "/help (also /bantuan, /start, /menu)" in compact.splitlines()
    assert compact.endswith("e.g. /help task done")
