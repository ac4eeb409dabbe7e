"""/hook end to end: signed webhooks in, replies out through the Graph API, rows checked."""

from __future__ import annotations

import datetime as dt

import pytest

import commands.hooks  # noqa: F401  (registers the /hook family)
from models import AuditLog, Hook, StaffMember, utcnow
from tests.conftest import ADMIN

SITI = "60129998888"
STRANGER = "60175550000"
STATS_USAGE = "Usage: /hook stats <n> [views: <count>] [likes: <count>] [shares: <count>]"
COUNT_HINT = "Write a whole number like 1200, 1,200 or 1.2k."
START = dt.datetime(2026, 1, 1, 8, 0)


def hook(text: str, tags=(), views=0, likes=0, shares=0, minutes=0) -> Hook:
    """A stored hook, `minutes` after START, with its rate as /hook stats computes it."""
    return Hook.create(
        text=text,
        tags=list(tags),
        views=views,
        likes=likes,
        shares=shares,
        engagement_rate=(likes + shares) / views if views else 0.0,
        created_at=START + dt.timedelta(minutes=minutes),
    )


def test_add_keeps_every_line_and_normalises_tags(live):
    answer = live.ask(
        "/hook add text: Stop scrolling!\nIf you love rendang, watch this.\n\n"
        "Tag: your bestie\ntags: Raya, #promo, RAYA, Hari  Raya"
    )
    row = Hook.get()
    assert answer == (
        f"Hook #{row.id} saved (tags: raya, promo, hari raya). "
        f"Send /hook use {row.id} to copy it when you post."
    )
    assert row.text == "Stop scrolling!\nIf you love rendang, watch this.\n\nTag: your bestie"
    assert row.tags == ["raya", "promo", "hari raya"]
    assert (row.views, row.likes, row.shares, row.used_count, row.last_used) == (0, 0, 0, 0, None)
    entry = AuditLog.get(AuditLog.action == "hook.add")
    assert (entry.actor, entry.entity, entry.before) == (ADMIN, f"hook:{row.id}", None)
    assert entry.after == {"text": row.text, "tags": ["raya", "promo", "hari raya"]}

    assert live.ask("/hook add text: No tags at all") == (
        f"Hook #{row.id + 1} saved (no tags). Send /hook use {row.id + 1} to copy it when you post."
    )


def test_tags_on_the_text_line_are_tags_not_text(live):
    answer = live.ask("/hook add text: Stop scrolling! tags: food, pov")
    row = Hook.get()
    assert answer.startswith(f"Hook #{row.id} saved (tags: food, pov).")
    assert (row.text, row.tags) == ("Stop scrolling!", ["food", "pov"])
    live.ask('/hook add text: Write "tags: raya" in the caption')
    assert Hook.select().order_by(Hook.id.desc()).get().text == 'Write "tags: raya" in the caption'


def test_list_shows_newest_first_and_filters_by_exact_tag(live):
    assert live.ask("/hook list") == "No hooks yet. Add one with /hook add text: … tags: …"
    old = hook("Old but gold", ["raya"], views=1200, likes=85, shares=12)
    long = hook(
        "Line one\nthen a very long second line " + "x" * 60, ["raya26", "promo"], minutes=1
    )
    odd = hook("Wildcards", ["ra_a", "100%"], minutes=2)
    assert live.ask("/hook list") == (
        "Hooks (3), newest first:\n"
        f"#{odd.id} Wildcards · ra_a, 100% · no views yet\n"
        f"#{long.id} Line one then a very long second line xxxxxxxxxxxxxxxxxxxxx… "
        "· raya26, promo · no views yet\n"
        f"#{old.id} Old but gold · raya · 8.1% of 1,200 views"
    )
    # Exact tags only: raya is not raya26, and ra_a or ra% are not LIKE wildcards.
    assert live.ask("/hook list #RAYA") == (
        f"Hooks tagged raya (1), newest first:\n#{old.id} Old but gold · raya · 8.1% of 1,200 views"
    )
    assert live.ask("/hook list ra_a") == (
        f"Hooks tagged ra_a (1), newest first:\n#{odd.id} Wildcards · ra_a, 100% · no views yet"
    )
    assert live.ask("/hook list 100%") == (
        f"Hooks tagged 100% (1), newest first:\n#{odd.id} Wildcards · ra_a, 100% · no views yet"
    )
    assert live.ask("/hook list ra%") == (
        "No hooks are tagged ra%. Send /hook list to see them all."
    )


def test_list_stops_at_twenty(live):
    rows = [hook(f"Hook number {i}", ["bulk"], minutes=i) for i in range(22)]
    answer = live.ask("/hook list bulk")
    lines = answer.split("\n")
    assert lines[0] == "Hooks tagged bulk (22), newest first:"
    newest = rows[::-1][:20]
    assert lines[1:21] == [f"#{r.id} {r.text} · bulk · no views yet" for r in newest]
    assert lines[21:] == ["…and 2 more: send MORE (or /hook list bulk page 2)."]
    rest = live.ask("MORE").split("\n")
    assert rest[0] == "Hooks tagged bulk (22, page 2), newest first:"
    assert rest[1:] == [f"#{r.id} {r.text} · bulk · no views yet" for r in rows[1::-1]]
    assert live.ask("/hook list").split("\n")[-1] == (
        "…and 2 more: send MORE (or /hook list page 2)."
    )


def test_top_ranks_by_rate_then_views_then_newest(live):
    assert live.ask("/hook top") == (
        "No hook has views yet. Add figures with /hook stats <n> views: … likes: … shares: …"
    )
    a = hook("Ten percent, 100 views", views=100, likes=8, shares=2)
    b = hook("Ten percent, 200 views", views=200, likes=20, minutes=1)
    c = hook("Ten percent, 200 views, newer", views=200, likes=15, shares=5, minutes=2)
    d = hook("Twenty percent", views=50, likes=10, minutes=3)
    e = hook("Nobody liked it", views=100, minutes=4)
    hook("Not measured yet", minutes=5)
    hook("Not measured either", minutes=6)
    assert live.ask("/hook top") == (
        "Top 5 hooks by engagement:\n"
        f"1. #{d.id} 20.0% of 50 views · Twenty percent\n"
        f"2. #{c.id} 10.0% of 200 views · Ten percent, 200 views, newer\n"
        f"3. #{b.id} 10.0% of 200 views · Ten percent, 200 views\n"
        f"4. #{a.id} 10.0% of 100 views · Ten percent, 100 views\n"
        f"5. #{e.id} 0.0% of 100 views · Nobody liked it\n"
        "2 more have no views yet: add them with /hook stats <n> views: …"
    )
    assert live.ask("/hook top 2").split("\n")[:3] == [
        "Top 2 hooks by engagement:",
        f"1. #{d.id} 20.0% of 50 views · Twenty percent",
        f"2. #{c.id} 10.0% of 200 views · Ten percent, 200 views, newer",
    ]
    assert live.ask("/hook top 0") == (
        "<n> '0' is not a number; numbers start at 1. "
        "Write a whole number like 12 or #12.\nUsage: /hook top [<n>]"
    )


def test_top_shows_at_most_twenty(live):
    for i in range(22):
        hook(f"Hook {i}", views=100, likes=i, minutes=i)
    answer = live.ask("/hook top 50").split("\n")
    assert answer[0] == "Top 20 hooks by engagement:" and len(answer) == 21
    assert answer[1].endswith("21.0% of 100 views · Hook 21")


def test_use_counts_and_replies_the_text_alone(live):
    row = hook("Stop scrolling!\n\nThis rendang sells out by noon.", ["raya"])
    before = utcnow().replace(microsecond=0)
    assert live.ask(f"/hook use {row.id}") == "Stop scrolling!\n\nThis rendang sells out by noon."
    assert live.ask(f"/hook use #{row.id}") == row.text
    row = Hook.get_by_id(row.id)
    assert row.used_count == 2 and before <= row.last_used <= utcnow()
    uses = AuditLog.select().where(AuditLog.action == "hook.use").order_by(AuditLog.id)
    assert [(u.entity, u.before["used_count"], u.after["used_count"]) for u in uses] == [
        (f"hook:{row.id}", 0, 1),
        (f"hook:{row.id}", 1, 2),
    ]
    assert live.ask(f"/hook use {row.id + 1}") == (
        f"There is no hook #{row.id + 1}. Send /hook list to see them all."
    )


def test_stats_compute_the_rate_and_keep_what_is_not_given(live):
    row = hook("Stop scrolling!")
    n = row.id
    assert live.ask(f"/hook stats {n} views: 1,200 likes: 85 shares: 12") == (
        f"Hook #{n}: 1,200 views · 85 likes · 12 shares\nEngagement: 8.1%"
    )
    stored = Hook.get_by_id(n)
    assert (stored.views, stored.likes, stored.shares) == (1200, 85, 12)
    assert stored.engagement_rate == pytest.approx(97 / 1200, rel=1e-6)

    assert live.ask(f"/hook stats {n} views: 3k") == (
        f"Hook #{n}: 3,000 views · 85 likes · 12 shares\nEngagement: 3.2%"
    )
    assert live.ask(f"/hook stats {n}\nlikes: 1.5K") == (
        f"Hook #{n}: 3,000 views · 1,500 likes · 12 shares\nEngagement: 50.4%"
    )
    stored = Hook.get_by_id(n)
    assert (stored.views, stored.likes, stored.shares) == (3000, 1500, 12)
    assert stored.engagement_rate == pytest.approx(1512 / 3000, rel=1e-6)
    changes = AuditLog.select().where(AuditLog.action == "hook.stats").order_by(AuditLog.id)
    assert [(c.before["views"], c.after["views"], c.after["likes"]) for c in changes] == [
        (0, 1200, 85),
        (1200, 3000, 85),
        (3000, 3000, 1500),
    ]


def test_stats_rounding_and_unknown_views(live):
    n = hook("Half a percent").id
    assert live.ask(f"/hook stats {n} likes: 5") == (
        f"Hook #{n}: 0 views · 5 likes · 0 shares\nEngagement: 0.0% (no views yet)"
    )
    # 1/80 is 1.25%: rounded half up from the figures, the same on both stacks.
    assert live.ask(f"/hook stats {n} views: 400") == (
        f"Hook #{n}: 400 views · 5 likes · 0 shares\nEngagement: 1.3%"
    )


def test_stats_refuse_more_likes_and_shares_than_views(live):
    n = hook("Stop scrolling!", views=1000, likes=100, shares=10).id
    assert live.ask(f"/hook stats {n} likes: 995") == (
        f"Likes + shares (1,005) can't be more than views (1,000) for hook #{n}. "
        "Check the figures and send them again; nothing was changed."
    )
    assert live.ask(f"/hook stats {n} views: 0") == (
        f"Likes + shares (110) can't be more than views (0) for hook #{n}. "
        "Check the figures and send them again; nothing was changed."
    )
    stored = Hook.get_by_id(n)
    assert (stored.views, stored.likes, stored.shares) == (1000, 100, 10)
    assert not AuditLog.select().where(AuditLog.action == "hook.stats").exists()


@pytest.mark.parametrize(
    ("figures", "problem"),
    [
        ("views: lots", f"views: 'lots' is not a count. {COUNT_HINT}"),
        ("likes: 1.200", f"likes: '1.200' has a decimal point. {COUNT_HINT}"),
        ("shares: -3", f"shares: '-3' is negative; counts start at 0. {COUNT_HINT}"),
        ("views: 1.2345k", f"views: '1.2345k' is not a whole number. {COUNT_HINT}"),
        (
            "views: 3m\nlikes: 3000m",
            f"Line 2, likes: '3000m' is too large; the most is 2,147,483,647. {COUNT_HINT}",
        ),
    ],
)
def test_stats_explain_bad_numbers_with_the_usage(live, figures, problem):
    n = hook("Stop scrolling!").id
    assert live.ask(f"/hook stats {n} {figures}") == f"{problem}\n{STATS_USAGE}"
    assert Hook.get_by_id(n).views == 0


def test_stats_need_a_figure_and_a_known_hook(live):
    n = hook("Stop scrolling!").id
    assert live.ask(f"/hook stats {n}") == (
        f"Give at least one of views:, likes:, shares:, like /hook stats {n} views: 1,200 "
        f"likes: 85\n{STATS_USAGE}"
    )
    assert live.ask(f"/hook stats {n + 1} views: 10") == (
        f"There is no hook #{n + 1}. Send /hook list to see them all."
    )


def test_agents_may_use_hooks_and_strangers_may_not(live):
    StaffMember.create(phone=SITI, name="Siti", role="agent")
    n = hook("Stop scrolling!").id
    assert live.ask(f"/hook stats {n} views: 10 likes: 1", SITI) == (
        f"Hook #{n}: 10 views · 1 like · 0 shares\nEngagement: 10.0%"
    )
    assert AuditLog.get(AuditLog.action == "hook.stats").actor == SITI

    assert live.ask(f"/hook use {n}", STRANGER).startswith("Sorry, commands are only for our team.")
    assert Hook.get_by_id(n).used_count == 0
    refusal = AuditLog.get(AuditLog.action == "command.refused")
    assert refusal.actor == STRANGER and refusal.after["text"] == f"/hook use {n}"
