"""Working days over the State Council calendar, including adjusted working weekends (调休).

Sources, in order: an administrator's entry for the year (configuration), the maintained
`chinese-calendar` package, and for years neither covers, the statutory holidays alone with
their make-up days. A day
decided by the last source is *provisional* (暂定): callers mark such deadlines so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class YearDays:
    """An administrator's entry of one year's official days off and adjusted working days."""

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


@dataclass(frozen=True)
class DayVerdict:
    working: bool
    provisional: bool


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> frozenset[dt.date]:
    """Statutory days off for a year (全国年节及纪念日放假办法, 2025 revision), without 调休.

    元旦 1, 春节 4 (除夕 to 初三), 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3.
    """
    from chinese_calendar import get_solar_terms
    from lunardate import LunarDate

    days: set[dt.date] = {dt.date(year, 1, 1), dt.date(year, 5, 1), dt.date(year, 5, 2)}
    days |= {dt.date(year, 10, d) for d in (1, 2, 3)}
    new_year = LunarDate(year, 1, 1).to_solar_date()
    days |= {new_year + dt.timedelta(days=offset) for offset in (-1, 0, 1, 2)}
    days.add(LunarDate(year, 5, 5).to_solar_date())
    days.add(LunarDate(year, 8, 15).to_solar_date())
    qingming = [d for d, name in get_solar_terms(dt.date(year, 4, 1), dt.date(year, 4, 10))
                if name == "清明"]
    days.update(qingming)
    return frozenset(days)


@lru_cache(maxsize=64)
def statutory_days_off(year: int) -> frozenset[dt.date]:
    """The statutory holidays plus their make-up days (第六条: a holiday falling on a Saturday
    or Sunday is made up on the next working day)."""
    holidays = statutory_holidays(year)
    days = set(holidays)
    for holiday in sorted(holidays):
        if holiday.weekday() >= 5:
            day = holiday + dt.timedelta(days=1)
            while day.weekday() >= 5 or day in days:
                day += dt.timedelta(days=1)
            days.add(day)
    return frozenset(days)


def officially_published(year: int) -> bool:
    """Whether the maintained `chinese-calendar` package holds the State Council's days for
    `year` (an administrator's entry would then override official data)."""
    from chinese_calendar import is_workday

    try:
        is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass
class WorkCalendar:
    entered: dict[int, YearDays] = field(default_factory=dict)
    _cache: dict[dt.date, DayVerdict] = field(default_factory=dict, repr=False, compare=False)

    def verdict(self, day: dt.date) -> DayVerdict:
        # Deadline states are computed for every row shown: each day is judged once.
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = _verdict(day, self.entered.get(day.year))
        return cached

    def is_working(self, day: dt.date) -> bool:
        return self.verdict(day).working


def _verdict(day: dt.date, entry: YearDays | None) -> DayVerdict:
    if entry is not None:
        if day in entry.holidays:
            return DayVerdict(False, False)
        if day in entry.workdays:
            return DayVerdict(True, False)
        return DayVerdict(day.weekday() < 5, False)
    try:
        from chinese_calendar import is_workday

        return DayVerdict(is_workday(day), False)
    except NotImplementedError:
        # No published data for this year yet: weekends and statutory holidays (with their
        # make-up days) only.
        working = day.weekday() < 5 and day not in statutory_days_off(day.year)
        return DayVerdict(working, True)
