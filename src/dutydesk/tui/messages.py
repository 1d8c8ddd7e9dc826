"""Messages workers post; handlers on the screens own every state change (Harlequin's rule).
A worker never touches a widget or a screen's state: it reads, then posts one of these."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from dutydesk.services.queue import DeskCounts


@dataclass
class CountLoaded(Message):
    total: int
    generation: int
    counts: DeskCounts


@dataclass
class FeedChanged(Message):
    last_event_id: int


@dataclass
class KeyRefused(Message):
    """A key's step refused by the service (said in the status line / a toast)."""

    text: str


@dataclass
class Done(Message):
    """A step taken from a board's key (not a form): what to tell the officer."""

    text: str


# -- the app ------------------------------------------------------------------------------


@dataclass
class DueSoonSeen(Message):
    soon: dict  # case id -> summary: every case of mine now 临期


@dataclass
class NoticesFound(Message):
    notices: list


@dataclass
class TransfersSeen(Message):
    latest: int
    number: str
    count: int


# -- boards -------------------------------------------------------------------------------


@dataclass
class PoliceCountsLoaded(Message):
    counts: dict
    figures: object
    period: object


@dataclass
class LaneCountsLoaded(Message):
    counts: dict


@dataclass
class CardMoved(Message):
    """A card that changed lanes (建档, 调整颜色): where the cursor goes."""

    lane: object
    case_id: int


@dataclass
class MonthLoaded(Message):
    month: tuple[int, int]
    counts: dict


@dataclass
class ImportProgress(Message):
    done: int
    total: int


@dataclass
class ReportProgress(Message):
    done: int
    total: int


@dataclass
class ReportCounted(Message):
    report: object


@dataclass
class ReportRefused(Message):
    text: str


# -- forms --------------------------------------------------------------------------------


@dataclass
class DetailReread(Message):
    """A form's item read again (Ctrl+R after a stale write), or why it could not be."""

    detail: object
    error: str | None = None
