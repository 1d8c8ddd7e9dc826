"""An administrator's entry of a year's official days: provisional deadlines become official."""

from __future__ import annotations

import datetime as dt

import pytest

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import CaseState
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.services.calendar import enter_year
from tests.services.helpers import case_row, event_count, new_case_in


def test_entering_2027_recomputes_provisional_deadlines(desk, clock):
    clock.set(dt.datetime(2026, 12, 31, 10, 0, tzinfo=LOCAL_TZ))  # canal: 1 working day
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    before = case_row(desk, case_id)
    assert before.due_provisional
    assert before.due_at.astimezone(LOCAL_TZ).date() == dt.date(2027, 1, 4)
    events = event_count(desk)
    # Suppose the notice gives 01-04 off as well.
    count = enter_year(desk, desk.actor("admin"), 2027,
                       [dt.date(2027, 1, 1), dt.date(2027, 1, 4)], [])
    after = case_row(desk, case_id)
    assert count == 1 and event_count(desk) == events + 1
    assert not after.due_provisional
    assert after.due_at.astimezone(LOCAL_TZ).date() == dt.date(2027, 1, 5)
    assert not desk.rules.calendar.verdict(dt.date(2027, 1, 4)).working


def test_only_an_administrator_enters_the_calendar(desk):
    with pytest.raises(PermissionDenied):
        enter_year(desk, desk.actor("zhaolei"), 2027, [dt.date(2027, 1, 1)], [])


@pytest.mark.parametrize("holidays,workdays", [
    ([dt.date(2026, 12, 31)], []),
    ([dt.date(2027, 2, 6)], [dt.date(2027, 2, 6)]),
])
def test_bad_days_are_refused_and_nothing_is_written(desk, holidays, workdays):
    events = event_count(desk)
    with pytest.raises(ValidationFailed):
        enter_year(desk, desk.actor("admin"), 2027, holidays, workdays)
    assert event_count(desk) == events
