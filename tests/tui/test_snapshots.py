"""How the main screens look (pytest-textual-snapshot), at the sizes officers use."""

from __future__ import annotations

from tests.tui.pilot import make_app


def test_queue_at_80x24(demo_desk, snap_compare):
    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), press=["3"])


def test_queue_in_english_at_120x30(demo_desk, snap_compare):
    assert snap_compare(make_app(demo_desk, language="en"), terminal_size=(120, 30), press=["2"])


def test_new_report_form_at_80x24(demo_desk, snap_compare):
    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), press=["n"])


def test_case_timeline_at_80x24(demo_desk, snap_compare):
    async def open_the_closed_case(pilot):
        await pilot.press("3", "slash", *"IMG_0712", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24),
                        run_before=open_the_closed_case)


def test_a_crowded_case_at_80x24(demo_desk, snap_compare):
    """A pending extension, 重办 and 督办 counts and a 300-character summary: every fact is one
    line cut with an ellipsis, and the line of keys stays in view."""
    from sqlmodel import select

    from dutydesk.store.models import Case

    with demo_desk.db.write() as s:
        case = s.exec(select(Case).where(Case.extension_due_at.is_not(None))).first()
        case.summary = "劳资纠纷：" + "务工人员多次反映工程款拖欠问题，" * 19
        case.redo_count, case.urge_count = 2, 3
        s.add(case)
        case_id = case.id

    async def open_it(pilot):
        await pilot.press("3", "slash", *str(case_id), "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=open_it)


def test_statistics_at_80x24(demo_desk, snap_compare):
    async def open_statistics(pilot):
        await pilot.press("f7")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=open_statistics)


def test_unit_ranking_at_80x24(demo_desk, snap_compare):
    async def open_the_ranking(pilot):
        await pilot.press("f7")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("2", "v")
        await pilot.pause()

    assert snap_compare(make_app(demo_desk), terminal_size=(80, 24), run_before=open_the_ranking)


def test_a_training_score_card_at_80x24(tmp_path, snap_compare):
    """The night of 110 transfers played badly: every lost point's rule whole at 80 columns."""
    import datetime as dt

    from dutydesk.clock import SimulatedClock, TrainingClock
    from dutydesk.scenario.runner import TrainingRun, build_training, open_training
    from dutydesk.scenario.scoring import score
    from dutydesk.scenario.training import load_scenario, scenario_dir
    from dutydesk.services import police
    from dutydesk.services.context import Desk
    from dutydesk.services.queue import reference_choices
    from dutydesk.store.engine import Database
    from dutydesk.tui.training import TrainingApp

    scenario = load_scenario(scenario_dir() / "night-110.toml")
    path = build_training(tmp_path / "t.db", scenario)
    clock = SimulatedClock(scenario.start)
    db = Database.open(path)
    desk = Desk(db, clock)
    run = TrainingRun(scenario, desk)
    for minutes in (5, 30):
        clock.set(scenario.start + dt.timedelta(minutes=minutes))
        run.feed_due()
    police.sign(desk, desk.actor(scenario.trainee), int(run._items["noise"].split(":")[1]))
    clock.set(run.ends)
    run.feed_due()
    card = score(desk, scenario)
    db.dispose()
    desk, run = open_training(path, scenario, TrainingClock(run.ends, scenario.speed,
                                                            real=lambda: 0.0))
    actor = desk.actor(scenario.trainee)
    app = TrainingApp(desk, actor, reference_choices(desk, actor), run, resumed=True,
                      scored=card, feed_interval=0)
    try:
        assert snap_compare(app, terminal_size=(80, 24))
    finally:
        desk.db.dispose()
