"""Meta's account-level webhooks: kept once each, and every admin told in one short message."""

from __future__ import annotations

import json
import logging
from zoneinfo import ZoneInfo

import pytest

from app import seed_admins
from models import AccountEvent, OutboundMessage
from tests.bodies import CORPUS
from tests.conftest import ADMIN
from tests.scenarios import approve
from webhooks.account_notices import summary
from whatsapp.payload import parse_body

SECOND_ADMIN = "60129998887"
TOLD = {
    "account_update__account_restriction.json": "restricted the business account: starting "
    "conversations (broadcasts, notices, winners) until 5 Jan 2022; adding phone numbers",
    "account_update__account_violation.json": "policy violation on the business account (adult)",
    "account_update__account_disabled.json": "reinstated the business account",
    "account_update__account_deleted.json": "was deleted",
    "account_update__account_offboarded.json": "disconnected from this app",
    "account_update__account_reconnected.json": "connected again",
    "wocs__quality_flagged.json": "quality rating of 60123456789 dropped (flagged): send fewer "
    "promotions for a while, or its messaging limit may be lowered. Limit now: 2,000 a day.",
    "wocs__quality_downgrade.json": "limit of 60123456789 was lowered from 10,000 to 2,000 a day",
    "wocs__name_rejected.json": "rejected the display name “Sedap Best Food” for 60123456789 "
    "(name format unacceptable)",
    "wocs__account_review_rejected.json": "rejected the business account after review",
    "wocs__business_capability.json": "limits changed: messaging limit 2,000 a day, up to 2 phone",
    "wocs__account_alert.json": "alert (critical): Additional verification is required",
}
QUIET = ["account_update__pricing_tiering_update.json", "account_update__ad_account_linked.json"]


def _body(name: str) -> dict:
    return json.loads((CORPUS / name).read_bytes())


@pytest.mark.parametrize("name", sorted(TOLD))
def test_each_account_change_reads_as_one_line_an_admin_can_act_on(name):
    batch = parse_body(_body(name))
    assert (len(batch.accounts), batch.skipped, batch.messages) == (1, 0, [])
    line = summary(batch.accounts[0], ZoneInfo("Asia/Kuala_Lumpur"))
    assert TOLD[name] in line and "\n" not in line and len(line) < 300


def test_every_account_change_in_the_corpus_is_read_not_skipped():
    names = [
        p.name for p in CORPUS.glob("*.json") if "account" in p.name or "wocs__quality" in p.name
    ]
    assert len(names) >= 20
    for name in names:
        batch = parse_body(_body(name))
        assert len(batch.accounts) == 1 and batch.skipped == 0, name
        assert summary(batch.accounts[0]), name


def test_a_restriction_is_kept_and_every_admin_is_told_once_even_when_redelivered(live):
    seed_admins((ADMIN, SECOND_ADMIN))
    body = _body("account_update__account_restriction.json")
    for _ in range(3):  # Meta delivers at least once
        assert live.post(body).status_code == 200
    for admin in (ADMIN, SECOND_ADMIN):
        (text,) = live.replies_to(admin)
        assert text.startswith("WhatsApp account: WhatsApp restricted the business account")
    live.settle()
    event = AccountEvent.get()
    assert (event.kind, event.event, event.account) == (
        "account_update",
        "ACCOUNT_RESTRICTION",
        "102290129340398",
    )
    assert event.raw["restriction_info"][0]["restriction_type"].startswith("RESTRICTED_")
    assert OutboundMessage.select().count() == 2  # one each, not one per delivery


def test_two_changes_in_one_body_are_two_events(live):
    body = _body("wocs__quality_flagged.json")
    second = json.loads(json.dumps(body["entry"][0]))
    second["changes"][0]["value"]["event"] = "UNFLAGGED"
    body["entry"].append(second)
    assert live.post(body).status_code == 200
    texts = live.replies_to(ADMIN, count=2)
    assert any("dropped (flagged)" in t for t in texts)
    assert any("back to normal" in t for t in texts)
    assert AccountEvent.select().count() == 2


def test_bookkeeping_changes_are_kept_without_paging_anyone(live):
    for name in QUIET:
        assert live.post(_body(name)).status_code == 200
    live.settle()
    assert AccountEvent.select().count() == len(QUIET)
    assert OutboundMessage.select().count() == 0


def test_an_account_change_with_errors_logs_their_codes_masked(live, caplog):
    caplog.set_level(logging.WARNING)
    assert live.post(_body("wocs__account_update_errors.json")).status_code == 200
    live.replies_to(ADMIN)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert "error 368" in logged and "account_update" in logged
    assert "60198887776" not in logged  # the phone in Meta's details is masked


def test_admins_see_the_kept_reports_newest_first(live):
    assert "reported nothing" in live.ask("/account")
    live.post(_body("wocs__name_rejected.json"))
    live.post(_body("wocs__quality_flagged.json"))
    live.replies_to(ADMIN, count=2)
    shown = live.ask("/account")
    assert shown.index("dropped (flagged)") < shown.index("rejected the display name")


def test_an_admin_outside_the_window_hears_of_it_by_the_team_notice_template(live):
    approve("team_notice")
    live.graph.close_window(ADMIN)
    assert live.post(_body("wocs__account_review_rejected.json")).status_code == 200
    live.settle()
    (sent,) = [b for b in live.graph.sent() if b["type"] == "template"]
    assert (sent["to"], sent["template"]["name"]) == (f"+{ADMIN}", "team_notice")
    (value,) = sent["template"]["components"][0]["parameters"]
    assert value["text"].startswith("WhatsApp account: WhatsApp rejected the business account")
    text = OutboundMessage.get(OutboundMessage.kind == "text")
    assert (text.state, text.error_code) == ("failed", 131047)


def test_without_the_team_notice_template_the_failure_is_logged(live, caplog):
    caplog.set_level(logging.WARNING)
    live.graph.close_window(ADMIN)
    assert live.post(_body("wocs__account_review_rejected.json")).status_code == 200
    live.settle()
    assert not [b for b in live.graph.sent() if b.get("type") == "template"]
    assert any("team_notice template is not approved" in r.getMessage() for r in caplog.records)


def test_a_task_for_an_agent_outside_the_window_reaches_them_and_the_admin_is_not_alarmed(live):
    approve("team_notice")
    live.ask("/admin add phone: 0175550001 role: agent name: Raj")
    live.replies_to("60175550001")  # the welcome went out within the window
    live.graph.close_window("60175550001")
    live.say(ADMIN, "/agent task: Setup booth for: Raj due: 2030-01-20")
    live.settle()
    (sent,) = [b for b in live.graph.sent() if b["to"] == "+60175550001" and "template" in b]
    assert sent["template"]["name"] == "team_notice"
    assert "Setup booth" in sent["template"]["components"][0]["parameters"][0]["text"]
    told = [b["text"]["body"] for b in live.graph.sent() if b["to"] == f"+{ADMIN}"]
    assert not [t for t in told if "couldn't deliver" in t]
