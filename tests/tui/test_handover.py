"""The handover screen by keys: make the ending shift's sheet with its 交接事项, read it,
acknowledge it from both sides as two different people."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.store.models import Handover
from dutydesk.tui.screens.forms import ReasonScreen
from dutydesk.tui.screens.handover import HandoverScreen
from tests.tui.pilot import burst, make_app, screen_text, settle, wait_for


async def test_make_read_and_acknowledge_the_sheet(demo_desk):
    app = make_app(demo_desk)  # zhaolei: on the day shift of the demo's roster
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        assert "当前班次：白班 2026-11-23" in screen_text(app)
        await burst(pilot, ["g", *"北渠明早复查", "ctrl+s"])  # one burst, through the form
        assert await wait_for(pilot, lambda: isinstance(app.screen, HandoverScreen)
                              and app.screen.paged_list.rows_shown)
        text = screen_text(app)
        assert "在办红色纠纷  1" in text and "#17 务工人员" in text
        assert "交班：赵磊*、刘洋" in text and "接班：赵磊*、陈静" in text
        assert "交接事项：北渠明早复查" in text
        await burst(pilot, ["g", "ctrl+s"])  # a second sheet for the shift is refused aloud
        assert await wait_for(pilot, lambda: "已生成" in screen_text(app))
        assert isinstance(app.screen, ReasonScreen)
        await burst(pilot, ["escape"])
        await settle(pilot)
        await burst(pilot, ["a"])
        assert await wait_for(pilot, lambda: app.screen.paged_list.rows_shown[0].outgoing)
    with demo_desk.db.read() as s:
        sheet = s.exec(select(Handover)).one()
    assert sheet.outgoing_at is not None and sheet.incoming_at is None


async def test_the_incoming_side_is_another_officer(demo_desk, clock):
    clock.set(dt.datetime(2026, 11, 23, 17, 35, tzinfo=LOCAL_TZ))  # into the night shift
    app = make_app(demo_desk, login="liuyang")  # day shift
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert "交接单归属：白班 2026-11-23" in screen_text(app)
        await burst(pilot, ["g", "ctrl+s"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, HandoverScreen)
                              and app.screen.paged_list.rows_shown)
        await burst(pilot, ["a"])
        assert await wait_for(pilot, lambda: app.screen.paged_list.rows_shown[0].outgoing)
    app = make_app(demo_desk, login="chenjing")  # night shift
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        assert await wait_for(pilot, lambda: app.screen.paged_list.rows_shown)
        await burst(pilot, ["a"])
        assert await wait_for(pilot, lambda: app.screen.paged_list.rows_shown[0].incoming)
    with demo_desk.db.read() as s:
        sheet = s.exec(select(Handover)).one()
    assert (sheet.day, sheet.shift) == (dt.date(2026, 11, 23), "day")
    assert sheet.outgoing_by != sheet.incoming_by
