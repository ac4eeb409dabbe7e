"""Sending to a customer known only by BSUID: /send to: a BSUID, and Meta's 131062 refusal."""

from __future__ import annotations

from commands.messaging import send
from models import Broadcast, OutboundMessage
from tests.bodies import BSUID
from tests.conftest import ADMIN
from tests.scenarios import approve

SEND = f"/send to: {BSUID} template: event_invite vars: Mid Valley; Sat 20 Jan"


def _done(live) -> str:
    """The broadcast's closing message to the admin."""
    texts = live.replies_to(ADMIN, 3)
    (done,) = [text for text in texts if "done:" in text]
    return done


def test_send_to_a_bsuid_goes_through_recipient(live):
    approve("event_invite")
    live.say(ADMIN, SEND)
    assert "1 recipient," in live.replies_to(ADMIN)[0]
    live.settle()
    [sent] = [b for b in live.graph.sent() if b.get("type") == "template"]
    assert sent["recipient"] == BSUID and "to" not in sent
    assert Broadcast.get().audience == BSUID
    assert "done: 1 sent, 0 skipped, 0 failed" in _done(live)


def test_a_bsuid_is_kept_exactly_and_a_lookalike_is_refused(commands_db):
    approve("event_invite")
    assert "1 recipient," in commands_db.run(SEND.replace(BSUID, f" {BSUID} ")).text
    assert Broadcast.get().audience == BSUID
    refused = commands_db.run(SEND.replace(BSUID, "my.1502576394655843"))
    assert "neither a phone number, a BSUID nor a segment" in refused.text
    assert send.__doc__ and "BSUID" in send.__doc__
    longest = "MY.ENT." + "9" * 128  # the longest BSUID Meta gives
    assert "1 recipient," in commands_db.run(SEND.replace(BSUID, longest)).text
    assert Broadcast.get(Broadcast.audience == longest).audience == longest


def test_a_bsuid_recipient_meta_refuses_is_not_retried_and_is_counted(live):
    approve("event_invite")
    live.graph.refuse(BSUID, code=131062, message="BSUID recipient not allowed")
    live.say(ADMIN, SEND)
    done = _done(live)
    live.settle()
    row = OutboundMessage.get(OutboundMessage.to == BSUID)
    assert (row.state, row.error_code, row.attempts) == ("failed", 131062, 1)
    assert Broadcast.get().failed == 1
    assert (
        "done: 0 sent, 0 skipped, 1 failed" in done
        and "1 × error 131062 not allowed to a username (BSUID) recipient" in done
    )
    assert not [b for b in live.graph.sent() if b.get("type") == "template"]
