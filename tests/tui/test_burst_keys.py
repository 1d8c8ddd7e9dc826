"""Keys that arrive together — over SSH, or pasted — land where they were meant."""

from __future__ import annotations


import pytest
from textual.widgets import Input

from dutydesk.tui.screens.forms import NewCaseScreen
from dutydesk.tui.screens.queue import QueueScreen
from tests.tui.pilot import burst, make_app, screen_text, settle


@pytest.mark.parametrize("typed", ["ab", "a?b"])  # ? typed into a field is text, not help
async def test_slash_then_letters_goes_to_the_search_box(demo_desk, typed):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "/" + typed)
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one("#search", Input).value == typed


async def test_slash_q_does_not_quit(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "/q")
        assert app.is_running and isinstance(app.screen, QueueScreen)
        assert app.screen.query_one("#search", Input).value == "q"


async def test_typing_fast_through_the_new_report_form(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ["n", *"abc", "\t", *"Wang", "\t", *"139"])
        assert isinstance(app.screen, NewCaseScreen)
        values = {i.id: i.value for i in app.screen.query(Input)}
        assert values["summary"] == "abc"
        assert values["reporter_name"] == "Wang"
        assert values["reporter_phone"] == "139"


async def test_page_keys_in_a_burst_keep_the_position_right(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 20)) as pilot:  # pages of a few rows
        await settle(pilot)
        await burst(pilot, ["3", "pagedown", "pagedown", "up"])
        screen = app.screen
        table = screen.query_one("CaseTable")
        ids_in_order = [r.id for r in table.rows_shown]
        # The status line's numbers are the page's true ranks in the whole list.
        from dutydesk.services.queue import QueueFilter, View, queue_page

        everything = queue_page(demo_desk, app.actor, QueueFilter(view=View.ALL), limit=100).rows
        first_rank = [r.id for r in everything].index(ids_in_order[0]) + 1
        assert screen.paged_list.first_index + 1 == first_rank
        assert table.current.id == ids_in_order[-1]  # up from the top row: the page above


async def test_editing_keys_in_a_text_field_act_in_order_with_the_characters(demo_desk):
    """`ab⌫c←X` then ctrl+u and `Z`, in one packet: each key where it was typed."""
    from tests.tui.pilot import burst, make_app, settle

    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, ["n"])  # the new-report form: the summary field
        summary = app.screen.query_one("#summary")
        summary.focus()
        await burst(pilot, ["a", "b", "backspace", "c", "left", "X"])
        assert summary.value == "aXc"
        await burst(pilot, ["ctrl+u", "Z", "end", "!"])
        assert summary.value == "Zc!"


async def test_esc_asks_before_throwing_typed_input_away(demo_desk):
    """Esc on an untouched form closes it; on a half-typed one it asks, and n keeps the text."""
    from dutydesk.tui.screens.forms import ConfirmScreen

    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, ["n", "escape"])
        assert isinstance(app.screen, QueueScreen)
        await burst(pilot, ["n", *"半句话", "escape"])
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, ["n"])
        assert isinstance(app.screen, NewCaseScreen)
        assert app.screen.query_one("#summary", Input).value == "半句话"
        await burst(pilot, ["escape", "y"])
        assert isinstance(app.screen, QueueScreen)


async def test_the_header_clock_moves_on_every_board(demo_desk, clock, monkeypatch):
    """One clock for every board: F4 and F7 showed 12:47 at 12:50."""
    import datetime as dt

    from dutydesk.tui.widgets import _title_bar
    from tests.tui.pilot import each_board, screen_text, wait_for

    monkeypatch.setattr(_title_bar, "TICK_SECONDS", 0.05)
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        async for key, _board in each_board(pilot):
            clock.set(clock.now() + dt.timedelta(minutes=3))
            shown = clock.now().astimezone(dt.timezone(dt.timedelta(hours=8)))
            assert await wait_for(pilot, lambda: shown.strftime("%H:%M") in screen_text(app)), key


async def test_a_save_that_waits_its_turn_says_so(demo_desk, db_path):
    """Another session holds the write (a long import): the form says it is queued, and the
    report is saved once the turn comes — not refused as busy."""
    import threading

    from dutydesk.store.models import Case
    from sqlmodel import select

    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        release = threading.Event()
        held = threading.Event()

        def hold() -> None:
            with demo_desk.db.write() as session:
                session.connection()
                held.set()
                release.wait(30)

        holder = threading.Thread(target=hold)
        holder.start()
        held.wait(5)
        await burst(pilot, ["n", *"排队保存", "\t", "\t", "\t", "\t", "enter", "down", "enter",
                            "ctrl+s"], wait=False)

        def queued() -> bool:  # said a second after the save began to wait
            errors = app.screen.query("#form-error")
            return bool(errors) and "正在排队保存" in str(errors.first().render())

        for _ in range(150):  # not settle(): the save's worker is waiting for its turn
            if queued():
                break
            await pilot.pause(0.1)
        assert queued()
        release.set()
        holder.join(10)
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with demo_desk.db.read() as s:
        assert s.exec(select(Case).where(Case.summary == "排队保存")).first() is not None


async def test_ticks_in_a_checklist_then_tab_in_one_burst_land_where_typed(demo_desk):
    """`↓ Space Tab reason` in one packet: the box is ticked before the Tab moves on (Textual
    would decide ↓ and Space by the focus as it is when it gets to them: the reason field)."""
    from dutydesk.tui.screens.dispute_forms import StepScreen
    from dutydesk.tui.widgets import Checklist

    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ["3", "w"])
        assert isinstance(app.screen, StepScreen)
        await burst(pilot, ["down", "space", "tab", *"请到场"])
        units = app.screen.query_one(Checklist)
        assert len(units.selected) == 1
        assert app.screen.focused.value == "请到场"


async def test_a_tick_then_ctrl_s_in_one_burst_is_saved_ticked(demo_desk):
    """`Tab reason Shift+Tab ↓ Space Ctrl+S` in one packet: the whistle is saved with the unit
    ticked (the tick used to land on a message of its own, after the save)."""
    from sqlmodel import select

    from dutydesk.store.models import Whistle
    from dutydesk.tui.screens.dispute_forms import StepScreen

    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ["3", "w"])
        assert isinstance(app.screen, StepScreen)
        case_id = app.screen.detail.id
        await burst(pilot, ["tab", *"请到场", "shift+tab", "down", "space", "ctrl+s"])
        assert not isinstance(app.screen, StepScreen), screen_text(app)
    with demo_desk.db.read() as s:
        assert s.exec(select(Whistle).where(Whistle.case_id == case_id)).all()


UNITS = ["区城管执法局", "区住建局", "区水务局", "建兴社区居委会", "区市场监管局"]


def _picker_app():
    from textual.app import App

    from dutydesk.tui.widgets import Picker

    class One(App):
        def compose(self):
            yield Picker([(name, name) for name in UNITS], prompt="请选择", id="unit")

    return One()


@pytest.mark.parametrize("typed,chosen", [
    ("qzjj", "区住建局"),  # the initials typed together go on from where the first led
    ("qs", "区水务局"),
    ("jx", "建兴社区居委会"),
    ("区市", "区市场监管局"),  # the name's own characters too
    ("q", "区城管执法局"),
    ("qq", "区住建局"),  # one letter again: the next that starts with it
    ("qzx", "区住建局"),  # a letter that spells nothing more changes nothing
])
async def test_initials_typed_together_find_the_option_they_spell(typed, chosen):
    """Typing a unit's pinyin initials in one burst (as an officer does, or SSH delivers)
    picks that unit: before, each letter jumped alone and `qzjj` landed on 建兴社区居委会."""
    app = _picker_app()
    async with app.run_test() as pilot:
        picker = app.query_one("#unit")
        picker.focus()
        await pilot.press("enter", *typed, "enter")
        assert picker.value == chosen
