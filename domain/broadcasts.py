"""Broadcasts as every channel sees them: who an audience names, and each row's outcome counted once.

A broadcast row's final outcome is counted by whoever moves it out of "sending": the sender
when Meta answers, or the status webhook when the sender never learnt the answer.
"""

from __future__ import annotations

from collections.abc import Iterable

from models import Broadcast, Contact, Entry, StaffMember, utcnow

SENT_STATES = ("sent", "delivered", "read")


def audience_phones(audience: str) -> Iterable[str]:
    """The phone numbers an audience names: a phone, entrants:CODE, agents, admins, all-contacts."""
    if audience.startswith("entrants:"):
        code = audience.split(":", 1)[1]
        entrants = Entry.select(Entry.phone).join_from(Entry, Entry.campaign.rel_model)
        entrants = entrants.where(Entry.campaign.rel_model.code == code).order_by(Entry.id)
        return (row.phone for row in entrants.iterator())
    if audience in ("agents", "admins"):
        staff = StaffMember.select(StaffMember.phone).where(
            StaffMember.role == audience[:-1],
            StaffMember.active == True,  # noqa: E712
        )
        return (row.phone for row in staff.order_by(StaffMember.id))
    if audience == "all-contacts":
        # Everyone reachable: by phone when known, else by BSUID (see domain/contacts.py).
        reachable = Contact.select(Contact.phone, Contact.bsuid).order_by(Contact.id)
        return (row.phone or row.bsuid for row in reachable.iterator() if row.phone or row.bsuid)
    return [audience]


def describe(broadcast: Broadcast) -> str:
    """ "#5 (promo_raya to entrants:RAYA26)"."""
    return f"#{broadcast.id} ({broadcast.template} to {broadcast.audience})"


def count(broadcast_id: int, state: str) -> None:
    """Count one row's final outcome (sent, delivered, read, failed or skipped)."""
    column = Broadcast.sent if state in SENT_STATES else getattr(Broadcast, state)
    Broadcast.update({column: column + 1, Broadcast.updated_at: utcnow()}).where(
        Broadcast.id == broadcast_id
    ).execute()
