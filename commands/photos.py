"""/event photo N: a photo sent with that caption is saved and attached to the event."""

from __future__ import annotations

from commands.events import get_event
from models import WocsAttachment
from wocs.audit import audit
from wocs.context import CommandError, Context, Result
from wocs.registry import Arg, command
from wocs.types import INT


@command("event photo", role="agent", args=(Arg("n", INT),))
def event_photo(ctx: Context, n: int) -> Result:
    """Save a photo to an event: send the photo with the caption /event photo N."""
    event = get_event(n)
    if not ctx.media:
        raise CommandError(
            f"I got no photo with this message. To add one to event #{n}, "
            f"send the photo with the caption /event photo {n}."
        )
    mime = ctx.media.get("mime_type") or ""
    if not mime.startswith("image/"):
        raise CommandError(
            f"That file is not a photo ({mime or 'unknown type'}). "
            f"Send a JPEG or PNG photo with the caption /event photo {n}."
        )
    attachment = WocsAttachment.create(
        event=event,
        media_id=ctx.media["id"][:64],
        mime_type=mime[:100],
        filename=(ctx.media.get("filename") or "")[:255],
        url="",
        state="pending",
    )
    audit(ctx, "event.photo", f"event:{n}", None, {"attachment": attachment.id})
    ctx.later("jobs.media.fetch_attachment", attachment.id)
    return Result(f"Got it — saving the photo to event #{n} ({event.name}).", entity=f"event:{n}")
