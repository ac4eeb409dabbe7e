"""A customer's message for the team: kept in their conversation, forwarded, answered as it asks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from commands import customers
from domain import conversations, replies
from jobs import forwards
from jobs.runtime import current
from models import Contact, InboundMessage, OutboundMessage, WocsAttachment, utcnow
from whatsapp.payload import quoted_wamid
from whatsapp.transports import MEDIA_KINDS
from wocs.context import Context, Result
from wocs.flags import flag
from wocs.hours import show_opening
from wocs.replies import reply

MENU_EVERY = dt.timedelta(hours=24)  # a customer gets the menu at most this often


def converse(
    row: InboundMessage, contact: Contact, ctx: Context, talk: bool = False
) -> tuple[Result, list[str]]:
    """Put the message in the customer's conversation and forward it (with the burst it joins,
    once due, its media fetched into storage first); the customer's answer and the keys staged.

    They get the away message (once per opening) when nobody is on duty, and on a conversation's
    opening the menu (at most once a day), under the away message or alone; `talk` (they asked
    for a person) is acknowledged.
    """
    attachment = _attachment(row)
    now = utcnow()
    burst = dt.timedelta(seconds=current().settings.forward_burst)
    tz = current().settings.tz
    about = replies.answered(contact, quoted_row(row))
    heard = conversations.hear(contact, row, now, tz, burst, attachment, about)
    keys, later = forwards.flush(heard.conversation.id, now)
    jobs: list[tuple[str, tuple[int, ...]]] = []
    if attachment is not None:
        jobs.append(("jobs.media.fetch_attachment", (attachment.id,)))
    if later is not None:  # the burst is not due yet: its job forwards it then
        jobs.append(("jobs.forwards.forward_burst", (heard.conversation.id, heard.message.id)))
    answer = (
        away_text(heard.back, tz) if heard.away else reply("talking") if talk and heard.to else ""
    )
    if heard.opened and not talk and _menu_due(contact, now):
        # The menu comes under the away message, or alone to say the message arrived.
        offered = customers.menu(contact, ctx)
        answer, menu = answer or offered.text, offered.interactive
        contact.last_menu_at = now
        contact.save(only=[Contact.last_menu_at])
    else:
        menu = None
    return Result(answer, interactive=menu, jobs=tuple(jobs)), keys


def quoted_row(row: InboundMessage) -> OutboundMessage | None:
    """The message of ours that a message quote-replies (Meta's context.id), if we sent it."""
    wamid = quoted_wamid(row.raw) if isinstance(row.raw, dict) else ""
    return OutboundMessage.get_or_none(OutboundMessage.wamid == wamid) if wamid else None


def away_text(back: dt.datetime | None, tz: ZoneInfo) -> str:
    """The away message: when the team is back if it is closed, else that someone will answer."""
    if back is None:
        return reply("away")
    english, malay = show_opening(back, tz)
    return reply("away_closed").format(back=english, kembali=malay)


def _menu_due(contact: Contact, now: dt.datetime) -> bool:
    """The menu is an automatic reply: off with the others, and once a day at most."""
    if not flag("auto_reply_enabled"):
        return False
    return contact.last_menu_at is None or contact.last_menu_at <= now - MENU_EVERY


def _attachment(row: InboundMessage) -> WocsAttachment | None:
    """A pending attachment for the media a customer's message carries, to fetch into storage."""
    part = row.raw.get(row.type) if isinstance(row.raw, dict) else None
    if row.type not in MEDIA_KINDS or not isinstance(part, dict) or not part.get("id"):
        return None
    return WocsAttachment.create(
        media_id=str(part["id"])[:64],
        mime_type=str(part.get("mime_type") or "")[:100],
        filename=str(part.get("filename") or "")[:255],
        url="",
        state="pending",
    )
