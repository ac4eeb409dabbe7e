"""/hook: TikTok content hooks, tagged, copied when posted, and ranked by engagement."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal

from peewee import OP, SQL, Expression, NodeList, Value

from models import Hook, for_update, utcnow
from wocs.audit import audit
from wocs.context import CommandError, Context, NotFound, Result
from wocs.registry import PAGE, REGISTRY, Arg, Key, command
from wocs.replies import LIST_LIMIT, empty_list, page_start, paged
from wocs.types import INT, LONG_TEXT, ValueType
from wocs.values import MAX_INT, ValueProblem, excerpt, parse_list

TOP_DEFAULT, TOP_LIMIT = 5, 20
PREVIEW = 60
COUNT_HINT = "Write a whole number like 1200, 1,200 or 1.2k."
FIGURES = ("views", "likes", "shares")

_COUNT = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?[ \t]*([km])?")
_SCALE = {"k": 1_000, "m": 1_000_000}
# There is no `tag:` alias, since a hook line like "Tag: your bestie" must stay text.


def _tag(text: str) -> str:
    """One tag as stored: lowercase, no leading #, single spaces."""
    return " ".join(text.lower().lstrip("#").split())


def _tags(text: str, ctx: Context) -> list[str]:
    tags = list(dict.fromkeys(filter(None, map(_tag, parse_list(text)))))
    if not tags:
        raise ValueProblem(f"'{text.strip()[:40]}' has no tags. Write them like raya, promo.")
    return tags


def _one_tag(text: str, ctx: Context) -> str:
    tag = _tag(text)
    if not tag:
        raise ValueProblem("Write a tag like raya, or send /hook list for every hook.")
    return tag


def _count(text: str, ctx: Context) -> int:
    """A non-negative count as TikTok shows it: 1200, 1,200, 1.2k or 3m."""
    raw = text.strip()
    if not raw:
        raise ValueProblem(f"This value is empty. {COUNT_HINT}")
    shown = f"'{raw[:40]}'"
    if raw.startswith("-"):
        raise ValueProblem(f"{shown} is negative; counts start at 0. {COUNT_HINT}")
    m = _COUNT.fullmatch(raw.lower())
    if m is None:
        raise ValueProblem(f"{shown} is not a count. {COUNT_HINT}")
    whole, fraction, suffix = m.groups()
    if fraction and not suffix:
        # 1.200 may be a European thousand or one and a bit: never guess.
        raise ValueProblem(f"{shown} has a decimal point. {COUNT_HINT}")
    value = Decimal(f"{whole.replace(',', '')}.{fraction or 0}") * _SCALE.get(suffix, 1)
    if value != value.to_integral_value():
        raise ValueProblem(f"{shown} is not a whole number. {COUNT_HINT}")
    if value > MAX_INT:
        raise ValueProblem(f"{shown} is too large; the most is {MAX_INT:,}. {COUNT_HINT}")
    return int(value)


TAGS = ValueType("list", _tags)
TAG = ValueType("tag", _one_tag)
COUNT = ValueType("count", _count)


def _get(n: int) -> Hook:
    """Hook #n, locked until the command's transaction ends (uses and stats race otherwise)."""
    hook = for_update(Hook.select().where(Hook.id == n)).first()
    if hook is None:
        raise NotFound(f"There is no hook #{n}. Send /hook list to see them all.", f"hook #{n}")
    return hook


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1].rstrip() + "…"


def _rate(hook: Hook) -> str:
    """The rate as a percentage with one decimal, from the figures themselves.

    The stored rate is for ordering only: MySQL keeps it as a single-precision FLOAT, whose
    rounding would show 1/80 as 1.3% on one stack and 1.2% on the other.
    """
    if not hook.views:
        return "0.0%"
    percent = Decimal(100 * (hook.likes + hook.shares)) / hook.views
    return f"{percent.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _count_of(number: int, word: str) -> str:
    return f"{number:,} {word}" + ("" if number == 1 else "s")


def _engagement(hook: Hook) -> str:
    return f"{_rate(hook)} of {_count_of(hook.views, 'view')}" if hook.views else "no views yet"


def _line(hook: Hook) -> str:
    tags = f" · {', '.join(hook.tags)}" if hook.tags else ""
    return f"#{hook.id} {_preview(hook.text)}{tags} · {_engagement(hook)}"


def _figures(hook: Hook) -> dict:
    return {name: getattr(hook, name) for name in (*FIGURES, "engagement_rate")}


def tagged(tag: str) -> Expression:
    """Rows whose JSON tag list may hold `tag`: a LIKE on its JSON spelling, quotes included.

    The quotes stop `raya` matching `raya26`; LIKE wildcards in the tag are escaped. The
    pattern is passed unconverted, since the JSON field would otherwise quote it again, and
    the operator is ILIKE because peewee turns LIKE into SQLite's GLOB (ILIKE is LIKE on both).
    """
    spelled = json.dumps(tag, ensure_ascii=False)
    escaped = spelled.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = Value(f"%{escaped}%", converter=False)
    return Expression(
        Hook.tags, OP.ILIKE, NodeList((pattern, SQL("ESCAPE"), Value("\\", converter=False)))
    )


@command(
    "hook add",
    role="agent",
    keys=(
        Key("text", LONG_TEXT, required=True, aliases=("teks",), hint="<the hook, any lines>"),
        Key("tags", TAGS, hint="<tag, tag>"),
    ),
)
def add_hook(ctx: Context, text: str, tags: list[str] | None = None) -> Result:
    """Save a TikTok hook with its tags."""
    hook = Hook.create(text=text, tags=tags or [])
    audit(ctx, "hook.add", f"hook:{hook.id}", None, {"text": text, "tags": hook.tags})
    tagged = f"tags: {', '.join(hook.tags)}" if hook.tags else "no tags"
    return Result(
        f"Hook #{hook.id} saved ({tagged}). Send /hook use {hook.id} to copy it when you post.",
        entity=f"hook:{hook.id}",
    )


@command(
    "hook list",
    role="agent",
    args=(Arg("tag", TAG, required=False, greedy=True),),
    keys=(PAGE,),
)
def list_hooks(ctx: Context, tag: str | None = None, page: int = 1) -> Result:
    """List hooks, newest first, or only those with a tag; 20 a page."""
    query = Hook.select().order_by(Hook.created_at.desc(), Hook.id.desc())
    if tag is None:
        total = query.count()
        shown = list(query.offset(page_start(page, total)).limit(LIST_LIMIT))
    else:
        # The LIKE narrows the rows in the database; the exact check is Python's, because
        # MariaDB collations compare LIKE without case or accents (cafe would match café).
        found = [h for h in query.where(tagged(tag)) if tag in h.tags]
        total = len(found)
        start = page_start(page, total)
        shown = found[start : start + LIST_LIMIT]
    if not total:
        if tag is None:
            return empty_list("No hooks yet. Add one with /hook add text: … tags: …")
        return empty_list(f"No hooks are tagged {excerpt(tag)}. Send /hook list to see them all.")
    heading = f"Hooks tagged {tag}" if tag else "Hooks"
    more = f"/hook list {tag + ' ' if tag else ''}page {page + 1}"
    lines = [_line(h) for h in shown]
    return paged(heading, total, lines, page, more, after=", newest first", lang=ctx.language)


@command("hook top", role="agent", args=(Arg("n", INT, required=False),))
def top_hooks(ctx: Context, n: int = TOP_DEFAULT) -> Result:
    """Show the hooks with the best engagement (up to 20)."""
    n = min(n, TOP_LIMIT)
    measured = Hook.select().where(Hook.views > 0)
    best = list(
        measured.order_by(
            Hook.engagement_rate.desc(), Hook.views.desc(), Hook.created_at.desc(), Hook.id.desc()
        ).limit(n)
    )
    if not best:
        return Result(
            "No hook has views yet. Add figures with /hook stats <n> views: … likes: … shares: …"
        )
    unmeasured = Hook.select().where(Hook.views == 0).count()
    later = (
        f"\n{unmeasured} more {'has' if unmeasured == 1 else 'have'} no views yet: "
        "add them with /hook stats <n> views: …"
        if unmeasured
        else ""
    )
    lines = [
        f"{place}. #{h.id} {_engagement(h)} · {_preview(h.text)}"
        for place, h in enumerate(best, start=1)
    ]
    title = "hook" if len(best) == 1 else f"{len(best)} hooks"
    return Result(f"Top {title} by engagement:\n" + "\n".join(lines) + later)


@command("hook use", role="agent", args=(Arg("n", INT),))
def use_hook(ctx: Context, n: int) -> Result:
    """Count a use of a hook and get its text alone, to copy."""
    hook = _get(n)
    before = {"used_count": hook.used_count, "last_used": hook.last_used}
    hook.used_count += 1
    hook.last_used = utcnow()
    hook.save()
    audit(
        ctx,
        "hook.use",
        f"hook:{n}",
        before,
        {"used_count": hook.used_count, "last_used": hook.last_used},
    )
    return Result(hook.text, entity=f"hook:{n}")


@command(
    "hook stats",
    role="agent",
    args=(Arg("n", INT),),
    keys=tuple(Key(name, COUNT, hint="<count>") for name in FIGURES),
)
def hook_stats(
    ctx: Context,
    n: int,
    views: int | None = None,
    likes: int | None = None,
    shares: int | None = None,
) -> Result:
    """Record a hook's views, likes and shares; the engagement rate follows."""
    given = {"views": views, "likes": likes, "shares": shares}
    if all(value is None for value in given.values()):
        usage = REGISTRY[("hook", "stats")].usage
        raise CommandError(
            f"Give at least one of views:, likes:, shares:, like /hook stats {n} views: 1,200 "
            f"likes: 85\nUsage: {usage}"
        )
    hook = _get(n)
    before = _figures(hook)
    for name, value in given.items():
        if value is not None:
            setattr(hook, name, value)
    reactions = hook.likes + hook.shares
    # Views never recorded (0 and not given now) are unknown, not proof that nobody saw it.
    if (views is not None or hook.views) and reactions > hook.views:
        raise CommandError(
            f"Likes + shares ({reactions:,}) can't be more than views ({hook.views:,}) "
            f"for hook #{n}. Check the figures and send them again; nothing was changed."
        )
    hook.engagement_rate = reactions / hook.views if hook.views else 0.0
    hook.save()
    audit(ctx, "hook.stats", f"hook:{n}", before, _figures(hook))
    return Result(
        f"Hook #{n}: {_count_of(hook.views, 'view')} · {_count_of(hook.likes, 'like')} · "
        f"{_count_of(hook.shares, 'share')}\n"
        f"Engagement: {_rate(hook)}" + ("" if hook.views else " (no views yet)"),
        entity=f"hook:{n}",
    )
