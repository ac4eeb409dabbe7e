"""Login by WhatsApp: a 6-digit code through the outbox, then access and refresh tokens."""

from __future__ import annotations

from typing import Literal

from flask import Response, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from api import PREFIX, limits, otp, principal, tokens
from api.common import BEARER, Strict
from api.errors import ApiError, ErrorOut
from models import AppUser
from wocs.audit import audit
from wocs.values import ValueProblem, parse_phone

SENT = "If this number uses WhatsApp, a 6-digit code is on its way. It is valid for 5 minutes."
WRONG = "That code is wrong or has expired. Ask for a new one if needed."
ERRORS = {code: ErrorOut for code in (400, 401, 415, 429)}

bp = APIBlueprint(
    "auth",
    __name__,
    url_prefix=f"{PREFIX}/auth",
    abp_tags=[Tag(name="auth", description="Log in with a code sent by WhatsApp")],
    abp_responses=ERRORS,
)


class PhoneIn(Strict):
    phone: str = Field(min_length=1, max_length=40, examples=["+60 12-345 6789"])


class VerifyIn(PhoneIn):
    code: str = Field(pattern=r"^[0-9]{6}$", examples=["123456"])


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=200)


class CodeSentOut(BaseModel):
    message: str
    expires_in: int = Field(description="seconds the code stays valid")


class MeOut(BaseModel):
    id: int
    phone: str = Field(description="E.164 digits without the plus")
    name: str
    role: Literal["user", "agent", "admin"]


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str = Field(description="single use; every refresh returns a new one")
    token_type: Literal["Bearer"]
    expires_in: int = Field(description="seconds the access token lives")
    user: MeOut


def _phone(text: str) -> str:
    try:
        return parse_phone(text)
    except ValueProblem as exc:
        raise ApiError(400, "The phone number is not valid.", {"phone": str(exc)}) from None


def _phone_and_address() -> str:
    """Whose code requests the per-phone limit counts: this phone asked for from this address."""
    # Not the phone alone: then anyone could use up a stranger's requests and keep them out.
    body = request.get_json(silent=True)
    raw = str(body.get("phone", "")) if isinstance(body, dict) else ""
    try:
        phone = parse_phone(raw)
    except ValueProblem:
        phone = raw[:40]  # refused by the view, and so not counted (see LIMITS)
    return f"phone:{phone}:{limits.address()}"


def _accepted(response: Response) -> bool:
    """Counted against the phone only when the request was valid (202, code sent or not)."""
    return response.status_code == 202


@bp.post("/otp", responses={202: CodeSentOut}, summary="Send a login code by WhatsApp")
def request_code(body: PhoneIn) -> tuple[dict, int]:
    """Send a 6-digit code to the phone (at most one a minute); the same answer for any phone."""
    otp.send_code(_phone(body.phone))
    return {"message": SENT, "expires_in": int(otp.CODE_LIFETIME.total_seconds())}, 202


@bp.post("/verify", responses={200: TokensOut}, summary="Trade the code for tokens")
def verify(body: VerifyIn) -> dict:
    """Check the code against the phone's live codes (5 wrong tries in all) and log in."""
    phone = _phone(body.phone)
    if not otp.check_code(phone, body.code):
        raise ApiError(401, WRONG)
    AppUser.insert(phone=phone).on_conflict_ignore().execute()
    user = AppUser.get(AppUser.phone == phone)
    return _tokens_out(tokens.login(user, principal.api_settings()))


@bp.post("/refresh", responses={200: TokensOut}, summary="Rotate the refresh token")
def refresh(body: RefreshIn) -> dict:
    """A new access token and a new refresh token; the one sent stops working."""
    return _tokens_out(tokens.refresh(body.refresh_token, principal.api_settings()))


@bp.post("/logout", responses={204: None}, security=BEARER, summary="End this session")
def logout() -> Response:
    """Revoke the session: its refresh token and access tokens stop working."""
    who = principal.current()
    tokens.revoke(who.session_id, "logout")
    audit(who.context(), "api.logout", f"session:{who.session_id}")
    return Response(status=204)


@bp.get("/me", responses={200: MeOut}, security=BEARER, summary="Who is logged in")
def me() -> dict:
    """The caller and their role."""
    return _me(principal.current())


def _me(who: principal.Principal) -> dict:
    return {"id": who.user_id, "phone": who.phone, "name": who.name, "role": who.role}


def _tokens_out(pair: tokens.TokenPair) -> dict:
    who = principal.of_user(AppUser.get_by_id(pair.user_id), pair.session_id)
    return {
        "access_token": pair.access,
        "refresh_token": pair.refresh,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "user": _me(who),
    }


LIMITS: limits.Special = {
    "auth.request_code": [
        ("3 per 10 minutes", _phone_and_address, _accepted),
        ("20 per hour", limits.address, None),
    ],
    "auth.verify": [("10 per minute", limits.address, None)],
}
