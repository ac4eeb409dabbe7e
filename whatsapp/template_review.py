"""Submitting the message templates to Meta for review, and recording what Meta answered."""

from __future__ import annotations

from typing import Any

from whatsapp.errors import GraphError
from wocs.message_templates import definitions, record_status, sync


def push(transport: Any, waba_id: str) -> list[str]:
    """Submit every defined template to Meta (`transport`: the Cloud API's); a line per template."""
    found = definitions()
    sync(found)
    lines = []
    for definition in found:
        try:
            answer = transport.create_template(waba_id, definition.graph_payload())
        except GraphError as exc:
            lines.append(f"{definition.name} ({definition.language}): refused — {exc}")
            continue
        status = str(answer.get("status") or "PENDING")
        record_status(
            definition.name, definition.language, status, meta_id=str(answer.get("id") or "")
        )
        lines.append(f"{definition.name} ({definition.language}): {status}")
    return lines
