"""Driving the 110 board by keys: switching boards, signing for, diverting (with the danger
confirmation), returning and feeding back."""

from __future__ import annotations

import pytest

from sqlmodel import select

from dutydesk.store.models import PoliceTransfer
from dutydesk.tui.screens.police_forms import TransferActionScreen
from dutydesk.tui.screens.police import PoliceScreen
from dutydesk.tui.screens.queue import QueueScreen
from dutydesk.tui.widgets import PagedTable
from tests.tui.pilot import burst, make_app, screen_text, settle, wait_for


def _state(desk, number: str) -> str:
    with desk.db.read() as s:
        return s.exec(select(PoliceTransfer.state).where(PoliceTransfer.number == number)).one()


async def _open_board(pilot) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)


async def _select(pilot, number: str) -> None:
    table = pilot.app.screen.query_one(PagedTable)
    for _ in range(len(table.rows_shown)):
        if table.current.number == number:
            return
        await pilot.press("down")
        await settle(pilot)
    assert table.current.number == number


async def test_boards_switch_by_one_key_and_keep_their_place(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3", "down", "down")
        await settle(pilot)
        queue_row = app.screen.query_one(PagedTable).current.id
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
        await pilot.press("down")
        await settle(pilot)
        police_row = app.screen.query_one(PagedTable).current.id
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one(PagedTable).current.id == queue_row
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen.query_one(PagedTable).current.id == police_row


async def test_sign_for_and_divert_a_transfer_by_keys(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await _select(pilot, "J5202261124001")
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, TransferActionScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _state(demo_desk, "J5202261124001") == "signed"
        await pilot.press("2")  # 待分流
        await settle(pilot)
        await _select(pilot, "J5202261124001")
        await pilot.press("a")  # place and category come prefilled from the routing suggestion
        await settle(pilot)
        assert isinstance(app.screen, TransferActionScreen)
        assert app.screen.query_one("#category").value == "noise"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
        assert _state(demo_desk, "J5202261124001") == "diverted"


async def test_a_dangerous_call_needs_the_confirmation_and_a_reason(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await _select(pilot, "J5202261124003")
        assert "可能属于警务事项" in screen_text(app)  # the red banner
        await pilot.press("k", "ctrl+s")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await _select(pilot, "J5202261124003")
        await pilot.press("a")
        await settle(pilot)
        app.screen.query_one("#node").value = "JSZL-01"
        app.screen.query_one("#category").value = "family_dispute"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TransferActionScreen)  # refused: not confirmed
        assert _state(demo_desk, "J5202261124003") == "signed"
        app.screen.query_one("#confirm").value = True
        app.screen.query_one("#reason").focus()
        await pilot.press(*"民警已处置完毕，转社区调解", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
        assert _state(demo_desk, "J5202261124003") == "diverted"


async def test_return_to_110_needs_a_reason(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await _select(pilot, "J5202261124002")
        await pilot.press("b", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TransferActionScreen)
        await pilot.press(*"双方已动手，属警务", "ctrl+s")
        await settle(pilot)
        assert _state(demo_desk, "J5202261124002") == "returned"


def test_the_110_board_at_80x24(demo_desk, snap_compare):
    async def open_the_board(pilot):  # the page, the counts and the figures
        await _open_board(pilot)
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=open_the_board)


@pytest.mark.both_engines
async def test_a_new_transfer_rings_the_bell_in_every_desk_session(desk, desk_target, clock):
    import subprocess
    import sys

    from tests.tui.pilot import wait_for

    app = make_app(desk, feed_interval=0.1)
    rings = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.bell = lambda: rings.append(True)
        await settle(pilot)
        await wait_for(pilot, lambda: app.last_transfer_id is not None or app.last_event_id)
        subprocess.run([sys.executable, "-c", ARRIVAL, str(desk_target)], check=True, timeout=60)
        assert await wait_for(pilot, lambda: rings)
        assert any("新的110警情：J-ARRIVAL-1" in n.message for n in app._notifications)
        await pilot.press("f3")
        await settle(pilot)
        assert "J-ARRIVAL-1" in screen_text(app)


ARRIVAL = """
import sys, datetime as dt
from dutydesk.clock import SystemClock
from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.services.context import Desk
from dutydesk.services.police import TransferDraft, receive_transfer
from dutydesk.store.engine import Database
db = Database.open(sys.argv[1])
desk = Desk(db, SystemClock())
receive_transfer(desk, desk.actor("chenjing"), TransferDraft(
    number="J-ARRIVAL-1", called_at=dt.datetime(2026, 11, 24, 21, 5, tzinfo=LOCAL_TZ),
    summary="楼下烧烤油烟扰民"))
db.dispose()
"""


async def test_importing_from_the_board_shows_every_bad_line_or_adds_the_file(desk, tmp_path):
    from dutydesk.scenario.demo import seed_dir
    from dutydesk.tui.screens.police_forms import ImportScreen

    bad = tmp_path / "bad.csv"
    bad.write_text("警情编号,接警时间,简要警情\nB1,明天,坏时间\nB2,2026-11-24 21:00:00,好的\n",
                   "utf-8")
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "i")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        app.screen.query_one("#path").value = str(bad)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        assert "第 2 行「接警时间」" in str(app.screen.query_one("#form-error").render())
        with desk.db.read() as s:
            assert s.exec(select(PoliceTransfer)).all() == []
        app.screen.query_one("#path").value = str(seed_dir() / "samples" / "110-export.csv")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
        assert "J5202261124001" in screen_text(app)


async def test_exporting_feedback_from_the_board(demo_desk, tmp_path):
    from dutydesk.services import police
    from dutydesk.tui.screens.police_forms import ExportFeedbackScreen

    officer = demo_desk.actor("liuyang")
    with demo_desk.db.read() as s:
        first = s.exec(select(PoliceTransfer).where(
            PoliceTransfer.number == "J5202261124001")).one()
    police.sign(demo_desk, officer, first.id)
    _resolve(demo_desk, police.divert(demo_desk, officer, first.id, "KLNL-01", "noise"))
    police.feedback(demo_desk, officer, first.id, "已协调停工")
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f3", "x")
        await settle(pilot)
        assert isinstance(app.screen, ExportFeedbackScreen)
        app.screen.query_one("#since").value = "2026-11-01"
        app.screen.query_one("#path").value = str(tmp_path / "fb.jsonl")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
    assert "已协调停工" in (tmp_path / "fb.jsonl").read_text("utf-8")


async def test_entering_a_transfer_by_hand(desk):
    
    app = make_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await _open_board(pilot)
        # Typed as over SSH: every field in one burst, Tab between them.
        await burst(pilot, ["n", *"J7001", "\t", "\t", *"王先生", "\t", *"13908571234", "\t",
                            *"康乐南路58号"])
        app.screen.query_one("#summary").value = "楼上漏水"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
    with desk.db.read() as s:
        transfer = s.exec(select(PoliceTransfer)).one()
    assert (transfer.number, transfer.caller, transfer.phone, transfer.address) == (
        "J7001", "王先生", "+8613908571234", "康乐南路58号")


async def test_divert_with_joint_handling_then_read_the_timeline(demo_desk):
    import json

    from textual.widgets import SelectionList

    from dutydesk.store.models import Event

    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await _select(pilot, "J5202261124001")
        await pilot.press("k", "ctrl+s")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await _select(pilot, "J5202261124001")
        await pilot.press("a")
        await settle(pilot)
        lead = app.screen.query_one("#lead_unit").value
        assert lead in ("CGJ", "PCS")  # the first suggested unit, marked ★
        app.screen.query_one("#co_units", SelectionList).select("WYGS")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
        await pilot.press("3")  # 处置中
        await settle(pilot)
        await _select(pilot, "J5202261124001")
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "处理时间线" in text and "签收" in text and "文明巷物业公司" in text
        assert not app.screen.query_one(PagedTable).display
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(PagedTable).display
    with demo_desk.db.read() as s:
        payload = json.loads(s.exec(select(Event.payload).where(Event.action == "divert")).one())
    assert payload["routing"] == {"lead": lead, "co": ["WYGS"]}


async def test_recording_the_period_total_gives_the_share(demo_desk):
    from dutydesk.tui.screens.police_forms import CallTotalScreen

    app = make_app(demo_desk)
    async with app.run_test(size=(120, 30)) as pilot:
        await _open_board(pilot)
        assert "占110 —" in screen_text(app)
        await burst(pilot, ["t"])
        assert isinstance(app.screen, CallTotalScreen)
        app.screen.query_one("#total").focus()
        await burst(pilot, [*"80"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
        assert "占110 0%(11-01~11-23)" in screen_text(app)  # none diverted yet of 80


async def test_one_fed_back_transfer_exports_alone(demo_desk, tmp_path):
    import json

    from dutydesk.services import police
    from dutydesk.tui.screens.police_forms import ExportFeedbackScreen

    officer = demo_desk.actor("liuyang")
    with demo_desk.db.read() as s:
        rows = s.exec(select(PoliceTransfer).order_by(PoliceTransfer.number)).all()[:2]
    for row in rows:
        police.sign(demo_desk, officer, row.id)
        _resolve(demo_desk, police.divert(demo_desk, officer, row.id, "KLNL-01", "noise"))
        police.feedback(demo_desk, officer, row.id, f"{row.number} 已处理")
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        await pilot.press("5")
        await settle(pilot)
        await _select(pilot, rows[0].number)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ExportFeedbackScreen)
        assert app.screen.query_one("#only-this").value is True
        app.screen.query_one("#path").value = str(tmp_path / "one.jsonl")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PoliceScreen)
    lines = (tmp_path / "one.jsonl").read_text("utf-8").splitlines()
    assert [json.loads(line)["警情编号"] for line in lines] == [rows[0].number]


async def test_a_key_after_arrows_in_one_burst_acts_on_the_row_they_chose(demo_desk):
    """Over SSH ↓↓k arrives in one packet: k must sign for the third transfer, not the first."""
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        rows = app.screen.query_one(PagedTable).rows_shown
        await burst(pilot, ["down", "down", "k"])
        assert isinstance(app.screen, TransferActionScreen)
        assert app.screen.detail.row.number == rows[2].number
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert _state(demo_desk, rows[2].number) == "signed"
    assert _state(demo_desk, rows[0].number) == "waiting"


async def test_a_step_the_transfer_does_not_offer_is_refused_aloud(demo_desk):
    app = make_app(demo_desk)
    rings = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.bell = lambda: rings.append(True)
        await _open_board(pilot)
        await burst(pilot, ["r"])  # 反馈 on a transfer still waiting to be signed for
        assert isinstance(app.screen, PoliceScreen) and rings
        assert any("不能执行「反馈110」" in n.message for n in app._notifications)


async def test_the_callers_phone_in_full_only_with_a_reason(demo_desk):
    from dutydesk.store.models import Event

    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        detail = app.screen.paged_list.detail
        assert detail.phone_masked and "***" in detail.phone_masked
        await burst(pilot, ["P", "ctrl+s"])  # no reason: refused in the form
        assert app.screen.query("#reason") and "理由" in screen_text(app)
        await burst(pilot, [*"回拨核实地址", "ctrl+s"])
        assert await wait_for(pilot, lambda: any("来电号码" in n.message
                                                 for n in app._notifications))
    with demo_desk.db.read() as s:
        event = s.exec(select(Event).where(Event.action == "reveal_caller")).one()
    assert event.subject == f"transfer:{detail.id}" and "回拨核实地址" in event.payload


async def test_a_call_another_officer_holds_is_refused_before_its_form(demo_desk):
    from dutydesk.services import claims

    app = make_app(demo_desk, "chenjing")
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        detail = app.screen.paged_list.detail
        claims.claim(demo_desk, demo_desk.actor("liuyang"), f"transfer:{detail.id}")
        app.screen.reload()
        assert await wait_for(pilot, lambda: "刘洋 认领至" in screen_text(app))
        await burst(pilot, ["k"])
        assert await wait_for(pilot, lambda: any("刘洋 正在办理" in n.message
                                                 for n in app._notifications))
        assert isinstance(app.screen, PoliceScreen)  # no form opened


async def test_a_stale_step_on_a_call_reloads_it_and_says_it_no_longer_applies(demo_desk):
    from dutydesk.services import police
    from dutydesk.tui.screens.police_forms import TransferActionScreen

    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        detail = app.screen.paged_list.detail
        await burst(pilot, ["b", *"非本辖区"])  # 退回 form open, reason typed
        assert isinstance(app.screen, TransferActionScreen)
        police.sign(demo_desk, demo_desk.actor("zhaolei"), detail.id)  # someone was faster
        await burst(pilot, ["ctrl+s"])
        assert await wait_for(pilot, lambda: "赵磊" in screen_text(app)
                              and "Ctrl+R" in screen_text(app))
        await burst(pilot, ["ctrl+r"])
        assert await wait_for(pilot, lambda: "已刷新" in screen_text(app))
        assert app.screen.query_one("#reason").value == "非本辖区"
    assert _state(demo_desk, detail.row.number) == "signed"


def _resolve(desk, case_id: int) -> None:
    """The diverted case gets its result (直接办结), so that 110 may be told."""
    from dutydesk.domain.lifecycle import Action
    from tests.services.helpers import do

    do(desk, case_id, Action.RESOLVE)


async def test_an_empty_section_says_so_and_the_import_bar_waits_for_a_file(demo_desk):
    from dutydesk.tui.screens.police_forms import ImportScreen
    from tests.tui.pilot import screen_text

    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_board(pilot)
        await pilot.press("2")  # 待分流: nothing there in the demo
        await settle(pilot)
        assert "（无）" in screen_text(app)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)
        assert not app.screen.query_one("#progress").display


async def test_a_page_read_again_after_new_calls_came_above_it_shows_its_true_place(desk):
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.services.police import TransferDraft, receive_transfer
    from dutydesk.tui.messages import FeedChanged

    officer = desk.actor("chenjing")

    def arrive(number: str) -> None:
        receive_transfer(desk, officer, TransferDraft(
            number=number, called_at=dt.datetime(2026, 11, 24, 21, 5, tzinfo=LOCAL_TZ),
            summary="楼下烧烤油烟扰民"))

    for i in range(30):
        arrive(f"J-{i:02d}")
    app = make_app(desk, "chenjing")
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_board(pilot)
        page = len(app.screen.query_one(PagedTable).rows_shown)
        await pilot.press("pagedown")
        await settle(pilot)
        status = str(app.screen.query_one("#status-bar").render())
        assert f"第 {page + 1}–" in status, status
        arrive("J-NEW-1")
        arrive("J-NEW-2")
        app.screen.post_message(FeedChanged(0))
        await settle(pilot)
        status = str(app.screen.query_one("#status-bar").render())
        assert f"第 {page + 3}–" in status and "共 32 条" in status, status
