"""Deadline maths over the State Council calendar, with adjusted working weekends (调休)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dutydesk.domain.deadlines import (
    LOCAL_TZ, DeadlineRules, DeadlineState, TimeLimit, TimeUnit, WorkingHours,
)
from dutydesk.domain.workcalendar import WorkCalendar, YearDays, statutory_holidays


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL_TZ)


@pytest.fixture
def rules() -> DeadlineRules:
    return DeadlineRules(WorkCalendar(), WorkingHours())


def test_natural_hours_and_days(rules):
    start = local(2026, 9, 30, 10, 0)
    assert rules.compute(start, TimeLimit(2, TimeUnit.NATURAL_HOURS)).due == start + dt.timedelta(hours=2)
    assert rules.compute(start, TimeLimit(3, TimeUnit.NATURAL_DAYS)).due == start + dt.timedelta(days=3)


def test_working_days_skip_the_2026_national_day_holiday(rules):
    # 10-01..10-07 off; 10-08 (Thu), 10-09 (Fri) and 10-10 (adjusted working Saturday) work.
    due = rules.compute(local(2026, 9, 30, 10, 0), TimeLimit(3, TimeUnit.WORKING_DAYS))
    assert due.due.astimezone(LOCAL_TZ) == local(2026, 10, 10, 17, 30)
    assert not due.provisional


def test_adjusted_working_sunday_counts(rules):
    # 2026-02-14 is a working Saturday before the Spring Festival.
    due = rules.compute(local(2026, 2, 13, 9, 0), TimeLimit(1, TimeUnit.WORKING_DAYS))
    assert due.due.astimezone(LOCAL_TZ).date() == dt.date(2026, 2, 14)


def test_working_hours_skip_lunch_nights_and_weekends(rules):
    # Friday 16:30 + 5 working hours: 1 h Friday, then Monday 08:30-12:00 (3.5 h), 14:00-14:30.
    due = rules.compute(local(2026, 11, 20, 16, 30), TimeLimit(5, TimeUnit.WORKING_HOURS))
    assert due.due.astimezone(LOCAL_TZ) == local(2026, 11, 23, 14, 30)


def test_a_deadline_running_into_an_unpublished_year_is_provisional(rules):
    due = rules.compute(local(2026, 12, 30, 10, 0), TimeLimit(3, TimeUnit.WORKING_DAYS))
    # 12-31 (Thu), then 2027-01-01 (statutory holiday), weekend, 01-04, 01-05.
    assert due.due.astimezone(LOCAL_TZ).date() == dt.date(2027, 1, 5)
    assert due.provisional


def test_an_administrators_entry_makes_it_official():
    entered = YearDays(2027, frozenset({dt.date(2027, 1, 1), dt.date(2027, 1, 4)}), frozenset())
    rules = DeadlineRules(WorkCalendar({2027: entered}), WorkingHours())
    due = rules.compute(local(2026, 12, 30, 10, 0), TimeLimit(3, TimeUnit.WORKING_DAYS))
    assert due.due.astimezone(LOCAL_TZ).date() == dt.date(2027, 1, 6)
    assert not due.provisional


def test_statutory_holidays_of_2027_include_the_lunar_festivals():
    days = statutory_holidays(2027)
    assert dt.date(2027, 2, 6) in days  # Spring Festival (初一)
    assert dt.date(2027, 2, 5) in days  # 除夕
    assert dt.date(2027, 10, 1) in days
    assert len(days) == 13


def test_deadline_state_thresholds(rules):
    start, due = local(2026, 11, 23, 0, 0), local(2026, 11, 24, 0, 0)
    state = lambda h: rules.state(start, due, TimeUnit.NATURAL_HOURS, start + dt.timedelta(hours=h))
    assert state(19) is DeadlineState.ON_TIME
    assert state(19.2) is DeadlineState.DUE_SOON
    assert state(24) is DeadlineState.OVERDUE


def test_working_time_state_ignores_nights(rules):
    # 5 working hours from Friday 16:30 (due Monday 14:30): Saturday noon has used only 1 h.
    start = local(2026, 11, 20, 16, 30)
    deadline = rules.compute(start, TimeLimit(5, TimeUnit.WORKING_HOURS))
    assert rules.state(start, deadline.due, TimeUnit.WORKING_HOURS,
                       local(2026, 11, 21, 12, 0)) is DeadlineState.ON_TIME


def test_bad_limits_and_hours_are_refused():
    with pytest.raises(ValueError):
        TimeLimit(0, TimeUnit.WORKING_DAYS)
    with pytest.raises(ValueError):
        WorkingHours(((dt.time(14), dt.time(12)),))


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 1)),
    amount=st.integers(1, 20),
    unit=st.sampled_from([u for u in TimeUnit if u is not TimeUnit.SAME_DAY]),
)
def test_deadlines_are_later_than_their_start_and_grow_with_the_limit(start, amount, unit):
    rules = DeadlineRules(WorkCalendar(), WorkingHours())
    begin = start.replace(tzinfo=LOCAL_TZ)
    first = rules.compute(begin, TimeLimit(amount, unit))
    second = rules.compute(begin, TimeLimit(amount + 1, unit))
    assert begin < first.due < second.due
    assert rules.state(begin, first.due, unit, first.due) is DeadlineState.OVERDUE


@settings(max_examples=60, deadline=None)
@given(start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 1)))
def test_a_same_day_limit_ends_at_a_close_of_business_within_a_working_day(start):
    rules = DeadlineRules(WorkCalendar(), WorkingHours())
    begin = start.replace(tzinfo=LOCAL_TZ)
    due = rules.compute(begin, TimeLimit(1, TimeUnit.SAME_DAY)).due.astimezone(LOCAL_TZ)
    assert due > begin and due.time() == dt.time(17, 30)
    assert rules.calendar.is_working(due.date())
    assert due.date() <= rules.first_working_day_after(begin)  # today's, or the next one's


def test_same_day_after_hours_is_the_next_working_days():
    rules = DeadlineRules(WorkCalendar(), WorkingHours())
    friday_evening = dt.datetime(2026, 11, 27, 18, 0, tzinfo=LOCAL_TZ)
    due = rules.compute(friday_evening, TimeLimit(1, TimeUnit.SAME_DAY)).due
    assert due.astimezone(LOCAL_TZ) == dt.datetime(2026, 11, 30, 17, 30, tzinfo=LOCAL_TZ)
    morning = dt.datetime(2026, 11, 27, 9, 0, tzinfo=LOCAL_TZ)
    assert rules.compute(morning, TimeLimit(1, TimeUnit.SAME_DAY)).due.astimezone(
        LOCAL_TZ) == dt.datetime(2026, 11, 27, 17, 30, tzinfo=LOCAL_TZ)
