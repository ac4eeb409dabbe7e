"""TikTok hooks: list, show, and the same changes /hook makes on WhatsApp."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from api import actions
from api.common import IdPath, Strict, blueprint, not_found
from api.errors import ApiError
from api.paging import Page, PageQuery, page
from commands.hooks import TAG, tagged
from models import Hook
from wocs.values import ValueProblem

bp = blueprint("hooks", "TikTok content hooks and how they performed")


class HookOut(BaseModel):
    id: int
    text: str
    tags: list[str]
    views: int
    likes: int
    shares: int
    engagement_rate: float = Field(description="(likes + shares) / views")
    used_count: int
    last_used: dt.datetime | None
    created_at: dt.datetime


class HookPage(Page):
    items: list[HookOut]


class ChangedHookOut(BaseModel):
    message: str = Field(description="the reply the bot would send; for a use, the text to copy")
    hook: HookOut


class HookQuery(PageQuery):
    tag: str | None = Field(None, max_length=60)
    sort: Literal["id", "-id"] = "-id"


class HookIn(Strict):
    text: str = Field(min_length=1, max_length=4000)
    tags: list[str] | None = Field(None, max_length=20)


class FiguresIn(Strict):
    views: int | None = Field(None, ge=0, le=2**31 - 1)
    likes: int | None = Field(None, ge=0, le=2**31 - 1)
    shares: int | None = Field(None, ge=0, le=2**31 - 1)


def dump(hook: Hook) -> dict[str, Any]:
    """A hook as the API shows it."""
    return {
        "id": hook.id,
        "text": hook.text,
        "tags": hook.tags,
        "views": hook.views,
        "likes": hook.likes,
        "shares": hook.shares,
        "engagement_rate": hook.engagement_rate,
        "used_count": hook.used_count,
        "last_used": hook.last_used,
        "created_at": hook.created_at,
    }


CHANGES = actions.Changes("hook", lambda key: dump(Hook.get_by_id(int(key))))


@bp.get("", responses={200: HookPage}, summary="List hooks")
def list_hooks(query: HookQuery) -> dict:
    """Hooks, newest first, or only those with a tag."""
    ctx = actions.permit("hook list")
    rows = Hook.select()
    if query.tag is not None:
        try:
            rows = rows.where(tagged(TAG.convert(query.tag, ctx)))
        except ValueProblem as exc:
            raise ApiError(400, "The tag is not valid.", {"tag": str(exc)}) from None
    return page(rows, Hook.id, query.sort.startswith("-"), query, dump, query.sort)


@bp.get("/<int:id>", responses={200: HookOut}, summary="Show a hook")
def show_hook(path: IdPath) -> dict:
    """One hook with its figures."""
    actions.permit("hook list")
    hook = Hook.get_or_none(Hook.id == path.id)
    if hook is None:
        raise not_found(f"hook #{path.id}")
    return dump(hook)


@bp.post("", responses={201: ChangedHookOut}, summary="Save a hook")
def add_hook(body: HookIn) -> tuple[dict, int]:
    """Save a hook with its tags (as /hook add)."""
    return CHANGES.run("hook add", body.model_dump()), 201


@bp.post("/<int:id>/use", responses={200: ChangedHookOut}, summary="Use a hook")
def use_hook(path: IdPath) -> dict:
    """Count a use; the message is the text to copy (as /hook use)."""
    return CHANGES.run("hook use", {"n": path.id})


@bp.post("/<int:id>/stats", responses={200: ChangedHookOut}, summary="Record figures")
def hook_stats(path: IdPath, body: FiguresIn) -> dict:
    """Record views, likes and shares; the engagement rate follows (as /hook stats)."""
    return CHANGES.run("hook stats", {"n": path.id, **body.model_dump()})
