"""Login codes: per phone one a minute and ten a day at most, a few live, five tries in all."""

# Each code is a paid WhatsApp template, and anyone may ask for one for any phone: so asking
# again within the minute sends nothing (the last code still works), and nothing a stranger
# asks for voids the code the owner is about to type.

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from flask import current_app
from limits import parse

from api import principal, tokens
from commands.reports import midnight
from jobs import outbox, staging
from models import ApiOtp, OutboundMessage, for_update, utcnow, write_transaction
from wocs.values import mask_phone

log = logging.getLogger(__name__)

CODE_LIFETIME = dt.timedelta(minutes=5)
MAX_TRIES = 5  # wrong codes a phone's live codes take together before they are spent
LIVE_CODES = 3  # the newest unexpired codes of a phone, any of which logs in
DAILY_CODES = 10  # codes a phone is sent in a business day
COOLDOWN = parse("1/minute")  # new codes a phone is sent, whoever asks


def _code_hash(phone: str, code: str) -> str:
    # Keyed: six digits alone would fall to a brute force of the stored hash.
    key = tokens.signing_key(principal.api_settings())
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _first_this_minute(phone: str) -> bool:
    """True for the phone's first new code this minute, counted in the API limits' store."""
    try:  # one atomic count shared by every web worker: two at once cannot both pass
        return current_app.extensions["wocs_limiter"].limiter.hit(COOLDOWN, "otp", phone)
    except Exception:  # the store (Redis) is down: as the API's limits do, let the request by
        log.exception("the login-code cooldown could not be counted for %s", mask_phone(phone))
        return True


def _end_cooldown(phone: str) -> None:
    """Let the phone's next request send a code at once (after a login, or a failed send)."""
    try:
        current_app.extensions["wocs_limiter"].limiter.clear(COOLDOWN, "otp", phone)
    except Exception:
        log.exception("the login-code cooldown could not be cleared for %s", mask_phone(phone))


def send_code(phone: str) -> None:
    """Send a new code to the phone unless it had one this minute or its ten today."""
    if not _first_this_minute(phone):
        return
    try:
        keys = _issue(phone)
    except Exception:
        _end_cooldown(phone)  # nothing went out (the database failed): a retry may send one
        raise
    outbox.release(keys)


def _issue(phone: str) -> list[str]:
    """Add the phone's new code, or the admins' alert, to the outbox; the keys added."""
    settings = principal.api_settings()
    now = utcnow()
    today = now.replace(tzinfo=dt.UTC).astimezone(settings.tz).date()
    code = f"{secrets.randbelow(10**6):06d}"
    with write_transaction():
        sent_today = ApiOtp.select().where(
            ApiOtp.phone == phone, ApiOtp.created_at >= midnight(today, settings.tz)
        )
        if sent_today.count() >= DAILY_CODES:
            return _alert_admins(phone, today)
        otp = ApiOtp.create(
            phone=phone, code_hash=_code_hash(phone, code), expires_at=now + CODE_LIFETIME
        )
        staging.add(
            phone,
            f"{code} is your WOCS app login code. It expires in 5 minutes; do not share it.",
            f"otp:{otp.id}",
            template={"name": "login_code", "language": "en", "params": [code], "secret": True},
        )
    return [f"otp:{otp.id}"]


def _alert_admins(phone: str, today: dt.date) -> list[str]:
    """Tell the admins, once a day per phone, that its codes stopped; the outbox keys added."""
    prefix = f"otp-cap:{phone}:{today.isoformat()}"
    if OutboundMessage.select().where(OutboundMessage.idempotency_key.startswith(prefix)).exists():
        return []
    shown = mask_phone(phone)
    log.warning("login codes for %s reached %d today; no more go out today", shown, DAILY_CODES)
    text = (
        f"Login codes for {shown} were asked for more than {DAILY_CODES} times today, so no "
        "more go to that number until tomorrow. If it was not its owner asking, someone may "
        "be trying to keep them out of the app or to run up the cost of the codes."
    )
    return staging.to_admins(text, prefix)


def check_code(phone: str, code: str) -> bool:
    """True when `code` is one of the phone's live codes, which are then all spent."""
    # A wrong code costs every live code a try, so five wrong codes in all spend them.
    now = utcnow()
    given = _code_hash(phone, code)
    with write_transaction():
        live = list(
            for_update(
                ApiOtp.select()
                .where(
                    ApiOtp.phone == phone,
                    ApiOtp.used_at.is_null(),
                    ApiOtp.expires_at > now,
                    ApiOtp.attempts < MAX_TRIES,
                )
                .order_by(ApiOtp.created_at.desc(), ApiOtp.id.desc())
                .limit(LIVE_CODES)
            )
        )
        good = any(hmac.compare_digest(otp.code_hash, given) for otp in live)
        if good:
            spent = ApiOtp.update(used_at=now).where(ApiOtp.phone == phone)
            spent.where(ApiOtp.used_at.is_null()).execute()
        elif live:
            tried = ApiOtp.update(attempts=ApiOtp.attempts + 1)
            tried.where(ApiOtp.id.in_([otp.id for otp in live])).execute()
    if good:
        _end_cooldown(phone)
    return good
