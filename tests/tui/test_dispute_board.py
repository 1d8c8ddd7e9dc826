"""Driving the three-colour board by keys: lanes, regrading with a reason, escalating, recording
a mediation and a record, bursts across lanes, and the board without colour."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from dutydesk.store.models import Case, Dispute, Event, Mediation
from dutydesk.tui.screens.dispute_forms import RecordScreen, StepScreen
from dutydesk.tui.screens.disputes import DisputeLane, DisputeScreen
from dutydesk.tui.screens.forms import ActionScreen
from tests.tui.pilot import burst, make_app, screen_text, settle, wait_for


def _case_id(desk, summary_start: str) -> int:
    with desk.db.read() as s:
        return s.exec(select(Case.id).where(Case.summary.startswith(summary_start))).one()


def _colour(desk, case_id: int) -> str:
    with desk.db.read() as s:
        return s.get(Dispute, case_id).colour


async def _open_board(pilot) -> DisputeScreen:
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    board = pilot.app.screen
    assert isinstance(board, DisputeScreen)
    # The lanes' pages and the first card's detail come from workers: wait for them, however
    # busy the machine is.
    assert await wait_for(pilot, lambda: board.current_lane.cards.detail is not None
                          and board.query_one("#dispute-detail").detail is not None)
    return board


async def test_the_board_opens_on_the_red_lane_with_counts_and_the_card_detail(demo_desk):
    wages = _case_id(demo_desk, "务工人员")
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        board = await _open_board(pilot)
        text = screen_text(app)
        assert "待建档 1" in text and "红色 · 高风险 1" in text and "黄色 · 中风险 2" in text
        assert board.current_lane.lane.value == "red"
        assert board.current_lane.cards.current.id == wages
        assert "法律援助工作站" in text and "待报到：区住建局" in text
        assert "5***************12" in text and "520201198001010012" not in text  # masked
        yellow = board.query_one("#lane-yellow", DisputeLane).cards.rows_shown
        family = next(card for card in yellow if card.type == "family")
        assert family.next_revisit == dt.date(2026, 12, 7)  # resolved: its plan's next visit


async def test_regrade_with_a_reason_moves_the_card(demo_desk):
    wages = _case_id(demo_desk, "务工人员")
    app = make_app(demo_desk)  # the duty chief: may lower a red dispute
    async with app.run_test(size=(100, 30)) as pilot:
        board = await _open_board(pilot)
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen)
        app.screen.query_one("#colour").value = "yellow"
        app.screen.query_one("#reason").focus()
        await burst(pilot, [*"已先行支付一个月工资，情绪稳定"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DisputeScreen)
        assert _colour(demo_desk, wages) == "yellow"
        yellow = board.query_one("#lane-yellow", DisputeLane)
        assert wages in [card.id for card in yellow.cards.rows_shown]
        # The cursor went with the card: one cursor on the board, in its new lane.
        assert await wait_for(pilot, lambda: board.current_lane is yellow
                              and yellow.cards.current.id == wages)
        assert [lane.lane.value for lane in board.query(DisputeLane)
                if lane.cards.show_cursor] == ["yellow"]


async def test_an_officer_cannot_lower_a_red_dispute(demo_desk):
    wages = _case_id(demo_desk, "务工人员")
    app = make_app(demo_desk, "liuyang")
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await pilot.press("g")
        await settle(pilot)
        app.screen.query_one("#colour").value = "blue"
        app.screen.query_one("#reason").value = "已缓和"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, StepScreen)  # refused, the form stays open
        assert "值班长" in str(app.screen.query_one("#form-error").render())
    assert _colour(demo_desk, wages) == "red"


async def test_escalate_from_the_card(demo_desk):
    wages = _case_id(demo_desk, "务工人员")
    app = make_app(demo_desk, "liuyang")
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        await burst(pilot, [*"网格调解未果"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DisputeScreen)
    with demo_desk.db.read() as s:
        assert s.get(Case, wages).level == "community"


async def test_record_a_mediation_by_keys(demo_desk):
    leak = _case_id(demo_desk, "110转办：邻居家漏水")
    app = make_app(demo_desk, "liuyang")
    async with app.run_test(size=(100, 30)) as pilot:
        board = await _open_board(pilot)
        await burst(pilot, ["right", "right", "m"])  # red → yellow → blue, in one burst
        assert board.current_lane.lane.value == "blue"
        assert isinstance(app.screen, StepScreen) and app.screen.detail.id == leak
        app.screen.query_one("#mediator").value = "曹家湾社区调解室"
        app.screen.query_one("#method").value = "phone"
        app.screen.query_one("#result").value = "agreed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DisputeScreen)
    with demo_desk.db.read() as s:
        session = s.exec(select(Mediation).where(Mediation.case_id == leak)).one()
    assert (session.mediator, session.method, session.result) == ("曹家湾社区调解室", "phone",
                                                                  "agreed")


async def test_record_an_ungraded_dispute_from_its_card(demo_desk):
    door = _case_id(demo_desk, "码上就办：小区单元门")
    app = make_app(demo_desk, "liuyang")
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_board(pilot)
        await burst(pilot, ["left", "d"])
        assert isinstance(app.screen, RecordScreen) and app.screen.detail.id == door
        assert app.screen.query_one("#type").value == "property"  # from the category
        app.screen.query_one("#party-0-name").value = "周强"
        app.screen.query_one("#party-0-id_number").value = "110105194912310021"  # bad digit
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert "身份证号" in str(app.screen.query_one("#err-party-0-id_number").render())
        app.screen.query_one("#party-0-id_number").value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DisputeScreen)
    assert _colour(demo_desk, door) == "blue"


async def test_a_step_the_dispute_does_not_offer_is_refused_aloud(demo_desk):
    app = make_app(demo_desk, "liuyang")
    rings = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.bell = lambda: rings.append(True)
        await _open_board(pilot)
        await burst(pilot, ["left", "m"])  # 记录调解 before the record is made
        assert isinstance(app.screen, DisputeScreen) and rings


async def test_the_board_reads_without_colour(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        app.no_color = True
        await _open_board(pilot)
        text = screen_text(app)
        assert "红色 · 高风险" in text and "蓝色 · 低风险" in text and "[红]" in text


def test_the_dispute_board_at_80x24(demo_desk, snap_compare):
    async def open_the_board(pilot):  # every lane's page, the counts and the card's detail
        await _open_board(pilot)
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=open_the_board)


async def test_open_the_case_from_the_card(demo_desk):
    from dutydesk.tui.screens.queue import QueueScreen
    from dutydesk.tui.widgets import CaseTable

    wages = _case_id(demo_desk, "务工人员")
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await burst(pilot, ["c"])
        assert isinstance(app.screen, QueueScreen)
        await settle(pilot)
        assert [row.id for row in app.screen.query_one(CaseTable).rows_shown] == [wages]


async def test_the_parties_in_full_only_with_a_reason_and_for_a_while(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await burst(pilot, ["P", *"调解前核实身份", "ctrl+s"])
        assert await wait_for(pilot, lambda: any("520201198001010012" in n.message
                                                 for n in app._notifications))
    with demo_desk.db.read() as s:
        event = s.exec(select(Event).where(Event.action == "reveal_parties")).one()
    assert "调解前核实身份" in event.payload
