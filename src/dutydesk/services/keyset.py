"""Keyset paging, one rule for every board's list: newest first by a (time, id) key — a page
below `after`, above `before`, or from the top — reading one row more than the page to know
whether more lie beyond. The plain range term comes first: it lets the index seek straight to
the cursor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_

PAGE_SIZE_MAX = 500  # the most rows any board asks for at once


@dataclass(frozen=True)
class Cursor:
    """A keyset position: the (created_at, id) of a row."""

    created_at: dt.datetime
    id: int


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    has_before: bool  # newer rows exist above this page
    has_after: bool  # older rows exist below this page


def order(key: tuple[Any, Any], before: Cursor | None) -> tuple:
    """Newest first; oldest first when reading the page above `before` (turned back after)."""
    return (key[0].asc(), key[1].asc()) if before is not None \
        else (key[0].desc(), key[1].desc())


def bounds(key: tuple[Any, Any], after: Cursor | None,
           before: Cursor | None) -> list[ColumnElement]:
    if after is not None:
        return [key[0] <= after.created_at, or_(key[0] < after.created_at, key[1] < after.id)]
    if before is not None:
        return [key[0] >= before.created_at, or_(key[0] > before.created_at, key[1] > before.id)]
    return []


def page_of(raw: list, limit: int, after: Cursor | None, before: Cursor | None,
            make: Callable[[Any], Any]) -> Page:
    """The page of rows made from `raw` (read with `limit + 1`), newest first."""
    more = len(raw) > limit
    raw = list(raw[:limit])
    if before is not None:
        raw.reverse()
    rows = [make(r) for r in raw]
    if before is not None:
        return Page(rows, has_before=more, has_after=True)
    return Page(rows, has_before=after is not None, has_after=more)
