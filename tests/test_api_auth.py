"""Login by WhatsApp over HTTP: codes through the outbox, token rotation, reuse, logout, expiry."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections.abc import Callable

import jwt
import pytest
import requests
from werkzeug.serving import make_server

from api import tokens
from app import create_app
from models import ApiOtp, ApiRefreshToken, AppUser, AuditLog, OutboundMessage, StaffMember
from tests.api_client import (
    AGENT,
    API,
    OTHER,
    USER,
    call,
    code_sent_to,
    forge,
    fresh,
    later,
    login,
    token_for,
)
from tests.conftest import ADMIN, Live
from wocs.settings import Settings


@pytest.fixture
def api_live(live: Live) -> Live:
    return fresh(live)


def test_a_code_by_whatsapp_logs_in_with_the_role_from_the_team_list(api_live):
    for phone, role in ((ADMIN, "admin"), (AGENT, "agent"), (USER, "user")):
        answer = login(api_live, phone)
        assert answer["token_type"] == "Bearer" and answer["expires_in"] == 3600
        me = call(api_live, "GET", "/auth/me", answer["access_token"])
        assert me.status_code == 200
        assert me.json()["role"] == role and me.json()["phone"] == phone
    assert AppUser.get(AppUser.phone == USER)


def test_the_code_goes_through_the_outbox_and_only_its_hash_is_kept(api_live):
    call(api_live, "POST", "/auth/otp", json={"phone": "+60 13-777 6666"})
    code = code_sent_to(api_live, USER)
    otp = ApiOtp.get(ApiOtp.phone == USER)
    assert len(code) == 6 and code.isdigit()
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    api_live.settle()
    sent = OutboundMessage.get(OutboundMessage.idempotency_key == f"otp:{otp.id}")
    assert sent.to == USER and sent.state == "sent" and sent.kind == "template"


def test_known_and_unknown_phones_get_the_same_answer(api_live):
    known = call(api_live, "POST", "/auth/otp", json={"phone": ADMIN})
    unknown = call(api_live, "POST", "/auth/otp", json={"phone": OTHER})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_bad_input_is_refused_field_by_field(api_live):
    answer = call(api_live, "POST", "/auth/otp", json={"phone": "not a phone"})
    assert answer.status_code == 400
    assert "phone" in answer.json()["error"]["fields"]
    answer = call(api_live, "POST", "/auth/verify", json={"phone": USER, "code": "12ab"})
    assert answer.status_code == 400 and "code" in answer.json()["error"]["fields"]
    answer = call(api_live, "POST", "/auth/otp", json={"phone": USER, "extra": 1})
    assert answer.json()["error"]["fields"] == {"extra": "Extra inputs are not permitted"}


def test_bodies_must_be_json_and_small(api_live):
    answer = call(
        api_live,
        "POST",
        "/auth/otp",
        data="phone=0123",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 415 and answer.json()["error"]["code"] == "unsupported_media_type"
    huge = '{"phone": "' + "1" * (2 * 1024 * 1024) + '"}'
    answer = call(
        api_live, "POST", "/auth/otp", data=huge, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"


def test_a_code_allows_five_tries_then_is_spent(api_live):
    call(api_live, "POST", "/auth/otp", json={"phone": USER})
    code = code_sent_to(api_live, USER)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        answer = call(api_live, "POST", "/auth/verify", json={"phone": USER, "code": wrong})
        assert answer.status_code == 401
    answer = call(api_live, "POST", "/auth/verify", json={"phone": USER, "code": code})
    assert answer.status_code == 401 and "expired" in answer.json()["error"]["message"]


def test_a_code_expires_after_five_minutes_and_works_once(api_live):
    call(api_live, "POST", "/auth/otp", json={"phone": USER})
    code = code_sent_to(api_live, USER)
    ApiOtp.update(expires_at=dt.datetime(2020, 1, 1)).execute()
    assert (
        call(api_live, "POST", "/auth/verify", json={"phone": USER, "code": code}).status_code
        == 401
    )
    later(api_live)  # a phone is sent one new code a minute
    call(api_live, "POST", "/auth/otp", json={"phone": USER})
    code = code_sent_to(api_live, USER, 2)
    first = call(api_live, "POST", "/auth/verify", json={"phone": USER, "code": code})
    again = call(api_live, "POST", "/auth/verify", json={"phone": USER, "code": code})
    assert (first.status_code, again.status_code) == (200, 401)


def test_asking_for_codes_is_limited_per_phone(api_live):
    statuses = [
        call(api_live, "POST", "/auth/otp", json={"phone": USER}).status_code for _ in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    refused = call(api_live, "POST", "/auth/otp", json={"phone": USER})
    assert int(refused.headers["Retry-After"]) > 0
    assert call(api_live, "POST", "/auth/otp", json={"phone": OTHER}).status_code == 202


def test_refresh_rotates_and_the_old_token_is_spent(api_live):
    first = login(api_live, USER)
    second = call(api_live, "POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert call(api_live, "GET", "/auth/me", second["access_token"]).json()["phone"] == USER
    stored = {row.token_hash for row in ApiRefreshToken.select()}
    assert tokens.digest(second["refresh_token"]) in stored
    assert second["refresh_token"] not in stored


def test_reusing_a_spent_refresh_token_revokes_the_whole_family(api_live):
    first = login(api_live, USER)
    second = call(
        api_live, "POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]}
    ).json()
    replay = call(api_live, "POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and "already used" in replay.json()["error"]["message"]
    # The thief's (or owner's) newer tokens die with it.
    assert (
        call(
            api_live, "POST", "/auth/refresh", json={"refresh_token": second["refresh_token"]}
        ).status_code
        == 401
    )
    assert call(api_live, "GET", "/auth/me", second["access_token"]).status_code == 401
    assert AuditLog.get(AuditLog.action == "api.reuse").actor == USER
    # Another login of the same user is another family and keeps working.
    other = login(api_live, USER)
    assert call(api_live, "GET", "/auth/me", other["access_token"]).status_code == 200


def test_logout_revokes_access_and_refresh_tokens(api_live):
    answer = login(api_live, USER)
    assert call(api_live, "POST", "/auth/logout", answer["access_token"]).status_code == 204
    assert call(api_live, "GET", "/auth/me", answer["access_token"]).status_code == 401
    actions = [row.action for row in AuditLog.select().where(AuditLog.source == "api")]
    assert actions == ["api.login", "api.logout"]
    refreshed = call(
        api_live, "POST", "/auth/refresh", json={"refresh_token": answer["refresh_token"]}
    )
    assert refreshed.status_code == 401


def test_expired_forged_and_wrong_type_tokens_answer_401(api_live):
    good = login(api_live, USER)
    claims = jwt.decode(good["access_token"], options={"verify_signature": False})
    assert {"exp", "sub", "type", "jti", "iat"} <= set(claims)
    same = {"sub": claims["sub"], "sid": claims["sid"]}
    assert call(api_live, "GET", "/auth/me", forge(api_live, **same)).status_code == 200
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    expired = call(api_live, "GET", "/auth/me", forge(api_live, exp=past, **same))
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]
    bad = [
        forge(api_live, key=b"somebody else's key, 32 bytes or more", **same),
        forge(api_live, type="refresh", **same),
        forge(api_live, jti=None, **same),
        forge(api_live, sub="999999", sid=claims["sid"]),
        jwt.encode({**claims, "alg": "none"}, None, algorithm="none"),
        good["refresh_token"],
    ]
    for token in bad:
        answer = call(api_live, "GET", "/auth/me", token)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
    basic = call(api_live, "GET", "/auth/me", headers={"Authorization": "Basic dXNlcg=="})
    assert basic.status_code == 401
    assert call(api_live, "GET", "/auth/me").status_code == 401


def test_leaving_the_team_makes_a_staff_member_a_plain_user(api_live):
    access = token_for(api_live, AGENT)
    assert call(api_live, "GET", "/auth/me", access).json()["role"] == "agent"
    StaffMember.update(active=False).where(StaffMember.phone == AGENT).execute()
    assert call(api_live, "GET", "/auth/me", access).json()["role"] == "user"


def test_the_per_address_limit_counts_the_caller_behind_a_trusted_proxy(api_live, monkeypatch):
    from app import behind_proxies

    def verify(forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        body = {"phone": USER, "code": "000000"}
        return call(api_live, "POST", "/auth/verify", json=body, headers=headers).status_code

    # Directly reachable: a forged header does not move the caller to a fresh count.
    assert [verify(f"203.0.113.{n}") for n in range(11)][-1] == 429
    api_live.app.extensions["wocs_api"].extensions["wocs_limiter"].reset()
    monkeypatch.setattr(api_live.app, "wsgi_app", api_live.app.wsgi_app)  # restored afterwards
    behind_proxies(api_live.app, 1)
    assert [verify("203.0.113.7") for _ in range(11)][-1] == 429
    assert verify("203.0.113.8") == 401  # another caller behind the same proxy


def _serve(app) -> tuple[str, Callable[[], None]]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}{API}", server.shutdown


def test_without_an_app_secret_every_process_shares_one_made_once(live):
    # Two web workers on one database, neither configured with WHATSAPP_APP_SECRET: each
    # process's settings start with a secret of their own, as Settings.from_env makes them.
    workers = []
    for _ in range(2):
        settings = Settings(
            database_url=live.settings.database_url,
            app_secret=secrets.token_hex(32),
            generated_secret=True,
        )
        workers.append(_serve(create_app(settings, start_workers=False)))
    (first, stop_first), (second, stop_second) = workers
    try:
        assert requests.post(f"{first}/auth/otp", json={"phone": USER}, timeout=10).ok
        sent = OutboundMessage.get(OutboundMessage.to == USER)  # no sender runs for these apps
        code = {"phone": USER, "code": sent.template["params"][0]}
        answer = requests.post(f"{second}/auth/verify", json=code, timeout=10)
        assert answer.status_code == 200, answer.text
        me = requests.get(
            f"{first}/auth/me",
            headers={"Authorization": f"Bearer {answer.json()['access_token']}"},
            timeout=10,
        )
        assert me.status_code == 200 and me.json()["phone"] == USER
    finally:
        stop_first()
        stop_second()
        OutboundMessage.delete().execute()  # the code no sender runs for: the next test settles
