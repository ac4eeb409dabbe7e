"""Tests for wocs.grammar: exact tables of good and bad command messages, plus fuzzing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wocs.grammar import (
    CommandSyntaxError,
    Line,
    Pair,
    ParsedCommand,
    looks_like_command,
    parse,
    read_with_grammar,
)
from wocs.normalise import plain
from wocs.replies import TEXT_LIMIT

# database=None: do not write example files into the shared working tree.
FUZZ = settings(max_examples=300, deadline=None, database=None)

NOT_A_NAME = "'{}' is not a command name: use letters after the /, for example /help."
NO_SLASH = "A command starts with /, for example /help."


def cmd(name: str, words: tuple[str, ...] = (), *items: Pair | Line) -> ParsedCommand:
    """Shorthand for an expected ParsedCommand."""
    return ParsedCommand(name, words, tuple(items))


AGENT_EXAMPLE = cmd(
    "agent",
    (),
    Pair("task", "Setup booth", 1, ""),
    Pair("for", "Siti", 2, "for: Siti"),
    Pair("due", "2026-01-20", 3, "due: 2026-01-20"),
)

# --- good inputs ------------------------------------------------------------------------------

GOOD = [
    pytest.param("/help", cmd("help"), id="bare"),
    pytest.param("  /help  \n\n", cmd("help"), id="bare-with-surrounding-whitespace"),
    pytest.param("/task done 12", cmd("task", ("done", "12")), id="sub-and-positional"),
    pytest.param("/task\tdone\t12", cmd("task", ("done", "12")), id="tab-separated-words"),
    pytest.param(
        "/task done\xa012\x0bnote: ok",
        cmd("task", ("done", "12"), Pair("note", "ok", 1, "")),
        id="pasted-unicode-spaces-read-as-spaces",
    ),
    pytest.param(
        "/agent task: a\u2028for: Siti",
        cmd("agent", (), Pair("task", "a", 1, ""), Pair("for", "Siti", 2, "for: Siti")),
        id="unicode-line-separator-read-as-newline",
    ),
    pytest.param(
        "/task done\u200a12\u3000note:\u2009ok\u205fthen",
        cmd("task", ("done", "12"), Pair("note", "ok then", 1, "")),
        id="thin-hair-ideographic-spaces-read-as-spaces",
    ),
    pytest.param(
        "\ufeff/task\u200b done 12 note: o\u200ek",
        cmd("task", ("done", "12"), Pair("note", "o\u200ek", 1, "")),
        id="zero-width-marks-removed-from-the-command-kept-in-free-text",
    ),
    pytest.param(
        "/hook add text: \U0001f468\u200d\U0001f469\u200d\U0001f467 family",
        cmd(
            "hook",
            ("add",),
            Pair("text", "\U0001f468\u200d\U0001f469\u200d\U0001f467 family", 1, ""),
        ),
        id="zero-width-joiner-kept-in-emoji",
    ),
    pytest.param(
        "/hook add text: \u201cJom\u201d makan, it\u2019s \u2018sedap\u2019 \u201elah\u201f",
        cmd("hook", ("add",), Pair("text", '"Jom" makan, it\'s \'sedap\' "lah"', 1, "")),
        id="smart-quotes-made-straight",
    ),
    pytest.param(
        "/hook add text: 10\u201312 \u2014 dashes in free text stay",
        cmd("hook", ("add",), Pair("text", "10\u201312 \u2014 dashes in free text stay", 1, "")),
        id="dashes-in-free-text-kept",
    ),
    pytest.param("/ event list", cmd("event", ("list",)), id="space-after-slash"),
    pytest.param(" \xa0/\u00a0\tevent list", cmd("event", ("list",)), id="odd-spaces-after-slash"),
    pytest.param("/TaSk Done 12", cmd("task", ("Done", "12")), id="mixed-case-name"),
    pytest.param("/HELP", cmd("help"), id="upper-case-name"),
    pytest.param("/Hook_2-x", cmd("hook_2-x"), id="name-with-digit-underscore-hyphen"),
    pytest.param(
        "/agent task: Setup booth",
        cmd("agent", (), Pair("task", "Setup booth", 1, "")),
        id="first-pair-on-head-line",
    ),
    pytest.param(
        "/task done 12 note: finished early",
        cmd("task", ("done", "12"), Pair("note", "finished early", 1, "")),
        id="words-then-head-pair",
    ),
    pytest.param(
        "/agent task: Setup booth\nfor: Siti\ndue: 2026-01-20",
        AGENT_EXAMPLE,
        id="pairs-on-further-lines",
    ),
    pytest.param(
        "/agent task: Setup booth\r\nfor: Siti\r\ndue: 2026-01-20\r\n",
        AGENT_EXAMPLE,
        id="crlf-line-endings",
    ),
    pytest.param(
        "/agent task: Setup booth\rfor: Siti\rdue: 2026-01-20",
        AGENT_EXAMPLE,
        id="bare-cr-line-endings",
    ),
    pytest.param(
        "/agent\ntask: Setup booth",
        cmd("agent", (), Pair("task", "Setup booth", 2, "task: Setup booth")),
        id="first-pair-on-second-line",
    ),
    pytest.param(
        "/agent note: call at 10:30",
        cmd("agent", (), Pair("note", "call at 10:30", 1, "")),
        id="time-inside-value-head",
    ),
    pytest.param(
        "/agent task: x\nnote: call at 10:30",
        cmd(
            "agent",
            (),
            Pair("task", "x", 1, ""),
            Pair("note", "call at 10:30", 2, "note: call at 10:30"),
        ),
        id="time-inside-value-body",
    ),
    pytest.param(
        "/agent task: a for: b",
        cmd("agent", (), Pair("task", "a for: b", 1, "")),
        id="grammar-leaves-inline-keys-to-registry",
    ),
    pytest.param(
        "/campaign create form: https://forms.gle/abc?x=1&y=2",
        cmd("campaign", ("create",), Pair("form", "https://forms.gle/abc?x=1&y=2", 1, "")),
        id="url-value",
    ),
    pytest.param(
        "/landing https://example.com/p/raya",
        cmd("landing", ("https://example.com/p/raya",)),
        id="url-word-not-a-key",
    ),
    pytest.param(
        "/landing publish content: Hello\nhttps://example.com/x: y",
        cmd(
            "landing",
            ("publish",),
            Pair("content", "Hello", 1, ""),
            Line("https://example.com/x: y", 2),
        ),
        id="url-line-not-a-key",
    ),
    pytest.param(
        "/landing publish content: Hi\nhttp://example.com",
        cmd("landing", ("publish",), Pair("content", "Hi", 1, ""), Line("http://example.com", 2)),
        id="http-url-line",
    ),
    pytest.param("/event show 12:30", cmd("event", ("show", "12:30")), id="colon-in-word"),
    pytest.param(
        "/agent task: a\n\n\nfor: b",
        cmd(
            "agent",
            (),
            Pair("task", "a", 1, ""),
            Line("", 2),
            Line("", 3),
            Pair("for", "b", 4, "for: b"),
        ),
        id="blank-lines",
    ),
    pytest.param(
        "/landing publish slug: raya\ncontent: Line one\n  Line two  \n\nLine four",
        cmd(
            "landing",
            ("publish",),
            Pair("slug", "raya", 1, ""),
            Pair("content", "Line one", 2, "content: Line one"),
            Line("  Line two", 3),  # leading spaces kept (nested lists, code), trailing dropped
            Line("", 4),
            Line("Line four", 5),
        ),
        id="continuation-lines",
    ),
    pytest.param(
        "/agent tugas: Susun meja\nuntuk: Siti\ntarikh: esok\nkeutamaan: tinggi",
        cmd(
            "agent",
            (),
            Pair("tugas", "Susun meja", 1, ""),
            Pair("untuk", "Siti", 2, "untuk: Siti"),
            Pair("tarikh", "esok", 3, "tarikh: esok"),
            Pair("keutamaan", "tinggi", 4, "keutamaan: tinggi"),
        ),
        id="malay-keys",
    ),
    pytest.param(
        '/hook add text: 🍔 Jom makan! 😀 \'; DROP TABLE hooks;-- "x" %s {} \\n',
        cmd(
            "hook",
            ("add",),
            Pair("text", '🍔 Jom makan! 😀 \'; DROP TABLE hooks;-- "x" %s {} \\n', 1, ""),
        ),
        id="emoji-and-sql-verbatim",
    ),
    pytest.param(
        "/hook add text: a\n🎉 ' OR 1=1; -- `rm -rf`",
        cmd(
            "hook",
            ("add",),
            Pair("text", "a", 1, ""),
            Line("🎉 ' OR 1=1; -- `rm -rf`", 2),
        ),
        id="emoji-and-sql-continuation",
    ),
    pytest.param(
        "/agent\n  TASK  :  Setup  booth  ",
        cmd("agent", (), Pair("task", "Setup  booth", 2, "TASK  :  Setup  booth")),
        id="key-lowercased-value-stripped-inner-spaces-kept",
    ),
    pytest.param("/agent task:", cmd("agent", (), Pair("task", "", 1, "")), id="empty-value"),
    pytest.param(
        "/agent\nk :: v",
        cmd("agent", (), Pair("k", ": v", 2, "k :: v")),
        id="second-colon-is-value",
    ),
    pytest.param(
        "/agent task: a\n:not a key",
        cmd("agent", (), Pair("task", "a", 1, ""), Line(":not a key", 2)),
        id="colon-without-key",
    ),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_parse_good(text: str, expected: ParsedCommand) -> None:
    assert parse(text) == expected


# --- bad inputs -------------------------------------------------------------------------------

BAD = [
    pytest.param("/", NOT_A_NAME.format("/"), 1, 2, id="slash-only"),
    pytest.param("/ 1abc", NOT_A_NAME.format("/"), 1, 2, id="space-after-slash-then-digit"),
    pytest.param("/1abc", NOT_A_NAME.format("/1abc"), 1, 2, id="digit-first"),
    pytest.param("/é", NOT_A_NAME.format("/é"), 1, 2, id="non-ascii-letter"),
    pytest.param("/_task", NOT_A_NAME.format("/_task"), 1, 2, id="underscore-first"),
    pytest.param("help", NO_SLASH, 1, 1, id="no-slash"),
    pytest.param("hi /help", NO_SLASH, 1, 1, id="slash-later"),
    pytest.param("", NO_SLASH, 1, 1, id="empty"),
    pytest.param(" \n\t ", NO_SLASH, 1, 1, id="whitespace-only"),
    pytest.param(
        "/" + "a" * TEXT_LIMIT,
        f"That message is too long ({TEXT_LIMIT + 1} characters; one message holds at most "
        f"{TEXT_LIMIT}). Nothing was saved.",
        1,
        1,
        id="one-over-limit",
    ),
    pytest.param(
        "hello " * 1000,
        "That message is too long (5999 characters; one message holds at most 4096). "
        "Nothing was saved.",
        1,
        1,
        id="too-long-checked-before-slash",
    ),
]


@pytest.mark.parametrize(("text", "message", "line", "col"), BAD)
def test_parse_bad(text: str, message: str, line: int, col: int) -> None:
    with pytest.raises(CommandSyntaxError) as caught:
        parse(text)
    assert caught.value.message == message
    assert str(caught.value) == message
    assert (caught.value.line, caught.value.col) == (line, col)


def test_length_limit_is_inclusive_and_counted_after_strip() -> None:
    text = "/help " + "x" * (TEXT_LIMIT - 6)
    assert len(text) == TEXT_LIMIT
    assert parse("  \n" + text + "\n\n  ") == cmd("help", ("x" * (TEXT_LIMIT - 6),))


def test_length_limit_counts_crlf_as_one_character() -> None:
    body = "x" * (TEXT_LIMIT - 9)
    text = "/help\r\nn: " + body  # 4097 characters, 4096 once CRLF becomes LF
    assert len(text) == TEXT_LIMIT + 1
    assert parse(text) == cmd("help", (), Pair("n", body, 2, "n: " + body))


def test_tab_inside_value_is_kept_verbatim() -> None:
    assert parse("/hook add text: a\tb\nnote: c\td") == cmd(
        "hook",
        ("add",),
        Pair("text", "a\tb", 1, ""),
        Pair("note", "c\td", 2, "note: c\td"),
    )


def test_error_position_is_counted_in_the_original_text_when_tabs_precede() -> None:
    with pytest.raises(CommandSyntaxError) as caught:
        parse("/task\t\t\t\tdone\x1c12\nb\nc")
    # \\x1c (a separator Python counts as whitespace) is the 14th character of line 1.
    assert (caught.value.line, caught.value.col) == (1, 14)


# --- looks_like_command -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/help", True),
        ("/task done 12", True),
        ("  /help", True),
        ("\n/help", True),
        ("/1", True),  # sent to parse, which explains the bad name
        ("/é", True),
        ("//", True),
        ("/", False),
        ("/ help", True),  # a keyboard's space after the slash
        ("/\thelp", True),
        ("\u200b/help", True),  # a zero-width space pasted before it
        ("/ 12", False),
        ("/\nhelp", False),
        ("help", False),
        ("JOIN RAYA26", False),
        ("hi /help", False),
        ("", False),
        ("   ", False),
    ],
)
def test_looks_like_command(text: str, expected: bool) -> None:
    assert looks_like_command(text) is expected


# --- fuzzing ----------------------------------------------------------------------------------

COMMAND_LIKE = st.from_regex(
    r"\A[ \n]{0,2}/[A-Za-z][A-Za-z0-9_-]{0,12}([ \t][^\n]{0,30})?"
    r"(\r?\n[ \t]{0,2}[A-Za-z_]{0,8}[ \t]{0,2}:?(//)?[^\n]{0,30}){0,5}[ \n]{0,2}\Z"
)


def _parse_or_syntax_error(text: str) -> ParsedCommand | None:
    try:
        parsed = parse(text)
    except CommandSyntaxError as exc:
        assert exc.message
        assert exc.line >= 1
        assert exc.col >= 1
        return None
    assert isinstance(parsed, ParsedCommand)
    return parsed


@FUZZ
@given(st.text())
def test_fuzz_any_text_parses_or_raises_syntax_error(text: str) -> None:
    _parse_or_syntax_error(text)


@FUZZ
@given(COMMAND_LIKE)
def test_fuzz_command_like_text_parses_or_raises_syntax_error(text: str) -> None:
    parsed = _parse_or_syntax_error(text)
    if parsed is None:
        return
    assert parsed.name == parsed.name.lower()
    lines = [item.line for item in parsed.items]
    assert lines == sorted(set(lines))
    for item in parsed.items:
        if isinstance(item, Pair):
            assert item.key == item.key.lower()
            assert item.value == item.value.strip()
            assert (item.raw == "") == (item.line == 1)
        else:
            assert item.line >= 2
            assert item.text == item.text.rstrip()  # leading spaces are content


# The fast path reads what it can line by line; the grammar must give the same answer, and
# whatever the fast path leaves, the grammar reads (or explains) as before.
PIECES = [*"/aZ_-9: \t\n\x1c\u00a0\u2003é😀:/.", "://", "a:", "k: ", "Key:", "task: "]
TRICKY = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def _either(read, text: str) -> ParsedCommand | tuple[str, int, int]:
    try:
        return read(text)
    except CommandSyntaxError as exc:
        return (exc.message, exc.line, exc.col)


@settings(max_examples=3000, deadline=None, database=None)
@given(st.one_of(COMMAND_LIKE, TRICKY.map(lambda t: "/" + t), TRICKY, st.text()))
def test_the_fast_path_and_the_grammar_agree(text: str) -> None:
    plain_text = plain(text)
    if not plain_text.startswith("/") or len(plain_text) > TEXT_LIMIT:
        return
    assert _either(parse, text) == _either(read_with_grammar, plain_text)


@pytest.mark.parametrize(
    "text",
    [
        "/task list   \nfoo",
        "/task list\t\nfoo: bar",
        "/task list x: 1  \n  y: 2",
        "/a" + "b" * 45,
        "/task:",
        "/task :x",
        "/t a:b c",
        "/t http://x a: https://y",
        "/t a\x1cb",
        "/t a b:\n\n  c\n d: e",
        "/agent task: X for: Raj due: esok 9:30pm note: a: b",
    ],
)
def test_the_fast_path_and_the_grammar_agree_on_edges(text: str) -> None:
    assert _either(parse, text) == _either(read_with_grammar, plain(text))
