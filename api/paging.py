"""Cursor pagination: keyset pages that stay stable while records are added."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from peewee import DateField, DateTimeField, ModelSelect
from peewee import Field as Column
from pydantic import BaseModel, Field

from api.errors import ApiError

MAX_LIMIT = 100


class PageQuery(BaseModel):
    """`limit` (1–100, larger values are capped) and the `cursor` a previous page returned."""

    limit: int = Field(50, ge=1, description="records per page; values over 100 count as 100")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the last page")


class Page(BaseModel):
    """A page of a list; `next_cursor` is null on the last page."""

    next_cursor: str | None


def page(
    query: ModelSelect,
    key: Column,
    descending: bool,
    params: PageQuery,
    dump: Callable[[Any], dict],
    sort: str,
) -> dict[str, Any]:
    """One page of `query` ordered by `key` then id; `sort` names the order inside the cursor."""
    model = key.model
    ident = model._meta.primary_key
    if params.cursor:
        value, last = _read(params.cursor, sort)
        value = _typed(key, value) if key is not ident else last
        if descending:
            query = query.where((key < value) | ((key == value) & (ident < last)))
        else:
            query = query.where((key > value) | ((key == value) & (ident > last)))
    order = [key.desc(), ident.desc()] if descending else [key.asc(), ident.asc()]
    limit = min(params.limit, MAX_LIMIT)
    rows = list(query.order_by(*order).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = _write(sort, getattr(rows[-1], key.name), rows[-1].id) if more else None
    return {"items": [dump(row) for row in rows], "next_cursor": cursor}


def _write(sort: str, value: Any, last: int) -> str:
    if isinstance(value, dt.date | dt.datetime):
        value = str(value)
    raw = json.dumps([sort, value, last], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_cursor() -> ApiError:
    return ApiError(
        400,
        "The cursor does not belong to this list.",
        {"cursor": "Pass next_cursor from the previous page, with the same sort."},
    )


def _read(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, last = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise _bad_cursor() from None
    if kind != sort or not isinstance(last, int) or not 0 <= last < 2**63:
        raise _bad_cursor()
    if not isinstance(value, str | int | float):
        raise _bad_cursor()
    return value, last


def _typed(key: Column, value: Any) -> Any:
    """The cursor's sort value as the column's Python type (dates come back as text)."""
    try:
        typed = key.python_value(value)
    except (ValueError, TypeError):
        raise _bad_cursor() from None
    if isinstance(key, DateField | DateTimeField) and not isinstance(typed, dt.date):
        raise _bad_cursor()  # peewee hands back text it cannot read as a date
    return typed
