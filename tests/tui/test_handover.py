"""The handover screen by keys: make the running shift's sheet, read it, acknowledge it."""

from __future__ import annotations

from sqlmodel import select

from dutydesk.store.models import Handover
from dutydesk.tui.screens.handover import HandoverScreen
from tests.tui.conftest import burst, make_app, screen_text, settle, wait_for


async def test_make_read_and_acknowledge_the_sheet(demo_desk):
    app = make_app(demo_desk)  # zhaolei: on the day shift of the demo's roster
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        assert "当前班次：白班 2026-11-23" in screen_text(app)
        await burst(pilot, ["g"])
        assert await wait_for(pilot, lambda: app.screen.paged_table.rows_shown)
        text = screen_text(app)
        assert "在办红色纠纷  1" in text and "#17 务工人员" in text
        assert "交班：赵磊*、刘洋" in text and "接班：赵磊*、陈静" in text
        await burst(pilot, ["g"])  # a second sheet for the shift is refused aloud
        assert any("已生成" in n.message for n in app._notifications)
        await burst(pilot, ["a"])
        assert await wait_for(pilot, lambda: app.screen.paged_table.rows_shown[0].outgoing)
    with demo_desk.db.read() as s:
        sheet = s.exec(select(Handover)).one()
    assert sheet.outgoing_at is not None and sheet.incoming_at is None
