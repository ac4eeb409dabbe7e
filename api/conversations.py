"""Customer conversations for the app: the inbox, one conversation with its messages, answering."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api import actions, limits
from api.common import IdPath, Strict, blueprint
from api.paging import Page, PageQuery, page
from domain.conversations import ACTIVE, find, masked_address, visible
from models import Conversation, ConversationMessage, StaffMember
from wocs.context import Context
from wocs.people import shown_phone

bp = blueprint("conversations", "Customers' conversations with the team (agents and admins)")
State = Literal["open", "waiting", "closed"]
MESSAGES = 100  # the latest messages one conversation shows
REPLY_LIMIT = "30 per minute"  # replies reach customers: an app stuck in a loop must not spam them


class TeammateOut(BaseModel):
    id: int
    name: str
    phone: str = Field(description="in full to admins, masked to agents")


class CustomerOut(BaseModel):
    name: str
    address: str = Field(description="the customer's phone (or BSUID), masked: +60 13-555 ****")


class ConversationOut(BaseModel):
    id: int
    state: State
    customer: CustomerOut
    assignee: TeammateOut | None
    opened_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None
    last_customer_at: dt.datetime | None


class ConversationPage(Page):
    items: list[ConversationOut]


class ConversationMessageOut(BaseModel):
    id: int
    direction: Literal["in", "out", "note"] = Field(
        description="in: the customer's, out: the team's answer, note: seen by the team only"
    )
    text: str
    author: TeammateOut | None = Field(description="who on the team wrote it (out and note)")
    delivery: str | None = Field(description="out: pending, sending, sent, delivered, read, failed")
    at: dt.datetime


class ConversationDetailOut(ConversationOut):
    messages: list[ConversationMessageOut] = Field(description="the latest 100, oldest first")


class ChangedConversationOut(BaseModel):
    message: str = Field(description="the reply the bot would send for the same change")
    conversation: ConversationOut


class ConversationQuery(PageQuery):
    state: State | None = Field(None, description="leave out for every conversation not closed")
    mine: bool = Field(False, description="only the caller's")
    assignee: int | None = Field(None, ge=1, le=2**31 - 1, description="a team member's id")
    sort: Literal["-updated_at", "-id", "id"] = "-updated_at"


class ReplyIn(Strict):
    text: str = Field(min_length=1, max_length=4096, description="sent to the customer as typed")


class AssignIn(Strict):
    assignee: str = Field(min_length=1, max_length=120, description="a team member's name or phone")


class CloseIn(Strict):
    note: str | None = Field(None, max_length=4000, description="kept for the team")


def _teammate(member: StaffMember | None, ctx: Context) -> dict | None:
    if member is None:
        return None
    return {"id": member.id, "name": member.name, "phone": shown_phone(member.phone, ctx)}


def dump(conversation: Conversation, ctx: Context) -> dict[str, Any]:
    """A conversation as the API shows it to the caller."""
    contact = conversation.contact
    return {
        "id": conversation.id,
        "state": conversation.state,
        "customer": {"name": contact.name or "", "address": masked_address(contact)},
        "assignee": _teammate(conversation.assignee if conversation.assignee_id else None, ctx),
        "opened_at": conversation.opened_at,
        "updated_at": conversation.updated_at,
        "closed_at": conversation.closed_at,
        "last_customer_at": conversation.last_customer_at,
    }


def _message(row: ConversationMessage, ctx: Context) -> dict[str, Any]:
    return {
        "id": row.id,
        "direction": row.direction,
        "text": row.text,
        "author": _teammate(row.author if row.author_id else None, ctx),
        "delivery": row.outbound.state if row.outbound_id else None,
        "at": row.created_at,
    }


def _show(key: str) -> dict[str, Any]:
    # Whoever just changed it sees the result, even an agent who handed it over.
    return dump(Conversation.get_by_id(int(key)), actions.context())


CHANGES = actions.Changes("conversation", _show)


@bp.get("", responses={200: ConversationPage}, summary="List conversations")
def list_conversations(query: ConversationQuery) -> dict:
    """Agents see their own and unassigned conversations, admins everyone's; newest first."""
    ctx = actions.permit("inbox")
    rows = visible(ctx)
    if query.state:
        rows = rows.where(Conversation.state == query.state)
    else:
        rows = rows.where(Conversation.state.in_(ACTIVE))
    if query.mine:
        rows = rows.where(Conversation.assignee == ctx.user)
    if query.assignee:
        rows = rows.where(Conversation.assignee == query.assignee)
    key = Conversation.updated_at if query.sort == "-updated_at" else Conversation.id
    return page(rows, key, query.sort.startswith("-"), query, lambda c: dump(c, ctx), query.sort)


@bp.get("/<int:id>", responses={200: ConversationDetailOut}, summary="Show a conversation")
def show_conversation(path: IdPath) -> dict:
    """One conversation with its latest messages, both ways, and the team's notes."""
    ctx = actions.permit("history")
    conversation = actions.found(lambda: find(ctx, path.id))
    latest = conversation.messages.order_by(ConversationMessage.id.desc()).limit(MESSAGES)
    return {
        **dump(conversation, ctx),
        "messages": [_message(row, ctx) for row in list(latest)[::-1]],
    }


@bp.post("/<int:id>/reply", responses={200: ChangedConversationOut}, summary="Answer the customer")
def reply_to_customer(path: IdPath, body: ReplyIn) -> dict:
    """Send the customer a message from the business number (as /reply)."""
    return CHANGES.run("reply", {"number": path.id, "text": body.text})


@bp.post("/<int:id>/assign", responses={200: ChangedConversationOut}, summary="Hand it over")
def assign_conversation(path: IdPath, body: AssignIn) -> dict:
    """Give the conversation to a team member, who gets its latest messages (as /assign)."""
    return CHANGES.run("assign", {"number": path.id, "assignee": body.assignee})


@bp.post("/<int:id>/close", responses={200: ChangedConversationOut}, summary="Close it")
def close_conversation(path: IdPath, body: CloseIn) -> dict:
    """Close the conversation, with a note for the team if given (as /close)."""
    return CHANGES.run("close", {"number": path.id, "note": body.note})


LIMITS: limits.Special = {
    "conversations.reply_to_customer": [(REPLY_LIMIT, limits.rate_key, None)],
}
