"""Duty shifts (错时工作制, seeds/001: the desk runs 365 days): which shift a moment falls in, and
when that shift began and ends — plain rules, no storage. A shift may run past midnight; its
day is the day it began."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dutydesk.domain.deadlines import LOCAL_TZ


@dataclass(frozen=True)
class Shift:
    code: str
    name: str
    start: dt.time
    end: dt.time
    name_en: str = ""

    def text(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """When the shift of `day` begins and ends (local time, as aware datetimes)."""
        begin = dt.datetime.combine(day, self.start, LOCAL_TZ)
        end_day = day + dt.timedelta(days=1) if self.overnight else day
        return begin, dt.datetime.combine(end_day, self.end, LOCAL_TZ)


DEFAULT_SHIFTS = (
    Shift("day", "白班", dt.time(8, 30), dt.time(17, 30), "Day shift"),
    Shift("night", "夜班", dt.time(17, 30), dt.time(8, 30), "Night shift"),
)


@dataclass(frozen=True)
class ShiftOn:
    """A shift on a day: the unit of the roster and of a handover."""

    shift: Shift
    day: dt.date

    @property
    def begins(self) -> dt.datetime:
        return self.shift.bounds(self.day)[0]

    @property
    def ends(self) -> dt.datetime:
        return self.shift.bounds(self.day)[1]


def shift_at(moment: dt.datetime, shifts: tuple[Shift, ...]) -> ShiftOn | None:
    """The shift running at `moment` (None if the shifts leave it uncovered)."""
    local = moment.astimezone(LOCAL_TZ)
    for day in (local.date(), local.date() - dt.timedelta(days=1)):
        for shift in shifts:
            begin, end = shift.bounds(day)
            if begin <= local < end:
                return ShiftOn(shift, day)
    return None


def next_shift(current: ShiftOn, shifts: tuple[Shift, ...]) -> ShiftOn | None:
    """The shift that takes over when `current` ends."""
    return shift_at(current.ends, shifts)


def shift_handing_over(moment: dt.datetime, shifts: tuple[Shift, ...],
                       grace: dt.timedelta) -> ShiftOn | None:
    """The shift whose handover sheet is made at `moment`: the shift that is ending. That is
    the running shift, except within `grace` after a shift's end, when the sheet is still the
    outgoing one's (a sheet saved at 17:35 belongs to the day shift that ended at 17:30)."""
    running = shift_at(moment, shifts)
    just_ended = shift_at(moment - grace, shifts)
    if just_ended is not None and just_ended != running:
        return just_ended
    return running
