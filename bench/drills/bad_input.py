"""Drill: bad input, from the parser and dispatcher to the webhook.

1. `--messages` generated near-commands (bench/drills/fuzz.py, seeded) from an admin, an
   agent and a stranger, each stored as the webhook stores it and handled by
   `process_inbound` in this process, on a database of its own: no exception may escape,
   none may end as a crash ("failed"), and each must leave one reply of 1 to 4,096
   characters in the outbox.
2. Bodies the webhook must refuse, posted to gunicorn: truncated and corrupted JSON, bodies
   of the wrong shape, bodies over 3 MB (413), wrong content types (415), missing or wrong
   signatures (401, 403). No answer may be a 5xx, and no gunicorn worker may die.
3. SQL metacharacters, emoji and other odd text sent as `/hook add`: stored verbatim in the
   inbound row and in the hook, and answered exactly once.

Run: python bench/drills/bad_input.py [--messages 100000] [--seed 1]
Prints one figure per line; failing inputs go to /tmp/wocs-drill-bad-input-failures.txt;
exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
import tempfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.drills import fuzz, harness
from bench.drills.harness import SECRET, Command
from webhooks.routes import signature_for
from whatsapp.payload import text_message_body

STRANGER = fuzz.STRANGER
FUZZ_DATABASE = "wocs_fuzz"
FAILURES = Path(tempfile.gettempdir()) / "wocs-drill-bad-input-failures.txt"
LIMIT = 3 * 1024 * 1024
VERBATIM = [
    "'; DROP TABLE inbound_message; --",
    "Robert'); DELETE FROM hook WHERE ('1'='1",
    '" OR ""="',
    "\\'; \\\\ \\n \\0 %s %% _ ` ´",
    "100% _real_ \\_wildcards\\%",
    "🍜🍢🥤 👩🏽‍🍳 🇲🇾 🏳️‍🌈 𝕎𝕆ℂ𝕊 𠜎",
    "مرحبا بالعالم ‏עברית‎ ٣٤٥",
    "Ça coûte 5 € — naïve café, ß, İstanbul, e\u0301",
    "zero\u200bwidth\u200dand\ufeffbom",
    "nul\x00byte and \x07bell",
    "<script>alert('x')</script> <b>bold</b> &amp; &lt;",
    "{{7*7}} ${jndi:ldap://x/a} %n %s {0}",
    "line one\nline two\n\nline four",
    "x" * 4000,
]


Case = tuple[str, bytes, dict[str, str], set[int]]  # kind, body, headers, statuses allowed


def _case(kind: str, raw: bytes, allowed: set[int], ctype: str = "application/json", **headers):
    """One body to post, signed unless the headers say otherwise."""
    sent = {"Content-Type": ctype, "X-Hub-Signature-256": signature_for(SECRET, raw)} | headers
    return kind, raw, {k: v for k, v in sent.items() if v}, allowed


def _body(wamid: str, text: str = "hello", phone: str = STRANGER) -> bytes:
    return harness.signed_body(Command(wamid, text), phone)


def _shapes() -> list[dict]:
    """Bodies of the wrong shape, each built from a valid one."""
    shapes = []
    for path, bad in [
        (("entry",), {}),
        (("entry", 0, "changes"), "x"),
        (("entry", 0, "changes", 0, "value"), []),
        (("entry", 0, "changes", 0, "value", "messages"), {"id": "x"}),
        (("entry", 0, "changes", 0, "value", "messages", 0), None),
        (("entry", 0, "changes", 0, "value", "messages", 0, "id"), 12),
        (("entry", 0, "changes", 0, "value", "messages", 0, "id"), "w" * 500),
        (("entry", 0, "changes", 0, "value", "messages", 0, "from"), "not-a-phone"),
        (("entry", 0, "changes", 0, "value", "messages", 0, "timestamp"), "yesterday"),
        (("entry", 0, "changes", 0, "value", "messages", 0, "timestamp"), 10**30),
        (("entry", 0, "changes", 0, "value", "messages", 0, "type"), "hologram"),
        (("entry", 0, "changes", 0, "value", "messages", 0, "text"), {"body": ["a"]}),
        (("entry", 0, "changes", 0, "value", "messages", 0, "text"), None),
        (("entry", 0, "changes", 0, "value", "contacts"), [{"profile": "x"}]),
        (("entry", 0, "changes", 0, "value", "statuses"), [{"id": 1, "status": []}]),
        (("object",), "page"),
    ]:
        body = text_message_body(STRANGER, "hi", f"wamid.shape.{len(shapes)}")
        *parents, last = path
        node = body
        for step in parents:
            node = node[step]
        node[last] = bad
        shapes.append(body)
    return shapes


def refused_bodies(seed: int) -> list[Case]:
    """Every body the webhook must refuse, or take without harm."""
    rng = random.Random(seed)
    cases: list[Case] = []
    base = _body("wamid.trunc")
    for cut in sorted(rng.sample(range(len(base)), 200)):
        cases.append(_case("truncated", base[:cut], {400}))
    for n in range(200):
        raw = bytearray(_body(f"wamid.flip.{n}"))
        for _ in range(rng.randrange(1, 4)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        cases.append(_case("corrupted", bytes(raw), {200, 400}))
    for body in _shapes():
        cases.append(_case("wrong_shape", json.dumps(body).encode(), {200, 400}))
    for raw in [b"", b"null", b"[]", b'"x"', b"1e999", b"[" * 100_000 + b"]" * 100_000]:
        cases.append(_case("not_an_object", raw, {400}))
    padding = b'{"object":"whatsapp_business_account","entry":[],"pad":"%s"}'
    cases.append(_case("over_3_mb", padding % (b"x" * LIMIT), {413}))
    cases.append(_case("just_under_3_mb", padding % (b"x" * (LIMIT - 1000)), {200}))
    for n, (ctype, allowed) in enumerate(
        [
            ("text/plain", {415}),
            ("application/x-www-form-urlencoded", {415}),
            ("multipart/form-data; boundary=x", {415}),
            ("application/xml", {415}),
            ("", {415}),
            ("application/json; charset=utf-8", {200}),
            ("Application/JSON", {200}),
        ]
    ):
        cases.append(_case("content_type", _body(f"wamid.ctype.{n}"), allowed, ctype))
    raw = _body("wamid.unsigned")
    cases.append(_case("unsigned", raw, {401}, **{"X-Hub-Signature-256": ""}))
    for signature in [
        "sha256=" + "0" * 64,
        signature_for("another-secret", raw),
        signature_for(SECRET, raw + b" "),
        signature_for(SECRET, raw).upper(),
        signature_for(SECRET, raw).replace("sha256", "sha1"),
    ]:
        cases.append(_case("bad_signature", raw, {403}, **{"X-Hub-Signature-256": signature}))
    return cases


def post_refused(stack: harness.Stack, seed: int) -> tuple[dict, list[str]]:
    """Post every refused-body case; return figures and the cases answered unexpectedly."""
    cases = refused_bodies(seed)
    url = f"http://127.0.0.1:{stack.port}/webhooks/whatsapp"
    statuses = []
    # An HTTP client that reads while it sends, as Meta's does: gunicorn answers 413 before
    # reading an oversized body and resets the connection, so a send-then-read client sees
    # only the reset.
    with requests.Session() as session:
        for _, raw, headers, _ in cases:
            try:
                statuses.append(
                    session.post(url, data=raw, headers=headers, timeout=10).status_code
                )
            except requests.RequestException:
                statuses.append(0)
    unexpected = [
        f"{kind}: answered {status}, expected {sorted(allowed)}\n{raw[:300]!r}"
        for (kind, raw, _, allowed), status in zip(cases, statuses, strict=True)
        if status not in allowed
    ]
    alive = [pid for pid in stack.web_pids if Path(f"/proc/{pid}").exists()]
    figures = {
        "bodies_posted": len(cases),
        **{f"bodies_{k}": n for k, n in collections.Counter(c[0] for c in cases).items()},
        "answers_5xx_or_none": sum(s >= 500 or s == 0 for s in statuses),
        "answers_unexpected": len(unexpected),
        "web_workers_died": len(stack.web_pids) - len(alive),
    }
    return figures, unexpected


def run(
    stack: harness.Stack,
    messages: int,
    seed: int = 1,
    drain_timeout: float = 300.0,
    settle: float = 3.0,
) -> dict:
    """Run the three parts; return the figures (failing inputs go to FAILURES)."""
    verbatim = [
        Command(f"wamid.verbatim.{n}", f"/hook add text: {text}") for n, text in enumerate(VERBATIM)
    ]
    stack.mariadb.create_database(FUZZ_DATABASE)
    # Redis db 1: no worker listens there, so the replies stay in the outbox to be counted.
    with fuzz.wired(stack.mariadb.url(FUZZ_DATABASE), stack.cache.url(1)):
        dispatch, failures = fuzz.handle(messages, seed)
    refused, unexpected = post_refused(stack, seed)
    stack.post(harness.requests_for(verbatim), rate=20)
    stack.drain(verbatim, drain_timeout, settle)
    kept = dict(stack.rows("SELECT wamid, body FROM inbound_message"))
    hooks = {text for (text,) in stack.rows("SELECT text FROM hook")}
    changed = [
        c.text
        for c in verbatim
        if kept.get(c.wamid) != c.text or c.text.split("text: ", 1)[1] not in hooks
    ]
    figures = dispatch | refused | harness.verify(stack, verbatim)
    figures["verbatim_texts_changed"] = len(changed)
    FAILURES.write_text(
        "\n\n".join(failures + unexpected + [f"changed: {t!r}" for t in changed]) + "\n"
    )
    figures["failures_file"] = str(FAILURES)
    checks = [
        figures["exceptions_escaped"] == 0,
        figures["messages_crashed"] == 0,
        figures["messages_without_reply"] == 0,
        figures["replies_empty_or_too_long"] == 0,
        figures["messages_stored"] == messages,
        figures["answers_5xx_or_none"] == 0,
        figures["answers_unexpected"] == 0,
        figures["web_workers_died"] == 0,
        not changed,
    ]
    return harness.judged(figures, *checks)


def main() -> int:
    """Run the drill from the command line and print what it found."""
    options = argparse.ArgumentParser()
    options.add_argument("--messages", type=int, default=100_000)
    options.add_argument("--seed", type=int, default=1)
    args = options.parse_args()
    with harness.drill_stack("bad-input") as stack:
        figures = run(stack, args.messages, args.seed)
    return harness.report(figures)


if __name__ == "__main__":
    sys.exit(main())
