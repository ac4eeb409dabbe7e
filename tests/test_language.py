"""Tests for wocs.language: Malay command names, and replies in the language a command was written in."""

from __future__ import annotations

import ast
import datetime as dt
import re
import string
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import commands
from jobs.reports import _reminder
from models import StaffMember, WocsConfirmation, WocsTask
from tests.conftest import ADMIN
from wocs import binding, registry
from wocs.context import Context
from wocs.grammar import parse
from wocs.language import BOTH, EN, MS, SUB_WORDS, catalogue, tr
from wocs.registry import FAMILY_ALIASES, REGISTRY

KL = ZoneInfo("Asia/Kuala_Lumpur")

ROOT = Path(__file__).resolve().parent.parent
SITI, RAJ = "60129998888", "60127777777"
registry.load(commands)


def _literal_texts() -> set[str]:
    """Every text the code passes to tr() as a literal, and every ValueProblem template with
    fields (those `said` translates) with the hints it carries."""
    found: set[str] = set()
    folders = ("wocs", "commands", "jobs", "domain")
    for path in (p for folder in folders for p in ROOT.glob(f"{folder}/*.py")):
        tree = ast.parse(path.read_text())
        constants = {
            t.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "id", "")
            if called == "tr" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                found.add(node.args[1].value)
            if (
                called == "ValueProblem"
                and node.keywords
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
                hints = [k.value for k in node.keywords if k.arg == "hint"]
                found |= {constants[h.id] for h in hints if isinstance(h, ast.Name)}
    return found


def _declared_texts() -> set[str]:
    """Every summary and question the registry declares, and the hints prompts say."""
    texts: set[str] = set()
    for cmd in REGISTRY.values():
        texts.add(cmd.summary)
        for wanted in (*cmd.args, *cmd.keys):
            if wanted.ask:
                texts.add(wanted.ask)
            if wanted.required and wanted.expected:
                texts.add(wanted.expected.strip("<>"))
    return texts


def test_every_team_text_and_command_summary_has_malay():
    missing = sorted((_literal_texts() | _declared_texts()) - set(catalogue()))
    assert not missing, f"add these to templates/ms.toml: {missing}"


def test_malay_texts_fill_in_the_same_fields_as_english():
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    wrong = {en: ms for en, ms in catalogue().items() if fields(en) != fields(ms)}
    assert not wrong


def test_no_name_calls_two_commands_and_every_name_calls_its_own():
    called: dict[tuple[str, str | None], str] = {}
    for cmd in REGISTRY.values():
        bases = [cmd.name, *(a for a, base in FAMILY_ALIASES.items() if base == cmd.name)]
        subs = [w for full in cmd.names for w in [full.partition(" ")[2] or None]]
        heads = {full.partition(" ")[0] for full in cmd.names} | set(bases)
        for head in heads:
            for sub in dict.fromkeys(subs):
                typed = (head, sub)
                assert called.setdefault(typed, cmd.full_name) == cmd.full_name, typed
                parsed = parse(f"/{head} {sub or ''}".strip())
                assert registry.resolve(parsed)[0] is cmd, typed
    # A Malay family name is never a family of its own, and every one names a real family.
    families = {c.name for c in REGISTRY.values()}
    assert not set(FAMILY_ALIASES) & families
    assert set(FAMILY_ALIASES.values()) <= families
    # No Malay sub-command word is an English one of the same family.
    for name in families:
        english = {c.sub for c in registry.family(name) if c.sub}
        malay = {w for sub in english for w in SUB_WORDS.get(sub, ())}
        assert not english & malay, name


def test_every_family_with_sub_commands_answers_malay_words():
    for cmd in REGISTRY.values():
        if cmd.sub and cmd.sub not in ("qr", "status"):  # the same word in Malay
            assert cmd.malay_names, cmd.full_name


def test_a_bad_value_in_a_malay_command_is_explained_in_malay(commands_db):
    wrong = commands_db.run("/tugas tunjuk abc").text
    assert wrong == (
        "<n> 'abc' bukan nombor. Tulis nombor bulat seperti 12 atau #12.\n"
        "Cara tulis: /tugas tunjuk <n>"
    ), wrong
    assert commands_db.run("/task show abc").text.startswith("<n> 'abc' is not a number. Write")
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    priority = commands_db.run("/tugaskan tugas: X untuk: Siti tarikh: esok keutamaan: mega").text
    assert priority.startswith(
        "keutamaan: 'mega' bukan keutamaan. Guna rendah, biasa, tinggi atau segera"
    ), priority


def test_task_errors_in_malay_and_the_api_keeps_english(commands_db):
    assert commands_db.run("/tugas tunjuk 99").text == (
        "Tiada tugas #99 untuk anda. Hantar /tugas senarai untuk melihat tugas anda."
    )
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    commands_db.run("/agent task: X for: Siti due: esok")
    n = WocsTask.get().id
    commands_db.run(f"/task done {n}")
    assert commands_db.run(f"/tugas selesai {n}").text == f"Tugas #{n} sudah done."
    assert commands_db.run(f"/tugas serah {n} untuk: Siti").text == (
        f"Tugas #{n} sudah done; hanya tugas yang masih terbuka boleh diserahkan."
    )
    # The member's Malay is for WhatsApp: the app asks in English unless it writes Malay.
    admin = StaffMember.get(StaffMember.phone == ADMIN)
    assert admin.lang == MS
    assert Context(phone=ADMIN, user=admin, source="api").language == EN
    assert Context(phone=ADMIN, user=admin).language == MS


@pytest.mark.parametrize(
    "typed, lang",
    [
        ("/task list", EN),
        ("/tugas list", MS),
        ("/task senarai", MS),
        ("/task list halaman 2", MS),
        ("/agent task: X for: Siti due: esok", EN),
        ("/agent tugas: X untuk: Siti tarikh: esok", MS),
        ("/agent task: X untuk: Siti due: esok", MS),
        ("/tugaskan task: X for: Siti", MS),
        ("/bantuan", MS),
        ("/help", EN),
        ("/kempen senarai", MS),
        ("/pasukan tambah telefon: 0123 peranan: agent nama: Ali", MS),
    ],
)
def test_the_language_a_command_was_written_in(typed: str, lang: str):
    parsed = parse(typed)
    cmd, _ = registry.resolve(parsed)
    assert binding.spoken(cmd, parsed) == lang


def test_tr_gives_english_malay_or_both():
    text = "Task #{n} ({title}) was cancelled."
    assert tr(EN, text, n=3, title="Banner") == "Task #3 (Banner) was cancelled."
    assert tr(MS, text, n=3, title="Banner") == "Tugas #3 (Banner) telah dibatalkan."
    assert tr(BOTH, text, n=3, title="Banner") == (
        "Task #3 (Banner) was cancelled.\n\nTugas #3 (Banner) telah dibatalkan."
    )
    assert tr(MS, "a text nobody translated") == "a text nobody translated"


def _team(live) -> None:
    StaffMember.create(phone=SITI, name="Siti Aminah", role="agent")
    StaffMember.create(phone=RAJ, name="Raj", role="agent")


def _lang(phone: str) -> str:
    return StaffMember.get(StaffMember.phone == phone).lang


def test_a_malay_command_gets_malay_usage_and_is_remembered_for_prompts(live):
    _team(live)
    wrong = live.ask("/tugas selesai 1 tarikh: esok")
    assert wrong == (
        "Baris 1: /tugas selesai tiada kunci tarikh:. Kuncinya: nota:.\n"
        "Cara tulis: /tugas selesai <n> [nota: <what was done>]"
    ), wrong
    assert _lang(ADMIN) == MS
    # The prompt asks in Malay, and its answers follow the language remembered.
    assert live.ask("/tugaskan tugas: Susun meja") == (
        "Untuk siapa?\nBalas dengan nama atau telefon, atau BATAL untuk membatalkan /tugaskan."
    )
    assert live.ask("Zed").startswith("Tiada ahli pasukan bernama 'Zed'. Pasukan: ")
    assert live.ask("batal") == "Dibatalkan: /tugaskan tidak dihantar; tiada apa-apa dibuat."
    # An English command switches back.
    assert live.ask("/task done").startswith("Which task?\nReply with the number, or CANCEL")
    assert _lang(ADMIN) == EN


def test_an_unknown_command_and_a_refusal_answer_in_the_senders_language(live):
    _team(live)
    assert live.ask("/tugas senarai", SITI) == "You have no open tasks."
    assert live.ask("/tugaskan tugas: X untuk: Raj tarikh: esok", SITI) == (
        "Maaf, hanya admin boleh guna /tugaskan."
    )
    assert live.ask("/tugsa", SITI) == (
        "Saya tidak kenal /tugsa. Maksud anda /tugas?\nHantar /bantuan untuk lihat semuanya."
    )


def test_more_is_offered_in_malay_after_a_malay_list(live):
    siti = StaffMember.create(phone=SITI, name="Siti", role="agent")
    due = dt.date.today() + dt.timedelta(days=3)
    for n in range(21):
        WocsTask.create(title=f"Job {n + 1}", assignee=siti, due=due, command="agent")
    first = live.ask("/tugas senarai")
    assert first.endswith("\n…dan 1 lagi: hantar LAGI (atau /task list open page 2)."), first
    second = live.ask("lagi")
    assert second.startswith("Open tasks (21, halaman 2):\n#") and " Job 21 — " in second


def test_task_messages_come_in_both_languages_until_the_member_writes_then_in_theirs(live):
    _team(live)
    live.ask("/agent task: Setup booth for: Siti due: esok")
    (new,) = live.replies_to(SITI)
    english, malay = new.split("\n\n")
    assert english.startswith("New task #") and "Reply /task start" in english
    assert malay.startswith("Tugas baharu #") and "Balas /tugas mula" in malay
    assert live.ask("/tugas senarai", SITI).startswith("My tasks (1):")
    task = WocsTask.get()
    live.ask(f"/task assign {task.id} for: Raj")
    live.ask(f"/task assign {task.id} for: Siti")
    # After the new task and the list: the task went to Raj, then came back.
    given_away, moved = live.replies_to(SITI, 4)[2:]
    assert (
        given_away
        == f"Tugas #{task.id} (Setup booth) kini milik Raj; anda tidak perlu melakukannya."
    )
    assert moved.startswith(f"Tugas #{task.id} kini milik anda: Setup booth\n"), moved
    assert "\n\n" not in moved
    live.ask(f"/task cancel {task.id}")
    assert live.replies_to(SITI, 5)[4] == f"Tugas #{task.id} (Setup booth) telah dibatalkan."


def test_the_welcome_comes_in_both_languages(live):
    live.ask("/admin add phone: 0129998888 role: agent name: Siti")
    (welcome,) = live.replies_to(SITI)
    assert welcome == (
        "Hi Siti, you're on the team as agent. Send /help to see what you can do.\n\n"
        "Hai Siti, anda kini dalam pasukan sebagai agent. Hantar /bantuan untuk lihat apa yang "
        "anda boleh buat."
    )


def test_the_reminder_follows_the_assignees_language(commands_db):
    siti = StaffMember.create(phone=SITI, name="Siti", role="agent", lang=MS)
    raj = StaffMember.create(phone=RAJ, name="Raj", role="agent")
    today = dt.date.today()
    for who in (siti, raj):
        WocsTask.create(title="Banner", assignee=who, due=today, command="agent")
    ms, both = (_reminder(t, KL) for t in WocsTask.select().order_by(WocsTask.id))
    assert ms.startswith("Peringatan: tugas #") and "Reminder" not in ms
    assert both.startswith("Reminder: task #") and "\n\nPeringatan: tugas #" in both


def test_an_ambiguous_name_asks_with_a_numbered_choice_and_a_number_answers(live):
    StaffMember.create(phone=SITI, name="Siti Aminah", role="agent")
    StaffMember.create(phone="60125550000", name="Siti Nurhaliza", role="agent")
    asked = live.ask("/agent task: Banner for: Siti due: esok")
    assert asked.startswith("for: 'Siti' could mean 2 people:\n1. Siti Aminah — +60129998888\n")
    assert asked.endswith("Who is it for?\nReply with name or phone, or CANCEL to drop /agent.")
    assert live.ask("3").endswith(
        "Who is it for?\nReply with name or phone, or CANCEL to drop /agent."
    )
    done = live.ask("1")
    assert done.startswith("Task #") and "created for Siti Aminah" in done, done
    assert WocsTask.get().assignee.phone == SITI


def test_an_ambiguous_answer_to_a_prompt_is_asked_again_with_its_choices(live):
    StaffMember.create(phone=SITI, name="Siti Aminah", role="agent")
    StaffMember.create(phone="60125550000", name="Siti Nurhaliza", role="agent")
    assert live.ask("/agent task: Banner due: esok").startswith("Who is it for?")
    again = live.ask("siti")
    assert again.startswith("'siti' could mean 2 people:\n1. Siti Aminah"), again
    assert again.endswith("Who is it for?\nReply with name or phone, or CANCEL to drop /agent.")
    assert live.ask("2").startswith("Task #")
    assert WocsTask.get().assignee.phone == "60125550000"


def test_an_answer_the_command_refuses_is_asked_for_again(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    assert live.ask("/task show").startswith("Which task?")
    again = live.ask("99")
    assert again == (
        "There is no task #99 for you. Send /task list to see yours.\n"
        "Which task?\nReply with the number, or CANCEL to drop /task show."
    ), again
    assert live.ask("/agent task: Banner for: Siti").startswith("When is it due?")
    past = live.ask("1/1/2020")
    assert re.match(
        r"due: .* is in the past\. Give today or a later date\.\nWhen is it due\?", past
    )
    assert live.ask("esok").startswith("Task #")
    assert not WocsConfirmation.select().where(WocsConfirmation.state == "asking").exists()
