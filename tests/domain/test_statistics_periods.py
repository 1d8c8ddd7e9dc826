"""Periods: named as the reports name them, parsed back, stepped, and bounded in local days."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from dutydesk.domain.statistics import (
    Period, PeriodError, PeriodKind, containing, last_complete, parse_period, percent, rate,
)

days = st.dates(min_value=dt.date(1992, 1, 1), max_value=dt.date(2090, 12, 31))
kinds = st.sampled_from([PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.YEAR])


@given(kinds, days)
def test_a_period_reads_back_from_its_label(kind, day):
    period = containing(kind, day)
    assert period.contains(day)
    assert parse_period(period.label) == period


@given(kinds, days, st.integers(-30, 30))
def test_stepping_back_and_forth_returns(kind, day, steps):
    period = containing(kind, day)
    moved = period.shift(steps)
    assert moved.shift(-steps) == period
    if steps > 0:
        assert moved.first > period.last
        assert moved.shift(-1).last + dt.timedelta(days=1) == moved.first  # no gap, no overlap


@given(days, st.integers(0, 400))
def test_a_custom_run_and_its_bounds(first, length):
    last = first + dt.timedelta(days=length)
    period = parse_period(f"{first.isoformat()}..{last.isoformat()}")
    assert (period.first, period.last, period.days) == (first, last, length + 1)
    start, end = period.utc_bounds()
    assert end - start == dt.timedelta(days=length + 1)  # no summer time in Shanghai since 1991
    assert start.hour == 16  # local midnight is 16:00 UTC the day before
    assert parse_period(period.label) == period


def test_weeks_run_monday_to_sunday_and_months_to_their_last_day():
    week = parse_period("2026-W48")
    assert (week.first, week.last) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert parse_period("2026w48") == week
    assert parse_period("2024-02").last == dt.date(2024, 2, 29)
    assert parse_period("2026").days == 365
    assert parse_period(" 2026-11-24 ").kind is PeriodKind.DAY


def test_the_last_complete_period_is_the_reports_default():
    today = dt.date(2026, 11, 25)  # a Wednesday
    assert last_complete(PeriodKind.WEEK, today).label == "2026-W47"
    assert last_complete(PeriodKind.MONTH, today).label == "2026-10"
    assert last_complete(PeriodKind.MONTH, dt.date(2026, 1, 1)).label == "2025-12"


@pytest.mark.parametrize(("text", "key"), [
    ("", "stats.error.period_format"),
    ("november", "stats.error.period_format"),
    ("2026-13", "stats.error.no_such_day"),
    ("2026-02-30", "stats.error.no_such_day"),
    ("2026-W54", "stats.error.no_such_week"),
    ("2026-11-30..2026-11-01", "stats.error.period_backwards"),
    ("2020-01-01..2026-01-01", "stats.error.period_too_long"),
    ("2026-11-01..", "stats.error.period_format"),
    ("2026-11-01\x1b[31m", "stats.error.period_format"),
])
def test_text_that_names_no_period_says_why(text, key):
    with pytest.raises(PeriodError) as caught:
        parse_period(text)
    assert caught.value.key == key


@given(st.text(max_size=30))
def test_any_text_parses_or_is_refused_with_a_reason(text):
    try:
        period = parse_period(text)
    except PeriodError as exc:
        assert exc.key.startswith("stats.error.")
    else:
        assert isinstance(period, Period) and period.first <= period.last


def test_rates_have_no_zero_divisions():
    assert rate(6967, 7389) == pytest.approx(0.942888)
    assert percent(rate(6967, 7389)) == "94.29%"
    assert rate(0, 0) is None and percent(None) == "—"
