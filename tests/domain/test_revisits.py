"""The revisit cadence (step down, step up, end) and due dates on working days across the 2026
Spring Festival and National Day holidays with their adjusted working weekends."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dutydesk.domain.revisits import (
    Cadence, PlanState, RevisitResult, RiskPeriod, callback_due, next_due, step_plan,
    working_day_on_or_after,
)
from dutydesk.domain.workcalendar import WorkCalendar

CADENCE = Cadence()
CALENDAR = WorkCalendar()
S, R, U = RevisitResult.STABLE, RevisitResult.RELAPSE, RevisitResult.UNREACHABLE


def _run(period: RiskPeriod, results) -> PlanState:
    state = PlanState(period)
    for result in results:
        state = step_plan(state, result, CADENCE)
    return state


def test_three_stable_revisits_step_the_period_down():
    assert _run(RiskPeriod.HIGH, [S, S]) == PlanState(RiskPeriod.HIGH, 2)
    assert _run(RiskPeriod.HIGH, [S, S, S]) == PlanState(RiskPeriod.MEDIUM, 0)
    assert _run(RiskPeriod.HIGH, [S] * 9) == PlanState(RiskPeriod.NORMAL, 0)


def test_a_relapse_steps_up_and_starts_the_count_again():
    assert _run(RiskPeriod.LOW, [S, S, R]) == PlanState(RiskPeriod.MEDIUM, 0)
    assert _run(RiskPeriod.HIGH, [R]) == PlanState(RiskPeriod.HIGH, 0)  # nothing above 高


def test_nobody_reached_changes_nothing_and_normal_ends_the_plan():
    assert _run(RiskPeriod.MEDIUM, [S, U, S]) == PlanState(RiskPeriod.MEDIUM, 2)
    ended = _run(RiskPeriod.NORMAL, [S, S, S])
    assert ended.ended and _run(RiskPeriod.NORMAL, [S, S, S, R]) == ended  # ended stays ended


@pytest.mark.parametrize("due,expected", [
    ("2026-02-16", "2026-02-24"),  # 春节: 15–23 February off
    ("2026-02-14", "2026-02-14"),  # an adjusted working Saturday
    ("2026-10-03", "2026-10-08"),  # 国庆: 1–7 October off
    ("2026-10-10", "2026-10-10"),  # an adjusted working Saturday
    ("2026-10-11", "2026-10-12"),  # an ordinary Sunday
])
def test_a_revisit_due_on_a_day_off_moves_to_the_next_working_day(due, expected):
    assert working_day_on_or_after(dt.date.fromisoformat(due), CALENDAR) == \
        dt.date.fromisoformat(expected)


def test_cadence_and_call_back_across_the_spring_festival():
    # 高风险期, every 3 days: from 13 February it falls on the 16th, a holiday → the 24th.
    assert next_due(dt.date(2026, 2, 13), RiskPeriod.HIGH, CADENCE, CALENDAR) == \
        dt.date(2026, 2, 24)
    # Closed Thursday 12 February: three working days are Fri 13, Sat 14 (adjusted), Tue 24.
    assert callback_due(dt.date(2026, 2, 12), CADENCE, CALENDAR) == dt.date(2026, 2, 24)


@given(st.sampled_from(list(RiskPeriod)), st.lists(st.sampled_from(list(RevisitResult)),
                                                    max_size=40),
       st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 1)))
def test_any_run_of_revisits_keeps_the_plan_sound(period, results, start):
    state, day = PlanState(period), start
    for result in results:
        before = state
        state = step_plan(state, result, CADENCE)
        if state.ended:
            assert before.period is RiskPeriod.NORMAL or before.ended
            continue
        day = next_due(day, state.period, CADENCE, CALENDAR)
        assert CALENDAR.is_working(day)
        assert 0 <= state.stable_streak < CADENCE.stable_to_step_down
