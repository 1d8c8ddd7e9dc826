"""A session's start: the first frame shows the queue's rows, its cursor row's detail and its
counts, read before the terminal was taken over; the collector is held off until then."""

from __future__ import annotations

import gc

from dutydesk import startup
from dutydesk.cli import main
from dutydesk.services import queue
from dutydesk.services.cases import create_case
from dutydesk.tui.screens.queue import QueueScreen
from dutydesk.tui.widgets import CaseDetailView, CaseTable
from tests.services.helpers import standard_draft
from tests.tui.pilot import make_app, settle


def _status(app) -> str:
    return str(app.screen.query_one("#status-bar").render())


def _reads(monkeypatch) -> list[str]:
    """The queue's reads from here on, by name (a page below another: "page_after")."""
    calls: list[str] = []
    for name in ("queue_page", "queue_count", "desk_counts", "case_detail"):
        def counted(*args, _name=name, _read=getattr(queue, name), **kwargs):
            calls.append("page_after" if kwargs.get("after") is not None else _name)
            return _read(*args, **kwargs)
        monkeypatch.setattr(queue, name, counted)
    return calls


async def test_the_first_frame_shows_the_opening_read_before_the_start(desk, monkeypatch):
    actor = desk.actor("liuyang")
    for i in range(45):
        create_case(desk, actor, standard_draft(summary=f"报告 {i:02d}"))
    app = make_app(desk, "liuyang", opening_rows=30)  # read for a 30-line terminal
    reads = _reads(monkeypatch)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(20):  # the first frame (the board is pushed once the app has mounted)
            if isinstance(app.screen, QueueScreen) and app.screen.query_one(CaseTable).loaded:
                break
            await pilot.pause()
        table = app.screen.query_one(CaseTable)
        shown = [r.id for r in table.rows_shown]
        assert 5 < len(shown) == table.visible_rows < 30  # cut to the rows that fit
        assert shown == sorted(shown, reverse=True) and table.has_after
        assert app.screen.query_one(CaseDetailView).detail.id == shown[0]
        assert "共 45 条" in _status(app) and "待受理" in _status(app)
        # Nothing read again; the other rows' details and the page below (read ahead) may be.
        assert set(reads) <= {"case_detail", "page_after"}
        await pilot.press("pagedown")  # the page below the cut one follows on
        await settle(pilot)
        assert [r.id for r in table.rows_shown][0] == shown[-1] - 1
        assert "page_after" in reads


async def test_an_opening_read_for_a_smaller_terminal_is_read_again(desk):
    actor = desk.actor("liuyang")
    for i in range(45):
        create_case(desk, actor, standard_draft(summary=f"报告 {i:02d}"))
    app = make_app(desk, "liuyang", opening_rows=4)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CaseTable)
        assert len(table.rows_shown) == table.visible_rows > 4
        assert "第 1–" in _status(app) and "共 45 条" in _status(app)


async def test_the_collector_is_held_until_the_first_board_is_whole(desk):
    """Held from the command line's first step; released (the start's objects frozen) once the
    first board has its page and counts."""
    startup.hold()
    try:
        assert not gc.isenabled()
        app = make_app(desk, "liuyang", opening_rows=30, feed_interval=0.05)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_a_command_runs_with_the_collector(desk, tmp_path):
    path = desk.db.path
    try:
        assert main(["--db", str(path), "sweep"]) == 0
        assert gc.isenabled()
    finally:
        gc.enable()


async def test_the_cards_the_first_sweep_writes_are_announced(desk, clock, monkeypatch):
    """The first sweep waits for the change feed's starting point as well as the first board:
    the 催办 it writes at the session's start ring and show, however soon the board was whole
    (with an opening, at once), instead of falling before the point notices are read from."""
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.domain.lifecycle import CaseState
    from dutydesk.store.models import Case
    from tests.services.helpers import new_case_in
    from tests.tui.pilot import wait_for

    case_id = new_case_in(desk, CaseState.DISPATCHED)
    with desk.db.read() as s:
        due = s.get(Case, case_id).due_at.astimezone(LOCAL_TZ)
    clock.set(dt.datetime.combine(due.date() + dt.timedelta(days=1), dt.time(9, 0), LOCAL_TZ))
    import time

    from dutydesk.tui import app as app_module

    looks: list[int] = []

    def late_first_look(desk, _read=app_module.last_change):
        if not looks:
            time.sleep(0.3)  # the feed's first look comes late (a far server, a busy start)
        looks.append(1)
        return _read(desk)

    monkeypatch.setattr(app_module, "last_change", late_first_look)
    app = make_app(desk, "zhaolei", opening_rows=30, feed_interval=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(pilot, lambda: any(f"#{case_id}" in n.message
                                                 for n in app._notifications))


def test_a_desk_refused_at_its_start_leaves_the_collector_running(desk):
    try:
        assert main(["--db", str(desk.db.path), "--as", "nobody-here"]) == 1
        assert gc.isenabled()
    finally:
        gc.enable()
