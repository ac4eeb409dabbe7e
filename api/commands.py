"""Run the WhatsApp commands for API callers: same permission, value types, effects and audit."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from peewee import fn
from rq import Retry

import commands  # noqa: F401  (registers every command)
from api.errors import ApiError
from api.principal import Principal
from jobs import outbox
from jobs.queues import enqueue
from models import AuditLog, write_transaction
from wocs import registry
from wocs.audit import audit
from wocs.context import CommandError, Context, Reply
from wocs.values import ValueProblem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a command did: the bot's reply, the audit entries it wrote, what it asked to send."""

    reply: str
    entities: list[str]
    audit_ids: list[int]
    keys: list[str]  # outbox rows to release once committed
    jobs: list[tuple[str, tuple[Any, ...]]]
    cause: str

    def entity_id(self, kind: str) -> int | None:
        """The id of the first `kind:N` entity the command changed."""
        for entity in self.entities:
            name, _, number = entity.partition(":")
            if name == kind and number.isdigit():
                return int(number)
        return None

    def release(self) -> None:
        """After the commit: send the notices and start the jobs the command asked for."""
        outbox.release(self.keys)
        for number, (func, args) in enumerate(self.jobs, start=1):
            retry = Retry(max=3, interval=[10, 60])
            enqueue(func, *args, job_id=f"api-{self.cause}-{number}", retry=retry)


def command(name: str) -> registry.Command:
    """A registered command by its full name ("task done")."""
    base, _, sub = name.partition(" ")
    return registry.REGISTRY[(base, sub or None)]


def permit(who: Principal, name: str) -> Context:
    """The caller's context if they may run the command, else 403 (refusals are audited)."""
    cmd = command(name)
    ctx = who.context()
    if not ctx.may(cmd.role):
        audit(ctx, "command.refused", cmd.full_name, after={"reason": f"needs {cmd.role}"})
        raise ApiError(403, f"Sorry, only {cmd.role}s can use /{cmd.full_name}.")
    return ctx


def run(
    who: Principal, name: str, values: dict[str, Any], fields: dict[str, str] | None = None
) -> Outcome:
    """Run command `name` in a transaction of its own, then send what it asked to send."""
    with write_transaction():
        outcome = apply(who, name, values, fields)
    outcome.release()
    return outcome


def apply(
    who: Principal, name: str, values: dict[str, Any], fields: dict[str, str] | None = None
) -> Outcome:
    """Run command `name` inside the caller's transaction; the caller releases the outcome.

    `values` are keyed by the command's parameters (`fields` renames them in errors).
    Each goes through the command's own value type, exactly as if typed after its key
    on WhatsApp; the command's refusals answer 409 with its text.
    """
    cmd = command(name)
    ctx = permit(who, name)
    kwargs, problems = {}, {}
    declared = [(a.name, a.type, a.required) for a in cmd.args]
    declared += [(k.param, k.type, k.required) for k in cmd.keys]
    for param, kind, required in declared:
        label = (fields or {}).get(param, param)
        value = values.get(param)
        if value is None or value == "":
            if required:
                problems[label] = "This field is required."
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        try:
            kwargs[param] = kind.convert(text, ctx)
        except ValueProblem as exc:
            problems[label] = str(exc)
    if problems:
        raise ApiError(400, "Some fields are missing or invalid.", problems)
    with write_transaction():
        # The first read fixes MySQL's snapshot: later rows of others stay invisible below.
        mark = AuditLog.select(fn.MAX(AuditLog.id)).scalar() or 0
        try:
            answer = cmd.func(ctx, **kwargs)
        except CommandError as exc:
            raise ApiError(409, str(exc), code="rejected") from None
        written = list(
            AuditLog.select(AuditLog.id, AuditLog.entity)
            .where(AuditLog.id > mark, AuditLog.actor == ctx.actor, AuditLog.source == "api")
            .order_by(AuditLog.id)
        )
        cause = uuid.uuid4().hex
        keys = []
        for number, notice in enumerate(ctx.notices, start=1):
            keys.append(f"api:{cause}:notice:{number}")
            outbox.add(notice.to, notice.text, keys[-1])
    text = answer.text if isinstance(answer, Reply) else answer
    entities, ids = [row.entity for row in written], [row.id for row in written]
    return Outcome(text, entities, ids, keys, list(ctx.jobs), cause)
