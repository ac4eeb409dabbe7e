"""What many tests start from: approved templates, a campaign, a stored message, posted bodies."""

from __future__ import annotations

import collections

from models import InboundMessage
from tests.conftest import ADMIN
from webhooks.intake import store
from whatsapp.payload import parse_body, text_message_body
from wocs import message_templates as templates


def approve(*names: str) -> None:
    """What Meta's approval webhook does, for templates a test does not push itself."""
    templates.sync()
    for name in names:
        templates.record_status(name, "en", "APPROVED")


def template_sends(live) -> collections.Counter:
    """How many template messages each recipient got at the Graph server."""
    return collections.Counter(
        b["to"].lstrip("+") for b in live.graph.sent() if b.get("type") == "template"
    )


def create_campaign(live, code="RAYA26", start="2026-01-01", end="2030-12-31", extra=""):
    """`/campaign create` as the admin; the reply."""
    live.say(
        ADMIN,
        f"/campaign create code: {code} prize: Hamper Raya\nstart: {start}\nend: {end}{extra}",
    )
    return live.replies_to(ADMIN, len(live.replies_to(ADMIN, 0)) + 1)[-1]


def stored_inbound(text: str, wamid: str) -> int:
    """Store an inbound message without enqueueing it, as if Redis had lost the job."""
    (inbound_id,) = store(parse_body(text_message_body(ADMIN, text, wamid))).created
    return inbound_id


def posted(live, body: dict) -> None:
    answer = live.post(body)
    assert answer.status_code == 200, answer.text


def all_handled_once() -> bool:
    """No inbound message failed or was run twice (a loop shows as attempts > 1)."""
    rows = list(InboundMessage.select())
    return all(r.state in ("done", "ignored") and r.attempts == 1 for r in rows)
