"""Who is on the team in which role: the one query for "every active admin"."""

from __future__ import annotations

from peewee import ModelSelect

from models import StaffMember


def active_admins() -> ModelSelect[StaffMember]:
    """The admins still on the team (a query: callers may narrow it further)."""
    active = StaffMember.active == True  # noqa: E712  (peewee builds SQL from the comparison)
    return StaffMember.select().where(StaffMember.role == "admin", active)
