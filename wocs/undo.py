"""/undo for the cheap mistakes: a change keeps what it replaced, for 2 minutes, as a row.

A row is a WocsConfirmation in state `undoable` (→ undone | expired), so a restarted worker
undoes too: its command, the record, the values to put back (`restore`), the values that must
still hold (`guard`, else something changed since), who was told, and the change's audit entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from peewee import Model, fn

import models
from models import AuditLog, WocsConfirmation, utcnow
from wocs.audit import audit
from wocs.context import CommandError, Context

WINDOW = dt.timedelta(minutes=2)  # long enough to see a slip, short enough that nobody built on it
UNDOABLE, UNDONE, LAPSED = "undoable", "undone", "undo_late"  # undoable → undone | undo_late
NAMED_BACK = dt.timedelta(hours=1)  # how far back `/undo task 12` looks for that record's change
_TABLES = {model._meta.table_name: model for model in models.ALL_MODELS}


def offer(
    ctx: Context,
    command: str,
    record: Model,
    restore: dict[str, Any],
    guard: dict[str, Any],
    shown: tuple[str, str],
) -> None:
    """Let the sender take back the change `command` just made to `record` (call it last).

    `shown` is how the record is named (`task #12 (Setup booth)`) and how it reads once undone
    (`open again`); whoever the command told is told of the undo too.
    """
    params = {"table": record._meta.table_name, "id": record.get_id()}
    change = AuditLog.select(fn.MAX(AuditLog.id)).where(AuditLog.entity == _entity(params))
    WocsConfirmation.create(
        phone=ctx.phone,
        command=command,
        params={
            **params,
            "restore": restore,
            "guard": guard,
            "told": sorted({notice.to for notice in ctx.notices} - {ctx.phone}),
            "audit": change.scalar(),  # the change's own entry: a later one means it moved on
            "name": shown[0],
            "back": shown[1],
        },
        state=UNDOABLE,
        expires_at=utcnow() + WINDOW,
    )


def take_back(ctx: Context, entity: str | None = None) -> tuple[WocsConfirmation, list[str]]:
    """Undo the sender's last change (or, `entity` as `task:12`, that record's last one).

    Returns the row and who is to be told it was undone; CommandError says why not.
    """
    rows = (
        WocsConfirmation.select()
        .where(WocsConfirmation.state.in_((UNDOABLE, UNDONE, LAPSED)))
        .order_by(WocsConfirmation.id.desc())
    )
    if entity is None:
        row = rows.where(WocsConfirmation.phone == ctx.phone).first()
    else:
        recent = rows.where(WocsConfirmation.created_at >= utcnow() - NAMED_BACK)
        row = next((r for r in recent if _entity(r.params) == entity), None)
    if row is None:
        raise CommandError(_nothing(entity))
    params = row.params
    if row.phone != ctx.phone and not ctx.may("admin"):
        raise CommandError(
            f"The last change to {params['name']} was someone else's; only they or an admin "
            "can undo it."
        )
    if row.state == UNDONE:
        raise CommandError(f"/{row.command} on {params['name']} was already undone.")
    minutes = int(WINDOW.total_seconds() // 60)
    if row.state == LAPSED or row.expires_at < utcnow():
        _close(row, LAPSED)
        raise CommandError(
            f"Too late to undo /{row.command} on {params['name']}: /undo works for {minutes} "
            "minutes after a change. Change it back with its own command."
        )
    model = _TABLES[params["table"]]
    later = AuditLog.select().where(
        AuditLog.entity == _entity(params), AuditLog.id > (params["audit"] or 0)
    )
    guard = [getattr(model, field) == value for field, value in params["guard"].items()]
    if later.exists() or not _restored(model, params, guard):
        raise CommandError(
            f"{params['name'][:1].upper()}{params['name'][1:]} changed after /{row.command}, so I left it as it is. "
            "Change it back with its own command."
        )
    if not _close(row, UNDONE):
        raise CommandError(f"/{row.command} on {params['name']} was already undone.")
    audit(
        ctx,
        f"{params['table'].removeprefix('wocs_')}.undo",
        _entity(params),
        {"command": row.command, **params["guard"]},
        params["restore"],
    )
    # Whoever heard of the change hears it was taken back, and so does its maker when an admin
    # undid it; the sender has the reply.
    return row, sorted({*params["told"], row.phone} - {ctx.phone})


def entity(row: WocsConfirmation) -> str:
    """The record an undo row is about, as the audit log names it (`task:12`)."""
    return _entity(row.params)


def _entity(params: dict[str, Any]) -> str:
    # Tables named wocs_x are audited as x (wocs_task → task:12).
    return f"{params['table'].removeprefix('wocs_')}:{params['id']}"


def _restored(model: type[Model], params: dict[str, Any], guard: list[Any]) -> bool:
    """Put the old values back, only if the record still holds what the change left."""
    key = model._meta.primary_key
    moved = model.update(**params["restore"]).where(key == params["id"], *guard).execute()
    return bool(moved)


def _close(row: WocsConfirmation, state: str) -> bool:
    return bool(
        WocsConfirmation.update(state=state, answered_at=utcnow())
        .where(WocsConfirmation.id == row.id, WocsConfirmation.state == UNDOABLE)
        .execute()
    )


def _nothing(entity: str | None) -> str:
    if entity is None:
        return (
            "You have no change to undo. /undo takes back your last task or event status "
            "change, task cancel or reassignment, within 2 minutes."
        )
    return f"There is no recent change to {entity.replace(':', ' #')} to undo."
