"""An administrator's entry of a year's official days: provisional deadlines become official."""

from __future__ import annotations

import datetime as dt

import pytest

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import CaseState
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.domain.workcalendar import statutory_days_off, statutory_holidays
from dutydesk.services.calendar import enter_year
from tests.services.helpers import case_row, event_count, new_case_in

pytestmark = pytest.mark.both_engines


def test_entering_2027_recomputes_provisional_deadlines(desk, clock):
    clock.set(dt.datetime(2026, 12, 31, 10, 0, tzinfo=LOCAL_TZ))  # canal: 1 working day
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    before = case_row(desk, case_id)
    assert before.due_provisional
    assert before.due_at.astimezone(LOCAL_TZ).date() == dt.date(2027, 1, 4)
    events = event_count(desk)
    # Suppose the notice gives 01-04 off as well.
    count = enter_year(desk, desk.actor("admin"), 2027,
                       sorted(statutory_holidays(2027) | {dt.date(2027, 1, 4)}), [])
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


def test_an_entry_missing_a_statutory_holiday_is_refused(desk):
    events = event_count(desk)
    days = sorted(statutory_holidays(2027) - {dt.date(2027, 10, 2)})
    with pytest.raises(ValidationFailed) as refused:
        enter_year(desk, desk.actor("admin"), 2027, days, [])
    assert "2027-10-02" in refused.value.message()
    assert event_count(desk) == events


def test_a_year_with_official_data_is_replaced_only_when_asked(desk):
    days = sorted(statutory_holidays(2026))
    with pytest.raises(ValidationFailed) as refused:
        enter_year(desk, desk.actor("admin"), 2026, days, [])
    assert "--replace-official" in refused.value.message()
    enter_year(desk, desk.actor("admin"), 2026, days, [], replace_official=True)


def test_statutory_only_years_make_up_holidays_that_fall_on_a_weekend():
    # 2027-05-01 is a Saturday and 05-02 a Sunday: made up on Monday 05-03 and Tuesday 05-04.
    days = statutory_days_off(2027)
    assert {dt.date(2027, 5, 3), dt.date(2027, 5, 4)} <= days
    # 2027-01-01 is a Friday: nothing to make up.
    assert dt.date(2027, 1, 4) not in days


def test_the_calendar_command_refuses_an_empty_file_and_names_it_plainly(tmp_path, db_path, capsys):
    from dutydesk.cli import main

    empty = tmp_path / "cal.toml"
    empty.write_text("# nothing yet\n", "utf-8")
    assert main(["calendar", str(empty), "--db", str(db_path), "--as", "admin"]) == 1
    err = capsys.readouterr().err
    assert "cal.toml" in err and "种子" not in err and "的 -" not in err
