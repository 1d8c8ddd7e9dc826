"""Messages workers post; handlers on the screens own every state change (Harlequin's rule)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from dutydesk.services.queue import CaseDetail, Page


@dataclass
class PageLoaded(Message):
    page: Page
    anchor: tuple
    keep_case_id: int | None


@dataclass
class CountLoaded(Message):
    total: int
    generation: int


@dataclass
class DetailLoaded(Message):
    detail: CaseDetail | None


@dataclass
class FeedChanged(Message):
    last_event_id: int
