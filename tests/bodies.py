"""Meta's webhook bodies for tests: the recorded corpus, and a body as another person sends it."""

from __future__ import annotations

import copy
import json
import pathlib
import time
import uuid

CORPUS = pathlib.Path(__file__).resolve().parent / "data" / "meta-webhooks"

BSUID = "MY.1502576394655843"
PHONE = "60112223334"


def recorded(name: str, text: str | None = None) -> dict:
    """A recorded body sent now, with a fresh message id (and the text changed, if given)."""
    body = json.loads((CORPUS / name).read_bytes())
    for message in body["entry"][0]["changes"][0]["value"].get("messages", []):
        message["id"] = f"wamid.test.{uuid.uuid4().hex}"
        message["timestamp"] = str(int(time.time()))
        if text is not None:
            message["text"]["body"] = text
    return body


def as_person(body: dict, phone: str = "", bsuid: str = "") -> dict:
    """The same body from another person: a phone, a BSUID, or both (an empty one is left out)."""
    body = copy.deepcopy(body)
    value = body["entry"][0]["changes"][0]["value"]
    for item, phone_key, bsuid_key in (
        (value["contacts"][0], "wa_id", "user_id"),
        (value["messages"][0], "from", "from_user_id"),
    ):
        for key, given in ((phone_key, phone), (bsuid_key, bsuid)):
            item.pop(key, None)
            if given:
                item[key] = given
    return body


def username_only(text: str, bsuid: str = BSUID) -> dict:
    """A message from a customer who has a username and no phone in the body."""
    return as_person(recorded("wocs__username_only_text.json", text), bsuid=bsuid)


def linked(text: str, phone: str = PHONE, bsuid: str = BSUID) -> dict:
    """A message carrying both the customer's phone and BSUID."""
    return as_person(recorded("wocs__phone_and_bsuid_text.json", text), phone=phone, bsuid=bsuid)
