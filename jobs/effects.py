"""What a command asked for besides its reply: notices staged in the outbox, jobs started later."""

from __future__ import annotations

from typing import Any

from domain import conversations
from jobs import broadcasts, draws, forwards, media, outbox, reports, staging
from jobs.queues import submit
from models import ConversationMessage, InboundMessage, OutboundMessage
from wocs.context import Result

# The jobs a command may ask for (by dotted path, since commands sit below jobs).
REQUESTABLE = {
    f"{func.__module__}.{func.__name__}": func
    for func in (
        broadcasts.run_broadcast,
        draws.run_draw,
        draws.close_when_due,
        media.fetch_attachment,
        reports.remind_task,
        forwards.forward_burst,
    )
}


def stage(result: Result, cause: str, inbound: InboundMessage | None = None) -> list[str]:
    """Add the command's notices to the outbox (inside its transaction); return their keys."""
    keys = []
    for number, notice in enumerate(result.notices, start=1):
        # A copy of a customer's message is keyed by it: a quote-reply to it finds its conversation.
        keys.append(
            conversations.forward_key(notice.forwards, cause)
            if notice.forwards
            else f"notice:{cause}:{number}"
        )
        staging.add(notice.to, notice.text, keys[-1], template=notice.template, inbound=inbound)
        if notice.carries:
            sent = OutboundMessage.select(OutboundMessage.id).where(
                OutboundMessage.idempotency_key == keys[-1]
            )
            ConversationMessage.update(outbound=sent).where(
                ConversationMessage.id == notice.carries
            ).execute()
    return keys


def release(keys: list[str], jobs: tuple[tuple[str, tuple[Any, ...]], ...] = ()) -> None:
    """After the commit: send the staged messages and start the jobs, each with its own policy."""
    outbox.release(keys)
    for func, args in jobs:
        submit(REQUESTABLE[func], *args)
