"""The doctor's checks on Meta's side: token, number, WABA, webhooks, quality, templates."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from wocs import message_templates
from wocs.settings import Settings

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
