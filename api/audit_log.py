"""The audit log, for admins: every change and refusal, from WhatsApp, the API and jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api import actions
from api.common import blueprint
from api.paging import Page, PageQuery, page
from models import AuditLog

bp = blueprint("audit", "Who changed or was refused what, from where (admins)")


class AuditOut(BaseModel):
    id: int
    actor: str = Field(description="the phone that acted, or 'system'")
    action: str
    entity: str
    before: Any
    after: Any
    source: str = Field(description="whatsapp, api or job")
    at: dt.datetime


class AuditPage(Page):
    items: list[AuditOut]


class AuditQuery(PageQuery):
    source: Literal["whatsapp", "api", "job"] | None = None
    action: str | None = Field(None, max_length=60)
    actor: str | None = Field(None, max_length=40)
    sort: Literal["id", "-id"] = "-id"


def dump(row: AuditLog) -> dict[str, Any]:
    """An audit entry as the API shows it."""
    return {
        "id": row.id,
        "actor": row.actor,
        "action": row.action,
        "entity": row.entity,
        "before": row.before,
        "after": row.after,
        "source": row.source,
        "at": row.at,
    }


@bp.get("", responses={200: AuditPage}, summary="Read the audit log")
def list_audit(query: AuditQuery) -> dict:
    """Newest first; filter by source, action or actor (as /audit; admins)."""
    actions.permit("audit")
    rows = AuditLog.select()
    if query.source:
        rows = rows.where(AuditLog.source == query.source)
    if query.action:
        rows = rows.where(AuditLog.action == query.action)
    if query.actor:
        rows = rows.where(AuditLog.actor == query.actor)
    return page(rows, AuditLog.id, query.sort.startswith("-"), query, dump, query.sort)
