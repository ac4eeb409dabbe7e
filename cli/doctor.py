"""`python bot.py doctor`: check each setting and connection, one line per check."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import requests

import models
import storage
from cli.meta_checks import Finding, Graph, check_graph
from jobs.runtime import connect_redis
from wocs.settings import Settings

log = logging.getLogger(__name__)

KEEP_FILES_DAYS = 365  # stored files (photos, QR codes, exports) are kept a year
NO_LIFECYCLE = "NoSuchLifecycleConfiguration"


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
