"""Who a customer is: one contact per person, found by phone or BSUID, merged when a body links them.

A contact's address is its phone when known, else its BSUID: it is what the outbox sends to
(`OutboundMessage.to`) and what entries and audit rows name (`Entry.phone`, `AuditLog.actor`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from models import Contact, Conversation, Entry, InboundMessage, OutboundMessage, for_update
from wocs.values import is_bsuid, mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    """What one body says about a person; any field may be empty."""

    phone: str = ""
    bsuid: str = ""
    parent_bsuid: str = ""
    username: str = ""
    name: str = ""


def address(contact: Contact) -> str:
    """Where messages to this contact go: the phone when known, else the BSUID."""
    return contact.phone or contact.bsuid or ""


def matching(addresses: Iterable[str]) -> object:
    """A condition on Contact for the contacts these addresses (phones or BSUIDs) name."""
    wanted = list(addresses)
    phones = [a for a in wanted if not is_bsuid(a)]
    bsuids = [a for a in wanted if is_bsuid(a)]
    return Contact.phone.in_(phones or [""]) | Contact.bsuid.in_(bsuids or [""])


def opted_out(addresses: Iterable[str]) -> set[str]:
    """The addresses among these whose person stopped marketing messages."""
    wanted = set(addresses)
    query = Contact.select(Contact.phone, Contact.bsuid).where(
        matching(wanted), Contact.opted_out_at.is_null(False)
    )
    return {a for c in query for a in (c.phone, c.bsuid) if a in wanted}


def by_address(addresses: Iterable[str]) -> dict[str, Contact]:
    """The contact each of these addresses (phones or BSUIDs) names, where there is one."""
    wanted = set(addresses)
    return {
        a: c
        for c in Contact.select().where(matching(wanted))
        for a in (c.phone, c.bsuid)
        if a in wanted
    }


def find(address_: str) -> Contact | None:
    """The contact an address names, if any."""
    if not address_:
        return None
    return Contact.get_or_none(
        Contact.bsuid == address_ if is_bsuid(address_) else Contact.phone == address_
    )


def remember(who: Identity, seen: dt.datetime | None = None) -> Contact | None:
    """The one contact for this person, created, completed or merged (inside the caller's
    transaction); None when the body names nobody."""
    if not (who.phone or who.bsuid):
        return None
    by_phone = _locked(Contact.phone == who.phone) if who.phone else None
    by_bsuid = _locked(Contact.bsuid == who.bsuid) if who.bsuid else None
    if by_phone is not None and by_bsuid is not None and by_phone.id != by_bsuid.id:
        contact = merge(by_phone, by_bsuid)
    else:
        contact = by_phone or by_bsuid or Contact()
    if who.phone and contact.bsuid and not contact.phone:
        _history_by_phone(who.phone, contact.bsuid)  # a username's contact learns its phone
    contact.phone = who.phone or contact.phone or None
    contact.bsuid = who.bsuid or contact.bsuid or None
    contact.parent_bsuid = who.parent_bsuid or contact.parent_bsuid
    contact.username = who.username[:100] or contact.username
    # The profile name only: entries and public pages take it, and a username (chosen to be
    # found by) is personal data like a phone; it stays in `username`.
    contact.name = who.name[:120] or contact.name
    if seen is not None and (contact.last_inbound_at is None or seen > contact.last_inbound_at):
        contact.last_inbound_at = seen
    contact.save()
    return contact


def renumber(old: Identity, new: Identity) -> Contact | None:
    """A customer changed their number (Meta's `user_changed_number`): their contact, with its
    opt-out and entries, moves to the new phone and BSUID; a contact the new number already
    made is folded in. None when the old number was never a contact."""
    contact = (_locked(Contact.phone == old.phone) if old.phone else None) or (
        _locked(Contact.bsuid == old.bsuid) if old.bsuid else None
    )
    if contact is None or not (new.phone or new.bsuid):
        return None
    for condition, given in (
        (Contact.phone == new.phone, new.phone),
        (Contact.bsuid == new.bsuid, new.bsuid),
    ):
        stranger = _locked(condition) if given else None
        if stranger is not None and stranger.id != contact.id:
            contact = merge(contact, stranger)
    before = address(contact)
    # The old BSUID belonged to the old number (a new number gets a new one): both are replaced.
    contact.phone, contact.bsuid = new.phone or None, new.bsuid or None
    contact.save()
    _readdress(before, address(contact))
    log.info("contact %s changed number to %s", mask_phone(before), mask_phone(address(contact)))
    return contact


def _readdress(old: str, new: str) -> int:
    """Entries and waiting sends of one address move to another; the entries moved."""
    moved = 0
    if old == new:
        return moved
    for entry in Entry.select().where(Entry.phone == old):
        if Entry.get_or_none(Entry.campaign == entry.campaign_id, Entry.phone == new):
            entry.delete_instance()  # entered twice under two names: one entry is kept
        else:
            moved += Entry.update(phone=new).where(Entry.id == entry.id).execute()
    # Sends still waiting go to the new address (for a merge, the phone Meta prefers); one
    # already with a sender keeps its address, which Meta still delivers to.
    OutboundMessage.update(to=new).where(
        OutboundMessage.to == old, OutboundMessage.state == "pending"
    ).execute()
    return moved


def _history_by_phone(phone: str, bsuid: str) -> None:
    """Messages that named the person by BSUID alone name them by their phone from now on."""
    InboundMessage.update(sender=phone).where(
        InboundMessage.sender_bsuid == bsuid, InboundMessage.sender == ""
    ).execute()


def _locked(condition: object) -> Contact | None:
    """Read under the row's lock, so a concurrent merge of the same person waits for this one."""
    return for_update(Contact.select().where(condition)).first()


def merge(survivor: Contact, other: Contact) -> Contact:
    """Fold `other` into `survivor` (the one found by phone): entries, opt-out and history move,
    `other` is deleted; inside the caller's transaction."""
    old, new = address(other), address(survivor)
    moved = _readdress(old, new)
    if other.bsuid and survivor.phone:
        _history_by_phone(survivor.phone, other.bsuid)
    stops = [at for at in (survivor.opted_out_at, other.opted_out_at) if at is not None]
    survivor.opted_out_at = min(stops) if stops else None  # a stop under either name holds
    survivor.last_inbound_at = max(
        (at for at in (survivor.last_inbound_at, other.last_inbound_at) if at), default=None
    )
    survivor.last_menu_at = survivor.last_menu_at or other.last_menu_at
    survivor.name = survivor.name or other.name
    survivor.username = survivor.username or other.username
    survivor.parent_bsuid = survivor.parent_bsuid or other.parent_bsuid
    # Their conversations move too; the latest one, whoever it was under, is continued.
    Conversation.update(contact=survivor).where(Conversation.contact == other).execute()
    bsuid = other.bsuid
    other.delete_instance()  # first: the BSUID is unique and moves to the survivor
    survivor.bsuid = survivor.bsuid or bsuid
    log.info(
        "contact %s merged into %s (%d entries moved)", mask_phone(old), mask_phone(new), moved
    )
    return survivor
