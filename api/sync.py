"""Offline sync: replay-safe operations merged field by field, and changes since a cursor."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any, Literal

from flask import current_app
from peewee import fn
from pydantic import BaseModel, Field, ValidationError

from api import actions, campaigns, events, hooks, principal, tasks
from api.common import Strict, blueprint
from api.errors import ApiError
from api.principal import Principal
from domain.tasks import visible_tasks
from jobs import effects
from models import (
    ApiSyncOp,
    AuditLog,
    Campaign,
    Event,
    Hook,
    WocsTask,
    utcnow,
    write_transaction,
)
from wocs import dispatch, registry
from wocs.context import Result

bp = blueprint("sync", "The app's offline queue: send operations, fetch what changed")
LAG = dt.timedelta(seconds=2)  # changes still committing may hold lower audit ids than newer ones
KINDS = {"event": Event, "task": WocsTask, "hook": Hook}


class Operation(Strict):
    id: str = Field(min_length=1, max_length=64, description="made by the app; unique per user")
    entity: Literal["event", "task", "hook"]
    entity_id: int | None = Field(None, ge=1, le=2**31 - 1, description="for update and delete")
    type: Literal["create", "update", "delete"] = Field(
        description="delete cancels a task or an event (hooks are not deleted)"
    )
    payload: dict[str, Any] = Field(default_factory=dict)
    client_ts: dt.datetime = Field(description="when the user made the change, ISO 8601")


class SyncIn(Strict):
    operations: list[Operation] = Field(max_length=100)


class OpResult(BaseModel):
    id: str
    status: Literal["applied", "duplicate", "conflict", "rejected"]
    entity_id: int | None = None
    reason: str | None = Field(None, description="why rejected, or which changes lost")
    message: str | None = Field(None, description="the bot's reply to the change")
    record: dict[str, Any] | None = Field(None, description="the record as the server has it")
    first: dict[str, Any] | None = Field(None, description="for a duplicate: the first result")


class SyncOut(BaseModel):
    results: list[OpResult]


class ChangesQuery(BaseModel):
    since: str | None = Field(None, max_length=20, description="next_since of the last call")


class Change(BaseModel):
    entity: Literal["event", "task", "hook", "campaign"]
    id: str = Field(description="the record's id (a campaign's code)")
    deleted: bool = Field(description="gone, or no longer visible to you")
    record: dict[str, Any] | None


class ChangesOut(BaseModel):
    changes: list[Change]
    next_since: str
    more: bool


class TaskUpdate(Strict):
    status: Literal["in_progress", "done", "cancelled"]
    note: str | None = Field(None, max_length=4000)


class EventUpdate(Strict):
    status: events.Status | None = None
    check: list[str] = Field(default_factory=list, description="items to tick, number or text")
    add_items: list[str] = Field(default_factory=list, max_length=25)
    notes: list[str] = Field(default_factory=list, max_length=20)


PAYLOADS: dict[tuple[str, str], type[BaseModel]] = {
    ("task", "create"): tasks.TaskIn,
    ("task", "update"): TaskUpdate,
    ("event", "create"): events.EventIn,
    ("event", "update"): EventUpdate,
    ("hook", "create"): hooks.HookIn,
    ("hook", "update"): hooks.FiguresIn,
}
DUMPS = {"event": events.dump, "task": tasks.dump, "hook": hooks.dump}
TASK_COMMANDS = {"in_progress": "task start", "done": "task done", "cancelled": "task cancel"}
CREATE = {"task": "agent", "event": "event create", "hook": "hook add"}
CANCEL = {"status": "cancelled"}


@bp.post("", responses={200: SyncOut}, summary="Send the offline queue")
def push(body: SyncIn) -> dict:
    """Apply each operation once; later changes on the server win field by field."""
    who = principal.current()
    return {"results": [_once(who, op) for op in body.operations]}


@bp.get("", responses={200: ChangesOut}, summary="What changed since a cursor")
def pull(query: ChangesQuery) -> dict:
    """Records changed since `since` (from any source), deletions included; up to 200 a call."""
    who = principal.current()
    since = _since(query.since)
    rows = list(
        AuditLog.select(AuditLog.id, AuditLog.entity)
        .where(AuditLog.id > since, AuditLog.at <= utcnow() - LAG)
        .order_by(AuditLog.id)
        .limit(201)
    )
    more, rows = len(rows) > 200, rows[:200]
    latest: dict[tuple[str, str], int] = {}
    for row in rows:
        kind, _, key = row.entity.partition(":")
        if kind in (*KINDS, "campaign") and key:
            latest[(kind, key)] = row.id
    changes = [
        _current(who, kind, key) for (kind, key), _ in sorted(latest.items(), key=lambda i: i[1])
    ]
    cursor = rows[-1].id if rows else since
    return {"changes": [c for c in changes if c], "next_since": str(cursor), "more": more}


def _since(text: str | None) -> int:
    if text is None:
        return 0
    if not (text.isascii() and text.isdigit() and int(text) < 2**63):  # "²".isdigit() too
        raise ApiError(400, "since is not a cursor from this API.", {"since": "Pass next_since."})
    return int(text)


def _current(who: Principal, kind: str, key: str) -> dict[str, Any] | None:
    """A changed record as this caller sees it now; None when they may not follow its kind."""
    gone = {"entity": kind, "id": key, "deleted": True, "record": None}
    if kind == "campaign":
        found = Campaign.get_or_none(Campaign.code == key)
        return {**gone, "deleted": False, "record": campaigns.dump(found)} if found else gone
    ctx = who.context()
    if not ctx.may(registry.named(f"{kind} list").role) or not key.isdigit():
        return None
    query = visible_tasks(ctx) if kind == "task" else KINDS[kind].select()
    found = query.where(KINDS[kind].id == int(key)).first()
    return {**gone, "deleted": False, "record": DUMPS[kind](found)} if found else gone


class _Applying:
    """One operation being applied: the commands it ran, their results and audit entries."""

    def __init__(self, who: Principal, op: Operation, payload: BaseModel | None) -> None:
        self.who, self.op, self.payload = who, op, payload
        self.ctx = who.context()
        self.at = _utc(op.client_ts)
        self.entity = f"{op.entity}:{op.entity_id}"
        self.lost: list[str] = []
        self.results: list[Result] = []
        self.audit_ids: list[int] = []
        self.keys: list[str] = []  # the notices staged, released once the operation commits

    def run(
        self, name: str, values: dict[str, Any], labels: dict[str, str] | None = None
    ) -> Result:
        """Run a command inside the operation's transaction, noting the audit entries it wrote."""
        # The first read fixes MySQL's snapshot: later rows of others stay invisible below.
        mark = AuditLog.select(fn.MAX(AuditLog.id)).scalar() or 0
        result = actions.apply(self.ctx, name, values, labels)
        self.results.append(result)
        self.keys += effects.stage(result, f"api-{uuid.uuid4().hex}")
        self.audit_ids += [
            row.id
            for row in AuditLog.select(AuditLog.id)
            .where(AuditLog.id > mark, AuditLog.actor == self.ctx.actor, AuditLog.source == "api")
            .order_by(AuditLog.id)
        ]
        return result

    def later(self, field: str, actions: tuple[str, ...]) -> bool:
        """True (and the field counted as lost) when the server changed it after the client did.

        A change another synced operation made counts at that operation's client time,
        so a queue of offline edits replays in the order the user made them.
        """
        newer = AuditLog.select(AuditLog.id).where(
            AuditLog.entity == self.entity, AuditLog.action.in_(actions), AuditLog.at > self.at
        )
        if any(not _synced_before(row.id, self.at) for row in newer):
            self.lost.append(field)
            return True
        return False


def _synced_before(audit_id: int, at: dt.datetime) -> bool:
    """True when a synced operation made at or before `at` wrote this audit entry."""
    candidates = ApiSyncOp.select(ApiSyncOp.audit_ids, ApiSyncOp.client_ts).where(
        ApiSyncOp.first_audit <= audit_id, ApiSyncOp.last_audit >= audit_id
    )
    return any(audit_id in op.audit_ids and op.client_ts <= at for op in candidates)


def _commands(op: Operation, payload: Any) -> list[str]:
    """The commands an operation runs, so that the caller's role is checked before anything."""
    if op.type == "create":
        return [CREATE[op.entity]]
    if op.entity == "task":
        return [TASK_COMMANDS[payload.status]]
    if op.entity == "hook":
        return ["hook stats"]
    wanted = [("event status", payload.status is not None), ("event check", payload.check)]
    wanted += [("event checklist", payload.add_items), ("event note", payload.notes)]
    return [name for name, asked in wanted if asked] or ["event show"]


def _prepared(who: Principal, op: Operation) -> tuple[Operation, BaseModel | None, str | None]:
    """The operation as it will run, its payload, or why it is refused before it is stored.

    Permission comes first: a caller who may not run the operation's commands learns only
    that, whatever the record or its id, and the operation is not kept.
    """
    ctx = who.context()
    kind_role = registry.named(f"{op.entity} list").role
    if not ctx.may(kind_role):
        return op, None, f"Sorry, only {kind_role}s can change {op.entity}s."
    if op.type == "delete" and op.entity == "hook":
        return op, None, "Hooks are not deleted: their use counts and figures stay with them."
    if op.type == "delete":
        # Deleting a task or an event in the app cancels it, as /task cancel and
        # /event status N cancelled do: its history stays and both sides agree on it.
        op = op.model_copy(update={"type": "update", "payload": CANCEL})
    if op.type == "update" and op.entity_id is None:
        return op, None, "An update or a delete needs entity_id."
    try:
        payload = PAYLOADS[(op.entity, op.type)].model_validate(op.payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return op, None, problems
    for name in _commands(op, payload):
        try:
            dispatch.permit(ctx, registry.named(name))
        except dispatch.Refusal as refusal:
            return op, None, refusal.reply
    return op, payload, None


def _once(who: Principal, op: Operation) -> dict[str, Any]:
    """Apply an operation unless this user sent its id before; then answer the first result."""
    sent, (op, payload, refused) = op, _prepared(who, op)
    if refused is not None:
        return {"id": op.id, "entity_id": op.entity_id, "status": "rejected", "reason": refused}
    mine = (ApiSyncOp.user == who.user_id) & (ApiSyncOp.op_id == op.id)
    claimed = (
        ApiSyncOp.insert(user=who.user_id, op_id=op.id, client_ts=_utc(op.client_ts))
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    if not claimed:
        first = ApiSyncOp.get(mine).result
        return {"id": op.id, "status": "duplicate", "first": first}
    applying = _Applying(who, op, payload)
    try:
        # Kept exactly as it is answered, so a replay answers the same JSON.
        result = json.loads(current_app.json.dumps(_apply(applying, sent.entity_id)))
    except Exception:
        ApiSyncOp.delete().where(mine).execute()
        raise
    ids = applying.audit_ids
    ApiSyncOp.update(
        result=result,
        audit_ids=ids,
        first_audit=min(ids, default=None),
        last_audit=max(ids, default=None),
    ).where(mine).execute()
    return result


def _apply(applying: _Applying, entity_id: int | None) -> dict[str, Any]:
    op, payload = applying.op, applying.payload
    result: dict[str, Any] = {"id": op.id, "entity_id": entity_id}
    try:
        with write_transaction():  # an operation applies whole or not at all
            if op.type == "create":
                number = _create(applying, payload)
            else:
                _update(applying, payload)
                number = op.entity_id
    except dispatch.Refusal as refusal:
        fields = "; ".join(f"{k}: {v}" for k, v in refusal.problems.items())
        return {
            **result,
            "status": "rejected",
            "reason": fields or actions.refusal_error(refusal).message,
        }
    effects.release(applying.keys, tuple(job for done in applying.results for job in done.jobs))
    record = _current(applying.who, op.entity, str(number))
    lost = applying.lost
    return {
        **result,
        "entity_id": number,
        "status": "conflict" if lost else "applied",
        "reason": "Changed later on the server, so its values stand: " + ", ".join(lost)
        if lost
        else None,
        "message": "\n".join(r.text for r in applying.results) or None,
        "record": record["record"] if record else None,
    }


def _create(applying: _Applying, payload: Any) -> int | None:
    kind = applying.op.entity
    if kind == "task":
        values = {"task": payload.title, "assignee": payload.assignee, "due": payload.due}
        values |= {"priority": payload.priority, "note": payload.note}
        done = applying.run("agent", values, {"task": "title"})
    else:
        done = applying.run(CREATE[kind], payload.model_dump())
    key = done.entity_key(kind)
    return int(key) if key else None


def _update(applying: _Applying, payload: Any) -> None:
    """Apply each changed field unless the server changed that field after the client did."""
    kind, n = applying.op.entity, applying.op.entity_id
    if kind == "task":
        if not applying.later("status", ("task.in_progress", "task.done", "task.cancelled")):
            values = {"n": n, "note": payload.note} if payload.status == "done" else {"n": n}
            applying.run(TASK_COMMANDS[payload.status], values)
        return
    if kind == "hook":
        if not applying.later("views, likes, shares", ("hook.stats",)):
            applying.run("hook stats", {"n": n, **payload.model_dump()})
        return
    if payload.status is not None and not applying.later("status", ("event.status",)):
        applying.run("event status", {"n": n, "status": payload.status})
    # Checklists merge item by item: ticks and new items from both sides all stand.
    for wanted in payload.check:
        applying.run("event check", {"n": n, "item": wanted})
    for text in payload.add_items:
        applying.run("event checklist", {"n": n, "add": text}, {"add": "text"})
    for text in payload.notes:
        applying.run("event note", {"n": n, "text": text})


def _utc(moment: dt.datetime) -> dt.datetime:
    """A client time as the naive UTC every stored time is."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
