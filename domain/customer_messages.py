"""What a customer's message says, as the team reads it: text, media, a place, a card, an order."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from models import ConversationMessage, InboundMessage, OutboundMessage

# What a message without text stands for in a forward and in /history.
PLACEHOLDERS = {
    "image": "[photo]",
    "video": "[video]",
    "document": "[document]",
    "audio": "[audio]",
    "sticker": "[sticker]",
    "location": "[location]",
    "contacts": "[contact card]",
    "order": "[order]",
}
# The ad fields kept on the conversation (Meta's referral object has more, e.g. media URLs).
REFERRAL_FIELDS = ("headline", "body", "source_type", "source_url", "source_id")
QUOTED = 80  # characters of the message a reaction is about, shown after "reacted … to:"
TEXT_LIMIT = 300  # characters of any one value a card or order shows


def _part(row: InboundMessage) -> Any:
    return row.raw.get(row.type) if isinstance(row.raw, dict) else None


def content(row: InboundMessage) -> str:
    """What a customer's message says: its text, or what it is with what it carries."""
    part, text = _part(row), (row.body or "").strip()
    if row.type == "location" and isinstance(part, dict):
        named = " ".join(str(part.get(k) or "") for k in ("name", "address")).strip()
        spot = f"{part.get('latitude')},{part.get('longitude')}"
        return f"[location] {named or spot}"
    if row.type == "contacts" and isinstance(part, list):
        return f"[contact card] {'; '.join(_card(c) for c in part if isinstance(c, dict))}"
    if row.type == "order" and isinstance(part, dict):
        return _order(part)
    if row.type == "reaction" and isinstance(part, dict):
        return _reaction(part)
    if row.type == "audio" and isinstance(part, dict) and part.get("voice"):
        return "[voice note]"
    label = PLACEHOLDERS.get(row.type, "")
    if row.type == "document" and isinstance(part, dict) and part.get("filename"):
        label = f"[document {_cut(str(part['filename']))}]"
    return f"{label} {text}".strip() if label else text


def _cut(value: Any, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _card(card: dict) -> str:
    """One shared contact: its name and every phone on it, in full (it was shared to be used)."""
    found = card.get("name")
    name = found if isinstance(found, dict) else {}
    phones = [
        _cut(p.get("phone") or p.get("wa_id"), 40)
        for p in card.get("phones") or []
        if isinstance(p, dict)
    ]
    shown = _cut(name.get("formatted_name") or name.get("first_name") or "(no name)", 80)
    return " ".join([shown, *[p for p in phones if p]])


def _money(amount: Decimal, currency: str) -> str:
    return f"RM{amount:,.2f}" if currency == "MYR" else f"{amount:,.2f} {currency}".strip()


def _order(order: dict) -> str:
    """A catalog order: each item with its quantity and price, and the total."""
    lines, total, currencies = [], Decimal(0), set()
    for item in order.get("product_items") or []:
        if not isinstance(item, dict):
            continue
        try:
            quantity = int(item.get("quantity") or 0)
            price = Decimal(str(item.get("item_price") or 0))
        except (TypeError, ValueError, InvalidOperation):
            quantity, price = 0, Decimal(0)
        currency = _cut(item.get("currency"), 3)
        currencies.add(currency)
        total += quantity * price
        name = _cut(item.get("product_retailer_id"), 60)
        lines.append(f"{quantity} × {name} at {_money(price, currency)}")
    summed = _money(total, currencies.pop()) if len(currencies) == 1 else "mixed currencies"
    note = _cut(order.get("text"))
    return f"[order] {'; '.join(lines)}; total {summed}" + (f" · “{note}”" if note else "")


def reacted_to(row: InboundMessage) -> ConversationMessage | None:
    """The conversation message a reaction is about: the customer's own or the team's answer."""
    part = _part(row)
    wamid = str(part.get("message_id") or "") if isinstance(part, dict) else ""
    if row.type != "reaction" or not wamid:
        return None
    theirs = ConversationMessage.select().join(
        InboundMessage, on=ConversationMessage.inbound == InboundMessage.id
    )
    ours = ConversationMessage.select().join(
        OutboundMessage, on=ConversationMessage.outbound == OutboundMessage.id
    )
    return (
        theirs.where(InboundMessage.wamid == wamid).first()
        or ours.where(OutboundMessage.wamid == wamid).first()
    )


def _reaction(part: dict) -> str:
    """`reacted 👍 to: “…”` naming the message (ours or theirs) by what it said."""
    wamid = str(part.get("message_id") or "")
    emoji = _cut(part.get("emoji"), 16)
    about = (
        InboundMessage.get_or_none(InboundMessage.wamid == wamid)
        or OutboundMessage.get_or_none(OutboundMessage.wamid == wamid)
        if wamid
        else None
    )
    said = _cut(about.body, QUOTED) if about is not None else ""
    if not emoji:
        return f"removed their reaction to: “{said}”" if said else "removed a reaction"
    return f"reacted {emoji} to: “{said}”" if said else f"reacted {emoji} to a message"


def is_unreaction(row: InboundMessage) -> bool:
    """A reaction taken back (Meta sends an empty emoji): kept, never forwarded."""
    part = _part(row)
    return row.type == "reaction" and not (isinstance(part, dict) and part.get("emoji"))


def referral(row: InboundMessage) -> dict[str, str] | None:
    """The click-to-WhatsApp ad (or post) a message came from, as Meta described it."""
    found = row.raw.get("referral") if isinstance(row.raw, dict) else None
    if not isinstance(found, dict):
        return None
    kept = {k: _cut(found.get(k), 500) for k in REFERRAL_FIELDS if found.get(k)}
    return kept or None


def referral_line(ad: dict[str, str]) -> str:
    """The line a forward shows for the ad a customer came from."""
    what = _cut(ad.get("headline") or ad.get("body") or "(no headline)", 120)
    where = ", ".join(v for v in (ad.get("source_type"), ad.get("source_url")) if v)
    return f"📣 Came from an ad: “{what}”" + (f" ({where})" if where else "")
