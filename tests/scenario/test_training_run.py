"""A training run without the screen: the scenario's events come in through the services as the
clock reaches them, the trainee's steps are read back from the log, and the score card gives
full points for the right handling and takes them away, with the rule, for the wrong one."""

from __future__ import annotations

import datetime as dt

import pytest

from dutydesk.clock import SimulatedClock
from dutydesk.errors import SchemaError
from dutydesk.scenario.runner import TrainingRun, build_training, training_info
from dutydesk.scenario.scoring import Card, score
from dutydesk.scenario.training import load_scenario, scenario_dir
from dutydesk.services import duty, police, training
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database


@pytest.fixture
def night(tmp_path):
    scenario = load_scenario(scenario_dir() / "night-110.toml")
    path = build_training(tmp_path / "train.db", scenario)
    clock = SimulatedClock(scenario.start)
    db = Database.open(path)
    yield scenario, Desk(db, clock), clock
    db.dispose()


def _until(run: TrainingRun, clock: SimulatedClock, minutes: int) -> None:
    """The clock on to `minutes` after the start, feeding what comes due on the way."""
    clock.set(run.scenario.start + dt.timedelta(minutes=minutes))
    run.feed_due()


def _transfer(run: TrainingRun, ref: str) -> int:
    return int(run._items[ref].partition(":")[2])


def test_the_right_handling_earns_every_point(night):
    scenario, desk, clock = night
    run = TrainingRun(scenario, desk)
    me = desk.actor(scenario.trainee)
    _until(run, clock, 6)
    police.sign(desk, me, _transfer(run, "noise"))
    _until(run, clock, 20)
    police.divert(desk, me, _transfer(run, "noise"), "KLNL-01", "noise")
    _until(run, clock, 30)
    police.sign(desk, me, _transfer(run, "knife"))
    police.send_back(desk, me, _transfer(run, "knife"), "持刀争吵，属警务警情")
    _until(run, clock, 65)
    police.sign(desk, me, _transfer(run, "car"))
    _until(run, clock, 11 * 60 + 22)
    duty.hand_over(desk, me, "夜间转办警情均已处置")
    _until(run, clock, 11 * 60 + 30)
    card = score(desk, scenario)
    assert (card.earned, card.points) == (80, 80), [line.reason for line in card.lines]
    assert card.correct == card.on_time == card.expected == 6


def test_the_mistakes_lose_their_points_with_the_rule(night):
    scenario, desk, clock = night
    run = TrainingRun(scenario, desk)
    me = desk.actor(scenario.trainee)
    _until(run, clock, 30)  # the noise call waits 25 minutes to be signed for
    police.sign(desk, me, _transfer(run, "noise"))
    police.sign(desk, me, _transfer(run, "knife"))
    # the knife call diverted as if it were a neighbours' quarrel
    police.divert(desk, me, _transfer(run, "knife"), "JSZL-01", "neighbour_dispute",
                  confirm_danger=True, reason="双方已冷静")
    _until(run, clock, 11 * 60 + 30)  # the car call never signed; no handover sheet
    card = score(desk, scenario)
    line = {(line.event, line.step): line for line in card.lines}
    assert line[1, "sign"].on_time is False and line[1, "sign"].earned == 5
    assert "超时 15 分钟" in line[1, "sign"].reason
    assert line[1, "divert"].earned == 0 and "未处理" in line[1, "divert"].reason
    assert line[2, "sign"].earned == 10  # signed for within its ten minutes
    back = line[2, "send_back"]
    assert back.earned == 0 and "分流" in back.reason and "持刀" in back.reason
    assert line[3, "sign"].earned == line[4, "hand_over"].earned == 0
    assert card.earned == 15 and card.correct == 2 and card.on_time == 1


def test_the_card_is_kept_and_read_back_from_the_database(night):
    scenario, desk, clock = night
    run = TrainingRun(scenario, desk)
    _until(run, clock, 11 * 60 + 30)
    card = score(desk, scenario)
    training.record_score(desk, desk.actor(scenario.trainee), card.to_dict())
    assert Card.from_dict(training.saved_score(desk)) == card
    assert training_info(desk.db)["scenario"] == "night-110.toml"
    # Taken up again, the run goes on after what was fed, never twice.
    again = TrainingRun(scenario, desk)
    assert again.next_index == len(scenario.events) and again.feed_due() == []


def test_a_working_desk_is_never_made_a_training_one(tmp_path, demo_path):
    scenario = load_scenario(scenario_dir() / "night-110.toml")
    before = demo_path.read_bytes()
    with pytest.raises(SchemaError):
        build_training(demo_path, scenario)
    assert demo_path.read_bytes() == before
