"""The statistics' periods and rates (DOMAIN.md, statistics): plain values, no SQL.

A period is a run of local days (Asia/Shanghai): a day, an ISO week (Monday to Sunday), a month,
a year, or any custom run. It is written the way the reports are named: `2026-11-24`,
`2026-W47`, `2026-11`, `2026`, `2026-11-01..2026-11-15`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from dutydesk.domain.deadlines import LOCAL_TZ

# The report's parts as the statistics screen shows them, one number key each.
SECTIONS = ("overview", "ranking", "police", "disputes", "revisits")
MAX_DAYS = 3 * 366  # a custom period longer than this is a typing mistake, not a report


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    CUSTOM = "custom"


class PeriodError(ValueError):
    """Text that names no period; `key` is the message's catalogue key."""

    def __init__(self, key: str, text: str) -> None:
        super().__init__(key)
        self.key, self.text = key, text


@dataclass(frozen=True, order=True)
class Period:
    first: dt.date
    last: dt.date  # inclusive
    kind: PeriodKind = PeriodKind.CUSTOM

    @property
    def label(self) -> str:
        match self.kind:
            case PeriodKind.DAY:
                return self.first.isoformat()
            case PeriodKind.WEEK:
                year, week, _ = self.first.isocalendar()
                return f"{year}-W{week:02d}"
            case PeriodKind.MONTH:
                return f"{self.first:%Y-%m}"
            case PeriodKind.YEAR:
                return f"{self.first:%Y}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range(self.days)]

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the
        last."""
        start = dt.datetime.combine(self.first, dt.time(), LOCAL_TZ)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), LOCAL_TZ)
        return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)

    def previous(self) -> Period:
        return self.shift(-1)

    def shift(self, steps: int) -> Period:
        """The period `steps` before (negative) or after (positive), of the same kind; a custom
        run moves by its own length."""
        if self.kind is PeriodKind.CUSTOM:
            length = dt.timedelta(days=self.days * steps)
            return Period(self.first + length, self.last + length)
        if self.kind is PeriodKind.MONTH:
            month = self.first.year * 12 + self.first.month - 1 + steps
            return containing(self.kind, dt.date(month // 12, month % 12 + 1, 1))
        if self.kind is PeriodKind.YEAR:
            return containing(self.kind, dt.date(self.first.year + steps, 1, 1))
        step = dt.timedelta(days=7 if self.kind is PeriodKind.WEEK else 1)
        return containing(self.kind, self.first + step * steps)

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def containing(kind: PeriodKind, day: dt.date) -> Period:
    """The day's, week's, month's or year's period around `day`."""
    match kind:
        case PeriodKind.DAY:
            return Period(day, day, kind)
        case PeriodKind.WEEK:
            monday = day - dt.timedelta(days=day.weekday())
            return Period(monday, monday + dt.timedelta(days=6), kind)
        case PeriodKind.MONTH:
            last = calendar.monthrange(day.year, day.month)[1]
            return Period(day.replace(day=1), day.replace(day=last), kind)
        case PeriodKind.YEAR:
            return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), kind)
    raise ValueError(f"no period of kind {kind} contains a day by itself")


def last_complete(kind: PeriodKind, today: dt.date) -> Period:
    """The latest period of `kind` that has ended before `today` (a report's default)."""
    return containing(kind, today).previous()


_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"(\d{4})")


def parse_period(text: str) -> Period:
    """`2026-11-24`, `2026-W47`, `2026-11`, `2026` or `FROM..TO` (days, inclusive)."""
    raw = text.strip()
    if ".." in raw:
        first_text, _, last_text = raw.partition("..")
        first, last = _day(first_text.strip(), raw), _day(last_text.strip(), raw)
        if last < first:
            raise PeriodError("stats.error.period_backwards", raw)
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError("stats.error.period_too_long", raw)
        return Period(first, last)
    if _DAY.fullmatch(raw):
        return containing(PeriodKind.DAY, _day(raw, raw))
    if match := _WEEK.fullmatch(raw):
        year, week = int(match[1]), int(match[2])
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise PeriodError("stats.error.no_such_week", raw) from None
        return containing(PeriodKind.WEEK, monday)
    if match := _MONTH.fullmatch(raw):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or year < 1:
            raise PeriodError("stats.error.no_such_day", raw)
        return containing(PeriodKind.MONTH, dt.date(year, month, 1))
    if _YEAR.fullmatch(raw) and int(raw) >= 1:
        return containing(PeriodKind.YEAR, dt.date(int(raw), 1, 1))
    raise PeriodError("stats.error.period_format", raw)


def _day(text: str, whole: str) -> dt.date:
    match = _DAY.fullmatch(text)
    if not match:
        raise PeriodError("stats.error.period_format", whole)
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise PeriodError("stats.error.no_such_day", whole) from None


def rate(part: int, whole: int) -> float | None:
    """part ÷ whole, or None when there is nothing to divide by (shown as —, never 0 %)."""
    return part / whole if whole else None


def percent(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"
