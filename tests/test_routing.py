"""Which stored messages are acted on: only new ones to our number, never records of the past."""

from __future__ import annotations

import logging

from models import InboundMessage
from tests.bodies import recorded
from tests.conftest import ADMIN, addressee
from tests.scenarios import posted


def test_a_message_to_another_business_number_is_kept_logged_once_and_never_answered(live, caplog):
    caplog.set_level(logging.INFO, logger="webhooks.intake")
    body = recorded("wocs__other_number_text.json")
    posted(live, body)
    posted(live, body)  # Meta delivering it again
    assert live.ask("/task list").startswith("No ")  # the path works: ours is answered
    live.settle()
    row = InboundMessage.get(InboundMessage.body == "/help")
    assert (row.state, row.attempts) == ("kept", 0)
    assert len([b for b in live.graph.sent() if addressee(b) == ADMIN]) == 1
    kept = [r for r in caplog.records if "kept for the record" in r.getMessage()]
    assert len(kept) == 1 and "1999999999" in kept[0].getMessage()


def test_history_echo_and_app_state_bodies_are_stored_and_never_run(live):
    for name in (
        "wocs__history_sync.json",
        "wocs__echo_command.json",
        "wocs__app_state_sync.json",
    ):
        posted(live, recorded(name))
    live.settle()
    rows = {row.body: row.state for row in InboundMessage.select()}
    assert rows == {"/help": "kept", "JOIN RAYA26": "kept", "/report today": "kept"}
    assert live.graph.sent() == []
