"""Tests for wocs.registry: usage lines, resolve, bind and inline keys, on test-only commands."""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wocs import binding, registry
from wocs.binding import bind
from wocs.context import Context
from wocs.grammar import CommandSyntaxError, Pair, parse
from wocs.registry import REGISTRY, Arg, Command, Key, closest, command, resolve
from wocs.types import DATE, INT, LONG_TEXT, MONEY, PRIORITY, TEXT, choice

# database=None: do not write example files into the shared working tree.
FUZZ = settings(max_examples=300, deadline=None, database=None)

NOW = datetime(2026, 1, 14, 2, 0, tzinfo=UTC)  # 10:00 on Wednesday 14 Jan in Kuala Lumpur
DEMO_KEYS = "task:, for:, due:, fee:, priority:, note:"


def _reply(*_: Any, **__: Any) -> str:
    return "ok"


def _declare() -> list[tuple[str, str | None]]:
    """Register the test-only commands; return their registry keys."""
    before = set(REGISTRY)

    @command(
        "zzdemo",
        args=(Arg("n", INT, required=False),),
        keys=(
            Key("task", TEXT, required=True),
            Key("for", TEXT, required=True, aliases=("untuk",), dest="assignee"),
            Key("due", DATE, aliases=("tarikh",)),
            Key("fee", MONEY),
            Key("priority", PRIORITY, aliases=("keutamaan",)),
            Key("note", LONG_TEXT, aliases=("nota",)),
        ),
    )
    def zzdemo(ctx: Context, **kwargs: Any) -> str:
        """Demo command for the registry tests.

        A second paragraph that is not the summary.
        """
        return "ok"

    command(
        "zzdemo run",
        args=(Arg("n", INT), Arg("mode", choice("fast", "slow"), required=False)),
        keys=(Key("note", LONG_TEXT),),
    )(_reply)
    command(
        "zzfam add",
        keys=(Key("text", TEXT, required=True), Key("slug", TEXT, hint="my-page")),
    )(_reply)
    command("zzfam run", args=(Arg("speed", choice("fast", "slow")),))(_reply)
    command(
        "ZZFAM Say",
        role="agent",
        args=(Arg("code", TEXT, hint="CODE"), Arg("words", TEXT, required=False, greedy=True)),
    )(_reply)
    return [k for k in REGISTRY if k not in before]


@pytest.fixture(scope="module", autouse=True)
def declared() -> Iterator[list[tuple[str, str | None]]]:
    """The test commands exist for this module only."""
    assert not [k for k in REGISTRY if k[0] in ("zzdemo", "zzfam")]
    keys = _declare()
    yield keys
    for key in keys:
        REGISTRY.pop(key, None)
    assert not [k for k in REGISTRY if k[0] in ("zzdemo", "zzfam")]


@pytest.fixture
def ctx() -> Context:
    return Context(phone="60123456789", now=NOW)


def get(name: str, sub: str | None = None) -> Command:
    return REGISTRY[(name, sub)]


def run(text: str, ctx: Context) -> tuple[Command, dict[str, Any]]:
    """Parse, resolve and bind a message the way dispatch does."""
    parsed = parse(text)
    cmd, words = resolve(parsed)
    return cmd, bind(cmd, words, parsed.items, ctx)


def bind_error(text: str, ctx: Context) -> CommandSyntaxError:
    with pytest.raises(CommandSyntaxError) as caught:
        run(text, ctx)
    return caught.value


# --- declaration and usage --------------------------------------------------------------------


def test_declared_commands_are_keyed_by_name_and_sub(declared) -> None:
    assert set(declared) == {
        ("zzdemo", None),
        ("zzdemo", "run"),
        ("zzfam", "add"),
        ("zzfam", "run"),
        ("zzfam", "say"),
    }
    assert get("zzdemo").full_name == "zzdemo"
    assert get("zzfam", "say").full_name == "zzfam say"  # declared as "ZZFAM Say"
    assert get("zzdemo").summary == "Demo command for the registry tests."
    assert get("zzfam", "run").summary == ""  # no docstring
    assert get("zzdemo").role == "admin"
    assert get("zzfam", "say").role == "agent"


def test_declaring_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=r"command /zzdemo run is declared twice"):
        command("zzdemo run")(_reply)
    assert get("zzdemo", "run").args[0].name == "n"  # the first declaration is kept


@pytest.mark.parametrize(
    ("name", "sub", "usage"),
    [
        (
            "zzdemo",
            None,
            "/zzdemo [<n>] task: … for: … [due: …] [fee: …] [priority: …] [note: …]",
        ),
        ("zzdemo", "run", "/zzdemo run <n> [fast|slow] [note: …]"),
        ("zzfam", "add", "/zzfam add text: … [slug: my-page]"),
        ("zzfam", "run", "/zzfam run fast|slow"),
        ("zzfam", "say", "/zzfam say CODE [<words>]"),
    ],
)
def test_usage_line(name: str, sub: str | None, usage: str) -> None:
    assert get(name, sub).usage == usage


def test_key_param_and_lookup() -> None:
    demo = get("zzdemo")
    assert [k.param for k in demo.keys] == ["task", "assignee", "due", "fee", "priority", "note"]
    assert demo.key_for("untuk") is demo.key_for("for")
    assert demo.key_for("for").name == "for"
    assert demo.key_for("nope") is None


def test_visible_to_filters_by_role() -> None:
    agent = Context(phone="60123456789", now=NOW)
    agent.user = types.SimpleNamespace(role="agent", active=True, id=2)
    admin = Context(phone="60123456780", now=NOW)
    admin.user = types.SimpleNamespace(role="admin", active=True, id=1)
    gone = Context(phone="60123456781", now=NOW)
    gone.user = types.SimpleNamespace(role="admin", active=False, id=3)

    def mine(c: Context) -> list[str]:
        return [x.full_name for x in registry.visible_to(c) if x.name.startswith("zz")]

    assert mine(admin) == ["zzdemo", "zzdemo run", "zzfam add", "zzfam run", "zzfam say"]
    assert mine(agent) == ["zzfam say"]
    assert mine(gone) == []
    assert mine(Context(phone="60111111111", now=NOW)) == []


@pytest.mark.parametrize(
    ("word", "choices", "expected"),
    [
        ("fr", ["task", "for", "due"], "for"),
        ("TSK", ["task", "for", "due"], "task"),
        ("rnu", ["add", "run", "say"], "run"),
        ("zzz", ["task", "for", "due"], None),
        ("for", [], None),
    ],
)
def test_closest(word: str, choices: list[str], expected: str | None) -> None:
    assert closest(word, choices) == expected


# --- resolve ----------------------------------------------------------------------------------

FAMILY_LINES = (
    "  /zzfam add text: … [slug: my-page]\n  /zzfam run fast|slow\n  /zzfam say CODE [<words>]"
)


@pytest.mark.parametrize(
    ("text", "name", "sub", "words"),
    [
        ("/zzdemo run 5 fast", "zzdemo", "run", ("5", "fast")),
        ("/ZZDEMO RUN 5", "zzdemo", "run", ("5",)),
        ("/zzdemo 5", "zzdemo", None, ("5",)),
        ("/zzdemo", "zzdemo", None, ()),
        ("/zzdemo rnu", "zzdemo", None, ("rnu",)),  # a plain command takes unknown words
        ("/zzfam add text: hi", "zzfam", "add", ()),
        ("/zzfam Say X1 hello there", "zzfam", "say", ("X1", "hello", "there")),
    ],
)
def test_resolve_finds(text: str, name: str, sub: str | None, words: tuple[str, ...]) -> None:
    cmd, rest = resolve(parse(text))
    assert (cmd, rest) == (get(name, sub), words)


def test_resolve_family_without_sub_lists_usage() -> None:
    with pytest.raises(CommandSyntaxError) as caught:
        resolve(parse("/zzfam"))
    assert caught.value.message == f"/zzfam needs one of:\n{FAMILY_LINES}"


def test_resolve_unknown_sub_suggests() -> None:
    with pytest.raises(CommandSyntaxError) as caught:
        resolve(parse("/zzfam rnu fast"))
    assert caught.value.message == f"/zzfam has no 'rnu'. Did you mean /zzfam run?\n{FAMILY_LINES}"


def test_resolve_unknown_sub_without_a_close_match() -> None:
    with pytest.raises(CommandSyntaxError) as caught:
        resolve(parse("/zzfam xyzzy"))
    assert caught.value.message == f"/zzfam has no 'xyzzy'.\n{FAMILY_LINES}"


def test_resolve_unknown_name() -> None:
    with pytest.raises(LookupError) as caught:
        resolve(parse("/zznope run"))
    assert caught.value.args == ("zznope",)


# --- bind: keys -------------------------------------------------------------------------------


def test_bind_head_and_body_keys(ctx: Context) -> None:
    cmd, kwargs = run("/zzdemo task: Setup booth\nfor: Siti\ndue: 2026-01-20", ctx)
    assert cmd is get("zzdemo")
    assert kwargs == {"task": "Setup booth", "assignee": "Siti", "due": date(2026, 1, 20)}


def test_bind_missing_required_key_names_it(ctx: Context) -> None:
    err = bind_error("/zzdemo for: Siti", ctx)
    assert err.message == "Missing task:."
    err = bind_error("/zzdemo note: hi", ctx)
    assert err.message == "Missing task:, for:."


def test_bind_missing_required_arg(ctx: Context) -> None:
    assert bind_error("/zzdemo run", ctx).message == "Missing <n>."


def test_bind_duplicate_key_names_its_line(ctx: Context) -> None:
    err = bind_error("/zzdemo task: a\nfor: b\ntask: c", ctx)
    assert (err.message, err.line) == ("Line 3: task: is given twice.", 3)


def test_bind_duplicate_through_alias(ctx: Context) -> None:
    err = bind_error("/zzdemo task: a\nfor: b\nuntuk: c", ctx)
    assert (err.message, err.line) == ("Line 3: for: is given twice.", 3)


def test_bind_unknown_key_later_line_suggests(ctx: Context) -> None:
    err = bind_error("/zzdemo task: a\nfr: Siti", ctx)
    assert err.message == (
        f"Line 2: /zzdemo has no key fr:. Did you mean for:? It takes {DEMO_KEYS}."
    )
    assert err.line == 2


def test_bind_unknown_key_without_a_close_match(ctx: Context) -> None:
    err = bind_error("/zzdemo task: a\nwhatever: x\nfor: b", ctx)
    assert err.message == f"Line 2: /zzdemo has no key whatever:. It takes {DEMO_KEYS}."


def test_bind_unknown_key_on_command_without_keys(ctx: Context) -> None:
    err = bind_error("/zzfam run fast\nx: y", ctx)
    assert (err.message, err.line) == ("Line 2: /zzfam run has no key x:. It takes no keys.", 2)


def test_bind_continuation_of_multiline_value_keeps_newlines(ctx: Context) -> None:
    text = "/zzdemo task: a\nfor: b\nnote: line one\n  line two\n\nline four\nfoo: bar\n\n"
    _, kwargs = run(text, ctx)
    # An unknown key inside a multi-line value is just text (its raw line is kept), and
    # indentation stays (nested Markdown lists, code).
    assert kwargs["note"] == "line one\n  line two\n\nline four\nfoo: bar"


def test_bind_multiline_value_starting_on_a_later_line(ctx: Context) -> None:
    _, kwargs = run("/zzdemo run 1 note:\n\nfirst\nsecond", ctx)
    assert kwargs == {"n": 1, "note": "first\nsecond"}


def test_bind_continuation_of_single_line_value_joins_with_spaces(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: Setup\nbooth\n\nnear door\nfor: Siti", ctx)
    assert kwargs == {"task": "Setup booth near door", "assignee": "Siti"}


def test_bind_empty_key_then_continuation(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task:\nSetup booth\nfor: Siti", ctx)
    assert kwargs == {"task": "Setup booth", "assignee": "Siti"}


def test_bind_line_before_any_key(ctx: Context) -> None:
    err = bind_error("/zzdemo\nhello there\ntask: a\nfor: b", ctx)
    assert err.message == f"Line 2: 'hello there' should start with a key, like {DEMO_KEYS}."
    assert err.line == 2


def test_bind_line_on_command_without_keys(ctx: Context) -> None:
    err = bind_error("/zzfam run fast\nhello", ctx)
    assert err.message == ("Line 2: 'hello' is extra: /zzfam run takes no keys.")


def test_bind_blank_lines_before_first_key_are_ignored(ctx: Context) -> None:
    _, kwargs = run("/zzdemo\n\n\ntask: a\nfor: b", ctx)
    assert kwargs == {"task": "a", "assignee": "b"}


# --- bind: typed values -----------------------------------------------------------------------


def test_bind_converts_typed_values(ctx: Context) -> None:
    text = "/zzdemo #12 task: Setup booth\nfor: Siti\ndue: today\nfee: RM1,500.50\npriority: tinggi"
    _, kwargs = run(text, ctx)
    assert kwargs == {
        "n": 12,
        "task": "Setup booth",
        "assignee": "Siti",
        "due": date(2026, 1, 14),
        "fee": Decimal("1500.50"),
        "priority": "high",
    }
    assert isinstance(kwargs["fee"], Decimal)


@pytest.mark.parametrize(
    ("now", "due", "expected"),
    [
        (NOW, "today", date(2026, 1, 14)),
        (NOW, "esok", date(2026, 1, 15)),
        (NOW, "friday", date(2026, 1, 16)),
        (NOW, "20/1", date(2026, 1, 20)),
        # 20:00 UTC on the 13th is already the 14th in Kuala Lumpur.
        (datetime(2026, 1, 13, 20, 0, tzinfo=UTC), "today", date(2026, 1, 14)),
    ],
)
def test_bind_date_uses_context_today(now: datetime, due: str, expected: date) -> None:
    ctx = Context(phone="60123456789", now=now)
    _, kwargs = run(f"/zzdemo task: a\nfor: b\ndue: {due}", ctx)
    assert kwargs["due"] == expected


def test_bind_positional_typed_values(ctx: Context) -> None:
    assert run("/zzdemo run #12 FAST", ctx)[1] == {"n": 12, "mode": "fast"}
    assert run("/zzdemo run 7", ctx)[1] == {"n": 7}


def test_bind_greedy_arg_joins_remaining_words(ctx: Context) -> None:
    assert run("/zzfam say X1 hello   there  world", ctx)[1] == {
        "code": "X1",
        "words": "hello there world",
    }
    assert run("/zzfam say X1", ctx)[1] == {"code": "X1"}


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (
            "/zzdemo task: a for: b due: nope",
            "due: 'nope' is not a date. Write it like 2026-01-20, 20/1, 20 Jan, today, tomorrow, "
            "esok or friday.",
            1,
        ),
        (
            "/zzdemo task: a\nfor: b\ndue: 31/2/2026",
            "Line 3, due: '31/2/2026' is not a real date (that month has no day 31). "
            "Write it like 2026-01-20, 20/1, 20 Jan, today, tomorrow, esok or friday.",
            3,
        ),
        (
            # The label is the declared key, even when an alias was typed.
            "/zzdemo task: a for: b tarikh: nope",
            "due: 'nope' is not a date. Write it like 2026-01-20, 20/1, 20 Jan, today, tomorrow, "
            "esok or friday.",
            1,
        ),
        (
            "/zzdemo task: a for: b fee: -5",
            "fee: '-5' is negative; amounts cannot be below zero. "
            "Write it like RM150, 150.50 or RM1,500.",
            1,
        ),
        ("/zzdemo task: for: b", "task: This value is empty.", 1),
        (
            "/zzdemo abc task: a for: b",
            "<n> 'abc' is not a number. Write a whole number like 12 or #12.",
            1,
        ),
        ("/zzdemo run 1 medium", "<mode> 'medium' is not one of: fast, slow.", 1),
    ],
)
def test_bind_bad_value(text: str, message: str, line: int, ctx: Context) -> None:
    err = bind_error(text, ctx)
    assert (err.message, err.line) == (message, line)


def test_bind_bad_value_message_begins_with_the_key_label(ctx: Context) -> None:
    err = bind_error("/zzdemo due: someday task: a for: b", ctx)
    assert err.message.startswith("due: 'someday' is not a date.")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/zzdemo 12 13 task: a for: b", "I did not expect '13' after /zzdemo."),
        ("/zzdemo run 1 fast slow", "I did not expect 'slow' after /zzdemo run."),
        ("/zzfam add some words text: x", "I did not expect 'some words' after /zzfam add."),
    ],
)
def test_bind_extra_positional_words(text: str, message: str, ctx: Context) -> None:
    assert bind_error(text, ctx).message == message


# --- bind: inline keys ------------------------------------------------------------------------


def test_split_inline_makes_three_pairs_on_one_line() -> None:
    parsed = parse("/zzdemo task: Setup booth for: Siti due: 2026-01-20")
    assert binding._split_inline(get("zzdemo"), parsed.items) == [
        Pair("task", "Setup booth", 1, ""),
        Pair("for", "Siti", 1, ""),
        Pair("due", "2026-01-20", 1, ""),
    ]


def test_bind_inline_keys(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: Setup booth for: Siti due: 2026-01-20", ctx)
    assert kwargs == {"task": "Setup booth", "assignee": "Siti", "due": date(2026, 1, 20)}


def test_bind_inline_keys_on_a_later_line(ctx: Context) -> None:
    _, kwargs = run("/zzdemo\ntask: Setup booth FOR:Siti\ndue: esok", ctx)
    assert kwargs == {"task": "Setup booth", "assignee": "Siti", "due": date(2026, 1, 15)}


def test_bind_inline_aliases(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: Susun meja untuk: Siti tarikh: esok keutamaan: segera", ctx)
    assert kwargs == {
        "task": "Susun meja",
        "assignee": "Siti",
        "due": date(2026, 1, 15),
        "priority": "urgent",
    }


def test_bind_multiline_value_splits_at_a_later_key(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: X for: Raj due: esok note: bring ice priority: urgent", ctx)
    assert kwargs == {
        "task": "X",
        "assignee": "Raj",
        "due": date(2026, 1, 15),
        "note": "bring ice",
        "priority": "urgent",
    }


def test_bind_required_key_after_a_multiline_value_is_found(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: X for: Raj note: bring ice priority: urgent due: esok", ctx)
    assert kwargs["due"] == date(2026, 1, 15)
    assert (kwargs["note"], kwargs["priority"]) == ("bring ice", "urgent")


def test_bind_key_inside_a_continuation_line_splits(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: a for: b note: line one\n  line two due: esok", ctx)
    assert kwargs == {
        "task": "a",
        "assignee": "b",
        "note": "line one\n  line two",
        "due": date(2026, 1, 15),
    }


def test_bind_key_after_an_unknown_key_line_in_a_note_splits(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: a for: b note: one\nfoo: bar due: esok", ctx)
    assert (kwargs["note"], kwargs["due"]) == ("one\nfoo: bar", date(2026, 1, 15))


@pytest.mark.parametrize(
    ("typed", "note"),
    [
        ("call at 10:30 re: booth", "call at 10:30 re: booth"),  # a time, an unknown word
        ("see https://for: x", "see https://for: x"),
        ("ask priority\\: urgent", "ask priority: urgent"),
        ("ask priority \\: urgent", "ask priority : urgent"),
        ('he wrote "priority: urgent" on it', 'he wrote "priority: urgent" on it'),
        ("he wrote \u201cpriority: urgent\u201d", 'he wrote "priority: urgent"'),
        ('"due: esok" is what he said', '"due: esok" is what he said'),
        ('a "quote" then nothing', 'a "quote" then nothing'),
    ],
)
def test_bind_key_phrase_kept_in_free_text(typed: str, note: str, ctx: Context) -> None:
    _, kwargs = run(f"/zzdemo task: a for: b note: {typed}", ctx)
    assert kwargs == {"task": "a", "assignee": "b", "note": note}


def test_bind_reads_dashes_as_hyphens_only_in_typed_values(ctx: Context) -> None:
    _, kwargs = run(
        "/zzdemo task: Banner \u2014 big for: Siti\u2013Ali due: 2026\u201301\u201420", ctx
    )
    assert kwargs == {
        "task": "Banner \u2014 big",
        "assignee": "Siti\u2013Ali",
        "due": date(2026, 1, 20),
    }


def test_bind_escaped_key_at_the_start_of_a_note_line(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: a for: b note: first\npriority\\: urgent", ctx)
    assert kwargs["note"] == "first\npriority: urgent"
    assert "priority" not in kwargs


def test_bind_key_after_a_closed_quote_still_splits(ctx: Context) -> None:
    _, kwargs = run('/zzdemo task: a for: b note: say "hi" priority: high', ctx)
    assert (kwargs["note"], kwargs["priority"]) == ('say "hi"', "high")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("/zzdemo task: a for: b note: x priority: high priority: low", 1),
        ("/zzdemo task: a for: b note: x due: esok\ntarikh: lusa", 2),
        ("/zzdemo task: a for: b note: x\nmore due: esok\ndue: lusa", 3),
        ("/zzdemo task: a for: b due: esok\nnote: x tarikh: lusa", 2),
    ],
)
def test_bind_key_found_inline_given_twice(text: str, line: int, ctx: Context) -> None:
    err = bind_error(text, ctx)
    key = "priority" if "priority: low" in text else "due"
    assert (err.message, err.line) == (f"Line {line}: {key}: is given twice.", line)


def test_bind_inline_only_at_declared_keys_and_not_in_urls(ctx: Context) -> None:
    _, kwargs = run("/zzdemo task: see https://for: x at 10:30 also: y for: Siti", ctx)
    assert kwargs == {"task": "see https://for: x at 10:30 also: y", "assignee": "Siti"}


def test_bind_inline_duplicate_key(ctx: Context) -> None:
    err = bind_error("/zzdemo task: a task: b for: c", ctx)
    assert (err.message, err.line) == ("Line 1: task: is given twice.", 1)


# --- fuzzing ----------------------------------------------------------------------------------

KEYISH = st.sampled_from(
    ["task", "for", "untuk", "due", "tarikh", "fee", "priority", "note", "fr", "x", "TASK"]
)
PIECE = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda key, sep, value: f"{key}{sep}{value}",
        KEYISH,
        st.sampled_from([":", ": ", " : ", "://"]),
        st.text(max_size=20),
    ),
)
BODY = st.lists(PIECE, max_size=6).map("\n".join)
TAIL = st.one_of(st.text(), BODY, st.builds(lambda a, b: f"{a} {b}", PIECE, BODY))


@FUZZ
@given(
    head=st.sampled_from(["/zzdemo ", "/zzdemo\n", "/zzdemo run ", "/zzfam ", "/zzfam say "]),
    tail=TAIL,
)
def test_fuzz_bind_only_raises_syntax_errors(head: str, tail: str) -> None:
    ctx = Context(phone="60123456789", now=NOW)
    try:
        cmd, kwargs = run(head + tail, ctx)
    except CommandSyntaxError as exc:
        assert exc.message
        return
    assert cmd.name in ("zzdemo", "zzfam")
    assert set(kwargs) <= {a.name for a in cmd.args} | {k.param for k in cmd.keys}
