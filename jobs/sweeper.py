"""The sweeper: re-enqueue work whose row says it is unfinished (Redis lost it, a worker died)."""

from __future__ import annotations

import datetime as dt
import logging

from domain.campaigns import PENDING
from jobs import backups, broadcasts, desk, draws, media, outbox, reports
from jobs.inbound import enqueue_inbound
from jobs.queues import submit
from jobs.runtime import current
from models import Broadcast, Campaign, Draw, InboundMessage, OutboundMessage, utcnow
from ops.counters import add_requeued

log = logging.getLogger(__name__)

GRACE = dt.timedelta(seconds=30)  # leave fresh rows to the enqueue that follows their commit
# A send still "sending" after this was cut off by a dead worker: a live one gives up within its
# job timeout (60 s), and Meta's "sent" status for a send it did accept comes within seconds.
SEND_LEASE = dt.timedelta(minutes=2)
BATCH = 1000
RECOVERED = ("inbound", "outbound", "released", "draws", "closes", "broadcasts")  # lost work


def sweep() -> dict[str, int]:
    """Enqueue stale inbound and outbound rows again; every step is safe to repeat."""
    now = utcnow()
    counts = dict.fromkeys(RECOVERED, 0)
    stale_inbound = (
        InboundMessage.select(InboundMessage.id)
        .where(InboundMessage.state == "received", InboundMessage.received_at < now - GRACE)
        .order_by(InboundMessage.id)
        .limit(BATCH)
    )
    for row in stale_inbound:
        counts["inbound"] += enqueue_inbound(row.id)
    # A worker killed mid-send leaves the row "sending"; after the lease it goes out again
    # unless a status webhook (which names the row) has shown it was delivered.
    counts["released"] = (
        OutboundMessage.update(state="pending", updated_at=now - GRACE)
        .where(OutboundMessage.state == "sending", OutboundMessage.updated_at < now - SEND_LEASE)
        .execute()
    )
    stale_outbound = (
        OutboundMessage.select(OutboundMessage.id, OutboundMessage.queue)
        .where(
            OutboundMessage.state == "pending",
            OutboundMessage.updated_at <= now - GRACE,
            OutboundMessage.retry_at.is_null() | (OutboundMessage.retry_at <= now - GRACE),
            OutboundMessage.broadcast.is_null(),  # a broadcast's rows go in chunks, below
        )
        .order_by(OutboundMessage.id)
        .limit(BATCH)
    )
    for outbound in stale_outbound:
        counts["outbound"] += outbox.enqueue_send(outbound.id, outbound.queue)
    # A queued draw (or redraw) whose job was lost; running it twice is harmless (row lock + state).
    for draw in Draw.select(Draw.id).where(Draw.state.in_(PENDING)):
        counts["draws"] += submit(draws.run_draw, draw.id)
    # A campaign past its end whose scheduled close was lost closes now (row lock + state).
    due = (
        Draw.select(Draw.id).join(Campaign).where(Draw.state == "committed", Campaign.end_at < now)
    )
    for draw in due:
        counts["closes"] += submit(draws.close_when_due, draw.id)
    # A broadcast cut off while expanding or sending: running it again queues what is left.
    stalled = Broadcast.select(Broadcast.id).where(
        Broadcast.state.in_(("queued", "expanding", "sending")),
        Broadcast.send_at.is_null() | (Broadcast.send_at <= now),
        Broadcast.updated_at < now - GRACE,
    )
    for broadcast in stalled:
        counts["broadcasts"] += submit(broadcasts.run_broadcast, broadcast.id)
    add_requeued(current().redis, counts)  # before the routine work below joins the counts
    counts.update(media.sweep_attachments())
    counts.update(reports.plan(now))
    counts.update(desk.rounds(now))
    counts.update(backups.plan(now))
    if any(counts.values()):
        log.info("sweeper: %s", counts)
    return counts
