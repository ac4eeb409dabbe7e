"""Talking to the live app's JSON API over HTTP as the mobile app does: log in, call, forge."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import jwt
import requests

from api import tokens
from models import StaffMember
from tests.conftest import Live

API = "/api/v1"
AGENT = "60129998888"
USER = "60137776666"
OTHER = "60145554444"


def later(live: Live) -> None:
    """As long after as every API limit needs: counts from zero, a new login code may go."""
    live.app.extensions["wocs_api"].extensions["wocs_limiter"].reset()


def fresh(live: Live) -> Live:
    """The live app with its API rate limits counted from zero and an agent on the team."""
    later(live)
    StaffMember.create(phone=AGENT, name="Siti", role="agent")
    return live


def call(live: Live, method: str, path: str, token: str = "", **kwargs) -> requests.Response:
    """One API request over HTTP, with a bearer token when given."""
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.request(method, f"{live.url}{API}{path}", headers=headers, timeout=15, **kwargs)


def codes_sent_to(live: Live, phone: str) -> list[str]:
    """The login codes the Graph test server received for this phone, oldest first."""
    return [
        body["template"]["components"][0]["parameters"][0]["text"]
        for body in live.graph.sent()
        if body["to"] == f"+{phone}"
        and body["type"] == "template"
        and body["template"]["name"] == "login_code"
    ]


def code_sent_to(live: Live, phone: str, count: int = 1) -> str:
    """The newest login code once `count` of them reached this phone."""
    deadline = time.monotonic() + 15
    while True:
        codes = codes_sent_to(live, phone)
        if len(codes) >= count:
            return codes[-1]
        assert time.monotonic() < deadline, f"no login code reached {phone}"
        time.sleep(0.05)


def login(live: Live, phone: str) -> dict:
    """Log in as `phone` the way the app does; return the tokens answer."""
    sent = len(codes_sent_to(live, phone))
    assert call(live, "POST", "/auth/otp", json={"phone": phone}).status_code == 202
    code = code_sent_to(live, phone, sent + 1)
    answer = call(live, "POST", "/auth/verify", json={"phone": phone, "code": code})
    assert answer.status_code == 200, answer.text
    return answer.json()


def token_for(live: Live, phone: str) -> str:
    """An access token for `phone`."""
    return login(live, phone)["access_token"]


def forge(live: Live, key: bytes | None = None, **claims) -> str:
    """A token signed like the API signs, with some claims changed."""
    now = dt.datetime.now(dt.UTC)
    body = {
        "sub": "1",
        "sid": 1,
        "type": "access",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + dt.timedelta(minutes=5),
    }
    body.update(claims)
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key or tokens.signing_key(live.settings), algorithm="HS256")
