"""Configuration read from the environment (and a .env file when present)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wocs.beacon import BeaconSettings
from wocs.values import ValueProblem, parse_phone

DEFAULT_API_BASE = "https://graph.facebook.com/v25.0"
DEFAULT_DATABASE_URL = "sqlite:///instance/wocs.sqlite3"
DEFAULT_STORAGE_DIR = "instance/files"
STORAGE_BUCKET_VARS = ("S3_ENDPOINT_URL", "S3_REGION", "S3_PREFIX")


class ConfigError(Exception):
    """The environment does not describe a runnable system."""


@dataclass(frozen=True)
class StorageSettings:
    """Where stored files go: a local folder, or an S3-compatible bucket when `bucket` is set."""

    directory: str = DEFAULT_STORAGE_DIR
    public_url: str = ""  # files are linked under this URL when set (a CDN, a public bucket)
    bucket: str = ""
    endpoint_url: str = ""  # another S3-compatible service (MinIO, R2); unset: AWS
    region: str = ""
    prefix: str = ""
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StorageSettings:
        """Storage settings from the environment, refusing half-configured buckets."""
        get = lambda key: (env.get(key) or "").strip()  # noqa: E731
        public_url, bucket, endpoint = (
            get("STORAGE_PUBLIC_URL"),
            get("S3_BUCKET"),
            get("S3_ENDPOINT_URL"),
        )
        if public_url and not public_url.startswith(("https://", "http://")):
            raise ConfigError(f"STORAGE_PUBLIC_URL must be an http(s) URL, not {public_url[:40]!r}")
        stray = [k for k in STORAGE_BUCKET_VARS if get(k)]
        if not bucket and stray:
            raise ConfigError(f"{', '.join(stray)} set without S3_BUCKET; set the bucket too.")
        key_id, secret = get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")
        if bucket and bool(key_id) != bool(secret):
            raise ConfigError("Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither.")
        if endpoint and not endpoint.startswith(("https://", "http://")):
            raise ConfigError(f"S3_ENDPOINT_URL must be an http(s) URL, not {endpoint[:40]!r}")
        return cls(
            directory=get("STORAGE_DIR") or DEFAULT_STORAGE_DIR,
            public_url=public_url,
            bucket=bucket,
            endpoint_url=endpoint,
            region=get("S3_REGION"),
            prefix=get("S3_PREFIX"),
            access_key_id=key_id,
            secret_access_key=secret,
        )


@dataclass(frozen=True)
class BackupSettings:
    """How often the workers back the database up, and how long backups are kept."""

    every_hours: int = 6  # 0: no scheduled backups (`python bot.py backup` still works)
    keep_days: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BackupSettings:
        """Backup settings from BACKUP_EVERY_HOURS and BACKUP_KEEP_DAYS."""
        every = (env.get("BACKUP_EVERY_HOURS") or "6").strip()
        keep = (env.get("BACKUP_KEEP_DAYS") or "30").strip()
        # Slots start at midnight UTC, so the hours must divide the day.
        if not (every.isascii() and every.isdigit()) or (int(every) and 24 % int(every)):
            raise ConfigError(
                f"BACKUP_EVERY_HOURS must be 0 (off) or divide 24 (1, 2, 3, 4, 6, 8, 12, 24), not {every!r}"
            )
        if not (keep.isascii() and keep.isdigit()) or not 1 <= int(keep) <= 3650:
            raise ConfigError(f"BACKUP_KEEP_DAYS must be 1 to 3650 days, not {keep!r}")
        return cls(every_hours=int(every), keep_days=int(keep))


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
    forward_burst: float = 3.0  # seconds a customer's messages gather before one forward goes
    waba_id: str = ""  # the WhatsApp Business Account that owns the templates
    mps: int = 80  # messages a second Meta allows this business number
    max_body_bytes: int = 3 * 1024 * 1024
    api_cors_origins: tuple[str, ...] = ()  # origins allowed to call /api/v1 from a browser
    api_secret: str = ""  # signs API tokens; unset: derived from the app secret
    api_token_minutes: int = 60  # lifetime of an API access token
    api_rate_limit: str = "100/minute"  # per API user (per address before login)
    public_url: str = ""  # where Meta and customers reach this server, checked by `doctor`
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-* headers are believed
    metrics_token: str = ""  # bearer token for /metrics; unset: /metrics is not served
    log_format: str = "plain"  # or "json": one JSON object a line, for a log collector
    storage: StorageSettings = field(default_factory=StorageSettings)
    backups: BackupSettings = field(default_factory=BackupSettings)
    beacon: BeaconSettings = field(default_factory=BeaconSettings)  # the drand chain draws use
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
        if not (sweep.isascii() and sweep.isdigit()) or int(sweep) < 1:
            raise ConfigError(
                f"WOCS_SWEEP_SECONDS must be a whole number of seconds, not {sweep!r}"
            )
        if not (port.isascii() and port.isdigit()):
            raise ConfigError(f"PORT must be a number, not {port!r}")
        if not (limit.isascii() and limit.isdigit()):
            raise ConfigError(f"WOCS_SENDER_LIMIT must be a number, not {limit!r}")
        minutes = get("API_TOKEN_MINUTES", "60")
        if not (minutes.isascii() and minutes.isdigit()) or not 1 <= int(minutes) <= 60:
            raise ConfigError(f"API_TOKEN_MINUTES must be 1 to 60 minutes, not {minutes!r}")
        proxies = get("WOCS_TRUSTED_PROXIES", "0")
        if not (proxies.isascii() and proxies.isdigit()) or int(proxies) > 5:
            raise ConfigError(f"WOCS_TRUSTED_PROXIES must be a number from 0 to 5, not {proxies!r}")
        timeout = get("DATABASE_TIMEOUT", "10")
        if not (timeout.isascii() and timeout.isdigit()) or not 1 <= int(timeout) <= 20:
            # gunicorn kills a web worker after 30 s; a request must be able to answer 503 first
            raise ConfigError(f"DATABASE_TIMEOUT must be 1 to 20 seconds, not {timeout!r}")
        log_format = get("WOCS_LOG_FORMAT", "plain").lower()
        if log_format not in ("plain", "json"):
            raise ConfigError(f"WOCS_LOG_FORMAT must be plain or json, not {log_format!r}")
        burst = get("WOCS_FORWARD_BURST_SECONDS", "3")
        if not (burst.isascii() and burst.isdigit()) or int(burst) > 60:
            raise ConfigError(f"WOCS_FORWARD_BURST_SECONDS must be 0 to 60 seconds, not {burst!r}")
        mps = get("WHATSAPP_MPS", "80")
        if not (mps.isascii() and mps.isdigit()) or not 1 <= int(mps) <= 1000:
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
            forward_burst=float(burst),
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
            public_url=get("WOCS_PUBLIC_URL").rstrip("/"),
            metrics_token=get("WOCS_METRICS_TOKEN"),
            log_format=log_format,
            storage=StorageSettings.from_env(env),
            backups=BackupSettings.from_env(env),
            beacon=_beacon(get),
        )


def _beacon(get: Callable[..., str]) -> BeaconSettings:
    """The drand chain pinned by default (quicknet), its endpoints and margin, from DRAND_*."""
    pinned = BeaconSettings()
    numbers = {}
    for key, default in (
        ("DRAND_GENESIS", pinned.genesis),
        ("DRAND_PERIOD", pinned.period),
        ("DRAND_MARGIN_SECONDS", pinned.margin),
    ):
        value = get(key, str(default))
        if not (value.isascii() and value.isdigit()) or (key == "DRAND_PERIOD" and value == "0"):
            raise ConfigError(f"{key} must be a whole number of seconds, not {value!r}")
        numbers[key] = int(value)
    urls = tuple(u.strip().rstrip("/") for u in get("DRAND_URLS").split(",") if u.strip())
    if any(not u.startswith(("https://", "http://")) for u in urls):
        raise ConfigError("DRAND_URLS must be http(s) URLs separated by commas.")
    chain, key = (
        get("DRAND_CHAIN_HASH", pinned.chain_hash),
        get("DRAND_PUBLIC_KEY", pinned.public_key),
    )
    if not re.fullmatch(r"[0-9a-f]{64}", chain) or not re.fullmatch(r"[0-9a-f]{192}", key):
        raise ConfigError("DRAND_CHAIN_HASH (64 hex) or DRAND_PUBLIC_KEY (192 hex) is malformed.")
    return BeaconSettings(
        chain_hash=chain,
        public_key=key,
        genesis=numbers["DRAND_GENESIS"],
        period=numbers["DRAND_PERIOD"],
        urls=urls or pinned.urls,
        margin=numbers["DRAND_MARGIN_SECONDS"],
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
