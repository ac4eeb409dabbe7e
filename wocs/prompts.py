"""Questions for what a command left out ("Who is it for?"), kept as rows until answered.

A prompt is a WocsConfirmation row in state `asking`: its command, the message as first typed
and the answers so far (params), the name being asked (facts). Nothing is kept in memory, so
the answer may reach another worker, after a restart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models import WocsConfirmation, utcnow
from wocs import binding, registry
from wocs.context import Context, Result
from wocs.grammar import looks_like_command
from wocs.language import tr
from wocs.normalise import plain
from wocs.values import ValueProblem

TIMEOUT = dt.timedelta(minutes=5)  # the answer comes now or not at all
ASKING = "asking"  # asking → answered | cancelled | replaced | expired
# The rest of a cut list, for MORE: a row whose params hold the command showing the next page.
PAGING, PAGING_TIMEOUT = "paging", dt.timedelta(hours=1)  # paging → paged | replaced | expired
_CANCEL = {"cancel", "batal", "/cancel", "/batal"}
_MORE = {"more", "lagi", "next", "seterusnya"}


@dataclass(frozen=True)
class Ready:
    """Every answer is in: run `text` (the message as first typed) with `answers`.

    `asked` names the value just answered ("" for MORE); `lang` is the language to answer
    in when the text does not say (MORE goes on in the language of the list it continues).
    """

    text: str
    answers: dict[str, str]
    asked: str = ""
    lang: str = ""


def ask(
    ctx: Context,
    cmd: registry.Command,
    text: str,
    answers: dict[str, str] | None,
    wanted: registry.Arg | registry.Key,
    problem: str = "",
    choices: tuple[str, ...] = (),
) -> Result:
    """Keep the partial command and ask for `wanted`; the question is the reply.

    `problem` is why it is asked again (the command refused the value), said first; with
    `choices` (what 1, 2, … stand for) a number answers it.
    """
    now = utcnow()
    _close_open(ctx, ASKING, now)  # one prompt a sender: the newest is the one answered
    question = _question(ctx, cmd, wanted)
    row = WocsConfirmation.create(
        phone=ctx.phone,
        command=cmd.full_name,
        params={"text": text, "answers": dict(answers or {})},
        facts={"asking": wanted.name, **({"choices": list(choices)} if choices else {})},
        question=question,
        state=ASKING,
        expires_at=now + TIMEOUT,
    )
    return Result(f"{problem}\n{question}" if problem else question, entity=f"prompt:{row.id}")


def receive(text: str, ctx: Context) -> Result | Ready | None:
    """Read a staff member's message against their open prompt.

    None when there is none or the message is another command (which replaces it); else the
    reply (the question again, a cancellation, an expiry) or Ready to run the command. With
    no prompt open, MORE is Ready to show the next page of the sender's last cut list.
    """
    said = plain(text).strip()
    if not said:
        return None  # a photo without a caption answers nothing
    word = said.lower().strip(" .!")
    row = _open(ctx, ASKING)
    if row is None:
        return _more(ctx) if word in _MORE else None
    if word in _CANCEL:
        _take(row, "cancelled")
        return Result(
            tr(
                ctx.language,
                "Cancelled: /{name} was not sent; nothing was done.",
                name=_name(row, ctx),
            )
        )
    if looks_like_command(said):
        _take(row, "replaced")
        return None
    if row.expires_at < utcnow():
        _take(row, "expired")
        minutes = int(TIMEOUT.total_seconds() // 60)
        return Result(
            tr(
                ctx.language,
                "I stopped waiting for your answer to /{name} after {minutes} minutes; "
                "nothing was done. Send the command again.",
                name=_name(row, ctx),
                minutes=minutes,
            )
        )
    cmd = registry.named(row.command)
    wanted = cmd.wanted(row.facts["asking"])
    said = _chosen(said, row.facts.get("choices") or [])
    try:
        binding.read_value(wanted.type, said, ctx)
    except ValueProblem as exc:
        if exc.choices:  # the answer is unclear too: its numbers stand for the new choices
            WocsConfirmation.update(facts={**row.facts, "choices": list(exc.choices)}).where(
                WocsConfirmation.id == row.id
            ).execute()
        return Result(f"{exc.said(ctx.language)}\n{row.question}")
    if not _take(row, "answered"):
        return None  # the same answer, delivered twice at once: the other one runs it
    params: dict[str, Any] = row.params
    return Ready(params["text"], {**params["answers"], wanted.name: said}, wanted.name)


def _chosen(said: str, choices: list[str]) -> str:
    """The choice a number answers (`2` → the second person listed), else the answer itself."""
    number = said.strip(" .#")
    if choices and number.isdigit() and 1 <= int(number) <= len(choices):
        return choices[int(number) - 1]
    return said


def keep_more(ctx: Context, cmd: registry.Command, text: str) -> None:
    """Remember `text`, the command showing the next page of the list just sent, for MORE.

    A list shown to its end ("") only forgets the earlier one: MORE continues the list last shown.
    """
    now = utcnow()
    _close_open(ctx, PAGING, now)
    if not text:
        return
    WocsConfirmation.create(
        phone=ctx.phone,
        command=cmd.full_name,
        params={"text": text, "lang": ctx.language},
        state=PAGING,
        expires_at=now + PAGING_TIMEOUT,
    )


def _more(ctx: Context) -> Ready | None:
    """The next page of the sender's last cut list, unless it is gone or too old."""
    row = _open(ctx, PAGING)
    if row is None:
        return None
    if row.expires_at < utcnow():
        _take(row, "expired", PAGING)
        return None
    if not _take(row, "paged", PAGING):
        return None
    return Ready(row.params["text"], {}, lang=row.params.get("lang", ""))


def _open(ctx: Context, state: str) -> WocsConfirmation | None:
    return (
        WocsConfirmation.select()
        .where(WocsConfirmation.phone == ctx.phone, WocsConfirmation.state == state)
        .order_by(WocsConfirmation.id.desc())
        .first()
    )


def _question(ctx: Context, cmd: registry.Command, wanted: registry.Arg | registry.Key) -> str:
    lang, name = ctx.language, cmd.shown_name(ctx.language)
    if wanted.expected:
        how = tr(
            lang,
            "Reply with {what}, or CANCEL to drop /{name}.",
            what=tr(lang, wanted.expected.strip("<>")),
            name=name,
        )
    else:
        how = tr(lang, "Reply, or CANCEL to drop /{name}.", name=name)
    return f"{cmd.question(wanted, lang)}\n{how}"


def _name(row: WocsConfirmation, ctx: Context) -> str:
    """The prompted command's name as the sender's language writes it."""
    return registry.named(row.command).shown_name(ctx.language)


def _take(row: WocsConfirmation, state: str, was: str = ASKING) -> bool:
    """Close the row if it is still open; False when another message closed it first."""
    return bool(
        WocsConfirmation.update(state=state, answered_at=utcnow())
        .where(WocsConfirmation.id == row.id, WocsConfirmation.state == was)
        .execute()
    )


def _close_open(ctx: Context, was: str, now: dt.datetime) -> None:
    """Mark the sender's open rows in state `was` replaced: a new one takes their place."""
    WocsConfirmation.update(state="replaced", answered_at=now).where(
        WocsConfirmation.phone == ctx.phone, WocsConfirmation.state == was
    ).execute()
