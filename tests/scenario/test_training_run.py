"""A training run without the screen: the scenario's events come in through the services as the
clock reaches them, the trainee's steps are read back from the log, and the score card gives
full points for the right handling and takes them away, with the rule, for the wrong one."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

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


@contextmanager
def _opened(tmp_path, scenario):
    """A fresh training run of `scenario`, its clock at the start: (desk, run, clock)."""
    path = build_training(tmp_path / f"{scenario.path.stem}.db", scenario)
    clock = SimulatedClock(scenario.start)
    db = Database.open(path)
    try:
        desk = Desk(db, clock)
        yield desk, TrainingRun(scenario, desk), clock
    finally:
        db.dispose()


def _until(run: TrainingRun, clock: SimulatedClock, minutes: int) -> None:
    """The clock on to `minutes` after the start, feeding what comes due on the way."""
    clock.set(run.scenario.start + dt.timedelta(minutes=minutes))
    run.feed_due()


def _dispatched(desk, chief, case_id: int, node: str, unit: str) -> None:
    """受理, 立案 and 派单 of the canal report (the 赤壁 morning and its variants)."""
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.cases import ActionInput, perform

    for action, inputs in ((Action.ACCEPT, ActionInput(category_code="canal", node_code=node)),
                           (Action.FILE, ActionInput()),
                           (Action.DISPATCH, ActionInput(lead_unit_code=unit))):
        perform(desk, chief, case_id, action, inputs)


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
    _until(run, clock, 5)
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
    assert again.feed_due() == [] and again.waiting == []
    assert again.next_index == len(scenario.events)


def test_a_working_desk_is_never_made_a_training_one(tmp_path, demo_path):
    scenario = load_scenario(scenario_dir() / "night-110.toml")
    before = demo_path.read_bytes()
    with pytest.raises(SchemaError):
        build_training(demo_path, scenario)
    assert demo_path.read_bytes() == before


def test_chibi_is_played_in_its_own_town(tmp_path):
    """seeds/002: 赤壁's own org (Hubei's 水利和湖泊局); the morning played right earns every
    point, and the unit's steps come in through the services as the story has them."""
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.cases import ActionInput, perform

    scenario = load_scenario(scenario_dir() / "chibi-command.toml")
    assert {n.name for n in scenario.config.nodes} >= {"赤壁市", "蒲圻街道"}
    assert "黄土坡街道" not in {n.name for n in scenario.config.nodes}
    with _opened(tmp_path, scenario) as (desk, run, clock):
        chief = desk.actor("xuming")
        _until(run, clock, 2 * 60 + 3)  # 08:33
        case_id = _case(run, "canal")
        _dispatched(desk, chief, case_id, "HSL-01", "SLHH")
        _until(run, clock, 7 * 60 + 40)  # 14:10: the unit has acknowledged and replied
        perform(desk, chief, case_id, Action.VERIFY, ActionInput(note="现场核查完毕",
                                                          on_behalf_of="网格监督员 陈芳"))
        perform(desk, chief, case_id, Action.CLOSE, ActionInput())
        _until(run, clock, 10 * 60)
        card = score(desk, scenario)
        assert (card.earned, card.points) == (60, 60), [line.reason for line in card.lines]


def _play(tmp_path, name: str, steps) -> Card:
    """Run scenario `name` to its end, the trainee taking `steps(desk, run, me, clock)`."""
    scenario = load_scenario(scenario_dir() / f"{name}.toml")
    with _opened(tmp_path, scenario) as (desk, run, clock):
        steps(desk, run, desk.actor(scenario.trainee), clock)
        clock.set(run.ends)
        run.feed_due()
        return score(desk, scenario)


def _case(run: TrainingRun, ref: str) -> int:
    return int(run._items[ref].partition(":")[2])


def _mediated(desk, run, me, clock, ref: str, accept: tuple[str, str], draft, mediate_at: int,
              mediator: str) -> int:
    """A dispute report taken in, recorded (建档) from `draft`, mediated at `mediate_at` minutes
    with an agreement, and its outcome recorded: the case's id."""
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services import disputes
    from dutydesk.services.cases import ActionInput, perform
    from dutydesk.services.disputes import MediationDraft

    case_id = _case(run, ref)
    perform(desk, me, case_id, Action.ACCEPT, ActionInput(category_code=accept[0],
                                                          node_code=accept[1]))
    disputes.record(desk, me, case_id, draft)
    _until(run, clock, mediate_at)
    disputes.record_mediation(desk, me, case_id, MediationDraft(
        clock.now().date(), mediator, "on_site", "agreed"))
    disputes.record_outcome(desk, me, case_id, "mediated", agreement_on=clock.now().date())
    return case_id


def test_the_family_dispute_is_mediated_merged_and_its_relapse_reviewed(tmp_path):
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services import revisits
    from dutydesk.services.cases import ActionInput, perform
    from dutydesk.services.disputes import DisputeDraft, PartyDraft

    def right(desk, run, me, clock):
        _until(run, clock, 15)
        family = _mediated(desk, run, me, clock, "family", ("family_dispute", "JSZL-01"),
                           DisputeDraft("family", [PartyDraft("applicant", "钱女士"),
                                                   PartyDraft("respondent", "孙先生")],
                                        ["flare_ups"]), 4 * 60, "心理咨询团队")
        _until(run, clock, 23 * 60 + 10)
        perform(desk, me, _case(run, "again"), Action.MERGE, ActionInput(merge_into=family))
        _until(run, clock, (7 * 24 + 2) * 60 + 30)  # a week on: the revisit found a relapse
        relapse = _relapse(desk, family)
        assert (relapse.result, relapse.recorder_login) == ("relapse", "zhoujp")
        assert _dispute(desk, family).colour == "red"  # raised with its period
        revisits.review(desk, me, relapse.id, "重新组织调解，请心理咨询团队跟进")
        _until(run, clock, (7 * 24 + 8) * 60 + 20)  # 17:20: the day shift hands over
        duty.hand_over(desk, me, "钱女士家事纠纷反弹，已升红色，明日再组织调解")

    card = _play(tmp_path, "family-dispute", right)
    assert card.earned == card.points == 100, [x.reason for x in card.lines]


def _relapse(desk, case_id: int):
    from types import SimpleNamespace

    from sqlmodel import select

    from dutydesk.store.models import Officer, Revisit

    with desk.db.read() as session:
        revisit, login = session.exec(select(Revisit, Officer.login).join(
            Officer, Officer.id == Revisit.recorder_id).where(Revisit.case_id == case_id)).one()
        return SimpleNamespace(id=revisit.id, result=revisit.result, recorder_login=login)


def _dispute(desk, case_id: int):
    from dutydesk.store.models import Dispute

    with desk.db.read() as session:
        return session.get(Dispute, case_id)


def test_a_revisit_waits_for_the_dispute_to_be_resolved_and_says_so_if_never(tmp_path):
    """The relapse is found at a revisit, so it comes only once there is one: a dispute never
    mediated has none, and the card says the event never happened and why."""

    def taken_in_only(desk, run, me, clock):
        from dutydesk.domain.lifecycle import Action
        from dutydesk.services.cases import ActionInput, perform

        _until(run, clock, 15)
        perform(desk, me, _case(run, "family"), Action.ACCEPT, ActionInput(
            category_code="family_dispute", node_code="JSZL-01"))
        _until(run, clock, (7 * 24 + 3) * 60)
        assert run.waiting == [2] and 2 not in training.fed(desk)

    card = _play(tmp_path, "family-dispute", taken_in_only)
    review = next(line for line in card.lines if line.step == "review")
    assert review.earned == 0 and "纠纷调解成功后的回访" in review.reason
    assert "反弹" in review.reason  # the rule


def test_the_caigangwa_dispute_is_graded_blue_and_mediated(tmp_path):
    from dutydesk.services.disputes import DisputeDraft, PartyDraft

    def right(desk, run, me, clock):
        _until(run, clock, 20)
        _mediated(desk, run, me, clock, "shed", ("neighbour_dispute", "JX-01"),
                  DisputeDraft("neighbour", [PartyDraft("applicant", "冯大爷"),
                                             PartyDraft("respondent", "邻居")]),
                  3 * 60, "楼栋党员 曲师傅")

    card = _play(tmp_path, "caigangwa", right)
    assert card.earned == card.points == 60, [x.reason for x in card.lines]


def test_the_elevator_goes_out_as_joint_handling_with_a_whistle(tmp_path):
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services import disputes
    from dutydesk.services.cases import ActionInput, perform

    def right(desk, run, me, clock):
        _until(run, clock, 30)
        lift = _case(run, "lift")
        perform(desk, me, lift, Action.ACCEPT, ActionInput(category_code="complaint",
                                                           node_code="JSDL-01"))
        perform(desk, me, lift, Action.FILE, ActionInput())
        perform(desk, me, lift, Action.DISPATCH, ActionInput(
            lead_unit_code="ZJJ", co_unit_codes=["SCJGJ"], reason="电梯属特种设备，联合处置"))
        disputes.whistle(desk, me, lift, ["ZJJ"], "电梯困人，请住建局到场")

    card = _play(tmp_path, "elevator", right)
    assert card.earned == card.points == 60, [x.reason for x in card.lines]


def test_an_enclave_report_goes_to_the_community_that_manages_it(tmp_path):
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.cases import ActionInput, perform

    def by_address(desk, run, me, clock):  # the mistake: left where the caller said
        _until(run, clock, 10)
        perform(desk, me, _case(run, "pipe"), Action.ACCEPT,
                ActionInput(category_code="road_dirty", node_code="CJW"))

    def right(desk, run, me, clock):
        _until(run, clock, 10)
        perform(desk, me, _case(run, "pipe"), Action.ACCEPT,
                ActionInput(category_code="road_dirty", node_code="JX-09"))

    assert _play(tmp_path, "enclave", right).earned == 30
    (tmp_path / "wrong").mkdir()
    wrong = _play(tmp_path / "wrong", "enclave", by_address)
    assert wrong.earned == 0 and "飞地" in wrong.lines[0].reason


def test_a_class_lists_every_trainees_score_side_by_side(tmp_path, capsys, monkeypatch):
    from dutydesk.cli import main as dutydesk

    scenario = load_scenario(scenario_dir() / "enclave.toml")
    for login, node in (("chenjing", "JX-09"), ("zhoujp", "CJW"), ("wangli", None)):
        build_training(tmp_path / f"{login}.db", scenario)
        if node is None:
            continue  # still running: no card yet
        db = Database.open(tmp_path / f"{login}.db")
        try:
            clock = SimulatedClock(scenario.start)
            desk = Desk(db, clock)
            run = TrainingRun(scenario, desk)
            _until(run, clock, 10)
            from dutydesk.domain.lifecycle import Action
            from dutydesk.services.cases import ActionInput, perform

            perform(desk, desk.actor(scenario.trainee), _case(run, "pipe"), Action.ACCEPT,
                    ActionInput(category_code="road_dirty", node_code=node))
            clock.set(run.ends)
            training.record_score(desk, desk.actor(scenario.trainee),
                                  score(desk, scenario).to_dict())
        finally:
            db.dispose()
    (tmp_path / "notes.db").write_bytes(b"")  # not a training database: left out
    assert dutydesk(["train", "--class", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:]] == ["chenjing", "wangli", "zhoujp"]
    assert "30/30" in out[1] and "训练中" in out[2] and "0/30" in out[3]


def test_a_class_key_opens_training_only(tmp_path, monkeypatch, capsys):
    from dutydesk.cli import main as dutydesk

    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "report monthly")
    assert dutydesk(["serve", "--train", "enclave", "--officer", "chenjing",
                     "--class", str(tmp_path)]) == 1
    assert "训练" in capsys.readouterr().err
    monkeypatch.delenv("SSH_ORIGINAL_COMMAND")
    assert dutydesk(["serve", "--train", "enclave", "--officer", "../x",
                     "--class", str(tmp_path)]) == 1
    assert list(tmp_path.iterdir()) == []


def test_the_training_clock_runs_pauses_speeds_up_and_skips():
    from dutydesk.clock import TrainingClock

    real = [100.0]
    start = dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    clock = TrainingClock(start, 10, real=lambda: real[0])
    real[0] += 6  # six real seconds at ×10: a simulated minute
    assert clock.now() == start + dt.timedelta(minutes=1)
    clock.set_paused(True)
    real[0] += 600
    assert clock.now() == start + dt.timedelta(minutes=1) and clock.paused
    clock.set_paused(False)
    clock.set_speed(600)
    real[0] += 6  # an hour
    assert clock.now() == start + dt.timedelta(hours=1, minutes=1)
    clock.skip_to(start + dt.timedelta(hours=5))
    assert clock.now() == start + dt.timedelta(hours=5)
    clock.skip_to(start)  # never back
    assert clock.now() == start + dt.timedelta(hours=5)


def test_the_sweep_chases_on_the_runs_clock_not_the_wall(tmp_path):
    """A case left undone past its limit in simulated time gets its 催办 card from the sweep
    the run keeps, though only seconds have passed on the wall."""
    from dutydesk.services.sweep import sweep

    scenario = load_scenario(scenario_dir() / "chibi-command.toml")
    with _opened(tmp_path, scenario) as (desk, run, clock):
        chief = desk.actor("xuming")
        _until(run, clock, 2 * 60 + 3)
        case_id = _case(run, "canal")
        _dispatched(desk, chief, case_id, "HSL-01", "SLHH")
        # The 1-working-day limit long past (after the National Day holiday), at 10:30.
        clock.set(scenario.start + dt.timedelta(days=10, hours=4))
        assert sweep(desk).chased >= 1


def test_two_feeders_at_once_feed_each_event_once(night):
    """The session's tick and F10 may feed at the same moment: each event comes in once."""
    from concurrent.futures import ThreadPoolExecutor

    scenario, desk, clock = night
    run = TrainingRun(scenario, desk)
    clock.set(scenario.start + dt.timedelta(hours=2))
    with ThreadPoolExecutor(4) as pool:
        fed = [event.kind for batch in pool.map(lambda _: run.feed_due(), range(4))
               for event in batch]
    assert fed == ["transfer"] * 3
    assert sorted(training.fed(desk)) == [0, 1, 2]


def test_a_failed_verification_comes_in_and_the_desk_is_scored_on_what_follows(tmp_path):
    """A community's grid supervisor finds the work not done (核查不通过): the case goes back to
    the unit through the services, and the trainee's 督办 on it is scored."""
    from dutydesk.domain.lifecycle import Action, CaseState
    from dutydesk.services.cases import ActionInput, perform
    from tests.services.helpers import case_row

    scenario_file = tmp_path / "redo.toml"
    scenario_file.write_text((scenario_dir() / "chibi-command.toml").read_text("utf-8")
                             .replace('org = "chibi"', 'org = "seed"')
                             .replace('trainee = "xuming"', 'trainee = "zhaolei"')
                             .replace('node = "HSL-01"', 'node = "CJW-02"')
                             .replace('by = "liaohai"', 'by = "wangbo"')
                             .replace("赤壁市水利和湖泊局", "区水务局")
                             + '''
[[event]]
at = "+6h"
kind = "verify_fail"
case = "canal"
by = "huangxia"
reason = "北渠仍有垃圾"

  [[event.expect]]
  step = "urge"
  within = "1h"
  rule = "核查不通过后督办承办单位"
''', "utf-8")
    scenario = load_scenario(scenario_file)
    with _opened(tmp_path, scenario) as (desk, run, clock):
        chief = desk.actor("zhaolei")
        _until(run, clock, 2 * 60)
        case_id = _case(run, "canal")
        _dispatched(desk, chief, case_id, "CJW-02", "SWJ")
        _until(run, clock, 6 * 60 + 5)  # the unit replied; the grid supervisor said no
        assert case_row(desk, case_id).state == CaseState.IN_PROGRESS.value
        perform(desk, chief, case_id, Action.URGE, ActionInput(note="请尽快返工"))
        clock.set(run.ends)
        card = score(desk, scenario)
        urge = next(line for line in card.lines if line.step == "urge")
        assert urge.earned == urge.points and urge.what.startswith("核查不通过")


def test_a_units_step_waits_until_the_case_reaches_it(tmp_path):
    """Dispatched late (after the moment the story has the unit sign for it), the unit signs
    when the case reaches it rather than never; the verification expected after its reply is
    counted from when the reply came."""
    from dutydesk.domain.lifecycle import Action, CaseState
    from dutydesk.services.cases import ActionInput, perform
    from tests.services.helpers import case_row

    scenario = load_scenario(scenario_dir() / "chibi-command.toml")
    with _opened(tmp_path, scenario) as (desk, run, clock):
        chief = desk.actor(scenario.trainee)
        _until(run, clock, 10)  # the grid report comes in
        _until(run, clock, 6 * 60)  # both unit steps' moments have passed: they wait
        assert run.waiting == [1, 2]
        case_id = _case(run, "canal")
        assert case_row(desk, case_id).state == CaseState.NEW.value
        _dispatched(desk, chief, case_id, "HSL-01", "SLHH")
        _until(run, clock, 6 * 60 + 1)
        assert run.waiting == [] and case_row(desk, case_id).state == CaseState.REPLIED.value
        _until(run, clock, 8 * 60 + 30)  # 2.5 h after the reply came: within its 3 h
        perform(desk, chief, case_id, Action.VERIFY, ActionInput(note="现场核查完毕",
                                                          on_behalf_of="网格监督员 陈芳"))
        card = score(desk, scenario)
        verify = next(line for line in card.lines if line.step == "verify")
        assert verify.earned == verify.points, verify.reason
        dispatch = next(line for line in card.lines if line.step == "dispatch")
        assert 0 < dispatch.earned < dispatch.points  # late: half


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def training_target(request, tmp_path):
    """Where a training run is kept: a file, or a PostgreSQL database (rebuilt in place)."""
    return tmp_path / "t.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_a_run_is_taken_up_again_where_it_was_and_fresh_only_when_asked(tmp_path,
                                                                        training_target):
    """A dropped connection loses nothing: the same scenario at the same path goes on from
    the last moment in its log, nothing fed twice; `fresh` (or a changed scenario file)
    starts again."""
    from dutydesk.scenario.runner import prepare_training

    scenario = load_scenario(scenario_dir() / "night-110.toml")
    first = prepare_training(training_target, scenario)
    assert first.resume_at is None
    clock = SimulatedClock(scenario.start)
    db = Database.open(first.path)
    try:
        desk = Desk(db, clock)
        run = TrainingRun(scenario, desk)
        _until(run, clock, 5)
        police.sign(desk, desk.actor(scenario.trainee), _transfer(run, "noise"))
        signed_at = clock.now()
        clock.set(clock.now() + dt.timedelta(minutes=3))  # idle: not in the log
    finally:
        db.dispose()

    again = prepare_training(training_target, scenario)
    assert again.resume_at == signed_at
    db = Database.open(again.path)
    try:
        clock = SimulatedClock(again.resume_at)
        run = TrainingRun(scenario, Desk(db, clock))
        assert run.feed_due() == [] and run.next_index == 1  # the noise call is not sent twice
        _until(run, clock, 25)
        assert run.feed_due() == [] and sorted(training.fed(run.desk)) == [0, 1]
    finally:
        db.dispose()

    assert prepare_training(training_target, scenario, fresh=True).resume_at is None
    db = Database.open(training_target)
    try:
        assert training.fed(Desk(db, SimulatedClock(scenario.start))) == {}
    finally:
        db.dispose()

    changed = tmp_path / "night-110.toml"
    changed.write_text(scenario.path.read_text("utf-8").replace("speed = 10", "speed = 60"),
                       "utf-8")
    assert prepare_training(training_target, load_scenario(changed)).resume_at is None


def test_a_units_extension_request_comes_in_and_the_chiefs_answer_is_scored(tmp_path):
    """延期: the unit asks for two more days after signing for it; the duty chief's 批准 is
    what the scenario expects of the trainee."""
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.cases import ActionInput, perform
    from tests.services.helpers import case_row

    import shutil

    scenario_file = tmp_path / "later.toml"  # beside its own copy of 赤壁's org folder
    shutil.copytree(scenario_dir() / "chibi", tmp_path / "chibi")
    request = '''[[event]]
at = "+3h"
kind = "unit_step"
case = "canal"
step = "request_extension"
by = "liaohai"
new_due = "+2d"
reason = "清淤设备要从外地调来"

  [[event.expect]]
  step = "approve_extension"
  within = "1h"
  rule = "承办单位申请延期：值班长及时批复"

[[event]]
at = "+5h18m"'''
    scenario_file.write_text((scenario_dir() / "chibi-command.toml").read_text("utf-8")
                             .replace('[[event]]\nat = "+5h18m"', request), "utf-8")
    scenario = load_scenario(scenario_file)
    with _opened(tmp_path, scenario) as (desk, run, clock):
        chief = desk.actor(scenario.trainee)
        _until(run, clock, 10)
        case_id = _case(run, "canal")
        _dispatched(desk, chief, case_id, "HSL-01", "SLHH")
        _until(run, clock, 3 * 60)  # signed for at 2h40m, the request at 3h
        _until(run, clock, 3 * 60 + 20)
        asked = case_row(desk, case_id).extension_due_at
        assert asked == scenario.start + dt.timedelta(days=2, hours=3)
        perform(desk, chief, case_id, Action.APPROVE_EXTENSION, ActionInput())
        clock.set(run.ends)
        card = score(desk, scenario)
        approve = next(line for line in card.lines if line.step == "approve_extension")
        assert approve.earned == approve.points, approve.reason
