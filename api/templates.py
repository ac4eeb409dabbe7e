"""WhatsApp templates: list them with Meta's verdict, send one as /send does, see how sends went."""

from __future__ import annotations

import datetime as dt
from typing import Any

from peewee import fn
from pydantic import BaseModel, Field

from api import actions
from api.common import Strict, blueprint, not_found
from models import Broadcast, OutboundMessage, WhatsAppTemplate

bp = blueprint("templates", "WhatsApp message templates and what was sent with them (admins)")


class TemplateOut(BaseModel):
    name: str
    language: str
    category: str
    status: str = Field(description="LOCAL, PENDING, APPROVED, REJECTED… as Meta decided")
    reason: str
    body: str
    variables: int = Field(description="how many values a send needs")
    updated_at: dt.datetime


class TemplateList(BaseModel):
    items: list[TemplateOut]


class NamePath(BaseModel):
    name: str = Field(pattern=r"^[a-z0-9_]{1,120}$")


class SendIn(Strict):
    to: str = Field(min_length=1, max_length=60, description="a phone, entrants:CODE, agents…")
    template: str = Field(min_length=1, max_length=120)
    vars: list[str] = Field(default_factory=list, max_length=10)
    at: str | None = Field(None, max_length=40, description="later: 2026-01-20 09:00, friday 9am")


class BroadcastOut(BaseModel):
    id: int
    audience: str
    template: str
    state: str
    total: int
    sent: int
    skipped: int
    failed: int
    send_at: dt.datetime | None


class SentOut(BaseModel):
    message: str = Field(description="the reply the bot would send")
    broadcast: BroadcastOut


class TemplateStatsOut(BaseModel):
    name: str
    broadcasts: int
    recipients: int
    sent: int
    skipped: int
    failed: int
    delivered: int
    read: int


def _broadcast(row: Broadcast) -> dict[str, Any]:
    fields = ("id", "audience", "template", "state", "total", "sent", "skipped", "failed")
    return {**{name: getattr(row, name) for name in fields}, "send_at": row.send_at}


SENDS = actions.Changes("broadcast", lambda key: _broadcast(Broadcast.get_by_id(int(key))))


@bp.get("", responses={200: TemplateList}, summary="List templates")
def list_templates() -> dict:
    """Every template with Meta's status (admins, as /send)."""
    actions.permit("send")
    rows = WhatsAppTemplate.select().order_by(WhatsAppTemplate.name, WhatsAppTemplate.language)
    fields = ("name", "language", "category", "status", "reason", "body", "variables")
    items = [{**{f: getattr(t, f) for f in fields}, "updated_at": t.updated_at} for t in rows]
    return {"items": items}


@bp.post("/send", responses={202: SentOut}, summary="Send a template")
def send_template(body: SendIn) -> tuple[dict, int]:
    """Queue an approved template to a phone or a segment, now or later (as /send)."""
    values = {"to": body.to, "template": body.template, "vars": "; ".join(body.vars), "at": body.at}
    return SENDS.run("send", values), 202


@bp.get("/<name>/stats", responses={200: TemplateStatsOut}, summary="How a template's sends went")
def template_stats(path: NamePath) -> dict:
    """Broadcasts of the template and their messages: sent, skipped, failed, delivered, read."""
    actions.permit("send")
    if not WhatsAppTemplate.select().where(WhatsAppTemplate.name == path.name).exists():
        raise not_found(f"template {path.name}")
    mine = Broadcast.template == path.name
    totals = Broadcast.select(
        fn.COUNT(Broadcast.id),
        fn.COALESCE(fn.SUM(Broadcast.total), 0),
        fn.COALESCE(fn.SUM(Broadcast.sent), 0),
        fn.COALESCE(fn.SUM(Broadcast.skipped), 0),
        fn.COALESCE(fn.SUM(Broadcast.failed), 0),
    ).where(mine)
    count, recipients, sent, skipped, failed = (int(n) for n in totals.tuples().get())
    ids = Broadcast.select(Broadcast.id).where(mine)
    messages = OutboundMessage.select().where(OutboundMessage.broadcast.in_(ids))
    return {
        "name": path.name,
        "broadcasts": count,
        "recipients": recipients,
        "sent": sent,
        "skipped": skipped,
        "failed": failed,
        "delivered": messages.where(OutboundMessage.delivered_at.is_null(False)).count(),
        "read": messages.where(OutboundMessage.read_at.is_null(False)).count(),
    }
