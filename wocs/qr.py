"""The WhatsApp link and QR code that enter a customer into a campaign."""

from __future__ import annotations

import io
from urllib.parse import quote

import qrcode
import qrcode.image.pure
import qrcode.image.svg


def join_text(code: str) -> str:
    """The message a customer sends to enter."""
    return f"JOIN {code}"


def wa_link(business_number: str, code: str) -> str:
    """A wa.me link that opens a chat with the business with `JOIN <CODE>` typed in."""
    return f"https://wa.me/{business_number}?text={quote(join_text(code))}"


def qr_svg(link: str) -> str:
    """The QR code of a link as inline SVG (crisp on any screen, no image request)."""
    return qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=10).to_string(
        encoding="unicode"
    )


def qr_png(link: str) -> bytes:
    """The QR code of a link as PNG bytes (for sending on WhatsApp)."""
    buffer = io.BytesIO()
    qrcode.make(link, image_factory=qrcode.image.pure.PyPNGImage, box_size=12).save(buffer)
    return buffer.getvalue()
