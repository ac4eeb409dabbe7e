"""What Meta's account-level webhooks mean, in one short line an admin can act on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from whatsapp.payload import AccountUpdate

# Changes that are bookkeeping between Meta, partners and billing: kept, nobody is paged.
QUIET_EVENTS = frozenset(
    {
        "AD_ACCOUNT_LINKED",
        "AUTH_INTL_PRICE_ELIGIBILITY_UPDATE",
        "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE",
        "MM_LITE_TERMS_SIGNED",
        "PARTNER_APP_INSTALLED",
        "PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE",
        "VOLUME_BASED_PRICING_TIER_UPDATE",
    }
)
RESTRICTIONS = {
    "RESTRICTED_BIZ_INITIATED_MESSAGING": "starting conversations (broadcasts, notices, winners)",
    "RESTRICTED_CUSTOMER_INITIATED_MESSAGING": "answering customers",
    "RESTRICTED_ADD_PHONE_NUMBER_ACTION": "adding phone numbers",
}
LIMITS = {
    "TIER_50": "50",
    "TIER_250": "250",
    "TIER_1K": "1,000",
    "TIER_2K": "2,000",
    "TIER_10K": "10,000",
    "TIER_100K": "100,000",
    "TIER_UNLIMITED": "unlimited",
}


def event_name(update: AccountUpdate) -> str:
    """The event or decision the change names, e.g. `ACCOUNT_RESTRICTION` or `APPROVED`."""
    value = update.value
    alert = _dict(value.get("alert_info"))
    found = value.get("event") or value.get("decision") or alert.get("alert_type") or ""
    return str(found)[:60] or update.field.upper()


def worth_telling(update: AccountUpdate) -> bool:
    """True when the admins should hear of this change now."""
    return event_name(update) not in QUIET_EVENTS


def summary(update: AccountUpdate, tz: dt.tzinfo = dt.UTC) -> str:
    """One line saying what happened to the account or number and what it means for us; dates
    in the business time zone `tz`."""
    describe = DESCRIBE.get(update.field, _account_update)
    return describe(update.value, event_name(update), tz)[:600]


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _words(name: str) -> str:
    """`ACCOUNT_OFFBOARDED` → `account offboarded`."""
    return str(name).replace("_", " ").lower()


def _day(stamp: Any, tz: dt.tzinfo) -> str:
    try:
        return dt.datetime.fromtimestamp(int(stamp), tz).strftime("%-d %b %Y")
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def _account_update(value: dict, event: str, tz: dt.tzinfo) -> str:
    if event == "ACCOUNT_RESTRICTION":
        parts = []
        for item in value.get("restriction_info") or []:
            kind = _dict(item).get("restriction_type", "")
            until = _day(_dict(item).get("expiration"), tz)
            parts.append(
                RESTRICTIONS.get(kind, _words(kind)) + (f" until {until}" if until else "")
            )
        return "WhatsApp restricted the business account: " + ("; ".join(parts) or "no details")
    if event == "ACCOUNT_VIOLATION":
        kind = _dict(value.get("violation_info")).get("violation_type", "unknown")
        return (
            f"WhatsApp found a policy violation on the business account ({_words(kind)}). "
            "See WhatsApp Manager's account quality page for what to do."
        )
    if event == "DISABLED_UPDATE":
        ban = _dict(value.get("ban_info"))
        state, since = str(ban.get("waba_ban_state", "")), ban.get("waba_ban_date", "")
        if state == "REINSTATE":
            return "WhatsApp reinstated the business account: messages can go out again."
        when = f" on {since}" if since else ""
        return (
            f"WhatsApp disabled the business account{when} ({_words(state or 'disable')}): "
            "nothing can be sent until it is reinstated. You can appeal in WhatsApp Manager."
        )
    if event == "ACCOUNT_DELETED":
        return "The WhatsApp Business account was deleted: nothing can be sent or received."
    if event == "ACCOUNT_OFFBOARDED":
        return "The WhatsApp Business account was disconnected from this app: nothing reaches us."
    if event == "ACCOUNT_RECONNECTED":
        return "The WhatsApp Business account was connected again: messages flow again."
    if event == "PARTNER_REMOVED":
        return "A partner was removed from the WhatsApp Business account."
    return f"WhatsApp Business account update: {_words(event)}."


def _quality(value: dict, event: str, tz: dt.tzinfo) -> str:
    number = value.get("display_phone_number") or "our number"
    # The tier name is going away (2026) in favour of the business portfolio's daily number.
    daily = _daily(value.get("max_daily_conversations_per_business") or value.get("current_limit"))
    now = f" Limit now: {daily} a day." if daily else ""
    if event == "FLAGGED":
        return (
            f"The quality rating of {number} dropped (flagged): send fewer promotions for a "
            f"while, or its messaging limit may be lowered.{now}"
        )
    if event == "UNFLAGGED":
        return f"The quality rating of {number} is back to normal.{now}"
    if event in ("UPGRADE", "DOWNGRADE"):
        old = _daily(value.get("old_limit"))
        was = f" from {old}" if old else ""
        how = "raised" if event == "UPGRADE" else "lowered"
        return f"The messaging limit of {number} was {how}{was} to {daily or 'a new limit'} a day."
    if event == "THROUGHPUT_UPGRADE":
        return f"{number} may now send at WhatsApp's higher throughput."
    if event == "ONBOARDING":
        return f"{number} is still being registered with WhatsApp."
    return f"{number}: quality or limit update ({_words(event)}).{now}"


def _daily(limit: Any) -> str:
    """A messaging limit as a number of people a day, from a count or a tier name; "" if none."""
    if _integer(limit) or (isinstance(limit, str) and limit.lstrip("-").isdigit()):
        return _count(int(limit))
    return LIMITS.get(str(limit), _words(str(limit))) if limit else ""


def _count(number: int) -> str:
    return "unlimited" if number < 0 else f"{number:,}"


def _name(value: dict, event: str, tz: dt.tzinfo) -> str:
    number = value.get("display_phone_number") or "our number"
    name = value.get("requested_verified_name") or "the requested name"
    if event == "APPROVED":
        return f"WhatsApp approved the display name “{name}” for {number}."
    if event == "REJECTED":
        why = value.get("rejection_reason")
        because = f" ({_words(why)})" if why and why != "NONE" else ""
        return (
            f"WhatsApp rejected the display name “{name}” for {number}{because}. "
            "Change it in WhatsApp Manager to match the business's name."
        )
    return f"The display name “{name}” for {number}: {_words(event)}."


def _review(value: dict, event: str, tz: dt.tzinfo) -> str:
    if event == "APPROVED":
        return "WhatsApp approved the business account: it is ready to send."
    if event == "REJECTED":
        return (
            "WhatsApp rejected the business account after review: it cannot be used to send. "
            "See WhatsApp Manager for the reason and to ask for another review."
        )
    return f"WhatsApp's review of the business account: {_words(event)}; it cannot send yet."


def _capability(value: dict, event: str, tz: dt.tzinfo) -> str:
    limit = value.get("max_daily_conversations_per_business")
    if limit is None:
        limit = value.get("max_daily_conversation_per_phone")
    numbers = value.get("max_phone_numbers_per_waba") or value.get("max_phone_numbers_per_business")
    daily = _daily(limit)
    parts = [f"messaging limit {daily} a day"] if daily else []
    parts += [f"up to {numbers} phone numbers"] if _daily(numbers) else []
    return "The business account's limits changed: " + (", ".join(parts) or "no details") + "."


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _alert(value: dict, event: str, tz: dt.tzinfo) -> str:
    alert = _dict(value.get("alert_info"))
    text = str(alert.get("alert_description") or _words(event))
    severity = str(alert.get("alert_severity") or "")
    return f"WhatsApp alert{f' ({severity.lower()})' if severity else ''}: {text}"


DESCRIBE: dict[str, Callable[[dict, str, dt.tzinfo], str]] = {
    "account_update": _account_update,
    "phone_number_quality_update": _quality,
    "phone_number_name_update": _name,
    "account_review_update": _review,
    "business_capability_update": _capability,
    "account_alerts": _alert,
}
