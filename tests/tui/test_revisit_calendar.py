"""The revisit calendar by keys: moving through days and months, a day's agenda, recording and
rescheduling a revisit, the duty chief's list; the month grid at 80×24."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from dutydesk.domain.lifecycle import CaseState
from dutydesk.store.models import Revisit
from dutydesk.tui.screens.revisit_forms import RevisitStepScreen
from dutydesk.tui.screens.revisits import RevisitScreen
from tests.services.helpers import FULL_PATH, new_case_in
from tests.tui.pilot import burst, make_app, screen_text, settle


async def _open(pilot) -> RevisitScreen:
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, RevisitScreen)
    return pilot.app.screen


def _revisit(desk, case_id) -> Revisit:
    with desk.db.read() as s:
        return s.exec(select(Revisit).where(Revisit.case_id == case_id)).one()


async def test_arrows_pages_and_today_move_through_the_calendar(desk):
    app = make_app(desk)
    async with app.run_test(size=(100, 34)) as pilot:
        board = await _open(pilot)
        assert board.day == dt.date(2026, 11, 23)
        await burst(pilot, ["right", "down", "down", "left"])  # +1 +7 +7 -1
        assert board.day == dt.date(2026, 12, 7)
        await burst(pilot, ["pageup", "pageup"])
        assert board.day == dt.date(2026, 10, 7)
        text = screen_text(app)
        assert "2026年10月" in text and "休" in text  # National Day off days are marked
        await burst(pilot, ["t"])
        assert board.day == dt.date(2026, 11, 23)


async def test_record_a_call_back_from_the_days_agenda(desk):
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)  # closed by zhaolei; due 26 Nov
    app = make_app(desk, "liuyang")
    async with app.run_test(size=(100, 34)) as pilot:
        board = await _open(pilot)
        assert "访1" in screen_text(app)
        await burst(pilot, ["right", "right", "right", "enter"])  # to Thursday 26th, open it
        assert board.listing is not None and board.listing.day == dt.date(2026, 11, 26)
        await settle(pilot)
        assert board.paged_list.current.case_id == case_id
        await burst(pilot, ["r"])
        assert isinstance(app.screen, RevisitStepScreen)
        app.screen.query_one("#method").value = "phone"
        app.screen.query_one("#satisfaction").value = "satisfied"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RevisitScreen)
    revisit = _revisit(desk, case_id)
    assert (revisit.status, revisit.satisfaction) == ("done", "satisfied")


async def test_reschedule_with_a_reason_from_the_agenda(desk):
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    app = make_app(desk, "liuyang")
    async with app.run_test(size=(100, 34)) as pilot:
        await _open(pilot)
        await burst(pilot, ["right", "right", "right", "enter"])
        await settle(pilot)
        await burst(pilot, ["e"])
        assert isinstance(app.screen, RevisitStepScreen)
        app.screen.query_one("#new_due").value = "2026-11-28"  # a Saturday
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RevisitStepScreen)  # no reason: refused
        app.screen.query_one("#reason").value = "当事人出差"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RevisitScreen)
    assert _revisit(desk, case_id).due_on == dt.date(2026, 11, 30)


async def test_the_closer_is_refused_and_the_chief_sees_the_dissatisfied(desk):
    from dutydesk.services import revisits

    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    revisits.record_revisit(desk, desk.actor("liuyang"), _revisit(desk, case_id).id, "phone",
                            "reached", "dissatisfied", "认为处理太慢")
    app = make_app(desk)  # zhaolei, the duty chief
    async with app.run_test(size=(100, 34)) as pilot:
        board = await _open(pilot)
        await burst(pilot, ["c"])
        await settle(pilot)
        assert [row.case_id for row in board.paged_list.rows_shown] == [case_id]
        await burst(pilot, ["v"])
        assert isinstance(app.screen, RevisitStepScreen)
        app.screen.query_one("#note").value = "已致电说明，维持结案"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert _revisit(desk, case_id).reviewed_at is not None


def test_the_month_grid_at_80x24(demo_desk, snap_compare):
    async def open_it(pilot):
        await _open(pilot)
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=open_it)


async def test_export_my_revisits_from_the_calendar(desk, tmp_path):
    from icalendar import Calendar

    from dutydesk.tui.screens.revisit_forms import ExportIcsScreen

    new_case_in(desk, CaseState.CLOSED, FULL_PATH)  # a call-back, the desk's
    app = make_app(desk)
    async with app.run_test(size=(100, 34)) as pilot:
        await _open(pilot)
        await burst(pilot, ["x"])
        assert isinstance(app.screen, ExportIcsScreen)
        app.screen.query_one("#scope").value = "all"
        app.screen.query_one("#path").value = str(tmp_path / "desk.ics")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RevisitScreen)
    events = list(Calendar.from_ical((tmp_path / "desk.ics").read_bytes()).walk("VEVENT"))
    assert len(events) == 1 and events[0].decoded("dtstart") == dt.date(2026, 11, 26)


async def test_the_english_calendar_speaks_english(demo_desk):
    """No 休 and no full-width colon in English (New Year's Day, 1 Jan 2027, is off)."""
    from tests.tui.pilot import screen_text

    app = make_app(demo_desk, language="en")
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("pagedown")
        await settle(pilot)
        text = screen_text(app)
    assert "休" not in text and "：" not in text and "off" in text
