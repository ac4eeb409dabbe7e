"""What a team member gets for a burst of a customer's messages: one text, and each media as media."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import replies
from domain.conversations import shown
from domain.customer_messages import referral_line
from models import Conversation, ConversationMessage, InboundMessage
from whatsapp.transports import CAPTIONED_KINDS as CAPTIONED
from whatsapp.transports import MEDIA_KINDS


@dataclass(frozen=True)
class Media:
    """One message's media, forwarded as what it is (a storage key), captioned where it can be."""

    message: ConversationMessage
    kind: str
    key: str
    caption: str


@dataclass
class Burst:
    """The forward of a burst: its text ("" when the media captions say everything) and media."""

    text: str = ""
    texted: list[ConversationMessage] = field(default_factory=list)  # carried by the text
    media: list[Media] = field(default_factory=list)


def compose(conversation: Conversation, messages: list[ConversationMessage], hint: bool) -> Burst:
    """The forward of `messages` (oldest first); `hint` adds how to answer, for a first forward."""
    head = heading(conversation)
    burst, lines = Burst(), []
    for message in messages:
        media = as_media(head, message)
        if media is not None:
            burst.media.append(media)
            if media.kind in CAPTIONED:
                continue
        # Text, a placeholder for media that could not be fetched, or the label of a voice
        # note or sticker (Meta sends those without a caption): one line each.
        lines.append(message.text)
        burst.texted.append(message)
    extras = []
    if conversation.referral and any(_from_ad(m) for m in messages):
        extras.append(referral_line(conversation.referral))
    if hint:
        extras.append(f"↩️ Quote-reply to answer, or send /reply {conversation.id} and your text.")
    if lines:
        said = f": {lines[0]}" if len(lines) == 1 else ":\n" + "\n".join(lines)
        about = next((m.about for m in burst.texted if m.about), "")
        if about:  # what the burst answers: a broadcast, a winner's notice
            head += f" (answering {replies.described(about)})"
        burst.text = "\n".join([head + said, *extras])
    elif extras:
        first = burst.media[0]  # every message went as captioned media: the first says the rest
        burst.media[0] = Media(
            first.message, first.kind, first.key, "\n".join([first.caption, *extras])
        )
    return burst


def heading(conversation: Conversation) -> str:
    """How every forward of a conversation starts: `💬 #14 Farah (+60 13-555 ****)`."""
    return f"💬 #{conversation.id} {shown(conversation.contact)}"


def as_media(head: str, message: ConversationMessage) -> Media | None:
    """The message's media as a forward sends it, once fetched into storage; else None."""
    inbound, attachment = message.inbound, message.attachment
    if inbound is None or inbound.type not in MEDIA_KINDS or attachment is None:
        return None
    if attachment.state != "stored" or not attachment.storage_key:
        return None
    return Media(message, inbound.type, attachment.storage_key, _caption(head, inbound, message))


def _caption(head: str, inbound: InboundMessage, message: ConversationMessage) -> str:
    """A photo or video shows what it is: its caption is the customer's; a document keeps its
    name (it is sent under the stored file's); audio and stickers take none."""
    kind, typed = inbound.type, (inbound.body or "").strip()
    if kind == "document":
        return f"{head}: {message.text}"
    if kind in CAPTIONED:
        return f"{head}: {typed}" if typed else head
    return ""


def _from_ad(message: ConversationMessage) -> bool:
    raw = message.inbound.raw if message.inbound is not None else None
    return isinstance(raw, dict) and isinstance(raw.get("referral"), dict)
