"""`python bot.py doctor`: check each setting and connection, one line per check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

import models
import storage
from jobs.runtime import connect_redis
from wocs import message_templates
from wocs.settings import Settings

log = logging.getLogger(__name__)

KEEP_FILES_DAYS = 365  # stored files (photos, QR codes, exports) are kept a year
NO_LIFECYCLE = "NoSuchLifecycleConfiguration"
PHONE_FIELDS = "display_phone_number,verified_name,quality_rating,messaging_limit_tier"


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ok, or what is wrong and how to fix it."""

    name: str
    ok: bool
    line: str


class Graph:
    """GET/POST on Meta's Graph API with the configured token and a short timeout."""

    def __init__(self, settings: Settings, timeout: float) -> None:
        self.base, self.timeout = settings.api_base, timeout
        self.headers = {"Authorization": f"Bearer {settings.whatsapp_token}"}

    def call(self, method: str, path: str, **params: str) -> tuple[int, dict]:
        """Status and JSON body; a network failure is status 0 with the reason as message."""
        try:
            answer = requests.request(
                method,
                f"{self.base}/{path}",
                params=params,
                headers=self.headers,
                timeout=self.timeout,
            )
            body = answer.json()
        except (requests.RequestException, ValueError) as exc:
            return 0, {"error": {"message": f"no JSON answer from {self.base}: {exc}"}}
        return answer.status_code, body if isinstance(body, dict) else {}


def _problem(body: dict) -> str:
    error = body.get("error") or {}
    return f"{error.get('message', 'unknown error')} (code {error.get('code', '?')})"


def check_database(settings: Settings) -> Finding:
    """The database answers and every migration is applied."""
    try:
        models.db.execute_sql("SELECT 1")
        waiting = models.pending()
    except Exception as exc:  # any driver error means the same thing to the operator
        return Finding("database", False, f"database unreachable ({exc}); check DATABASE_URL")
    if waiting:
        names = ", ".join(waiting)
        return Finding(
            "database", False, f"migrations pending: {names}; run `python bot.py db upgrade`"
        )
    return Finding("database", True, "database reachable and migrated")


def check_redis(settings: Settings) -> Finding:
    """Redis answers PING (skipped in embedded mode)."""
    if settings.embedded:
        return Finding("redis", True, "Redis not configured: embedded mode runs jobs in `serve`")
    try:
        connect_redis(settings).ping()
    except Exception as exc:  # redis raises several families; all mean unreachable
        return Finding("redis", False, f"Redis unreachable ({exc}); check REDIS_URL")
    return Finding("redis", True, "Redis reachable")


def check_storage(settings: Settings) -> Finding:
    """A small file can be written to and deleted from the storage."""
    where = (
        f"bucket {settings.storage.bucket}"
        if settings.storage.bucket
        else settings.storage.directory
    )
    try:
        store = storage.build(settings.storage)
        store.save("doctor/check.txt", b"doctor", "text/plain")
        store.delete("doctor/check.txt")
    except Exception as exc:  # permissions, missing bucket, bad credentials
        return Finding(
            "storage", False, f"storage {where} not writable ({exc}); check STORAGE_DIR or S3_*"
        )
    return Finding("storage", True, f"storage {where} writable")


def check_lifecycle(settings: Settings, fix: bool) -> Finding:
    """A bucket expires stored files after a year (`fix`: add the rule, keeping the others)."""
    if not settings.storage.bucket:
        return Finding("lifecycle", True, "local storage: files are kept until deleted")
    bucket = settings.storage.bucket
    try:
        client = storage.build(settings.storage).client  # type: ignore[attr-defined]
        rules = _lifecycle_rules(client, bucket)
    except Exception as exc:  # boto3 raises per-service classes; each means the same here
        return Finding("lifecycle", False, f"bucket {bucket}: lifecycle unreadable ({exc})")
    if any(_expires_within(rule, KEEP_FILES_DAYS) for rule in rules):
        return Finding("lifecycle", True, f"bucket {bucket} expires stored files within a year")
    if not fix:
        return Finding(
            "lifecycle",
            False,
            f"bucket {bucket} keeps stored files forever; `doctor --fix` adds a rule "
            f"expiring them after {KEEP_FILES_DAYS} days (backups prune themselves sooner)",
        )
    rule = {
        "ID": "wocs-stored-files",
        "Status": "Enabled",
        "Filter": {"Prefix": settings.storage.prefix.strip("/")},
        "Expiration": {"Days": KEEP_FILES_DAYS},
    }
    try:
        client.put_bucket_lifecycle_configuration(
            Bucket=bucket, LifecycleConfiguration={"Rules": [*rules, rule]}
        )
    except Exception as exc:  # permissions, most often
        return Finding("lifecycle", False, f"bucket {bucket}: could not add the rule ({exc})")
    return Finding("lifecycle", True, f"bucket {bucket}: added a rule expiring files after a year")


def _lifecycle_rules(client: Any, bucket: str) -> list[dict]:
    try:
        return client.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") == NO_LIFECYCLE:
            return []
        raise


def _expires_within(rule: dict, days: int) -> bool:
    return rule.get("Status") == "Enabled" and 0 < rule.get("Expiration", {}).get("Days", 0) <= days


def check_graph(settings: Settings, graph: Graph, fix: bool) -> list[Finding]:
    """Token, number, WABA, webhook subscription, quality, templates, business number."""
    if settings.transport != "cloud":
        return [Finding("graph", True, "console transport: nothing is sent to WhatsApp")]
    status, number = graph.call("GET", settings.phone_number_id, fields=PHONE_FIELDS)
    if status != 200:
        return [
            Finding(
                "token",
                False,
                f"GET /{settings.phone_number_id} failed: {_problem(number)}; check WHATSAPP_TOKEN "
                "(a system-user token) and WHATSAPP_PHONE_NUMBER_ID",
            )
        ]
    found = [
        Finding(
            "token",
            True,
            f"token can use {number.get('display_phone_number')} "
            f"({number.get('verified_name')}), id {settings.phone_number_id}",
        ),
        _quality(number),
        _business_number(settings, number),
    ]
    if not settings.waba_id:
        found.append(
            Finding(
                "waba",
                False,
                "WHATSAPP_WABA_ID unset: templates cannot be pushed "
                "or checked; set it to the WhatsApp Business Account id",
            )
        )
        return found
    status, numbers = graph.call("GET", f"{settings.waba_id}/phone_numbers")
    ids = [row.get("id") for row in numbers.get("data", [])] if status == 200 else []
    if settings.phone_number_id not in ids:
        why = _problem(numbers) if status != 200 else f"it has {', '.join(map(str, ids)) or 'none'}"
        found.append(
            Finding(
                "waba",
                False,
                f"WABA {settings.waba_id} does not own number "
                f"{settings.phone_number_id} ({why}); check WHATSAPP_WABA_ID",
            )
        )
        return found
    found.append(Finding("waba", True, f"WABA {settings.waba_id} owns the number"))
    found.append(_subscription(settings, graph, fix))
    found.append(_templates(settings, graph))
    return found


def _quality(number: dict) -> Finding:
    quality, tier = number.get("quality_rating", "UNKNOWN"), number.get("messaging_limit_tier", "?")
    if quality in ("RED", "YELLOW"):
        return Finding(
            "quality",
            False,
            f"quality rating {quality} (limit {tier}): customers block "
            "or report messages; send fewer marketing messages until it is GREEN",
        )
    return Finding("quality", True, f"quality rating {quality}, messaging limit {tier}")


def _business_number(settings: Settings, number: dict) -> Finding:
    shown = "".join(ch for ch in str(number.get("display_phone_number", "")) if ch.isdigit())
    if not settings.business_number:
        return Finding(
            "business_number",
            False,
            "WHATSAPP_BUSINESS_NUMBER unset: every wa.me link "
            f"and QR code opens WhatsApp's contact picker; set it to {shown}",
        )
    if settings.business_number != shown:
        return Finding(
            "business_number",
            False,
            f"WHATSAPP_BUSINESS_NUMBER {settings.business_number} "
            f"is not the number's display number {shown}; links would open another chat",
        )
    return Finding("business_number", True, "WHATSAPP_BUSINESS_NUMBER matches the number")


def _subscription(settings: Settings, graph: Graph, fix: bool) -> Finding:
    path = f"{settings.waba_id}/subscribed_apps"
    status, apps = graph.call("GET", path)
    if status == 200 and apps.get("data"):
        return Finding("webhooks", True, "the app is subscribed to the WABA's webhooks")
    if fix:
        status, done = graph.call("POST", path)
        if status == 200 and done.get("success"):
            return Finding("webhooks", True, "subscribed the app to the WABA's webhooks (--fix)")
        return Finding("webhooks", False, f"subscribing failed: {_problem(done)}")
    return Finding(
        "webhooks",
        False,
        "the app is not subscribed to the WABA's webhooks: Meta will "
        "not call the webhook; run `python bot.py doctor --fix`",
    )


def _templates(settings: Settings, graph: Graph) -> Finding:
    status, body = graph.call("GET", f"{settings.waba_id}/message_templates", fields="name,status")
    if status != 200:
        return Finding("templates", False, f"templates could not be listed: {_problem(body)}")
    at_meta = {row.get("name"): row.get("status") for row in body.get("data", [])}
    mine = [definition.name for definition in message_templates.definitions()]  # the files
    missing = sorted(set(mine) - set(at_meta))
    if missing:
        return Finding(
            "templates",
            False,
            f"not at Meta: {', '.join(missing)}; run `python bot.py templates push`",
        )
    waiting = sorted(name for name, state in at_meta.items() if state != "APPROVED")
    if waiting:
        states = ", ".join(f"{name} {at_meta[name]}" for name in waiting)
        return Finding(
            "templates", False, f"templates not approved: {states}; fix or wait for review"
        )
    return Finding("templates", True, f"{len(at_meta)} templates, all approved")


def check_public_url(settings: Settings, timeout: float) -> Finding:
    """WOCS_PUBLIC_URL answers /healthz, when it is set."""
    if not settings.public_url:
        return Finding("public_url", True, "WOCS_PUBLIC_URL unset: reachability not checked")
    url = f"{settings.public_url}/healthz"
    try:
        answer = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return Finding(
            "public_url", False, f"{url} unreachable ({exc}); check DNS, HTTPS and the proxy"
        )
    if answer.status_code != 200:
        return Finding("public_url", False, f"{url} answered {answer.status_code}; check the proxy")
    return Finding("public_url", True, f"{url} reachable")


def diagnose(
    settings: Settings, *, fix: bool = False, timeout: float = 5.0, public: bool = True
) -> list[Finding]:
    """Every check, in the order an operator fixes them (`public`: the public URL too)."""
    checks: list[Callable[[], Any]] = [
        lambda: [check_database(settings)],
        lambda: [check_redis(settings)],
        lambda: [check_storage(settings)],
        lambda: [check_lifecycle(settings, fix)],
        lambda: check_graph(settings, Graph(settings, timeout), fix),
    ]
    if public:
        checks.append(lambda: [check_public_url(settings, timeout)])
    return [finding for check in checks for finding in check()]


def brief(settings: Settings) -> bool:
    """At a production start: every check with short timeouts, a warning for each wrong one.

    It never stops the start (a worker may come up before Redis does); the public URL is left
    out, since a server starting now cannot answer it yet. True when all were fine.
    """
    findings = diagnose(settings, timeout=2.0, public=False)
    wrong = [f for f in findings if not f.ok]
    for finding in wrong:
        log.warning("doctor: %s: %s", finding.name, finding.line)
    if wrong:
        log.warning(
            "doctor: %d of %d checks wrong; `python bot.py doctor` for all",
            len(wrong),
            len(findings),
        )
    else:
        log.info("doctor: all %d checks fine", len(findings))
    return not wrong


def run(settings: Settings, fix: bool = False) -> int:
    """Print one line per check; 1 when any is wrong."""
    models.init_db(settings.database_url, timeout=min(settings.database_timeout, 5))
    findings = diagnose(settings, fix=fix)
    for finding in findings:
        print(f"{'ok   ' if finding.ok else 'WRONG'} {finding.name}: {finding.line}")
    return 0 if all(f.ok for f in findings) else 1
