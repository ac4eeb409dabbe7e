"""Commands parsed per second on one core: our parser, its grammar alone, and a plain `re` parser.

`parse` reads what it can line by line and leaves the rest to the pyparsing grammar; the
grammar alone (what `parse` was before the fast path) is measured in the same run.

Run: python bench/parser.py [--seconds 3]
Prints one figure per line.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wocs.grammar import parse, read_with_grammar
from wocs.normalise import plain

MESSAGES = [
    "/agent task: Setup booth\nfor: Siti\ndue: 2026-01-20",
    "/task done 12 note: tables and banner up",
    "/task list",
    "/event create name: Bazaar Raya\ndate: 20/3\nlocation: Mid Valley\nfee: RM150",
    "/landing publish slug: raya\ntitle: Raya menu\ncontent: Kuih raya\nPrice: RM5\nmore text",
    "/help task",
]

HEAD = re.compile(r"/([A-Za-z][A-Za-z0-9_-]{0,39})((?:[ \t]+(?![A-Za-z_][\w-]*[ \t]*:(?!//))\S+)*)")
PAIR = re.compile(r"[ \t]*([A-Za-z_][A-Za-z0-9_-]{0,29})[ \t]*:(?!//)(.*)")


def parse_with_re(text: str) -> tuple[str, list[str], list[tuple]]:
    """The same language parsed with plain regular expressions (the reference)."""
    lines = text.strip().split("\n")
    head = HEAD.match(lines[0])
    if head is None:
        raise ValueError("not a command")
    items = []
    rest = lines[0][head.end() :]
    if rest.strip():
        pair = PAIR.match(rest)
        if pair is None:
            raise ValueError("bad head")
        items.append((pair[1].lower(), pair[2].strip(), 1))
    for number, line in enumerate(lines[1:], start=2):
        pair = PAIR.match(line)
        items.append(
            (pair[1].lower(), pair[2].strip(), number) if pair else (None, line.strip(), number)
        )
    return head[1].lower(), head[2].split(), items


def rate(func, seconds: float) -> float:
    """Messages per second over about `seconds`."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for message in MESSAGES:
            func(message)
        count += len(MESSAGES)
    return count / (time.perf_counter() - started)


def grammar_alone(text: str) -> object:
    """The message read by the pyparsing grammar only, after the same normalising."""
    return read_with_grammar(plain(text))


def main() -> None:
    """Run the parsers and print their rates."""
    options = argparse.ArgumentParser()
    options.add_argument("--seconds", type=float, default=3.0)
    seconds = options.parse_args().seconds
    ours, alone = rate(parse, seconds), rate(grammar_alone, seconds)
    reference = rate(parse_with_re, seconds)
    print(f"parser_per_second: {ours:,.0f}")
    print(f"pyparsing_grammar_alone_per_second: {alone:,.0f}")
    print(f"re_reference_per_second: {reference:,.0f}")
    print(f"parser_vs_re: {ours / reference:.3f}")
    print(f"grammar_alone_vs_re: {alone / reference:.3f}")


if __name__ == "__main__":
    main()
