"""Driving the intake queue by keys, as an officer would."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select
from textual.widgets import OptionList

from dutydesk.services.cases import create_case
from dutydesk.store.models import Case, Event
from dutydesk.tui.screens.forms import ActionScreen, NewCaseScreen
from dutydesk.tui.screens.help import HelpScreen
from dutydesk.tui.screens.queue import QueueScreen
from dutydesk.tui.widgets import CaseTable
from dutydesk.domain.lifecycle import CaseState
from tests.services.helpers import new_case_in, standard_draft
from tests.tui.pilot import burst, make_app, screen_text, settle, wait_for


def _status(app) -> str:
    return str(app.screen.query_one("#status-bar").render())


async def _choose(pilot, select_id: str, steps: int) -> None:
    """Open a Select by keyboard and move `steps` options down."""
    app = pilot.app
    app.screen.query_one(f"#{select_id}").focus()
    await pilot.press("enter")
    for _ in range(steps):
        await pilot.press("down")
    await pilot.press("enter")


async def _choose_value(pilot, select_id: str, value: str) -> None:
    """Open a Select by keyboard and move down to the option holding `value`."""
    select_widget = pilot.app.screen.query_one(f"#{select_id}")
    values = [v for _, v in select_widget.options]
    await _choose(pilot, select_id, values.index(value))


async def _act(pilot, key: str, *, text: dict[str, str] | None = None,
               choose: dict[str, str] | None = None) -> None:
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, ActionScreen), f"{key} opened no form"
    for field_id, value in (text or {}).items():
        pilot.app.screen.query_one(f"#{field_id}").focus()
        await pilot.press(*value)
    for field_id, value in (choose or {}).items():
        await _choose_value(pilot, field_id, value)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert isinstance(pilot.app.screen, QueueScreen), "the form stayed open"


async def test_a_report_goes_from_new_to_closed_by_keys(desk):
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # 全部
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewCaseScreen)
        await pilot.press(*"canal rubbish")
        app.screen.query_one("#reporter_phone").focus()
        await pilot.press(*"13908571234")
        nodes = [c.code for c in app.choices["nodes"]]
        await _choose(pilot, "node", nodes.index("CJW-02") + 1)
        categories = [c.code for c in app.choices["categories"]]
        await _choose(pilot, "category", categories.index("canal") + 1)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(CaseTable)
        assert table.current is not None and table.current.summary == "canal rubbish"

        await _act(pilot, "a")  # 受理: category and place prefilled
        await _act(pilot, "f")  # 立案
        await pilot.press("p")
        await settle(pilot)
        await _choose_value(pilot, "lead_unit", "SWJ")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await _act(pilot, "k", choose={"on_behalf_of": "王科长"})  # 签收, recorded for the unit
        await _act(pilot, "r", text={"result": "cleaned"}, choose={"on_behalf_of": "值班室"})
        await _act(pilot, "v", choose={"on_behalf_of": "网格监督员 黄霞"})
        await _act(pilot, "c")  # 结案

    with desk.db.read() as s:
        case = s.exec(select(Case)).one()
        actions = [e.action for e in s.exec(select(Event).where(Event.case_id == case.id)
                                               .order_by(Event.id))]
    assert case.state == "closed"
    assert actions == ["create", "accept", "file", "dispatch", "acknowledge", "reply", "verify",
                       "close"]


async def test_the_detail_pane_shows_the_timeline(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3", "enter")
        await settle(pilot)
        assert app.screen.has_class("-timeline")
        text = screen_text(app)
        assert "处理时间线" in text and "登记" in text
        await pilot.press("escape")
        assert not app.screen.has_class("-timeline")


async def test_new_report_errors_are_shown_by_field_and_nothing_is_written(desk):
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#reporter_phone").focus()
        await pilot.press(*"12345")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, NewCaseScreen)
        errors = {label.id: str(label.render()) for label in app.screen.query(".field-error")}
        assert "摘要" in errors["err-summary"]
        assert "12345" in errors["err-reporter_phone"]
        assert "属地" in errors["err-node"]
        await pilot.press("escape", "y")  # what was typed goes only once the officer says so
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with desk.db.read() as s:
        assert s.exec(select(Case)).all() == []


async def test_a_reason_is_required_where_the_table_says_so(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        case = app.screen.query_one(CaseTable).current
        assert case.state == "new"
        await pilot.press("x")  # 不予受理
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        assert "理由" in str(app.screen.query_one("#err-reason").render())


async def test_action_keys_follow_the_case_and_the_role(desk):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    app = make_app(desk, "wangbo")  # the lead unit's liaison
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.query_one(CaseTable).current.id == case_id
        offered = {tr.action.value for tr in screen.paged_list.detail.actions}
        assert "acknowledge" in offered and not {"close", "accept"} & offered
        await pilot.press("c")  # not offered: nothing opens, and the officer is told why
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any(n.message == "「结案」由值班长办理" for n in app._notifications)  # who may
        await _act(pilot, "k")  # the unit signs for it itself: no 代录 field
    with desk.db.read() as s:
        assert s.get(Case, case_id).state == "in_progress"


async def test_views_search_and_pinyin(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        total_text = _status(app)
        await pilot.press("slash", *"htp", "enter")
        await settle(pilot)
        rows = app.screen.query_one(CaseTable).rows_shown
        assert rows and all("黄土坡" in r.node for r in rows)
        assert _status(app) != total_text
        await pilot.press("escape")
        await settle(pilot)
        assert _status(app) == total_text
        await pilot.press("2")
        await settle(pilot)
        assert all(r.deadline and r.deadline.state.value == "overdue"
                   for r in app.screen.query_one(CaseTable).rows_shown)


async def test_filter_form_by_channel(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3", "s")
        await settle(pilot)
        channels = ["phone", "walk_in", "grid_report", "police_110"]
        await _choose(pilot, "channel", channels.index("police_110") + 1)
        await pilot.press("ctrl+s")
        await settle(pilot)
        rows = app.screen.query_one(CaseTable).rows_shown
        assert rows and {r.channel for r in rows} == {"police_110"}
        assert "110转办" in _status(app)


def _long_queue(desk, reports: int = 45):
    """`reports` new reports, liuyang's: pages of them at any terminal size. Returns liuyang."""
    actor = desk.actor("liuyang")
    for i in range(reports):
        create_case(desk, actor, standard_draft(summary=f"报告 {i:02d}"))
    return actor


@pytest.mark.both_engines
async def test_paging_moves_through_a_long_queue(desk):
    _long_queue(desk)
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        page = len(table.rows_shown)
        assert 5 < page < 45
        first_ids = [r.id for r in table.rows_shown]
        await pilot.press("pagedown")
        await settle(pilot)
        assert [r.id for r in table.rows_shown][0] == first_ids[-1] - 1
        assert f"第 {page + 1}–" in _status(app)
        await pilot.press("pageup")
        await settle(pilot)
        assert [r.id for r in table.rows_shown] == first_ids
        for _ in range(page):  # walking off the bottom loads the next page
            await pilot.press("down")
        await settle(pilot)
        assert table.rows_shown[0].id == first_ids[-1] - 1


def _recording(table) -> list[tuple]:
    """From now on, the (after, before) of every page the list reads."""
    source, asked = table.source, []

    def page(of, limit, after, before):
        asked.append((after, before))
        return source.page(of, limit, after, before)

    table.source = replace(source, page=page)
    return asked


async def test_walking_off_a_page_turns_to_the_page_read_ahead(desk):
    """The page below was read once the page was shown, with the detail of the row the cursor
    lands on: walking off the last row turns to it at once (no read then), the cursor and its
    detail in one frame; and the page after it is read ahead in turn."""
    _long_queue(desk)
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        first = table.rows_shown
        asked = _recording(table)
        await burst(pilot, ["down"] * len(first), wait=False)
        await pilot.pause()
        second = table.rows_shown
        assert second[0].id == first[-1].id - 1
        assert table.current.id == second[0].id
        assert table.detail is not None and table.detail.id == second[0].id
        assert (first[-1].cursor, None) not in asked  # it was not read at the turn
        await settle(pilot)
        assert (second[-1].cursor, None) in asked  # the next one was read ahead


async def test_a_page_read_ahead_is_not_shown_after_a_change(desk):
    """A reload (after a change seen through the feed) drops the page read ahead: walking
    off the page then shows the page below as it is now."""
    _long_queue(desk)
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        first = table.rows_shown
        below = first[-1].id - 1  # the first row of the page below, read ahead by now
        with desk.db.write() as session:  # another officer's change
            session.get(Case, below).summary = "改过的报告"
        table.reload()  # and the keys come at once, before a new page below is read
        await burst(pilot, ["down"] * len(first))
        assert table.current.id == below
        assert table.detail.summary == "改过的报告"


async def test_a_page_read_again_after_new_reports_came_above_it_shows_its_true_place(desk):
    """On the second page, two new reports come in at the top: the page read again says where
    it now lies (it said 第 n+1– still, and its last page ended short of the total)."""
    from dutydesk.tui.messages import FeedChanged

    actor = _long_queue(desk)
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        page = len(app.screen.query_one(CaseTable).rows_shown)
        await pilot.press("pagedown")
        await settle(pilot)
        assert f"第 {page + 1}–{2 * page} 条 / 共 45 条" in _status(app)
        for i in range(2):
            create_case(desk, actor, standard_draft(summary=f"新报告 {i}"))
        app.screen.post_message(FeedChanged(0))  # (as the change feed says it)
        await settle(pilot)
        assert f"第 {page + 3}–{2 * page + 2} 条 / 共 47 条" in _status(app)
        await pilot.press("pageup")  # the page above, read upwards: the two new ones above it
        await settle(pilot)
        assert f"第 3–{page + 2} 条 / 共 47 条" in _status(app)
        create_case(desk, actor, standard_draft(summary="又一条"))
        app.screen.post_message(FeedChanged(0))
        await settle(pilot)
        assert f"第 4–{page + 3} 条 / 共 48 条" in _status(app)


async def test_bulk_urge_of_marked_cases(desk):
    demo_desk = desk
    for _ in range(2):  # 督办 urges someone else: cases waiting for a unit
        new_case_in(desk, CaseState.DISPATCHED)
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        marked = [table.rows_shown[0].id, table.rows_shown[1].id]
        await pilot.press("space", "down", "space")
        await settle(pilot)
        assert "已选 2 件" in _status(app)
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with demo_desk.db.read() as s:
        urged = s.exec(select(Event.case_id).where(Event.action == "urge",
                                                   Event.case_id.in_(marked))).all()
    assert sorted(urged) == sorted(marked)


WRITE_FROM_ANOTHER_PROCESS = """
import sys
from dutydesk.clock import SystemClock
from dutydesk.services.cases import CaseDraft, create_case
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database
db = Database.open(sys.argv[1])
desk = Desk(db, SystemClock())
create_case(desk, desk.actor("chenjing"), CaseDraft(
    channel="phone", summary="另一终端登记", node_code="CJW-01"))
db.dispose()
"""


@pytest.mark.both_engines
async def test_a_write_in_another_process_appears_through_the_change_feed(desk, desk_target):
    import subprocess
    import sys

    app = make_app(desk, feed_interval=0.1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(CaseTable).rows_shown == []
        subprocess.run([sys.executable, "-c", WRITE_FROM_ANOTHER_PROCESS, str(desk_target)],
                       check=True, timeout=60)
        table = app.screen.query_one(CaseTable)
        await wait_for(pilot, lambda: table.rows_shown)
        assert [r.summary for r in table.rows_shown] == ["另一终端登记"]


async def test_bulk_dispatch_of_marked_cases(desk):
    first = new_case_in(desk, CaseState.FILED)
    second = new_case_in(desk, CaseState.FILED)
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("space", "down", "space", "p")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        units = [c.code for c in app.choices["units"]]
        await _choose(pilot, "lead_unit", units.index("SWJ") + 1)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with desk.db.read() as s:
        assert {s.get(Case, first).state, s.get(Case, second).state} == {"dispatched"}


async def test_command_palette_offers_the_cases_actions(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.screen.query_one(CaseTable).current.state == "new"
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"受理")

        def found() -> bool:  # the palette searches in the background
            lists = app.screen.query(OptionList)
            return bool(lists) and lists.first().option_count > 0 \
                and lists.first().highlighted is not None

        assert await wait_for(pilot, found)
        await pilot.press("enter")  # the best match, 受理 (a), is highlighted
        # The palette closes, then the action runs.
        await wait_for(pilot, lambda: isinstance(app.screen, ActionScreen))
        assert isinstance(app.screen, ActionScreen)
        assert app.screen.transition.action.value == "accept"


async def test_a_stale_action_is_refused_with_who_and_when(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        row = app.screen.query_one(CaseTable).current
        await pilot.press("t", *"需街道协调")
        await settle(pilot)
        # Someone else acts on the case while the form is open.
        from dutydesk.domain.lifecycle import Action
        from dutydesk.services.cases import ActionInput, perform

        perform(demo_desk, demo_desk.actor("chenjing"), row.id, Action.ESCALATE,
                ActionInput(reason="同时升级"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ActionScreen)
        assert "陈静" in str(app.screen.query_one("#form-error").render())


async def test_help_lists_keys_from_the_registry(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_english_interface(demo_desk):
    app = make_app(demo_desk, language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "Intake queue" in str(app.screen.query_one("#title-bar").render())
        assert "of" in _status(app)


async def test_a_failing_database_read_is_reported_not_swallowed(demo_desk, monkeypatch):
    from dutydesk.services import queue as queue_service

    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)

        def broken(*args, **kwargs):
            raise OSError("secret 13800138000")

        monkeypatch.setattr(queue_service, "queue_page", broken)
        await pilot.press("3")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        # The kind of failure is named; its text (which may quote personal data) is not.
        assert any("OSError" in m for m in messages)
        assert not any("13800138000" in m for m in messages)


async def test_acting_from_the_timeline_stays_on_the_case(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        shown = len(table.rows_shown)
        await pilot.press("down")
        await settle(pilot)
        chosen = table.current.id
        await pilot.press("enter")  # the timeline fills the screen; the list is hidden
        await settle(pilot)
        await _act(pilot, "t", text={"reason": "需街道协调"})  # 升级: open in every open state
        assert table.current.id == chosen
        assert table.detail.id == chosen
        assert len(table.rows_shown) == shown  # the same page, not a one-row page
        assert any(f"{chosen}" in n.message for n in app._notifications)


async def test_a_read_only_database_shows_a_banner_and_a_sentence_on_save(demo_path, clock,
                                                                          monkeypatch):
    from dutydesk.services.context import Desk
    from dutydesk.store import engine

    monkeypatch.setattr(engine, "_writable", lambda path: False)  # as for an officer's account
    db = engine.Database.open(demo_path)
    desk = Desk(db, clock)
    app = make_app(desk)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert "只读" in str(app.screen.query_one("#title-bar").render())
            await pilot.press("x")  # 不予受理 on the newest report
            await settle(pilot)
            assert isinstance(app.screen, ActionScreen)
            await pilot.press(*"重复", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, ActionScreen) and app.is_running
            assert "数据库只读，无法保存" in str(app.screen.query_one("#form-error").render())
    finally:
        db.dispose()


async def test_an_action_key_after_a_page_turn_in_one_burst_acts_on_the_new_page(demo_desk):
    """PageDown then an action key in one packet: the form is for the row the turn reached."""
    from dutydesk.services.queue import case_detail

    app = make_app(demo_desk)
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # all cases: more than one page
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        first_page = [row.id for row in table.rows_shown]
        await burst(pilot, ["pagedown"])
        second_page = [row.id for row in table.rows_shown]
        assert not set(second_page) & set(first_page)
        index, target, key = next(
            (i, case_id, detail.actions[0].key) for i, case_id in enumerate(second_page)
            if (detail := case_detail(demo_desk, app.actor, case_id)).actions)
        await burst(pilot, ["pageup", "pagedown", *["down"] * index, key])
        assert isinstance(app.screen, ActionScreen), (
            [n.message for n in app._notifications], table.current.id, target, key, index)
        assert app.screen.targets == [target]


@pytest.mark.both_engines
async def test_a_case_dispatched_to_my_unit_rings_in_my_session(desk, desk_target):
    """Written by another process; the unit liaison's session rings and says which case."""
    import subprocess
    import sys

    case_id = new_case_in(desk, CaseState.FILED)
    app = make_app(desk, "wangbo", feed_interval=0.1)
    rings = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.bell = lambda: rings.append(True)
        await settle(pilot)
        await wait_for(pilot, lambda: app.last_event_id is not None)
        subprocess.run([sys.executable, "-c", DISPATCH, str(desk_target), str(case_id)],
                       check=True, timeout=60)
        assert await wait_for(pilot, lambda: any(
            f"新派单 #{case_id}" in n.message for n in app._notifications))
        assert rings


DISPATCH = """
import sys
from dutydesk.clock import SystemClock
from dutydesk.domain.lifecycle import Action
from dutydesk.services.cases import ActionInput, perform
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database
db = Database.open(sys.argv[1])
desk = Desk(db, SystemClock())
perform(desk, desk.actor("liuyang"), int(sys.argv[2]), Action.DISPATCH,
        ActionInput(lead_unit_code="SWJ"))
db.dispose()
"""


async def test_the_full_phone_is_shown_for_a_reason(desk):
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft())
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "139****1234" in screen_text(app) and "13908571234" not in screen_text(app)
        await burst(pilot, ["P", *"电话回访"])
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any(f"#{case_id} 电话：13908571234" in n.message for n in app._notifications)


@pytest.mark.both_engines
async def test_a_stale_step_says_what_changed_and_reloads_keeping_the_input(desk):
    """Two officers 督办 the same case: the second form is refused as stale, names who did
    what and when, and Ctrl+R reads the case again so that the same note can be sent."""
    from dutydesk.domain.lifecycle import Action, transition_for
    from dutydesk.services.cases import ActionInput, perform
    from dutydesk.services.queue import case_detail

    case_id = new_case_in(desk, CaseState.DISPATCHED)
    app = make_app(desk, "liuyang")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        officer = desk.actor("liuyang")
        detail = case_detail(desk, officer, case_id)
        await app.push_screen(ActionScreen(transition_for(Action.URGE), officer.role,
                                           [case_id], detail))
        await burst(pilot, list("请今日处理"))
        perform(desk, desk.actor("zhaolei"), case_id, Action.URGE, ActionInput(note="先到"))
        bells = []
        app.bell = lambda: bells.append(1)
        await burst(pilot, ["ctrl+r"])  # nothing to reload yet: said with the bell
        assert bells == [1]
        await burst(pilot, ["ctrl+s"])
        text = screen_text(app)
        assert "赵磊" in text and "督办" in text and "Ctrl+R" in text
        assert isinstance(app.screen, ActionScreen)
        await burst(pilot, ["ctrl+r"])
        assert await wait_for(pilot, lambda: "已刷新" in screen_text(app))
        assert app.screen.query_one("#note").value == "请今日处理"  # what was typed stays
        await burst(pilot, ["ctrl+s"])
        assert await wait_for(pilot, lambda: not isinstance(app.screen, ActionScreen))
    with desk.db.read() as s:
        notes = [e.payload for e in s.exec(select(Event).where(
            Event.case_id == case_id, Event.action == "urge").order_by(Event.id))]
    assert len(notes) == 2 and "请今日处理" in notes[1]


@pytest.mark.both_engines
async def test_claiming_releasing_and_the_chief_taking_over_by_keys(desk):
    from dutydesk.services import claims

    case_id = new_case_in(desk, CaseState.DISPATCHED)
    claims.release(desk, desk.actor("liuyang"), f"case:{case_id}")
    app = make_app(desk, "chenjing")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ["3", "l"])  # all cases; claim the one there is
        assert await wait_for(pilot, lambda: "陈静 认领至" in screen_text(app))
        await burst(pilot, ["l"])  # mine: let it go
        assert await wait_for(pilot, lambda: "陈静 认领至" not in screen_text(app))
        await burst(pilot, ["L"])  # not the chief: the key is not hers
        assert not app.screen.query("#reason")
    claims.claim(desk, desk.actor("chenjing"), f"case:{case_id}")
    app = make_app(desk, "zhaolei")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ["3"])
        assert await wait_for(pilot, lambda: "陈静 认领至" in screen_text(app))
        await burst(pilot, ["L", *"陈静外出走访", "ctrl+s"])
        assert await wait_for(pilot, lambda: "赵磊 认领至" in screen_text(app))
    with desk.db.read() as s:
        taken = s.exec(select(Event).where(Event.action == "take_over")).one()
    assert "陈静外出走访" in taken.payload


async def test_a_claim_taken_over_rings_in_its_holders_session(desk):
    from dutydesk.services import claims

    case_id = new_case_in(desk, CaseState.DISPATCHED)  # liuyang's: she worked it
    app = make_app(desk, "liuyang", feed_interval=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        bells = []
        app.bell = lambda: bells.append(1)
        claims.take_over(desk, desk.actor("zhaolei"), f"case:{case_id}", "我来跟进")
        assert await wait_for(pilot, lambda: any("已由 赵磊 接管" in n.message
                                                 for n in app._notifications))
        assert bells


async def test_whistle_on_a_case_that_is_not_a_dispute(desk):
    """w on the queue: 吹哨 on any hard case (a 违法建设 here), through the step's own form."""
    from dutydesk.store.models import Whistle
    from dutydesk.tui.screens.dispute_forms import StepScreen
    from tests.services.helpers import standard_draft
    from tests.tui.pilot import burst, wait_for

    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(
        summary="楼顶违法加建", category_code="illegal_building"))
    app = make_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")  # 全部
        await settle(pilot)
        await burst(pilot, ["w"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        # The departments' list has the focus: the second (区住建局), then the reason, then
        # save. (Keys into a list picker are pressed one by one: in a burst they are lost —
        # issue 17's picker item.)
        await pilot.press("down", "space")
        await burst(pilot, ["tab", *"需住建局到场", "ctrl+s"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, QueueScreen))
    with desk.db.read() as s:
        called = s.exec(select(Whistle).where(Whistle.case_id == case_id)).all()
    assert len(called) == 1 and called[0].reason == "需住建局到场"


@pytest.mark.parametrize("login", ["zhaolei", "huangxia"])
async def test_help_names_keys_as_people_read_them_and_only_the_roles_boards(demo_desk, login):
    """← not left, ] not right_square_bracket, 日/周/月/年 each on its own row; a community's
    help has no F3 (110) or F6 (交接) — boards it does not have."""
    from rich.console import Console

    from dutydesk.domain.boards import boards_for

    app = make_app(demo_desk, login)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        console = Console(width=100, record=True, file=open("/dev/null", "w"))
        for static in app.screen.query("Static"):
            console.print(static.content)
        text = console.export_text()
    for raw in ("left", "right_square_bracket", "pageup", "dwmy", "question_mark"):
        assert raw not in text
    assert "←" in text and "]" in text and "PgUp" in text
    boards = boards_for(app.actor.role)
    assert ("F3" in text) == ("police" in boards) and ("F6" in text) == ("handover" in boards)


async def test_a_burst_of_notices_is_one_toast(desk):
    """Five 催办 at once (a sweep's): one bell, one toast summing them up — not five toasts
    stacked over the board."""
    from dutydesk.services.notices import Notice

    app = make_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = len(app._notifications)
        app._notices_seen([Notice(i, f"催办 #{i}：区住建局 已超办结时限") for i in range(1, 6)])
        await settle(pilot)
        new = list(app._notifications)[before:]
        assert len(new) == 1
        assert "5 条新通知" in new[0].title and "#1" in new[0].message
        assert "另有 2 条" in new[0].message


async def test_opening_a_form_clears_the_toasts_that_would_cover_it(desk):
    """At 80 columns a start-up 催办 toast covered the right half of the new-report form for
    eight seconds; opening a form clears the toasts already seen, and a later one shows."""
    from dutydesk.services.notices import Notice

    app = make_app(desk, "liuyang")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:  # toasts drawn
        await settle(pilot)
        app._notices_seen([Notice(i, f"催办 #{i}：区住建局 已超办结时限") for i in range(1, 4)])
        await settle(pilot)
        assert _toasts(app) == ["3 条新通知"]
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewCaseScreen)
        assert not app._notifications and _toasts(app) == []
        app._notices_seen([Notice(9, "催办 #9：区住建局 已超办结时限")])
        await settle(pilot)
        assert len(_toasts(app)) == 1 and isinstance(app.screen, NewCaseScreen)


def _toasts(app) -> list[str]:
    """The toasts on the screen shown, by title (or text)."""
    from textual.widgets._toast import Toast

    return [toast._notification.title or toast._notification.message
            for toast in app.screen.query(Toast)]
