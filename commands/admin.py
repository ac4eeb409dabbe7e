"""/admin: who is on the team, and as what."""

from __future__ import annotations

from commands.tasks import reassign
from domain.conversations import ACTIVE
from domain.tasks import OPEN_STATES
from models import Conversation, StaffMember, WocsTask
from wocs import confirmations, people
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.language import tr
from wocs.registry import Key, command, family_alias
from wocs.replies import plural
from wocs.types import PERSON, PHONE, TEXT, choice

family_alias("admin", "pasukan")

WHO = Key(
    "who",
    PERSON,
    required=True,
    aliases=("nama", "telefon", "nombor"),
    also=("phone", "name"),
    hint="<name or phone>",
    positional=True,
)
CLEAR = ("-", "none", "tiada")  # a nickname written as one of these is taken away


def _row(user: StaffMember) -> dict:
    return {
        "phone": user.phone,
        "name": user.name,
        "nickname": user.nickname,
        "role": user.role,
        "active": user.active,
    }


@command(
    "admin add",
    role="admin",
    keys=(
        Key("phone", PHONE, required=True, aliases=("telefon", "nombor"), hint="<phone>"),
        Key(
            "role",
            choice("admin", "agent"),
            required=True,
            aliases=("peranan",),
            hint="admin|agent",
        ),
        Key("name", TEXT, required=True, aliases=("nama",), hint="<name>"),
    ),
)
def add_member(ctx: Context, phone: str, role: str, name: str) -> Result:
    """Add a team member as admin or agent (or change their role or name)."""
    clash = StaffMember.get_or_none(
        (StaffMember.name == name) & (StaffMember.phone != phone) & StaffMember.active
    )
    if clash is not None:
        raise CommandError(
            f"{clash.name} ({people.shown_phone(clash.phone, ctx)}) already has that name; pick another."
        )
    user = StaffMember.get_or_none(StaffMember.phone == phone)
    before = _row(user) if user is not None else None
    if user is None:
        user = StaffMember.create(phone=phone, name=name[:120], role=role)
    else:
        user.name, user.role, user.active = name[:120], role, True
        user.save()
    audit(ctx, "member.add", f"wocs_user:{user.id}", before, _row(user))
    verb = "added" if before is None else "updated"
    # A new member's language is not known yet: the welcome comes in English and Malay.
    welcome = "Hi {name}, you're on the team as {role}. Send /help to see what you can do."
    ctx.notify(phone, tr(user.lang, welcome, name=user.name, role=role))
    return Result(f"{user.name} ({people.shown_phone(phone, ctx)}) {verb} as {role}.")


def _numbers(rows: list) -> str:
    """`#4, #7 and #9`."""
    shown = [f"#{row.id}" for row in rows]
    return " and ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)


def _open_work(who: StaffMember) -> tuple[list[WocsTask], list[Conversation]]:
    """The member's open tasks and their conversations not closed, oldest first."""
    tasks = WocsTask.select().where(WocsTask.assignee == who, WocsTask.status.in_(OPEN_STATES))
    talks = Conversation.select().where(
        Conversation.assignee == who, Conversation.state.in_(ACTIVE)
    )
    return list(tasks.order_by(WocsTask.id)), list(talks.order_by(Conversation.id))


def _leaving_question(
    ctx: Context, who: StaffMember, heir: StaffMember | None, work: tuple[list, list]
) -> str:
    tasks, talks = work
    held = [f"{plural(len(tasks), 'open task')} ({_numbers(tasks)})"] if tasks else []
    held += [f"{plural(len(talks), 'open conversation')} ({_numbers(talks)})"] if talks else []
    then = []
    if tasks:
        then.append(
            f"their tasks go to {people.label(heir)} (who is told)"
            if heir
            else "their tasks are left unassigned (add to: NAME to hand them to someone)"
        )
    if talks:
        then.append("their conversations wait unassigned in /inbox open")
    return (
        f"{people.label(who)} ({people.shown_phone(who.phone, ctx)}) has {' and '.join(held)}. "
        f"Take them off the team? Then {' and '.join(then)}."
    )


@command(
    "admin remove",
    role="admin",
    keys=(
        WHO,
        Key("to", PERSON, aliases=("kepada",), dest="heir", hint="<who takes their tasks>"),
    ),
)
def remove_member(ctx: Context, who: StaffMember, heir: StaffMember | None = None) -> Result:
    """Take someone off the team; their open tasks go to `to:` or to nobody (asked first)."""
    admins = StaffMember.select().where(StaffMember.role == "admin", StaffMember.active).count()
    if who.role == "admin" and admins <= 1:
        raise CommandError("That is the last admin; add another admin first.")
    if heir is not None and heir.id == who.id:
        raise CommandError(f"to: names {people.label(who)}, who is leaving; name someone else.")
    tasks, talks = work = _open_work(who)
    facts = {
        "member": who.id,
        "tasks": [t.id for t in tasks],
        "conversations": [c.id for c in talks],
        "to": heir.id if heir else None,
    }
    if (tasks or talks) and confirmations.unconfirmed(ctx, facts):
        question = _leaving_question(ctx, who, heir, work)
        fields = {"who": f"+{who.phone}", "heir": f"+{heir.phone}" if heir else ""}
        return confirmations.ask(ctx, "admin remove", fields, facts, question)
    before = _row(who)
    who.active = False
    who.save()
    audit(ctx, "member.remove", f"wocs_user:{who.id}", before, _row(who))
    for task in tasks:
        reassign(ctx, task, heir)
    for talk in talks:
        talk.assignee = None
        talk.save()
        audit(ctx, "conversation.unassign", f"conversation:{talk.id}", {"assignee": who.id}, None)
    lines = [f"{who.name} ({people.shown_phone(who.phone, ctx)}) is off the team."]
    if tasks and heir:
        lines.append(f"Tasks {_numbers(tasks)} now belong to {people.label(heir)}; I've told them.")
    elif tasks:
        lines.append(
            f"Tasks {_numbers(tasks)} have nobody now: give each to someone with "
            "/task assign N for: NAME."
        )
    if talks:
        lines.append(f"Conversations {_numbers(talks)} wait unassigned in /inbox open.")
    return Result("\n".join(lines), entity=f"wocs_user:{who.id}")


@command(
    "admin nickname",
    role="admin",
    keys=(
        WHO,
        Key(
            "as",
            TEXT,
            required=True,
            aliases=("panggilan",),
            also=("nickname",),
            dest="nickname",
            hint="<nickname>",
        ),
    ),
)
def set_nickname(ctx: Context, who: StaffMember, nickname: str) -> Result:
    """Give a team member a nickname they can be found by (`as: -` takes it away)."""
    wanted = "" if nickname.lower() in CLEAR else " ".join(nickname.split())[:60]
    others = StaffMember.select().where(StaffMember.active, StaffMember.id != who.id)
    # A nickname that is someone else's name or nickname would make `for:` ambiguous.
    taken = next(
        (
            m
            for m in others
            if wanted and people.fold(wanted) in map(people.fold, (m.name, m.nickname))
        ),
        None,
    )
    if taken is not None:
        raise CommandError(f"{people.label(taken)} is already called that; pick another.")
    before = _row(who)
    who.nickname = wanted
    who.save()
    audit(ctx, "member.nickname", f"wocs_user:{who.id}", before, _row(who))
    if not wanted:
        return Result(f"{who.name} has no nickname now.")
    return Result(f"{who.name} can now be called {wanted}, as in for: {wanted}.")


@command("admin list", role="admin")
def list_members(ctx: Context) -> Result:
    """List the team with their roles and phone numbers."""
    team = (
        StaffMember.select().where(StaffMember.active).order_by(StaffMember.role, StaffMember.name)
    )
    # Admins see their own team's numbers whole: two members must not differ only in stars.
    lines = [f"{people.label(u)} (+{u.phone}) — {u.role}" for u in team]
    return Result("Team:\n" + "\n".join(lines) if lines else "Nobody is on the team yet.")
