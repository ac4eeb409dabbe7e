"""The webhook: handshake, signatures, bad bodies, Meta's recorded payloads, and the database down."""

from __future__ import annotations

import json
import time

import pytest
import requests

import models
from models import Contact, InboundMessage, OutboundMessage
from tests.bodies import CORPUS
from tests.conftest import ADMIN, wait_until
from whatsapp.payload import text_message_body

BODIES = sorted(CORPUS.glob("*.json"))


def ours(body: dict, number_id: str) -> dict:
    """The body with every change addressed to our phone number id."""
    for entry in body.get("entry", []):
        for change in entry.get("changes", []):
            metadata = change.get("value", {}).get("metadata")
            if isinstance(metadata, dict):
                metadata["phone_number_id"] = number_id
    return body


def _get(live, **params):
    return requests.get(f"{live.url}/webhooks/whatsapp", params=params, timeout=5)


def test_handshake_answers_the_challenge_only_with_the_token(live):
    ok = _get(
        live, **{"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    )
    assert (ok.status_code, ok.text) == (200, "42")
    assert ok.headers["Content-Type"].startswith("text/plain")
    assert ok.headers["X-Content-Type-Options"] == "nosniff"
    markup = _get(
        live,
        **{"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "<b>x</b>"},
    )
    assert markup.headers["Content-Type"].startswith("text/plain")
    wrong = _get(
        live, **{"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"}
    )
    assert wrong.status_code == 403
    assert _get(live, **{"hub.verify_token": "verify-me", "hub.challenge": "42"}).status_code == 403


def test_missing_signature_is_401_and_stores_nothing(live):
    raw = json.dumps(text_message_body(ADMIN, "/help", "wamid.nosig")).encode()
    answer = requests.post(
        f"{live.url}/webhooks/whatsapp",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 401
    assert InboundMessage.select().count() == 0


def test_wrong_signature_is_403_and_stores_nothing(live):
    answer = live.post(text_message_body(ADMIN, "/help", "wamid.badsig"), secret="guess")
    assert answer.status_code == 403
    assert InboundMessage.select().count() == 0


def test_signature_is_checked_on_the_raw_bytes(live):
    # Emoji and odd spacing: re-serialising the JSON would change the bytes and the signature.
    raw = json.dumps(
        text_message_body(ADMIN, "/help 🍜", "wamid.raw"), ensure_ascii=False, indent=3
    )
    assert live.post(raw.encode()).status_code == 200
    assert InboundMessage.get().body == "/help 🍜"


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"{not json", 400),
        (b"[]", 400),
        (b'{"object": "page", "entry": []}', 400),
        (b'{"object": "whatsapp_business_account"}', 400),
        (b'{"entry": [{"changes": [{"value": "x"}]}]}', 200),
        (b'{"entry": [{"changes": [{"value": {"messages": [{"type": "text"}]}}]}]}', 200),
        (b"\xff\xfe", 400),
        (b"[" * 100000 + b"]" * 100000, 400),
    ],
)
def test_bad_bodies_get_a_4xx_never_a_5xx(live, raw, status):
    assert live.post(raw).status_code == status
    assert InboundMessage.select().count() == 0


def test_wrong_content_type_is_415(live):
    assert live.post(b"{}", **{"Content-Type": "text/plain"}).status_code == 415


def test_oversized_body_is_413(live):
    big = b'{"entry": [], "pad": "' + b"x" * (3 * 1024 * 1024 + 10) + b'"}'
    answer = live.post(big)
    assert answer.status_code == 413
    assert answer.headers["Content-Type"] == "application/json" and answer.json()["error"]


def test_every_recorded_meta_payload_is_accepted(live):
    assert len(BODIES) >= 74, f"corpus not found at {CORPUS}"
    for path in BODIES:
        # As if each were sent to our number (one sent elsewhere is only kept: see test_routing).
        answer = live.post(ours(json.loads(path.read_bytes()), live.settings.phone_number_id))
        assert answer.status_code == 200, f"{path.name}: {answer.status_code} {answer.text}"
    live.settle()
    ids = {
        m["id"]
        for path in BODIES
        for e in json.loads(path.read_bytes())["entry"]
        for c in e["changes"]
        for m in _messages(c["value"])
    }
    assert InboundMessage.select().count() == len(ids)
    assert (
        not InboundMessage.select().where(InboundMessage.state.in_(("received", "failed"))).exists()
    )


def _messages(value: dict) -> list[dict]:
    """Every message a change carries: new ones, the business app's echoes, history threads."""
    found = value.get("messages", []) + value.get("message_echoes", [])
    for chunk in value.get("history", []):
        for thread in chunk.get("threads", []):
            found += thread.get("messages", [])
    return found


def test_a_body_with_many_messages_stores_each_once(live):
    body = text_message_body(ADMIN, "/task list", "wamid.multi.0")
    value = body["entry"][0]["changes"][0]["value"]
    value["messages"] = [dict(value["messages"][0], id=f"wamid.multi.{n}") for n in range(5)]
    body["entry"].append(json.loads(json.dumps(body["entry"][0])))  # a second entry repeating them
    assert live.post(body).json()["messages"] == 10
    assert live.post(body).status_code == 200
    live.settle()
    assert InboundMessage.select().count() == 5
    assert OutboundMessage.select().count() == 5


def test_user_preferences_stop_and_resume(live):
    body = json.loads((CORPUS / "user_marketing_preferences__resume.json").read_bytes())
    pref = body["entry"][0]["changes"][0]["value"]["user_preferences"][0]
    pref["value"] = "stop"
    assert live.post(body).status_code == 200
    assert Contact.get(Contact.phone == pref["wa_id"]).opted_out_at is not None
    pref["value"] = "resume"
    assert live.post(body).status_code == 200
    assert Contact.get(Contact.phone == pref["wa_id"]).opted_out_at is None


def test_a_failed_status_for_an_opted_out_recipient_marks_the_contact(live):
    live.say(ADMIN, "/task list")
    live.replies_to(ADMIN)
    live.settle()
    row = OutboundMessage.get()
    body = json.loads((CORPUS / "wocs__status_failed_opted_out.json").read_bytes())
    status = body["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(id=row.wamid, recipient_id=row.to)
    assert live.post(body).status_code == 200
    row = OutboundMessage.get()
    assert (row.state, row.error_code) == ("failed", 131050)
    assert Contact.get(Contact.phone == row.to).opted_out_at is not None


def test_database_down_answers_503_and_then_recovers(live):
    working = live.runtime.database
    live.runtime.database = models.open_database("mysql://root@127.0.0.1:1/none")
    try:
        answer = live.post(text_message_body(ADMIN, "/task list", "wamid.dbdown"))
        assert answer.status_code == 503
        for path in ("/healthz", "/c/RAYA26", "/p/promo"):
            page = requests.get(f"{live.url}{path}", timeout=10)
            assert (page.status_code, page.headers.get("Retry-After")) == (503, "5"), path
    finally:
        live.runtime.database = working
    assert live.post(text_message_body(ADMIN, "/task list", "wamid.dbdown")).status_code == 200
    assert live.replies_to(ADMIN) == ["No open tasks."]


def test_a_stalled_database_answers_503_before_the_worker_timeout(live, stall):
    with stall("inbound_message"):
        started = time.monotonic()
        answer = live.post(text_message_body(ADMIN, "/task list", "wamid.stalled"))
        waited = time.monotonic() - started
    assert answer.status_code == 503 and answer.json()["error"]
    assert waited < 5  # one 2-second wait; gunicorn kills a worker after 30
    assert live.post(text_message_body(ADMIN, "/task list", "wamid.stalled")).status_code == 200
    assert live.replies_to(ADMIN) == ["No open tasks."]


def test_database_waits_stay_well_below_the_worker_timeout():
    params = models.open_database("mysql://root@127.0.0.1:3306/wocs").connect_params
    assert (params["read_timeout"], params["write_timeout"], params["connect_timeout"]) == (
        10,
        10,
        3,
    )
    slower = models.open_database("mysql://root@127.0.0.1:3306/wocs?read_timeout=20", timeout=5)
    assert (slower.connect_params["read_timeout"], slower.connect_params["write_timeout"]) == (
        20,
        5,
    )


def test_sql_metacharacters_and_emoji_are_stored_verbatim(live):
    text = "'; DROP TABLE inbound_message; -- \" \\ % _ 🍜 ٣"
    assert live.post(text_message_body("60175550000", text, "wamid.sql")).status_code == 200
    assert InboundMessage.get(InboundMessage.wamid == "wamid.sql").body == text
    live.settle()
    assert InboundMessage.select().count() == 1


def _status_value(rows: list, state: str) -> dict:
    statuses = [
        {"id": row.wamid, "status": state, "timestamp": "1767225600", "recipient_id": ADMIN}
        for row in rows
    ]
    value = {"messaging_product": "whatsapp", "statuses": statuses}
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}


def _waits_on(connection_id: int) -> bool:
    """Whether some transaction waits for a row lock held by this MariaDB connection."""
    sql = (
        "SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS w"
        " JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id"
        " WHERE b.trx_mysql_thread_id = %s"
    )
    return models.db.execute_sql(sql, (connection_id,)).fetchone()[0] > 0


def test_a_status_body_chosen_as_a_deadlock_victim_is_stored_on_a_second_try(live, caplog):
    import threading

    if not models.is_mysql():
        pytest.skip("a deadlock between two transactions needs InnoDB")
    for _ in range(3):
        live.say(ADMIN, "/task list")
    live.replies_to(ADMIN, 3)
    live.settle()
    first, second, third = OutboundMessage.select().order_by(OutboundMessage.id)
    other = models.open_database(live.settings.database_url)
    other.connect()
    (other_id,) = other.execute_sql("SELECT CONNECTION_ID()").fetchone()
    try:
        # Another writer holds the second row and has done more work, so InnoDB picks the
        # webhook, which holds the first row and waits for the second, as the victim.
        other.execute_sql("START TRANSACTION")
        for row in (second, third):
            other.execute_sql("UPDATE outbound_message SET error = 'x' WHERE id = %s", (row.id,))
        answers: list[int] = []
        body = _status_value([first, second], "delivered")
        posting = threading.Thread(target=lambda: answers.append(live.post(body).status_code))
        posting.start()
        # Once it waits on the other writer, the webhook holds the first row and wants the second.
        # (InnoDB refreshes its lock tables only when unread for 0.1 s: poll less often.)
        wait_until(lambda: _waits_on(other_id), every=0.25)
        other.execute_sql("UPDATE outbound_message SET error = '' WHERE id = %s", (first.id,))
        other.execute_sql("COMMIT")
        posting.join(30)
    finally:
        other.close()
    assert answers == [200]
    assert "storing a webhook body met 1213; trying again" in caplog.text
    assert [OutboundMessage.get_by_id(r.id).state for r in (first, second)] == ["delivered"] * 2


def test_readyz_names_a_down_database_or_redis_and_healthz_stays_liveness(live, monkeypatch):
    import dataclasses

    from jobs import runtime

    assert requests.get(f"{live.url}/readyz", timeout=10).json()["status"] == "ok"
    down = dataclasses.replace(live.runtime.settings, redis_url="redis://127.0.0.1:1/0")
    monkeypatch.setattr(live.runtime, "redis", runtime.connect_redis(down))
    answer = requests.get(f"{live.url}/readyz", timeout=10)
    assert (answer.status_code, answer.json()["down"]) == (503, ["redis"])
    assert requests.get(f"{live.url}/healthz", timeout=10).status_code == 200
    monkeypatch.setattr(
        live.runtime, "database", models.open_database("mysql://root@127.0.0.1:1/none")
    )
    answer = requests.get(f"{live.url}/readyz", timeout=10)
    assert (answer.status_code, answer.json()["reason"]) == (503, "database and redis down")
    monkeypatch.undo()
    assert requests.get(f"{live.url}/readyz", timeout=10).status_code == 200
