"""Meta's error arrays (on statuses, messages and whole changes): recorded and logged, masked."""

from __future__ import annotations

import json
import logging

from models import OutboundMessage
from tests.bodies import BSUID, CORPUS, recorded
from tests.conftest import ADMIN
from tests.scenarios import posted
from wocs.values import mask_phone

ADMIN_BSUID = "MY.4402576394655843"


def _status(row: OutboundMessage, state: str) -> dict:
    """The recorded failed-after-read body, for this row and with this state."""
    body = json.loads((CORPUS / "wocs__status_failed_after_read.json").read_bytes())
    status = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(id=row.wamid, recipient_id=row.to, status=state)
    if state != "failed":
        del status["errors"]
    return body


def _warnings(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_a_failure_after_read_keeps_the_row_read_records_the_code_and_logs_it_masked(live, caplog):
    live.say(ADMIN, "/task list")
    live.replies_to(ADMIN)
    live.settle()
    row = OutboundMessage.get()
    posted(live, _status(row, "read"))
    caplog.set_level(logging.WARNING)
    posted(live, _status(row, "failed"))
    row = OutboundMessage.get_by_id(row.id)
    assert (row.state, row.error_code, row.failed_at) == ("read", 131026, None)
    assert row.read_at is not None and row.error == "Message undeliverable"
    logged = _warnings(caplog)
    assert f"outbound {row.id} to {mask_phone(ADMIN)}: Meta reports it failed (131026" in logged
    assert "after it was read; it stays read" in logged
    assert "error 131026 undeliverable on status" in logged
    assert ADMIN not in logged and ADMIN_BSUID not in logged and mask_phone(ADMIN_BSUID) in logged
    posted(live, _status(row, "delivered"))  # a late delivered changes nothing either
    assert OutboundMessage.get_by_id(row.id).state == "read"


def test_error_arrays_in_a_message_and_a_whole_change_are_logged_with_their_codes(live, caplog):
    caplog.set_level(logging.WARNING)
    posted(live, recorded("wocs__unsupported_username_message.json"))
    posted(live, recorded("wocs__webhook_errors.json"))
    logged = _warnings(caplog)
    assert "Meta reported error 131051 other on message wamid.test." in logged
    assert "Message type unknown — Message type is not currently supported" in logged
    assert "nuraina.bakes" not in logged and mask_phone("nuraina.bakes") in logged
    assert BSUID not in logged
    assert "Meta reported error 130429 rate limit on webhook: Rate limit hit" in logged
