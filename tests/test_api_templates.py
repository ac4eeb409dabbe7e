"""Templates over HTTP: the list with Meta's verdict, a send as /send makes it, the figures."""

from __future__ import annotations

import pytest

from models import WhatsAppTemplate
from tests.api_client import AGENT, call, fresh, token_for
from tests.conftest import ADMIN, Live, wait_until
from wocs import message_templates as templates

CUSTOMER = "60123450000"


@pytest.fixture
def api_live(live: Live) -> Live:
    templates.sync()
    WhatsAppTemplate.update(status="APPROVED").where(
        WhatsAppTemplate.name == "draw_winner"
    ).execute()
    return fresh(live)


def test_an_admin_lists_sends_and_counts_templates(api_live):
    admin = token_for(api_live, ADMIN)
    listed = call(api_live, "GET", "/templates", admin).json()["items"]
    statuses = {t["name"]: t["status"] for t in listed}
    assert statuses["draw_winner"] == "APPROVED" and statuses["login_code"] == "LOCAL"
    body = {"to": "012-345 0000", "template": "draw_winner", "vars": ["Hamper", "RAYA26"]}
    sent = call(api_live, "POST", "/templates/send", admin, json=body)
    assert sent.status_code == 202, sent.text
    assert sent.json()["broadcast"]["audience"] == CUSTOMER
    wait_until(
        lambda: any(
            b["to"] == f"+{CUSTOMER}" and b.get("template", {}).get("name") == "draw_winner"
            for b in api_live.graph.sent()
        )
    )
    api_live.settle()
    wait_until(
        lambda: call(api_live, "GET", "/templates/draw_winner/stats", admin).json()["sent"] == 1
    )
    stats = call(api_live, "GET", "/templates/draw_winner/stats", admin).json()
    assert stats["broadcasts"] == 1 and stats["recipients"] == 1 and stats["failed"] == 0


def test_sends_are_checked_as_send_checks_them(api_live):
    admin, agent = token_for(api_live, ADMIN), token_for(api_live, AGENT)
    unapproved = {"to": CUSTOMER, "template": "login_code", "vars": ["123456"]}
    answer = call(api_live, "POST", "/templates/send", admin, json=unapproved)
    assert answer.status_code == 409
    assert answer.json()["error"]["message"].startswith(
        "Template login_code has not been sent to WhatsApp for review yet"
    )
    wrong = call(api_live, "POST", "/templates/send", admin, json={"to": "nobody", "template": "x"})
    assert wrong.status_code == 400 and "to" in wrong.json()["error"]["fields"]
    for method, path in (("GET", "/templates"), ("GET", "/templates/draw_winner/stats")):
        assert call(api_live, method, path, agent).status_code == 403
    body = {"to": CUSTOMER, "template": "draw_winner", "vars": ["a", "b"]}
    assert call(api_live, "POST", "/templates/send", agent, json=body).status_code == 403
    assert call(api_live, "GET", "/templates/no_such/stats", admin).status_code == 404
