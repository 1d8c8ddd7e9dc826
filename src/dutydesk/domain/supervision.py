"""The supervision ladder (12345 practice): a unit late with its 办结时限 gets a yellow card
(催办) at 09:00 of the first working day after the deadline, and a red card (通报) at 09:00 of
the fifth working day after it. The card follows from the deadline and the clock alone, so an
approved extension or a new 派单 — which move the deadline — reset it; a manual 督办 does not
change it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from dutydesk.domain.deadlines import LOCAL_TZ, DeadlineRules


class Card(StrEnum):
    YELLOW = "yellow"  # 黄牌: 催办 (chase)
    RED = "red"  # 红牌: 通报 (circulate)


@dataclass(frozen=True)
class Ladder:
    chase_at: dt.time = dt.time(9, 0)
    circulate_after_working_days: int = 5


def card_for(rules: DeadlineRules, ladder: Ladder, due_at: dt.datetime | None,
             now: dt.datetime) -> Card | None:
    """The card a unit holds for a deadline `due_at` at `now`, if any."""
    if due_at is None or now < due_at:
        return None

    def step_at(working_days: int) -> dt.datetime:
        day = rules.first_working_day_after(due_at, working_days)
        return dt.datetime.combine(day, ladder.chase_at, LOCAL_TZ)

    if now >= step_at(ladder.circulate_after_working_days):
        return Card.RED
    if now >= step_at(1):
        return Card.YELLOW
    return None
