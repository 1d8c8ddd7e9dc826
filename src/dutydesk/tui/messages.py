"""Messages workers post; handlers on the screens own every state change (Harlequin's rule)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from dutydesk.services.keyset import Page
from dutydesk.services.queue import CaseDetail, DeskCounts


@dataclass
class PageLoaded(Message):
    """A page, where its cursor goes, and that row's detail (read in the same worker)."""

    page: Page
    anchor: tuple
    cursor_index: int
    detail: CaseDetail | None
    turning: bool  # a move to the neighbouring page rather than a reload
    generation: int  # which load this answers (only the newest is shown)


@dataclass
class CountLoaded(Message):
    total: int
    generation: int
    counts: DeskCounts


@dataclass
class DetailLoaded(Message):
    detail: CaseDetail | None
    row_id: int | None  # the row it was read for (None: no row was highlighted)


@dataclass
class FeedChanged(Message):
    last_event_id: int
