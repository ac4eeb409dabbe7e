"""A broadcast's progress told to whoever asked for it: start, each quarter, done, once each."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from peewee import fn

from domain.broadcasts import describe
from jobs import staging
from models import Broadcast, OutboundMessage, utcnow, write_transaction
from wocs.audit import audit_job
from wocs.meta_errors import error_name
from wocs.replies import plural

STEPS = (25, 50, 75, 100)
SMALL = 20  # audiences below this get the start and the end, not every quarter


def report(broadcast_id: int) -> list[str]:
    """Stage the progress message for the highest step reached and not yet told (once each).

    The keys returned are for the caller to release after its commit.
    """
    broadcast = Broadcast.get_or_none(Broadcast.id == broadcast_id)
    if broadcast is None or broadcast.state != "sending":
        return []
    done = broadcast.sent + broadcast.failed + broadcast.skipped
    percent = done * 100 // broadcast.total if broadcast.total else 100
    step = max((s for s in STEPS if s <= percent), default=0)
    if step <= broadcast.reported or (broadcast.total < SMALL and step < 100):
        return []
    changes: dict = {"reported": step}
    if step == 100:
        changes.update(state="done", finished_at=utcnow())
    with write_transaction():
        moved = (
            Broadcast.update(**changes)
            .where(Broadcast.id == broadcast_id, Broadcast.reported < step)
            .execute()
        )
        if not moved:
            return []  # another worker told this step
        text = _done_text(broadcast) if step == 100 else _step_text(broadcast, step, done)
        keys = tell(broadcast, f"bc:{broadcast.id}:progress:{step}", text)
        if step == 100:
            audit_job(
                "broadcast.done",
                f"broadcast:{broadcast.id}",
                {"state": "sending"},
                {"sent": broadcast.sent, "skipped": broadcast.skipped, "failed": broadcast.failed},
            )
    return keys


def tell(broadcast: Broadcast, key: str, text: str) -> list[str]:
    """Queue a progress message to whoever asked for the broadcast (nobody: nothing)."""
    if not broadcast.requested_by:
        return []
    staging.add(broadcast.requested_by, text, key)
    return [key]


def _counts(broadcast: Broadcast) -> str:
    return f"{broadcast.sent:,} sent, {broadcast.skipped:,} skipped, {broadcast.failed:,} failed"


def start_text(broadcast: Broadcast) -> str:
    stopped = f"; {broadcast.skipped:,} opted out, skipped" if broadcast.skipped else ""
    return f"📣 Broadcast {describe(broadcast)} started: {plural(broadcast.total, 'recipient')}{stopped}."


def _step_text(broadcast: Broadcast, step: int, done: int) -> str:
    return (
        f"📣 Broadcast #{broadcast.id}: {step}% — {done:,} of {broadcast.total:,} "
        f"({_counts(broadcast)})."
    )


def _done_text(broadcast: Broadcast) -> str:
    """The closing message, with the failures by error code."""
    reasons = cast(
        "Iterable[tuple[int | None, int]]",  # .tuples() rows (peewee's stubs say models)
        OutboundMessage.select(OutboundMessage.error_code, fn.COUNT(OutboundMessage.id))
        .where(OutboundMessage.broadcast == broadcast.id, OutboundMessage.state == "failed")
        .group_by(OutboundMessage.error_code)
        .tuples(),
    )
    why = ", ".join(f"{count} × error {error_name(code)}" for code, count in reasons)
    return f"✅ Broadcast {describe(broadcast)} done: {_counts(broadcast)}." + (
        f"\nFailures: {why}." if why else ""
    )
