"""Who is calling: the user behind a verified bearer token, and their role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request
from peewee import InterfaceError, OperationalError

from api import tokens
from api.errors import ApiError
from jobs import runtime
from models import ApiSession, AppUser, StaffMember
from wocs.context import Context
from wocs.settings import Settings

_MISSING = object()


@dataclass(frozen=True)
class Principal:
    """An app user; staff (the WhatsApp whitelist) are agents or admins, everyone else a user."""

    user_id: int
    phone: str
    name: str
    session_id: int
    staff: StaffMember | None

    @property
    def role(self) -> str:
        """user, agent or admin."""
        return self.staff.role if self.staff is not None else "user"

    def context(self) -> Context:
        """The command context of this caller: commands see an API caller like a WhatsApp sender."""
        settings = api_settings()
        return Context(
            phone=self.phone,
            user=self.staff,
            tz=settings.tz,
            source="api",
            business_number=settings.business_number,
            storage=runtime.current().storage,
            beacon=settings.beacon,
        )

    def may(self, role: str) -> bool:
        """True when the caller holds at least `role` (user < agent < admin), as dispatch decides."""
        return self.context().may("customer" if role == "user" else role)


def api_settings() -> Settings:
    """The settings the API app was built with."""
    return current_app.config["WOCS_SETTINGS"]


def peek() -> Principal | None:
    """The caller when a valid bearer token came with the request, else None (never raises)."""
    stalled = g.get("api_database_error")
    if stalled is not None:
        raise stalled  # the rate limiter swallowed it; a second try would wait as long again
    found = g.get("api_principal", _MISSING)
    if found is _MISSING:
        try:
            found = _authenticate()
        except ApiError as exc:
            g.api_auth_problem = exc
            found = None
        except (OperationalError, InterfaceError) as exc:
            g.api_database_error = exc
            raise
        g.api_principal = found
    return found


def current() -> Principal:
    """The caller, or 401."""
    who = peek()
    if who is None:
        raise g.get("api_auth_problem") or ApiError(401, "Log in first.")
    return who


def _authenticate() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Send Authorization: Bearer <access token>.")
    claims = tokens.decode(token.strip(), api_settings())
    row: Any = (
        ApiSession.select(ApiSession, AppUser)
        .join(AppUser)
        .where(
            ApiSession.id == claims["sid"],
            ApiSession.user == int(claims["sub"]),
            ApiSession.revoked_at.is_null(),
        )
        .first()
    )
    if row is None:
        raise ApiError(401, "This session has ended; log in again.")
    return of_user(row.user, row.id)


def of_user(user: AppUser, session_id: int) -> Principal:
    """The principal of a user in a session, with their place on the team if they have one."""
    staff = StaffMember.get_or_none(StaffMember.phone == user.phone, StaffMember.active == True)  # noqa: E712
    name = user.name or (staff.name if staff is not None else "")
    return Principal(user.id, user.phone, name, session_id, staff)
