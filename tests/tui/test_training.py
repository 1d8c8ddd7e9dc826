"""A training scenario played through the screens by real keys, twice: the right way earns every
point; the mistakes the scenario is built to catch lose theirs, with the rule shown. The run's
clock is frozen between keys (F10 moves it on to the next event), so the test plays a night
shift in seconds and never waits for the wall clock."""

from __future__ import annotations

import pytest

from dutydesk.clock import TrainingClock
from dutydesk.scenario.runner import build_training, open_training
from dutydesk.scenario.training import load_scenario, scenario_dir
from dutydesk.services import training
from dutydesk.services.queue import reference_choices
from dutydesk.tui.training import ScoreScreen, TrainingApp
from tests.tui.pilot import burst, screen_text, settle, wait_for


@pytest.fixture
def night(tmp_path):
    scenario = load_scenario(scenario_dir() / "night-110.toml")
    path = build_training(tmp_path / "train.db", scenario)
    desk, run = open_training(path, scenario, TrainingClock(scenario.start, scenario.speed,
                                                            real=lambda: 0.0))
    actor = desk.actor(scenario.trainee)
    app = TrainingApp(desk, actor, reference_choices(desk, actor), run, feed_interval=0)
    yield app, desk
    desk.db.dispose()


async def _next_event(pilot, app, arrived: str) -> None:
    await burst(pilot, ["f10"])
    assert await wait_for(pilot, lambda: arrived in screen_text(app)), arrived


async def test_the_right_handling_by_keys_earns_every_point(night):
    app, desk = night
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "训练" in screen_text(app) and "×10" in screen_text(app)
        await burst(pilot, ["f3"])
        await _next_event(pilot, app, "J5202261124101")
        await burst(pilot, ["k", "ctrl+s"])  # 签收 the noise call
        await burst(pilot, ["2"])
        assert await wait_for(pilot, lambda: "J5202261124101" in screen_text(app))
        await burst(pilot, ["a", "ctrl+s"])  # 分流 as suggested
        await burst(pilot, ["1"])
        await _next_event(pilot, app, "J5202261124102")
        await burst(pilot, ["k", "ctrl+s"])
        await burst(pilot, ["2"])
        assert await wait_for(pilot, lambda: "J5202261124102" in screen_text(app))
        await burst(pilot, ["b", *"持刀争吵属警务警情", "ctrl+s"])  # 退回110
        await burst(pilot, ["1"])
        await _next_event(pilot, app, "J5202261124103")
        await burst(pilot, ["k", "ctrl+s"])
        await burst(pilot, ["f10", "f6"])  # the shift's end: the handover sheet
        await burst(pilot, ["g", *"夜间警情已处置", "ctrl+s"])
        await burst(pilot, ["f10"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen))
        assert "80/80" in screen_text(app)
    card = training.saved_score(desk)
    assert (card["earned"], card["points"]) == (80, 80)


async def test_the_mistakes_lose_their_points_and_say_why(night):
    app, desk = night
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, ["f3"])
        await _next_event(pilot, app, "J5202261124101")
        await _next_event(pilot, app, "J5202261124102")  # the noise call left waiting
        await burst(pilot, ["down", "k", "ctrl+s"])  # signed for 20 minutes late
        for _ in range(3):  # the knife call never sent back; no handover sheet
            await burst(pilot, ["f10"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen))
        assert "5/80" in screen_text(app)
    lines = {(line["event"], line["step"]): line for line in training.saved_score(desk)["lines"]}
    assert lines[1, "sign"]["earned"] == 5 and "超时 10 分钟" in lines[1, "sign"]["reason"]
    assert lines[2, "send_back"]["earned"] == 0 and "持刀" in lines[2, "send_back"]["reason"]
    assert lines[4, "hand_over"]["earned"] == 0
