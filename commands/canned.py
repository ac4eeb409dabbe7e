"""Canned replies: ready answers admins keep under a key and the team sends with /reply N :key."""

from __future__ import annotations

import re

from models import CannedReply, utcnow
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.registry import Arg, Key, closest, command, family_alias
from wocs.replies import capped_list
from wocs.types import LONG_TEXT, ValueType
from wocs.values import ValueProblem

family_alias("canned", "sedia")
SHOWN = 80  # characters of each reply /canned list shows
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_USE = re.compile(r":\s*([A-Za-z0-9][\w-]{0,39})")


def _key(text: str, ctx: Context) -> str:
    word = text.strip().removeprefix(":").strip().lower()
    if not _KEY.fullmatch(word):
        raise ValueProblem(
            f"'{text.strip()[:40]}' can't be a key: use one word of letters, digits, - or _ "
            "(up to 40), e.g. harga."
        )
    return word


KEY = ValueType("key", _key)


def asked(text: str) -> str | None:
    """The key a reply written as `:harga` asks for, else None (it is the reply itself)."""
    found = _USE.fullmatch(text.strip())
    return found.group(1).lower() if found else None


def text_of(key: str) -> str:
    """The text kept under `key`; CommandError names the keys there are when it is unknown."""
    return _find(key).text


def _find(key: str) -> CannedReply:
    found = CannedReply.get_or_none(CannedReply.key == key)
    if found is not None:
        return found
    keys = [c.key for c in CannedReply.select(CannedReply.key).order_by(CannedReply.key)]
    guess = closest(key, keys)
    hint = f" Did you mean :{guess}?" if guess else ""
    listed = ", ".join(f":{k}" for k in keys[:20]) or "none yet (admins add them with /canned add)"
    raise CommandError(f"There is no canned reply :{key}.{hint} Canned replies: {listed}.")


@command(
    "canned add",
    role="admin",
    keys=(
        Key("key", KEY, required=True, aliases=("kunci",), hint="<word>"),
        Key("text", LONG_TEXT, required=True, aliases=("teks",), hint="<the reply>"),
    ),
    aliases=("canned tambah",),
)
def add(ctx: Context, key: str, text: str) -> Result:
    """Keep a ready answer under a key; the team sends it with /reply N :key."""
    found = CannedReply.get_or_none(CannedReply.key == key)
    before = {"text": found.text} if found else None
    if found is None:
        CannedReply.create(key=key, text=text, author=ctx.user)
    else:
        found.text, found.author, found.updated_at = text, ctx.user, utcnow()
        found.save()
    audit(ctx, "canned.add", f"canned:{key}", before, {"text": text})
    done = "replaced" if found else "kept"
    return Result(
        f"Canned reply :{key} {done}. Send it with /reply N :{key}.", entity=f"canned:{key}"
    )


@command("canned list", role="agent", aliases=("canned senarai",))
def list_canned(ctx: Context) -> Result:
    """The canned replies and their keys."""
    rows = list(CannedReply.select().order_by(CannedReply.key))
    if not rows:
        add_one = " Add one with /canned add key: harga text: …" if ctx.may("admin") else ""
        return Result(f"No canned replies yet.{add_one}")
    lines = [f":{c.key} — {_cut(c.text)}" for c in rows]
    return Result(capped_list("Canned replies", len(rows), lines) + "\nSend one with /reply N :key")


def _cut(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SHOWN else flat[: SHOWN - 1] + "…"


@command(
    "canned remove",
    role="admin",
    args=(Arg("key", KEY, hint="<key>"),),
    aliases=("canned buang",),
)
def remove(ctx: Context, key: str) -> Result:
    """Remove a canned reply."""
    found = _find(key)
    found.delete_instance()
    audit(ctx, "canned.remove", f"canned:{key}", {"text": found.text}, None)
    return Result(f"Canned reply :{key} removed.", entity=f"canned:{key}")
