"""What a command knows about the message that invoked it, and what it asks to send."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from wocs.beacon import BeaconSettings
from wocs.interactive import Interactive

ROLES = ("customer", "agent", "admin")


def role_rank(role: str) -> int:
    """Order roles so that admin ⊇ agent ⊇ customer."""
    return ROLES.index(role) if role in ROLES else 0


class CommandError(Exception):
    """A command that cannot go ahead; `str()` is the reply to the sender.

    `about` names the argument or key whose value it refused, when it is one: a prompt's
    answer refused that way is asked for again.
    """

    def __init__(self, reply: str = "", about: str = "") -> None:
        super().__init__(reply)
        self.about = about


class NotFound(CommandError):
    """The record a command names does not exist or is not the sender's to see (the same answer).

    `what` names it for other channels (`task #12`): the API answers 404 with it.
    """

    def __init__(self, reply: str, what: str) -> None:
        super().__init__(reply)
        self.what = what


@dataclass(frozen=True)
class Notice:
    """A message a command wants delivered to someone other than the sender."""

    to: str
    text: str
    carries: int = 0  # the conversation message it sends, linked to its outbox row when staged
    template: dict[str, Any] | None = (
        None  # sent as this approved template ({name, language, params})
    )
    forwards: int = 0  # the customer's message it is a copy of (a quote-reply answers it)


@dataclass(frozen=True)
class Result:
    """What a command did: its reply (with an image to send, if any), the record it touched.

    `entity` names that record (`task:12`, `campaign:RAYA26`) so that callers need not look
    for it; the notices and jobs the command asked for are filled in by the dispatcher.
    """

    text: str
    image: str = ""  # a stored file (storage key) sent as a picture, with `text` as its caption
    document: str = ""  # a stored file sent as a document (a CSV), with `text` as its caption
    entity: str = ""
    # A list's next page, the command a staff member's MORE runs; "" for a list shown to its end
    # (a later MORE continues nothing), None for a reply that is not a list.
    more: str | None = None
    interactive: Interactive | None = None  # reply buttons or a list under `text`
    notices: tuple[Notice, ...] = ()
    jobs: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def entity_key(self, kind: str) -> str | None:
        """The key of the record of `kind` the command touched (`12` for `task:12`)."""
        name, _, key = self.entity.partition(":")
        return key if name == kind and key else None


@dataclass
class Context:
    """The sender, the clock and the outgoing notices of one command run."""

    phone: str
    user: Any = None  # the sender's StaffMember row, None for strangers
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Kuala_Lumpur"))
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    source: str = "whatsapp"
    business_number: str = ""  # digits customers write to (wa.me links)
    media: dict[str, str] | None = None  # the WhatsApp media (id, mime_type, filename) sent along
    storage: Any = None  # where a command keeps the files it answers with (a storage.Storage)
    beacon: BeaconSettings = field(default_factory=BeaconSettings)  # the chain draws are fixed to
    confirmed: dict[str, Any] | None = None  # the facts the sender confirmed (wocs.confirmations)
    lang: str = ""  # the language the command was written in; else the sender's last one
    notices: list[Notice] = field(default_factory=list)
    jobs: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    @property
    def role(self) -> str:
        """The sender's role; strangers are customers."""
        return self.user.role if self.user is not None and self.user.active else "customer"

    @property
    def language(self) -> str:
        """The language to answer in: the command's, else on WhatsApp the sender's last one.

        The API answers in English unless a command was written in Malay: the app has its own.
        """
        remembered = getattr(self.user, "lang", "") if self.source == "whatsapp" else ""
        return self.lang or remembered or "en"

    @property
    def today(self) -> dt.date:
        """Today's date in the business time zone."""
        return self.now.astimezone(self.tz).date()

    @property
    def actor(self) -> str:
        """How the audit log names the sender."""
        return self.phone or "system"

    def may(self, role: str) -> bool:
        """True when the sender holds at least `role`."""
        return role_rank(self.role) >= role_rank(role)

    def notify(
        self,
        to: str,
        text: str,
        carries: int = 0,
        template: dict[str, Any] | None = None,
        forwards: int = 0,
    ) -> None:
        """Ask for a message to someone else; it is queued with the reply, in the same commit."""
        self.notices.append(Notice(to, text, carries, template, forwards))

    def later(self, func: str, *args: Any) -> None:
        """Ask for a job (dotted path, ids only) to be enqueued once the command's changes commit."""
        self.jobs.append((func, args))
