"""/landing: publish versioned Markdown pages at /p/<slug>, list them, roll one back."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from typing import cast

from peewee import IntegrityError, fn

from commands.campaigns import local_day
from models import WocsLandingVersion, db, for_update
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.registry import PAGE, Key, command, family_alias
from wocs.replies import LIST_LIMIT, empty_list, page_start, paged
from wocs.types import INT, LONG_TEXT, TEXT, ValueType
from wocs.values import ValueProblem

family_alias("landing", "laman")

SLUG_PATTERN = re.compile(r"[a-z0-9-]{2,60}")
TITLE_LIMIT = 200  # the column's size
PUBLISH_TRIES = 3

log = logging.getLogger(__name__)


def _slug(text: str, ctx: Context) -> str:
    slug = text.strip().lower()  # phones capitalise the first letter; the page is the same
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValueProblem(
            f"'{text.strip()[:40]}' is not a page name: use 2 to 60 lowercase letters, "
            "digits and hyphens, like raya-promo."
        )
    return slug


SLUG = ValueType("page name", _slug)
SLUG_KEY = Key("slug", SLUG, required=True, hint="<page-name>")


def _versions(slug: str) -> list[WocsLandingVersion]:
    """Every version of a page (not its content), oldest first, locked until the commit."""
    v = WocsLandingVersion
    query = v.select(v.id, v.version, v.title, v.published).where(v.slug == slug)
    return list(for_update(query.order_by(v.version)))


def _next_version(slug: str, locked: bool) -> int:
    query = (
        WocsLandingVersion.select(WocsLandingVersion.version)
        .where(WocsLandingVersion.slug == slug)
        .order_by(WocsLandingVersion.version.desc())
        .limit(1)
    )
    last = (for_update(query) if locked else query).first()
    return last.version + 1 if last else 1


def _insert_next(slug: str, title: str, content: str) -> WocsLandingVersion:
    """Add the page's next version; the unique (slug, version) key settles a race.

    The first try reads without a lock: on MySQL a locking read of a slug with no rows
    yet takes a gap lock, and two first publishes would then deadlock on their inserts.
    The loser of the race hits the unique key instead, and tries again under a row lock,
    because only a locking read sees the winner's commit (a plain one sees its snapshot).
    """
    for attempt in range(PUBLISH_TRIES):
        version = _next_version(slug, locked=attempt > 0)
        try:
            with db.atomic():  # a savepoint: losing the race undoes this insert only
                return WocsLandingVersion.create(
                    slug=slug, title=title, content=content, published=True, version=version
                )
        except IntegrityError:
            log.info("another publish of /p/%s took version %s; trying again", slug, version)
    raise CommandError(
        f"Someone else is publishing /p/{slug} at the same moment. Send your page again."
    )


def _numbers(rows: list[WocsLandingVersion]) -> str:
    numbers = [str(r.version) for r in rows]
    if len(numbers) > 10:
        return f"versions {numbers[0]} to {numbers[-1]}"
    return "version " + numbers[0] if len(numbers) == 1 else "versions " + ", ".join(numbers)


@command(
    "landing publish",
    role="admin",
    keys=(
        SLUG_KEY,
        Key("title", TEXT, required=True, aliases=("tajuk",), hint="<title>"),
        Key("content", LONG_TEXT, required=True, aliases=("kandungan",), hint="<Markdown>"),
    ),
)
def publish(ctx: Context, slug: str, title: str, content: str) -> Result:
    """Publish a new version of a landing page at /p/<slug> (content in Markdown, many lines)."""
    if len(title) > TITLE_LIMIT:
        raise CommandError(f"title: is {len(title)} characters; keep it to {TITLE_LIMIT}.")
    page = _insert_next(slug, title, content)
    # A locking read: it sees a publish committed since this transaction began, a plain one not.
    live = list(
        for_update(
            WocsLandingVersion.select(WocsLandingVersion.id, WocsLandingVersion.version).where(
                (WocsLandingVersion.slug == slug)
                & WocsLandingVersion.published
                & (WocsLandingVersion.id != page.id)
            )
        )
    )
    before = [r.version for r in live]
    WocsLandingVersion.update(published=False).where(
        WocsLandingVersion.id.in_([r.id for r in live])
    ).execute()
    audit(
        ctx,
        "landing.publish",
        f"landing:{slug}",
        {"live": before[0]} if before else None,
        {"live": page.version, "title": title},
    )
    reply = f"Published /p/{slug} version {page.version}: {title}"
    if before:
        reply += (
            f"\nVersion {before[0]} is no longer live. To bring it back: "
            f"/landing rollback slug: {slug} version: {before[0]}"
        )
    return Result(reply)


@command("landing list", role="agent", keys=(PAGE,))
def list_pages(ctx: Context, page: int = 1) -> Result:
    """List landing pages with their live version, title and date; 20 a page."""
    live = WocsLandingVersion.select().where(WocsLandingVersion.published)
    total = live.count()
    if not total:
        return empty_list("No landing pages yet. Publish one with /landing publish.")
    shown = list(
        live.order_by(WocsLandingVersion.slug).offset(page_start(page, total)).limit(LIST_LIMIT)
    )
    counts = dict(
        cast(
            "Iterable[tuple[str, int]]",  # .tuples() rows (peewee's stubs say models)
            WocsLandingVersion.select(WocsLandingVersion.slug, fn.COUNT(WocsLandingVersion.id))
            .where(WocsLandingVersion.slug.in_([p.slug for p in shown]))
            .group_by(WocsLandingVersion.slug)
            .tuples(),
        )
    )
    lines = [
        f"/p/{p.slug}: {p.title} — version {p.version} of {counts[p.slug]}, "
        f"{local_day(p.created_at, ctx)}"
        for p in shown
    ]
    more = f"/landing list page {page + 1}"
    return paged("Landing pages", total, lines, page, more, lang=ctx.language)


@command(
    "landing rollback",
    role="admin",
    keys=(
        dataclasses.replace(SLUG_KEY, positional=True),
        Key("version", INT, required=True, aliases=("versi",), hint="<n>", positional=True),
    ),
)
def rollback(ctx: Context, slug: str, version: int) -> Result:
    """Make an earlier version of a landing page the live one again."""
    rows = _versions(slug)
    if not rows:
        raise CommandError(f"There is no page /p/{slug}. Send /landing list to see them.")
    target = next((r for r in rows if r.version == version), None)
    live = next((r for r in rows if r.published), None)
    live_text = f"; version {live.version} is live" if live else ""
    if target is None:
        raise CommandError(
            f"/p/{slug} has no version {version}. It has {_numbers(rows)}{live_text}."
        )
    if target is live:
        return Result(f"Version {version} of /p/{slug} is already live.")
    WocsLandingVersion.update(published=WocsLandingVersion.id == target.id).where(
        WocsLandingVersion.slug == slug
    ).execute()
    audit(
        ctx,
        "landing.rollback",
        f"landing:{slug}",
        {"live": live.version} if live else None,
        {"live": target.version},
    )
    was = f" (was version {live.version})" if live else ""
    return Result(f"/p/{slug} now shows version {version}: {target.title}{was}.")
