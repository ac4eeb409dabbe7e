"""A WOCS app in this process: messages go in through the signed webhook, replies are recorded."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
import uuid
from collections.abc import Callable

import models
from app import create_app, start_up
from domain.campaigns import PENDING
from webhooks.routes import signature_for
from whatsapp.interactive import tap_body
from whatsapp.payload import text_message_body
from whatsapp.transports import Outgoing, RecordingTransport
from wocs.interactive import picked
from wocs.settings import Settings


class LocalBot:
    """The app on the Redis stand-in with in-process jobs; what it sends is kept, not sent."""

    def __init__(self, settings: Settings) -> None:
        self.transport = RecordingTransport()
        # Customers' messages are forwarded at once: a session shows each one as it is answered.
        local = dataclasses.replace(settings, redis_url="", forward_burst=0)
        start_up(local)
        self.app = create_app(local, transport=self.transport, start_workers=True)
        self.settings: Settings = self.app.config["WOCS_SETTINGS"]  # with the secret it signs with
        self.runtime = self.app.extensions["wocs"]
        self._active = contextlib.ExitStack()  # this thread reads the bot's rows until close()
        self._active.enter_context(self.runtime.active())
        self.client = self.app.test_client()
        self.seen = 0

    def post(self, body: dict) -> tuple[int, str]:
        """POST a webhook body signed as Meta signs it; the status code and the answer's text."""
        raw = json.dumps(body).encode()
        answer = self.client.post(
            "/webhooks/whatsapp",
            data=raw,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signature_for(self.settings.app_secret, raw)},
        )
        return answer.status_code, answer.get_data(as_text=True)

    def say(self, phone: str, text: str, name: str = "", quoting: str = "") -> tuple[int, str]:
        """Send a text message as `phone`, the way Meta's webhook delivers it (`quoting`: the
        wamid of the message it quote-replies)."""
        wamid = f"wamid.local.{uuid.uuid4().hex}"
        return self.post(text_message_body(phone, text, wamid, name=name, quoting=quoting))

    def wamid_of(self, message: Outgoing) -> str:
        """The wamid a sent message got, which a quote-reply to it names."""
        row = models.OutboundMessage.get_by_id(int(message.reference.removeprefix("ob:")))
        return row.wamid or ""

    def tap(self, phone: str, message: Outgoing, typed: str) -> tuple[int, str] | None:
        """Tap the choice a typed number picks under `message` (as Meta posts it); None if none."""
        if not message.interactive or (choice := picked(message.interactive, typed)) is None:
            return None
        wamid = f"wamid.local.{uuid.uuid4().hex}"
        return self.post(tap_body(phone, choice, wamid, message.interactive["kind"]))

    def collect(
        self, done: Callable[[list[Outgoing]], bool], timeout: float = 10.0
    ) -> list[Outgoing]:
        """What was sent since the last collect, once `done` holds for it and nothing is in flight,
        in the order it was staged."""
        deadline = time.monotonic() + timeout
        while True:
            fresh = self.transport.sent[self.seen :]
            if (done(fresh) and settled()) or time.monotonic() > deadline:
                self.seen += len(fresh)
                # In the order they were staged (jobs send in parallel): a session reads the same.
                return sorted(fresh, key=_staged)
            time.sleep(0.05)

    def close(self) -> None:
        """Stop the job threads and let go of the database."""
        self.app.extensions["wocs_workers"].stop()
        self.runtime.database.close()
        self._active.close()


def settled() -> bool:
    """True when no message, broadcast or draw is still waiting for a job."""
    return not (
        models.InboundMessage.select().where(models.InboundMessage.state == "received").exists()
        or models.OutboundMessage.select()
        .where(models.OutboundMessage.state.in_(("pending", "sending")))
        .exists()
        or models.Broadcast.select()
        .where(
            models.Broadcast.state.in_(("queued", "expanding", "sending")),
            models.Broadcast.send_at.is_null(),
        )
        .exists()
        or models.Draw.select().where(models.Draw.state.in_(PENDING)).exists()
    )


def _staged(message: Outgoing) -> int:
    """The outbox row a sent message came from (its reference is "ob:<id>")."""
    number = message.reference.removeprefix("ob:")
    return int(number) if number.isdigit() else 0
