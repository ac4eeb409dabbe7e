"""Login codes over HTTP: limits a stranger cannot turn against a user; codes kept out of sight."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import requests

from api import otp
from app import behind_proxies
from models import ApiOtp, OutboundMessage, utcnow
from tests.api_client import OTHER, USER, call, code_sent_to, codes_sent_to, fresh, later
from tests.conftest import ADMIN, Live, wait_until
from wocs.values import mask_phone

VICTIM, ATTACKER = "203.0.113.7", "198.51.100.66"


@pytest.fixture
def api_live(live: Live, monkeypatch) -> Live:
    """The live app behind one trusted proxy, so a test can call from several addresses."""
    monkeypatch.setattr(live.app, "wsgi_app", live.app.wsgi_app)  # restored afterwards
    behind_proxies(live.app, 1)
    return fresh(live)


def ask(live: Live, phone: str, address: str = VICTIM, **extra: object) -> requests.Response:
    """POST /auth/otp for `phone` as a caller at `address`."""
    headers = {"X-Forwarded-For": address}
    return call(live, "POST", "/auth/otp", json={"phone": phone, **extra}, headers=headers)


def verify(live: Live, phone: str, code: str, address: str = VICTIM) -> int:
    body, headers = {"phone": phone, "code": code}, {"X-Forwarded-For": address}
    return call(live, "POST", "/auth/verify", json=body, headers=headers).status_code


def test_a_stranger_cannot_keep_someone_out_or_void_their_code(api_live):
    statuses = [ask(api_live, USER, ATTACKER).status_code for _ in range(4)]
    assert statuses == [202, 202, 202, 429]  # the stranger's own requests for that phone
    answer = ask(api_live, USER)
    assert answer.status_code == 202  # the owner, from their own address, is not refused
    api_live.settle()  # the code's row is written before the 202: settled, it has gone
    (code,) = codes_sent_to(api_live, USER)  # one code a minute, whoever asks
    assert verify(api_live, USER, code) == 200


def test_asking_again_within_the_minute_sends_nothing_and_answers_the_same(api_live):
    first = ask(api_live, USER)
    code = code_sent_to(api_live, USER)
    again = ask(api_live, USER)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    api_live.settle()  # the code's row is written before the 202: settled, it has gone
    assert codes_sent_to(api_live, USER) == [code] and ApiOtp.select().count() == 1


def test_a_new_code_leaves_the_earlier_ones_valid(api_live):
    ask(api_live, USER)
    first = code_sent_to(api_live, USER)
    later(api_live)
    ask(api_live, USER)
    second = code_sent_to(api_live, USER, 2)
    assert first != second
    assert verify(api_live, USER, first) == 200
    assert verify(api_live, USER, second) == 401  # a login spends every live code


def test_five_wrong_codes_in_all_spend_every_live_code(api_live):
    codes = []
    for n in range(2):
        later(api_live)
        ask(api_live, USER)
        codes.append(code_sent_to(api_live, USER, n + 1))
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in codes)
    assert [verify(api_live, USER, wrong) for _ in range(5)] == [401] * 5
    assert [verify(api_live, USER, code) for code in codes] == [401, 401]


def test_requests_that_fail_validation_count_nothing_against_the_phone(api_live):
    for _ in range(5):
        assert ask(api_live, USER, extra=1).status_code == 400
    assert call(api_live, "POST", "/auth/otp", json={"phone": "bogus"}).status_code == 400
    assert [ask(api_live, USER).status_code for _ in range(4)] == [202, 202, 202, 429]


def test_a_phone_gets_its_daily_codes_then_the_admins_hear_once(api_live, caplog):
    before = utcnow() - dt.timedelta(seconds=1)  # sent today, as far back as this test knows
    for _ in range(otp.DAILY_CODES):
        ApiOtp.create(phone=USER, code_hash="0" * 64, expires_at=before, created_at=before)
    for _ in range(3):
        later(api_live)
        assert ask(api_live, USER).status_code == 202
    assert ask(api_live, OTHER).status_code == 202  # another phone is not held up
    code_sent_to(api_live, OTHER)
    api_live.settle()  # the code's row is written before the 202: settled, it has gone
    assert codes_sent_to(api_live, USER) == []
    wait_until(lambda: len(api_live.replies_to(ADMIN, 0)) >= 1)
    (alert,) = api_live.replies_to(ADMIN)
    assert mask_phone(USER) in alert and str(otp.DAILY_CODES) in alert and USER not in alert
    warnings = [r for r in caplog.records if "reached" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


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
