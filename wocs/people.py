"""Finding the team member a person means: by any part of their name, a nickname or a phone."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from models import StaffMember
from wocs import values
from wocs.context import Context
from wocs.language import tr
from wocs.values import ValueProblem

SHOWN = 9  # people listed when a name could mean several


def fold(text: str) -> str:
    """Text as compared for names: no accents, no case, single spaces (`Zoë  LIM` → `zoe lim`)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _names(member: StaffMember) -> list[str]:
    return [fold(n) for n in (member.name, member.nickname) if n]


def _whole(wanted: str, name: str) -> bool:
    return wanted == name


def _words(wanted: str, name: str) -> bool:
    """Every word typed is a whole word of the name, in any order (`hafiz` in `muhammad hafiz`)."""
    return set(wanted.split()) <= set(name.split())


def _starts(wanted: str, name: str) -> bool:
    """Every word typed starts a word of the name (`haf abd`), or the name starts with it."""
    words = name.split()
    return name.startswith(wanted) or all(
        any(w.startswith(part) for w in words) for part in wanted.split()
    )


# Tried in order; the first that finds anyone decides, so `Siti` is exact before `Siti Aminah`.
_TESTS: tuple[Callable[[str, str], bool], ...] = (_whole, _words, _starts)


def matching(wanted: str, team: Iterable[StaffMember]) -> list[StaffMember]:
    """The members a typed name means, closest kind of match first; several when ambiguous."""
    key = fold(wanted.lstrip("@"))
    members = list(team)
    for test in _TESTS:
        found = [m for m in members if any(test(key, name) for name in _names(m))]
        if found:
            return found
    return []


def shown_phone(phone: str, ctx: Context) -> str:
    """A team member's phone as this sender may see it: whole to admins, masked to agents."""
    return f"+{phone}" if ctx.may("admin") else values.mask_phone(phone)


def label(member: StaffMember) -> str:
    """The name with its nickname, as lists show it (`Siti Aminah "Mina"`)."""
    return f'{member.name} "{member.nickname}"' if member.nickname else member.name


def find(text: str, ctx: Context) -> StaffMember:
    """The active staff member meant by a name, part of one, a nickname or a phone (`@` allowed)."""
    wanted = text.strip().removeprefix("@").strip()
    active = StaffMember.select().where(StaffMember.active == True)  # noqa: E712
    if any(ch.isdigit() for ch in wanted):
        phone = values.parse_phone(wanted)
        person = active.where(StaffMember.phone == phone).first()
        if person is None:
            raise ValueProblem(
                tr(
                    ctx.language,
                    "No team member has the number {phone}.",
                    phone=shown_phone(phone, ctx),
                )
            )
        return person
    matches = matching(wanted, active)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        names = ", ".join(sorted(m.name for m in active if m.name)) or tr(
            ctx.language, "nobody yet"
        )
        raise ValueProblem(
            tr(
                ctx.language,
                "No team member is called '{name}'. The team: {team}. "
                "Add someone with /admin add phone: … role: agent name: …",
                name=values.excerpt(wanted),
                team=names,
            )
        )
    matches.sort(key=lambda m: m.name)
    listed = "\n".join(
        f"{n}. {label(m)} — {shown_phone(m.phone, ctx)}" for n, m in enumerate(matches[:SHOWN], 1)
    )
    lang = ctx.language
    more = (
        "\n" + tr(lang, "…and {left} more.", left=len(matches) - SHOWN)
        if len(matches) > SHOWN
        else ""
    )
    example = shown_phone(matches[0].phone, ctx) if ctx.may("admin") else "012-345 6789"
    # Each number stands for a phone, so answering a prompt with "2" means that person.
    raise ValueProblem(
        tr(
            lang,
            "'{name}' could mean {count} people:\n{listed}{more}\n"
            "Write their phone number instead, like {example}, or more of the name.",
            name=values.excerpt(wanted),
            count=len(matches),
            listed=listed,
            more=more,
            example=example,
        ),
        choices=tuple(f"+{m.phone}" for m in matches[:SHOWN]),
    )
