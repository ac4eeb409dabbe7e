"""WhatsApp message templates: their definitions, Meta's approval of them, and which may be sent."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import WhatsAppTemplate, utcnow
from wocs.values import ValueProblem

log = logging.getLogger(__name__)

FOLDER = Path(__file__).resolve().parent.parent / "templates" / "whatsapp"
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
_PLACEHOLDER = re.compile(r"\{\{\s*([0-9]+)\s*\}\}")
_NAME = re.compile(r"[a-z0-9_]{1,120}")


@dataclass(frozen=True)
class Definition:
    """One template file: what `templates push` submits to Meta."""

    name: str
    language: str
    category: str
    body: str
    example: tuple[str, ...]
    buttons: tuple[dict, ...]

    @property
    def variables(self) -> int:
        """How many {{n}} placeholders the body has."""
        return len(set(_PLACEHOLDER.findall(self.body)))

    def graph_payload(self) -> dict[str, Any]:
        """The body of Graph's POST /{waba-id}/message_templates for this template."""
        body: dict[str, Any] = {"type": "BODY", "text": self.body}
        if self.variables:
            body["example"] = {"body_text": [list(self.example)]}
        components = [body]
        if self.buttons:
            components.append({"type": "BUTTONS", "buttons": list(self.buttons)})
        return {
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "components": components,
        }


def load(path: Path) -> Definition:
    """Read and check one definition file; ValueError says what is wrong with it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    definition = Definition(
        name=str(data.get("name", "")),
        language=str(data.get("language", "en")),
        category=str(data.get("category", "")).upper(),
        body=str(data.get("body", "")),
        example=tuple(str(x) for x in data.get("example", [])),
        buttons=tuple(data.get("buttons", [])),
    )
    if not _NAME.fullmatch(definition.name):
        raise ValueError(f"{path.name}: name must be lowercase letters, digits and _")
    if definition.category not in CATEGORIES:
        raise ValueError(f"{path.name}: category must be one of {', '.join(CATEGORIES)}")
    numbers = sorted({int(n) for n in _PLACEHOLDER.findall(definition.body)})
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{path.name}: placeholders must be {{{{1}}}}, {{{{2}}}}, … in order")
    if len(definition.example) != definition.variables:
        raise ValueError(f"{path.name}: give one example value per placeholder")
    return definition


def definitions(folder: Path = FOLDER) -> list[Definition]:
    """Every template defined in the folder, sorted by name."""
    return [load(path) for path in sorted(folder.glob("*.json"))]


def sync(found: list[Definition] | None = None) -> None:
    """Make sure every defined template has a row; a new one starts as LOCAL (not yet at Meta)."""
    for definition in definitions() if found is None else found:
        WhatsAppTemplate.insert(
            name=definition.name,
            language=definition.language,
            category=definition.category,
            body=definition.body,
            variables=definition.variables,
        ).on_conflict_ignore().execute()
        WhatsAppTemplate.update(
            category=definition.category, body=definition.body, variables=definition.variables
        ).where(
            WhatsAppTemplate.name == definition.name,
            WhatsAppTemplate.language == definition.language,
        ).execute()


def record_status(
    name: str, language: str, status: str, *, meta_id: str = "", reason: str = ""
) -> bool:
    """Keep Meta's word on a template (from a push answer or a status webhook); False if unknown."""
    changes: dict[str, Any] = {"status": status.upper()[:20], "updated_at": utcnow()}
    if meta_id:
        changes["meta_id"] = meta_id[:64]
    changes["reason"] = "" if reason in ("", "NONE") else reason[:500]
    moved = (
        WhatsAppTemplate.update(**changes)
        .where(WhatsAppTemplate.name == name, WhatsAppTemplate.language == language)
        .execute()
    )
    if not moved and meta_id:
        moved = (
            WhatsAppTemplate.update(**changes).where(WhatsAppTemplate.meta_id == meta_id).execute()
        )
    if not moved:
        log.info(
            "status %s for template %s (%s), which is not defined here", status, name, language
        )
    return bool(moved)


def usable(name: str, params: list[str]) -> WhatsAppTemplate:
    """The approved template of that name, with the right number of values; else ValueProblem."""
    wanted = name.strip().lower()
    rows = list(WhatsAppTemplate.select().where(WhatsAppTemplate.name == wanted))
    if not rows:
        known = ", ".join(t.name for t in WhatsAppTemplate.select().order_by(WhatsAppTemplate.name))
        raise ValueProblem(
            f"There is no template '{name.strip()[:40]}'. Templates: {known or 'none yet'}."
        )
    approved = [t for t in rows if t.status == "APPROVED"]
    if not approved:
        raise ValueProblem(not_sendable(rows[0]))
    template = approved[0]
    if len(params) != template.variables:
        raise ValueProblem(
            f"Template {template.name} takes {template.variables} value(s) for "
            f"{template.body!r}; you gave {len(params)}. Write them as vars: first; second."
        )
    return template


# Sent by WOCS itself, never to a customer by hand: team notices and login codes.
NOT_FOR_CUSTOMERS = ("team_notice", "login_code")


def for_customers() -> list[WhatsAppTemplate]:
    """The approved templates a team member may send a customer, by name."""
    return list(
        WhatsAppTemplate.select()
        .where(
            WhatsAppTemplate.status == "APPROVED",
            WhatsAppTemplate.name.not_in(NOT_FOR_CUSTOMERS),
            WhatsAppTemplate.category != "AUTHENTICATION",
        )
        .order_by(WhatsAppTemplate.name)
    )


def offer(number: int) -> str:
    """How to answer conversation #number with a template, naming the approved ones."""
    found = for_customers()
    if not found:
        return (
            "No template is approved yet for customers; once one is (python bot.py templates "
            f"push), answer with /reply {number} template: NAME vars: a; b"
        )
    named = ", ".join(f"{t.name} ({t.variables} values)" for t in found)
    return f"Answer with an approved template: /reply {number} template: NAME vars: a; b — {named}."


def not_sendable(template: WhatsAppTemplate) -> str:
    """Why a template cannot be sent yet, and what to do, in words an admin can act on."""
    name = template.name
    if template.status == "LOCAL":
        return (
            f"Template {name} has not been sent to WhatsApp for review yet, so it cannot be "
            "sent. Ask whoever runs WOCS to submit it (python bot.py templates push; on a trial "
            f"without WhatsApp, python bot.py templates approve {name}). Once WhatsApp approves "
            "it, usually within a day, send it again."
        )
    if template.status in ("PENDING", "IN_APPEAL"):
        return (
            f"Template {name} is waiting for WhatsApp's review; it can be sent once approved, "
            "usually within a day."
        )
    why = f" ({template.reason})" if template.reason else ""
    if template.status == "REJECTED":
        return (
            f"WhatsApp rejected template {name}{why}, so it cannot be sent. Change its wording "
            f"(templates/whatsapp/{name}.json) and have it submitted again, or use another one."
        )
    return (
        f"Template {name} is {template.status.lower()} at WhatsApp{why}, so it cannot be sent; "
        "only templates WhatsApp approved can."
    )


def approve_locally(name: str) -> bool:
    """Mark a template approved the way Meta's review webhook would (a trial without WhatsApp)."""
    rows = list(WhatsAppTemplate.select().where(WhatsAppTemplate.name == name.strip().lower()))
    for row in rows:
        record_status(row.name, row.language, "APPROVED")
    return bool(rows)


def readable(name: str, language: str, params: list[str]) -> str:
    """The template's text with its values filled in, as the recipient will read it."""
    body = (
        WhatsAppTemplate.select(WhatsAppTemplate.body)
        .where(WhatsAppTemplate.name == name, WhatsAppTemplate.language == language)
        .scalar()
    ) or name

    def fill(match: re.Match) -> str:
        index = int(match.group(1)) - 1
        return params[index] if 0 <= index < len(params) else match.group(0)

    return _PLACEHOLDER.sub(fill, body)
