"""Near-commands for the bad-input drill: what people mistype, and how WOCS answers each.

Each message starts from a real command of the registry with values of the right kind, then
goes through a few of the mistakes people make on a phone keyboard (typos in the name or a
key, a key of another command, a missing colon, the wrong kind of value, values far too
large, odd line endings) and the text a fuzzer would try (SQL and markup metacharacters,
emoji, right-to-left and invisible characters, digits of other scripts). The same seed gives
the same messages.
"""

from __future__ import annotations

import contextlib
import random
import string
import tempfile
import time
from collections.abc import Callable, Iterator

import commands  # noqa: F401  (registers every command)
import models
from app import seed_admins
from bench.drills.harness import ADMIN, SECRET
from jobs import runtime
from jobs.inbound import process_inbound
from webhooks.intake import store
from whatsapp.payload import parse_body, text_message_body
from wocs.grammar import looks_like_command
from wocs.registry import REGISTRY
from wocs.replies import TEXT_LIMIT
from wocs.settings import Settings, StorageSettings

AGENT, STRANGER = "60129998888", "60175550000"
SENDERS = [ADMIN] * 12 + [AGENT] * 5 + [STRANGER] * 3
COMMANDS = sorted(REGISTRY.values(), key=lambda c: c.full_name)
ALL_KEYS = sorted({k.name for c in COMMANDS for k in c.keys})

ODD = [
    "'; DROP TABLE hook; --",
    '" OR 1=1 --',
    "\\",
    "%_%",
    "🍜",
    "👩🏽‍🍳",
    "🇲🇾",
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "e\u0301",  # e and a combining accent
    "\ufeff",  # byte-order mark
    "\x00",
    "مرحبا",
    "你好",
    "İı",
    "<script>alert(1)</script>",
    "*bold* _it_ ~s~ ```code```",
    "{{7*7}} ${x} %s %n",
    "../../etc/passwd",
    "NULL",
    "\t",
]
NUMBERS = ["0", "-1", "1", "42", "1,200", "1.2k", "3m", "1e9", "1.5", "NaN", "inf", "0x10"]
NUMBERS += ["99999999999999999999", str(10**40), "١٢", "１２", " 7 ", "#3", "seven", ""]
DATES = ["2030-01-20", "tomorrow", "today", "next friday", "20 Jan", "20/1/2030", "1/20/2030"]
DATES += ["2030-02-30", "2030-13-01", "0000-00-00", "9999-12-31", "yesterday", "2030-01-20T25:61"]
DATES += ["٢٠٣٠-٠١-٢٠", "32 Dec", "Mon", "in 3 days", "1e9", ""]
TIMES = ["09:00", "9am", "25:00", "12:60", "noon", "-1:00", "9.30pm", ""]
# Not the drill's admin or agent: a generated /admin remove must not silence its own senders.
PHONES = ["012-555 1234", "+60 12-555 1234", "60125551234", "123", "+" + "9" * 30, "phone"]
PHONES += ["٠١٢٥٥٥١٢٣٤", "+60 (12) 555-1234 ext 1", "0"]
AMOUNTS = ["RM 50", "50", "-5", "1,000.50", "RM", "5e3", "٥٠", "RM 99999999999999"]
PERSONS = ["Siti", "siti", "SITI", "Sit", "Siti Aminah", "nobody", "012-555 1234", "@Siti"]
WORDS = ["open", "mine", "all", "week", "today", "upcoming", "raya", "RAYA26", "x", ""]
POOLS = {
    "number": NUMBERS,
    "date": DATES,
    "time": TIMES,
    "phone": PHONES,
    "amount": AMOUNTS,
    "person": PERSONS,
}


def _text(rng: random.Random) -> str:
    """Free text: words, odd characters, sometimes far too long."""
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(string.ascii_letters) * rng.choice([300, 1000, 5000])
    if roll < 0.1:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
    words = [rng.choice(ODD + WORDS + PERSONS) for _ in range(rng.randrange(1, 5))]
    return " ".join(words)


def value(rng: random.Random, kind: str) -> str:
    """A value for a key or word of this kind; one time in five, a value of another kind."""
    if rng.random() < 0.2:
        kind = rng.choice([*POOLS, "text"])
    if "|" in kind:
        return rng.choice([*kind.split("|"), "maybe", kind])
    pool = POOLS.get(kind)
    return rng.choice(pool) if pool else _text(rng)


def _typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: a swapped, dropped, doubled or wrong letter, or the wrong case."""
    if len(word) < 2:
        return word + rng.choice(string.ascii_lowercase)
    i = rng.randrange(len(word) - 1)
    slips = [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :],
        word[:i] + word[i + 1 :],
        word[:i] + word[i] + word[i:],
        word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :],
        word.upper(),
        word.title(),
    ]
    return rng.choice(slips)


def _mistake(rng: random.Random, lines: list[str]) -> list[str]:
    """Apply one mistake to the lines of a command message."""
    n = rng.randrange(len(lines))
    head, sep, rest = lines[n].partition(": ")
    mistakes: list[Callable[[], list[str]]] = [
        lambda: [_typo(rng, lines[0]), *lines[1:]],
        lambda: [*lines[:n], f"{_typo(rng, head)}{sep}{rest}", *lines[n + 1 :]],
        lambda: [*lines, f"{rng.choice(ALL_KEYS)}: {_text(rng)}"],
        lambda: [*lines[:n], f"{head} {rest}", *lines[n + 1 :]],  # the colon forgotten
        lambda: [*lines, lines[n]],  # a key given twice
        lambda: [*lines[:n], f"{head}{sep}", *lines[n + 1 :]],  # an empty value
        lambda: [" ".join(lines)],  # everything on one line
        lambda: [lines[0] + " " + _text(rng), *lines[1:]],  # words nobody asked for
        lambda: [f"  {line}\t " for line in lines],
        lambda: ["\r\n".join(lines)],
        lambda: ["", "", *lines, ""],
        lambda: [lines[0].replace("/", rng.choice(["／", "\\", "//", "/ ", ""]), 1), *lines[1:]],
        lambda: [*lines, rng.choice(ODD)],
    ]
    return rng.choice(mistakes)()


def near_command(rng: random.Random) -> str:
    """A command message as a hurried person might type it."""
    roll = rng.random()
    if roll < 0.05:
        return "/" + _text(rng)
    if roll < 0.08:
        return _text(rng)  # not a command at all
    cmd = rng.choice(COMMANDS)
    words = [value(rng, arg.type.name) for arg in cmd.args if arg.required or rng.random() < 0.6]
    lines = [" ".join([f"/{cmd.full_name}", *words]).rstrip()]
    for key in cmd.keys:
        if key.required or rng.random() < 0.5:
            # /admin remove takes a name too; only phones here, so the drill's senders stay.
            kind = "phone" if cmd.full_name == "admin remove" else key.type.name
            lines.append(f"{key.name}: {value(rng, kind)}")
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        lines = _mistake(rng, lines)
    return "\n".join(lines)


def messages(seed: int, count: int) -> Iterator[str]:
    """`count` near-commands from one seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield near_command(rng)


@contextlib.contextmanager
def wired(database_url: str, redis_url: str) -> Iterator[runtime.Runtime]:
    """Jobs and models here on a fresh database, with the admin and an agent, for the block."""
    with tempfile.TemporaryDirectory(prefix="wocs-drill-files-") as files:
        settings = Settings(
            database_url=database_url,
            redis_url=redis_url,
            admins=(ADMIN,),
            sender_limit=0,
            app_secret=SECRET,
            storage=StorageSettings(directory=files),  # QR codes of /campaign qr
        )
        wiring = runtime.build(settings)
        with wiring.active():
            yield wiring
        wiring.database.close()


def handle(count: int, seed: int) -> tuple[dict, list[str]]:
    """Store and handle `count` near-commands as the webhook and worker would, in this process.

    Returns the figures and a description of every message that failed a check. Needs a
    fresh database (`wired`): every inbound row in it is counted.
    """
    models.upgrade()
    seed_admins((ADMIN,))
    models.StaffMember.get_or_create(phone=AGENT, defaults={"name": "Siti", "role": "agent"})
    failures, escaped, started = [], 0, time.perf_counter()
    for n, text in enumerate(messages(seed, count)):
        body = text_message_body(SENDERS[n % len(SENDERS)], text, f"wamid.fuzz.{n}")
        for inbound_id in store(parse_body(body)).created:
            try:
                process_inbound(inbound_id)
            except Exception as exc:
                escaped += 1
                failures.append(f"escaped {type(exc).__name__}: {exc}\n{text!r}")
        if n % 5000 == 4999:
            runtime.current().redis.flushdb()  # no worker takes the sends; keep Redis small
    elapsed = time.perf_counter() - started
    rows = list(models.InboundMessage.select())
    failures += [f"crashed {row.error}\n{row.body!r}" for row in rows if row.state == "failed"]
    replies = {
        row.inbound_id: row.body
        for row in models.OutboundMessage.select().where(
            models.OutboundMessage.idempotency_key.startswith("reply:")
        )
    }
    unanswered = [row for row in rows if row.id not in replies]
    # A customer's plain text may rightly get silence (one menu a day); anything else may not.
    silent = [r for r in unanswered if r.sender == STRANGER and not looks_like_command(r.body)]
    unanswered = [row for row in unanswered if row not in silent]
    failures += [f"no reply to {row.sender}\n{row.body!r}" for row in unanswered]
    asked = {row.id: row.body for row in rows}
    bad_length = [n for n, text in replies.items() if not 0 < len(text) <= TEXT_LIMIT]
    failures += [f"reply of {len(replies[n])} characters\n{asked[n][:300]!r}" for n in bad_length]
    figures = {
        "messages_generated": count,
        "messages_handled_per_second": round(count / elapsed),
        "messages_stored": len(rows),
        "exceptions_escaped": escaped,
        "messages_crashed": sum(row.state == "failed" for row in rows),
        "messages_without_reply": len(unanswered),
        "customer_texts_left_silent": len(silent),
        "replies_empty_or_too_long": len(bad_length),
    }
    return figures, failures
