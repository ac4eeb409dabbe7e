"""Login codes over HTTP: limits a third party cannot turn against a user, codes kept out of sight."""

from __future__ import annotations

import logging

import pytest

from models import ApiOtp, OutboundMessage
from tests.conftest import Live
from tests.test_api_auth import USER, call, code_sent_to, fresh


@pytest.fixture
def api_live(live: Live) -> Live:
    return fresh(live)


def _otp_row(phone: str) -> OutboundMessage:
    return OutboundMessage.get(OutboundMessage.to == phone, OutboundMessage.kind == "template")


def test_the_code_leaves_the_outbox_once_meta_has_it(api_live, caplog):
    caplog.set_level(logging.DEBUG)
    call(api_live, "POST", "/auth/otp", json={"phone": USER})
    code = code_sent_to(api_live, USER)
    api_live.settle()
    row = _otp_row(USER)
    assert row.state == "sent"
    assert code not in row.body and code not in str(row.template)
    assert row.body.startswith("•••••• is your WOCS app login code")
    assert ApiOtp.get(ApiOtp.phone == USER).code_hash  # only the hash is left to check it
    # Every logger, debug lines included, but peewee's: its debug lines show every query's values.
    logged = [record.getMessage() for record in caplog.records if record.name != "peewee"]
    assert logged and not [line for line in logged if code in line]


def test_a_code_meta_refused_is_redacted_too(api_live):
    api_live.graph.fail_next(code=131026)  # undeliverable: failed for good
    call(api_live, "POST", "/auth/otp", json={"phone": USER})
    api_live.settle()
    row = _otp_row(USER)
    assert row.state == "failed" and row.template["params"] == ["••••••"]


def test_a_code_whose_send_only_meta_confirmed_is_redacted_when_the_status_arrives(api_live):
    row = OutboundMessage.create(
        idempotency_key="otp:test",
        to=USER,
        kind="template",
        body="123456 is your WOCS app login code.",
        template={"name": "login_code", "language": "en", "params": ["123456"], "secret": True},
        state="sending",  # the sender timed out waiting for Meta's answer
    )
    status = {"id": "wamid.late", "status": "delivered", "timestamp": "1767225600"}
    status |= {"recipient_id": USER, "biz_opaque_callback_data": f"ob:{row.id}"}
    value = {"messaging_product": "whatsapp", "statuses": [status]}
    body = {"entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}
    assert api_live.post({"object": "whatsapp_business_account", **body}).status_code == 200
    row = OutboundMessage.get_by_id(row.id)
    assert row.state == "delivered" and "123456" not in row.body + str(row.template)
