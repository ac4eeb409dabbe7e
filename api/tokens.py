"""Access tokens (short-lived JWTs) and refresh tokens (single use, rotated, revoked by family)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from api.errors import ApiError
from models import ApiRefreshToken, ApiSession, AppUser, for_update, utcnow, write_transaction
from wocs.audit import audit
from wocs.context import Context
from wocs.settings import Settings

ALGORITHM = "HS256"
REFRESH_LIFETIME = dt.timedelta(days=30)
REQUIRED_CLAIMS = ["exp", "iat", "sub", "sid", "type", "jti"]


@dataclass(frozen=True)
class TokenPair:
    """What a login or a refresh hands the app."""

    access: str
    refresh: str
    expires_in: int  # seconds the access token lives
    user_id: int
    session_id: int


def signing_key(settings: Settings) -> bytes:
    """API_JWT_SECRET, or a key of its own derived from the app secret."""
    if settings.api_secret:
        return settings.api_secret.encode()
    return hmac.new(settings.app_secret.encode(), b"wocs api tokens", hashlib.sha256).digest()


def digest(token: str) -> str:
    """How a refresh token is stored: it is 256 random bits, so a plain hash cannot be reversed."""
    return hashlib.sha256(token.encode()).hexdigest()


def login(user: AppUser, settings: Settings) -> TokenPair:
    """Start a session (a refresh-token family) for a user who proved their phone."""
    with write_transaction():
        session = ApiSession.create(user=user)
        audit(Context(phone=user.phone, source="api"), "api.login", f"session:{session.id}")
        return _pair(session, settings)


def refresh(token: str, settings: Settings) -> TokenPair:
    """Swap a refresh token for a new pair; a used one revokes its whole family."""
    now = utcnow()
    with write_transaction():
        row = for_update(
            ApiRefreshToken.select().where(ApiRefreshToken.token_hash == digest(token))
        ).first()
        session = row.session if row is not None else None
        if row is None or session.revoked_at is not None or row.expires_at <= now:
            problem = "This refresh token is not valid; log in again."
        elif row.used_at is not None:
            # Someone replayed a spent token: the thief or the owner, we cannot tell, so end both.
            revoke(session.id, "reuse")
            audit(
                Context(phone=session.user.phone, source="api"),
                "api.reuse",
                f"session:{session.id}",
            )
            problem = "This refresh token was already used; the session is ended. Log in again."
        else:
            row.used_at = now
            row.save()
            return _pair(session, settings)
    raise ApiError(401, problem)


def revoke(session_id: int, reason: str) -> None:
    """End a session: its refresh tokens and the access tokens issued with them stop working."""
    ApiSession.update(revoked_at=utcnow(), revoked_reason=reason).where(
        ApiSession.id == session_id, ApiSession.revoked_at.is_null()
    ).execute()


def decode(token: str, settings: Settings) -> dict[str, Any]:
    """The claims of a valid access token; ApiError 401 for anything else."""
    try:
        claims = jwt.decode(
            token,
            signing_key(settings),
            algorithms=[ALGORITHM],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.ExpiredSignatureError:
        raise ApiError(401, "The access token has expired; refresh it.") from None
    except jwt.InvalidTokenError:
        raise ApiError(401, "The access token is not valid.") from None
    if claims["type"] != "access" or not str(claims["sub"]).isdigit():
        raise ApiError(401, "This is not an access token.")
    return claims


def _pair(session: ApiSession, settings: Settings) -> TokenPair:
    now = utcnow()
    token = secrets.token_urlsafe(32)
    ApiRefreshToken.create(
        session=session, token_hash=digest(token), expires_at=now + REFRESH_LIFETIME
    )
    lifetime = dt.timedelta(minutes=settings.api_token_minutes)
    issued = now.replace(tzinfo=dt.UTC)
    claims = {
        "sub": str(session.user_id),
        "sid": session.id,
        "type": "access",
        "jti": uuid.uuid4().hex,
        "iat": issued,
        "exp": issued + lifetime,
    }
    access = jwt.encode(claims, signing_key(settings), algorithm=ALGORITHM)
    return TokenPair(access, token, int(lifetime.total_seconds()), session.user_id, session.id)
