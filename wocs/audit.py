"""The audit trail: who changed or was refused what, from where."""

from __future__ import annotations

from typing import Any

from models import AuditLog
from wocs.context import Context


def audit(
    ctx: Context, action: str, entity: str = "", before: Any = None, after: Any = None
) -> None:
    """Record a change or a refusal made on behalf of the sender."""
    AuditLog.create(
        actor=ctx.actor, action=action, entity=entity, before=before, after=after, source=ctx.source
    )


def audit_job(action: str, entity: str = "", before: Any = None, after: Any = None) -> None:
    """Record a change a background job made on its own (actor "system", source "job")."""
    AuditLog.create(
        actor="system", action=action, entity=entity, before=before, after=after, source="job"
    )
