"""A step on an item's timeline, as every board's detail shows it (read from the event log)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    on_behalf_of: str | None
    payload: dict
    merged_from: int | None = None  # a 合并 of another case into this one
