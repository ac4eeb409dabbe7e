"""A message to a team member outside their 24-hour window goes again as the team_notice template."""

from __future__ import annotations

import logging
import re

from jobs import staging
from models import OutboundMessage, StaffMember, WhatsAppTemplate, write_transaction

log = logging.getLogger(__name__)

TEMPLATE = "team_notice"
# Meta refuses a template value with a newline, a tab or more than four spaces in a row, and
# the whole body must stay within 1,024 characters.
VALUE_LIMIT = 900
_SPACING = re.compile(r"\s*\n\s*|\t| {5,}")
COPY = ":tpl"  # ends the outbox key of a message's template copy


def original_key(key: str) -> str:
    """The outbox key of the message a template copy stands for (the key itself if none)."""
    return key.removesuffix(COPY)


def as_template(row: OutboundMessage) -> str:
    """Stage the template copy of a text Meta refused for the window; its outbox key, or ""."""
    staff = StaffMember.get_or_none(StaffMember.phone == row.to, StaffMember.active == True)  # noqa: E712
    if staff is None or row.kind != "text":
        return ""  # customers are answered only within their window; media has no template
    approved = WhatsAppTemplate.get_or_none(
        WhatsAppTemplate.name == TEMPLATE, WhatsAppTemplate.status == "APPROVED"
    )
    if approved is None:
        log.warning(
            "outbound %s to a team member is outside their 24-hour window and the %s template "
            "is not approved; push and get it approved so team notices always arrive",
            row.id,
            TEMPLATE,
        )
        return ""
    value = _SPACING.sub(" · ", row.body.strip())
    value = value if len(value) <= VALUE_LIMIT else value[: VALUE_LIMIT - 1] + "…"
    key = f"{row.idempotency_key[:180]}{COPY}"
    with write_transaction():
        staging.add(
            row.to,
            f"WOCS update for the team: {value}",
            key,
            template={"name": TEMPLATE, "language": approved.language, "params": [value]},
            queue_name=row.queue,
        )
    return key
