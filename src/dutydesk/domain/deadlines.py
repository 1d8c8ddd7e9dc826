"""Time limits and deadlines: natural or working hours and days, and where a deadline stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from dutydesk.domain.workcalendar import WorkCalendar

LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # the desk's clock: every local day and time
UTC = dt.timezone.utc


def local_date(moment: dt.datetime) -> dt.date:
    """The local day a moment falls on."""
    return moment.astimezone(LOCAL_TZ).date()


class TimeUnit(StrEnum):
    NATURAL_MINUTES = "natural_minutes"  # the 110 desk's 签收 is counted in minutes
    NATURAL_HOURS = "natural_hours"
    WORKING_HOURS = "working_hours"
    NATURAL_DAYS = "natural_days"
    WORKING_DAYS = "working_days"
    SAME_DAY = "same_day"  # 当日: by close of business (dispatched after it: the next working day's)


WORKING_UNITS = frozenset({TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS, TimeUnit.SAME_DAY})


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: TimeUnit

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError("a time limit must be positive")
        if self.unit is TimeUnit.SAME_DAY and self.amount != 1:
            raise ValueError("a same-day limit has the amount 1")


class DeadlineState(StrEnum):
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Deadline:
    start: dt.datetime
    due: dt.datetime
    unit: TimeUnit
    provisional: bool  # some day on the way was judged without an official calendar (暂定)


@dataclass(frozen=True)
class WorkingHours:
    """The desk's office hours on a working day, local time, e.g. 08:30–12:00 and 14:00–17:30."""

    periods: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(14, 0), dt.time(17, 30)),
    )

    def __post_init__(self) -> None:
        previous = dt.time(0, 0)
        for start, end in self.periods:
            if not previous <= start < end:
                raise ValueError("office hours must be increasing, non-overlapping periods")
            previous = end

    @property
    def close_of_business(self) -> dt.time:
        return self.periods[-1][1]


@dataclass
class DeadlineRules:
    calendar: WorkCalendar
    hours: WorkingHours
    due_soon_fraction: float = 0.8

    def compute(self, start: dt.datetime, limit: TimeLimit) -> Deadline:
        start = start.astimezone(UTC)
        match limit.unit:
            case TimeUnit.NATURAL_MINUTES:
                return Deadline(start, start + dt.timedelta(minutes=limit.amount), limit.unit,
                                False)
            case TimeUnit.NATURAL_HOURS:
                return Deadline(start, start + dt.timedelta(hours=limit.amount), limit.unit, False)
            case TimeUnit.NATURAL_DAYS:
                return Deadline(start, start + dt.timedelta(days=limit.amount), limit.unit, False)
            case TimeUnit.WORKING_HOURS:
                due, provisional = self._add_working_seconds(start, limit.amount * 3600)
                return Deadline(start, due, limit.unit, provisional)
            case TimeUnit.WORKING_DAYS:
                due, provisional = self._add_working_days(start, limit.amount)
                return Deadline(start, due, limit.unit, provisional)
            case TimeUnit.SAME_DAY:
                due, provisional = self._same_day(start)
                return Deadline(start, due, limit.unit, provisional)
        raise ValueError(limit.unit)

    def state(self, deadline_start: dt.datetime, due: dt.datetime, unit: TimeUnit,
              now: dt.datetime) -> DeadlineState:
        if now >= due:
            return DeadlineState.OVERDUE
        if unit in WORKING_UNITS:
            total = self.working_seconds_between(deadline_start, due)
            used = self.working_seconds_between(deadline_start, now)
        else:
            total = (due - deadline_start).total_seconds()
            used = (now - deadline_start).total_seconds()
        if total <= 0 or used / total >= self.due_soon_fraction:
            return DeadlineState.DUE_SOON
        return DeadlineState.ON_TIME

    # -- working-time arithmetic, in local time ------------------------------------------

    def _periods_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        return [
            (dt.datetime.combine(day, a, LOCAL_TZ), dt.datetime.combine(day, b, LOCAL_TZ))
            for a, b in self.hours.periods
        ]

    def _add_working_seconds(self, start: dt.datetime, seconds: float) -> tuple[dt.datetime, bool]:
        local = start.astimezone(LOCAL_TZ)
        day = local.date()
        remaining = seconds
        provisional = False
        for _ in range(3660):  # at most ten years of days: a guard, never reached in practice
            verdict = self.calendar.verdict(day)
            provisional |= verdict.provisional
            if verdict.working:
                for a, b in self._periods_on(day):
                    begin = max(a, local)
                    if begin >= b:
                        continue
                    available = (b - begin).total_seconds()
                    if remaining <= available:
                        return (begin + dt.timedelta(seconds=remaining)).astimezone(UTC), provisional
                    remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("time limit too long")

    def _add_working_days(self, start: dt.datetime, days: int) -> tuple[dt.datetime, bool]:
        """Due at close of business on the `days`-th working day after the start day."""
        day = local_date(start)
        provisional = False
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            verdict = self.calendar.verdict(day)
            provisional |= verdict.provisional
            counted += verdict.working
        due = dt.datetime.combine(day, self.hours.close_of_business, LOCAL_TZ)
        return due.astimezone(UTC), provisional

    def _same_day(self, start: dt.datetime) -> tuple[dt.datetime, bool]:
        """Close of business of the start day if it is a working day and business is not yet
        closed; otherwise of the next working day."""
        local = start.astimezone(LOCAL_TZ)
        verdict = self.calendar.verdict(local.date())
        if verdict.working and local.time() < self.hours.close_of_business:
            due = dt.datetime.combine(local.date(), self.hours.close_of_business, LOCAL_TZ)
            return due.astimezone(UTC), verdict.provisional
        due, provisional = self._add_working_days(start, 1)
        return due, provisional or verdict.provisional

    def first_working_day_after(self, moment: dt.datetime, count: int = 1) -> dt.date:
        """The `count`-th working day after the local day of `moment`."""
        day = local_date(moment)
        while count:
            day += dt.timedelta(days=1)
            count -= self.calendar.is_working(day)
        return day

    def working_seconds_between(self, a: dt.datetime, b: dt.datetime) -> float:
        if b <= a:
            return 0.0
        a_local, b_local = a.astimezone(LOCAL_TZ), b.astimezone(LOCAL_TZ)
        total = 0.0
        day = a_local.date()
        while day <= b_local.date():
            if self.calendar.is_working(day):
                for p, q in self._periods_on(day):
                    lo, hi = max(p, a_local), min(q, b_local)
                    if hi > lo:
                        total += (hi - lo).total_seconds()
            day += dt.timedelta(days=1)
        return total
