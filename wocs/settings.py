"""Configuration read from the environment (and a .env file when present)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wocs.values import ValueProblem, parse_phone

DEFAULT_API_BASE = "https://graph.facebook.com/v25.0"
DEFAULT_DATABASE_URL = "sqlite:///instance/wocs.sqlite3"


class ConfigError(Exception):
    """The environment does not describe a runnable system."""


@dataclass(frozen=True)
class Settings:
    """Every setting WOCS reads, with the embedded defaults."""

    database_url: str = DEFAULT_DATABASE_URL
    database_timeout: int = 10  # seconds any wait on the database may last
    redis_url: str = ""
    whatsapp_token: str = ""
    phone_number_id: str = ""
    business_number: str = ""  # the number customers write to, for wa.me links and QR codes
    app_secret: str = ""
    verify_token: str = ""
    api_base: str = DEFAULT_API_BASE
    transport: str = "console"
    admins: tuple[str, ...] = ()
    business_tz: str = "Asia/Kuala_Lumpur"
    port: int = 5000
    sweep_interval: float = 30.0
    sender_limit: int = 60  # messages a minute one phone may have acted on; 0 turns it off
    waba_id: str = ""  # the WhatsApp Business Account that owns the templates
    mps: int = 80  # messages a second Meta allows this business number
    max_body_bytes: int = 3 * 1024 * 1024
    api_cors_origins: tuple[str, ...] = ()  # origins allowed to call /api/v1 from a browser
    api_secret: str = ""  # signs API tokens; unset: derived from the app secret
    api_token_minutes: int = 60  # lifetime of an API access token
    api_rate_limit: str = "100/minute"  # per API user (per address before login)
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-* headers are believed
    # A secret generated per process when none is configured: outside senders
    # can then never pass the signature check, while in-process tools can.
    generated_secret: bool = field(default=False, compare=False)

    @property
    def embedded(self) -> bool:
        """True when jobs run in-process on the Redis stand-in."""
        return not self.redis_url

    @property
    def tz(self) -> ZoneInfo:
        """The business time zone."""
        return ZoneInfo(self.business_tz)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, refusing unsafe combinations."""
        env = os.environ if environ is None else environ
        get = lambda key, default="": (env.get(key) or default).strip()  # noqa: E731
        token = get("WHATSAPP_TOKEN")
        secret = get("WHATSAPP_APP_SECRET")
        transport = get("WHATSAPP_TRANSPORT", "cloud" if token else "console").lower()
        if transport not in ("cloud", "console"):
            raise ConfigError(f"WHATSAPP_TRANSPORT must be cloud or console, not {transport!r}")
        if token and not secret:
            raise ConfigError(
                "WHATSAPP_TOKEN is set but WHATSAPP_APP_SECRET is not: "
                "webhooks could not be verified, so WOCS will not start."
            )
        if transport == "cloud" and not (token and get("WHATSAPP_PHONE_NUMBER_ID")):
            raise ConfigError(
                "The cloud transport needs WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID."
            )
        tz = get("BUSINESS_TZ", "Asia/Kuala_Lumpur")
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"BUSINESS_TZ {tz!r} is not a known time zone") from exc
        port, limit = get("PORT", "5000"), get("WOCS_SENDER_LIMIT", "60")
        sweep = get("WOCS_SWEEP_SECONDS", "30")
        if not sweep.isdigit() or int(sweep) < 1:
            raise ConfigError(
                f"WOCS_SWEEP_SECONDS must be a whole number of seconds, not {sweep!r}"
            )
        if not port.isdigit():
            raise ConfigError(f"PORT must be a number, not {port!r}")
        if not limit.isdigit():
            raise ConfigError(f"WOCS_SENDER_LIMIT must be a number, not {limit!r}")
        minutes = get("API_TOKEN_MINUTES", "60")
        if not minutes.isdigit() or not 1 <= int(minutes) <= 60:
            raise ConfigError(f"API_TOKEN_MINUTES must be 1 to 60 minutes, not {minutes!r}")
        proxies = get("WOCS_TRUSTED_PROXIES", "0")
        if not proxies.isdigit() or int(proxies) > 5:
            raise ConfigError(f"WOCS_TRUSTED_PROXIES must be a number from 0 to 5, not {proxies!r}")
        timeout = get("DATABASE_TIMEOUT", "10")
        if not (timeout.isascii() and timeout.isdigit()) or not 1 <= int(timeout) <= 20:
            # gunicorn kills a web worker after 30 s; a request must be able to answer 503 first
            raise ConfigError(f"DATABASE_TIMEOUT must be 1 to 20 seconds, not {timeout!r}")
        mps = get("WHATSAPP_MPS", "80")
        if not mps.isdigit() or not 1 <= int(mps) <= 1000:
            raise ConfigError(f"WHATSAPP_MPS must be a number from 1 to 1000, not {mps!r}")
        return cls(
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            database_timeout=int(timeout),
            redis_url=get("REDIS_URL"),
            whatsapp_token=token,
            phone_number_id=get("WHATSAPP_PHONE_NUMBER_ID"),
            business_number="".join(ch for ch in get("WHATSAPP_BUSINESS_NUMBER") if ch.isdigit()),
            app_secret=secret or secrets.token_hex(32),
            generated_secret=not secret,
            verify_token=get("WHATSAPP_VERIFY_TOKEN"),
            api_base=get("WHATSAPP_API_BASE", DEFAULT_API_BASE).rstrip("/"),
            transport=transport,
            admins=_admin_phones(get("WOCS_ADMINS")),
            business_tz=tz,
            port=int(port),
            sender_limit=int(limit),
            sweep_interval=float(sweep),
            api_cors_origins=tuple(
                filter(None, map(str.strip, get("API_CORS_ORIGINS").split(",")))
            ),
            api_secret=get("API_JWT_SECRET"),
            api_token_minutes=int(minutes),
            api_rate_limit=get("API_RATE_LIMIT", "100/minute"),
            waba_id=get("WHATSAPP_WABA_ID"),
            mps=int(mps),
            trusted_proxies=int(proxies),
        )


def _admin_phones(raw: str) -> tuple[str, ...]:
    """Normalise the comma-separated WOCS_ADMINS list to E.164 digits."""
    phones = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            phones.append(parse_phone(item))
        except ValueProblem as exc:
            raise ConfigError(f"WOCS_ADMINS: {exc}") from exc
    return tuple(dict.fromkeys(phones))
