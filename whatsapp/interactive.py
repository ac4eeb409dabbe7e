"""Meta's interactive messages: the `interactive` object we send, what Meta refuses, a tap's body."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wocs.interactive import BUTTON, Choice, refusal


def meta_object(data: dict[str, Any], body: str) -> dict[str, Any]:
    """The `interactive` object of a send, from an outbox row's buttons or list and its text."""
    kind = data["kind"]
    sections = data["sections"]
    if kind == BUTTON:
        replies = [
            {"type": "reply", "reply": {"id": row["id"], "title": row["title"]}}
            for row in sections[0]["rows"]
        ]
        action: dict[str, Any] = {"buttons": replies}
    else:
        action = {"button": data["label"], "sections": [_meta_section(s) for s in sections]}
    meta: dict[str, Any] = {"type": kind, "body": {"text": body}, "action": action}
    if data.get("header"):
        meta["header"] = {"type": "text", "text": data["header"]}
    if data.get("footer"):
        meta["footer"] = {"text": data["footer"]}
    return meta


def _meta_section(section: dict[str, Any]) -> dict[str, Any]:
    rows = []
    for row in section["rows"]:
        shown = {"id": row["id"], "title": row["title"]}
        if row.get("description"):
            shown["description"] = row["description"]
        rows.append(shown)
    return {"title": section["title"], "rows": rows} if section["title"] else {"rows": rows}


def meta_refusal(meta: Any) -> str:
    """Why Meta refuses this `interactive` object (its documented shape and limits); "" if none."""
    if not isinstance(meta, dict) or meta.get("type") not in ("button", "list"):
        return "interactive['type'] must be button or list"
    body = meta.get("body")
    action = meta.get("action")
    if not isinstance(body, dict) or not isinstance(body.get("text"), str):
        return "interactive['body']['text'] is required"
    if not isinstance(action, dict):
        return "interactive['action'] is required"
    header, footer = meta.get("header") or {}, meta.get("footer") or {}
    if header and (header.get("type") != "text" and meta["type"] == "list"):
        return "a list's header must be of type text"
    data: dict[str, Any] = {
        "kind": meta["type"],
        "header": header.get("text") or "",
        "footer": footer.get("text") or "",
    }
    try:
        if meta["type"] == "button":
            replies = action["buttons"]
            if any(item.get("type") != "reply" for item in replies):
                return "every button must be of type reply"
            data["sections"] = [{"rows": [dict(item["reply"]) for item in replies]}]
        else:
            data["label"] = action["button"]
            data["sections"] = [dict(s, rows=list(s["rows"])) for s in action["sections"]]
        return refusal(data, body["text"])
    except (KeyError, TypeError, AttributeError):
        return "interactive['action'] is not in the documented shape"


def tap_body(
    phone: str, choice: Choice, wamid: str, kind: str = BUTTON, replying_to: str = ""
) -> dict[str, Any]:
    """The webhook body Meta posts when `phone` taps a button (or, `kind` list, picks a row)."""
    reply_type = "button_reply" if kind == BUTTON else "list_reply"
    picked = {"id": choice.id, "title": choice.title}
    if kind != BUTTON and choice.description:
        picked["description"] = choice.description
    message: dict[str, Any] = {
        "from": phone,
        "id": wamid,
        "timestamp": str(int(dt.datetime.now(dt.UTC).timestamp())),
        "type": "interactive",
        "interactive": {"type": reply_type, reply_type: picked},
    }
    if replying_to:
        message["context"] = {"from": "0", "id": replying_to}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "0", "phone_number_id": ""},
        "contacts": [{"profile": {"name": ""}, "wa_id": phone}],
        "messages": [message],
    }
    change = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [change]}]}
