"""API actions: a WhatsApp command run from JSON fields, on the one path every channel takes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from api import principal
from api.errors import ApiError
from jobs import effects
from models import write_transaction
from wocs import dispatch, registry
from wocs.context import Context, NotFound, Result

T = TypeVar("T")

# How a refusal answers over HTTP; the text is the command's own.
STATUS = {
    dispatch.SYNTAX: 400,
    dispatch.INVALID: 400,
    dispatch.FORBIDDEN: 403,
    dispatch.NOT_FOUND: 404,
    dispatch.REJECTED: 409,
}


def refusal_error(refusal: dispatch.Refusal) -> ApiError:
    """The HTTP error for a command that did not run; a 404 names only what was asked for."""
    status = STATUS[refusal.kind]
    if status == 404:
        return ApiError(404, f"There is no {refusal.what} for you.")  # as `found` says it
    if refusal.kind == dispatch.INVALID:
        return ApiError(400, refusal.reply, refusal.problems)
    return ApiError(status, refusal.reply, code="rejected" if status == 409 else None)


def context() -> Context:
    """The caller's command context (401 when not logged in)."""
    return principal.current().context()


def permit(name: str) -> Context:
    """The caller's context if they may run command `name`, else 403 (the refusal is audited).

    For reads that show what the command would show; changes go through `run`.
    """
    ctx = context()
    try:
        dispatch.permit(ctx, registry.named(name))
    except dispatch.Refusal as refusal:
        dispatch.refused(ctx, refusal)
        raise refusal_error(refusal) from None
    return ctx


def found(look: Callable[[], T]) -> T:
    """What `look` finds; 404 when the record does not exist or is not the caller's to see."""
    try:
        return look()
    except NotFound as exc:
        raise ApiError(404, f"There is no {exc.what} for you.") from None


def apply(
    ctx: Context, name: str, values: dict[str, Any], labels: dict[str, str] | None = None
) -> Result:
    """Run command `name` inside the caller's transaction; the caller releases what it staged.

    A refusal raises dispatch.Refusal, for the caller to answer (a request: an HTTP error;
    a synced operation: `rejected`).
    """
    cmd = registry.named(name)
    return dispatch.execute(ctx, cmd, lambda: registry.bind_fields(cmd, values, ctx, labels))


def run(name: str, values: dict[str, Any], labels: dict[str, str] | None = None) -> Result:
    """Run command `name` for the caller in a transaction of its own, then send what it staged."""
    ctx = context()
    try:
        with write_transaction():
            result = apply(ctx, name, values, labels)
            keys = effects.stage(result, f"api-{uuid.uuid4().hex}")
    except dispatch.Refusal as refusal:
        dispatch.refused(ctx, refusal)  # after the rollback, so the audit entry stays
        raise refusal_error(refusal) from None
    effects.release(keys, result.jobs)
    return result


@dataclass(frozen=True)
class Changes:
    """The action endpoints of one kind of record: run a command, answer the record it changed."""

    kind: str  # the entity kind commands name: "task" in `task:12`
    show: Callable[[str], dict[str, Any]]  # the record as the API shows it, by its key

    def run(
        self, name: str, values: dict[str, Any], labels: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """`{"message": the bot's reply, <kind>: the record}` after running command `name`."""
        result = run(name, values, labels)
        key = result.entity_key(self.kind)
        if key is None:
            raise LookupError(f"/{name} did not name the {self.kind} it changed")
        return {"message": result.text, self.kind: self.show(key)}
