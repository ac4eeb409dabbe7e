"""/admin: who is on the team, and as what."""

from __future__ import annotations

from models import StaffMember
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.registry import Key, command
from wocs.types import PERSON, PHONE, TEXT, choice
from wocs.values import mask_phone


def _row(user: StaffMember) -> dict:
    return {"phone": user.phone, "name": user.name, "role": user.role, "active": user.active}


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
            f"{clash.name} ({mask_phone(clash.phone)}) already has that name; pick another."
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
    ctx.notify(
        phone, f"Hi {user.name}, you're on the team as {role}. Send /help to see what you can do."
    )
    return Result(f"{user.name} ({mask_phone(phone)}) {verb} as {role}.")


@command(
    "admin remove",
    role="admin",
    keys=(
        Key(
            "who",
            PERSON,
            required=True,
            aliases=("phone", "telefon", "nombor", "name", "nama"),
            hint="<name or phone>",
            positional=True,
        ),
    ),
)
def remove_member(ctx: Context, who: StaffMember) -> Result:
    """Take someone off the team; their tasks stay as they are."""
    admins = StaffMember.select().where(StaffMember.role == "admin", StaffMember.active).count()
    if who.role == "admin" and admins <= 1:
        raise CommandError("That is the last admin; add another admin first.")
    before = _row(who)
    who.active = False
    who.save()
    audit(ctx, "member.remove", f"wocs_user:{who.id}", before, _row(who))
    return Result(f"{who.name} ({mask_phone(who.phone)}) is off the team.")


@command("admin list", role="admin")
def list_members(ctx: Context) -> Result:
    """List the team with their roles."""
    team = (
        StaffMember.select().where(StaffMember.active).order_by(StaffMember.role, StaffMember.name)
    )
    lines = [f"{u.name} ({mask_phone(u.phone)}) — {u.role}" for u in team]
    return Result("Team:\n" + "\n".join(lines) if lines else "Nobody is on the team yet.")
