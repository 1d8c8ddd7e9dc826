"""A training scenario played through the screens by real keys, twice: the right way earns every
point; the mistakes the scenario is built to catch lose theirs, with the rule shown. The run's
clock is frozen between keys (F10 moves it on to the next event), so the test plays a night
shift in seconds and never waits for the wall clock."""

from __future__ import annotations

import datetime as dt

import pytest

from dutydesk.scenario.runner import Prepared, build_training
from dutydesk.scenario.training import load_scenario, scenario_dir
from dutydesk.services import training
from dutydesk.tui.training import ScoreScreen, training_app
from tests.tui.pilot import burst, screen_text, settle, wait_for


def _training_app(tmp_path, name: str):
    scenario = load_scenario(scenario_dir() / f"{name}.toml")
    prepared = Prepared(build_training(tmp_path / "train.db", scenario), resume_at=None)
    app = training_app(prepared, scenario, real=lambda: 0.0, feed_interval=0)
    return app, app.desk


@pytest.fixture
def play(tmp_path):
    """`play(name)`: the scenario's training app on a fresh training database (closed after)."""
    opened = []

    def make(name: str):
        app, desk = _training_app(tmp_path, name)
        opened.append(desk)
        return app, desk

    yield make
    for desk in opened:
        desk.db.dispose()




async def _next_event(pilot, app, arrived: str) -> None:
    await burst(pilot, ["f10"])
    assert await wait_for(pilot, lambda: arrived in screen_text(app)), arrived


async def test_the_right_handling_by_keys_earns_every_point(play):
    app, desk = play("night-110")
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
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen)), screen_text(app)
        assert "80/80" in screen_text(app)
    card = training.saved_score(desk)
    assert (card["earned"], card["points"]) == (80, 80)


async def test_the_mistakes_lose_their_points_and_say_why(play):
    app, desk = play("night-110")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, ["f3"])
        await _next_event(pilot, app, "J5202261124101")
        await _next_event(pilot, app, "J5202261124102")  # the noise call left waiting
        await burst(pilot, ["down", "k", "ctrl+s"])  # signed for 20 minutes late
        for _ in range(3):  # the knife call never sent back; no handover sheet
            await burst(pilot, ["f10"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen)), screen_text(app)
        card = screen_text(app)
        assert "5/80" in card and "…" not in card  # at 80 columns every reason is whole
        assert "超时 10 分钟" in card and "立即退回110并说明" in card
    lines = {(line["event"], line["step"]): line for line in training.saved_score(desk)["lines"]}
    assert lines[1, "sign"]["earned"] == 5 and "超时 10 分钟" in lines[1, "sign"]["reason"]
    assert lines[2, "send_back"]["earned"] == 0 and "持刀" in lines[2, "send_back"]["reason"]
    assert lines[4, "hand_over"]["earned"] == 0


async def _chibi_morning(pilot, app, unit_choice: list[str], verify: bool,
                         reason: str = "") -> None:
    """The duty chief's morning in 赤壁: the grid report comes in; 受理, 立案, 派单 (to the
    unit chosen by `unit_choice` in the picker); the unit's steps; then 核查 and 结案."""
    await _next_event(pilot, app, "北渠附近出现少量垃圾")
    await burst(pilot, ["a", "ctrl+s"])
    await burst(pilot, ["f", "ctrl+s"])
    because = ["tab", "tab", *reason] if reason else []  # another unit: the form asks why
    await burst(pilot, ["p", "enter", *unit_choice, "enter", *because, "ctrl+s"])
    await burst(pilot, ["f10"])  # the unit signs for it …
    await burst(pilot, ["f10", "3"])  # … and replies before noon
    if verify:
        assert await wait_for(pilot, lambda: "已回告" in screen_text(app))
        await burst(pilot, ["v", *"现场核查完毕", "tab", "enter", "down", "enter", "ctrl+s"])
        await burst(pilot, ["c", "ctrl+s"])
    await burst(pilot, ["f10"])
    assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen)), screen_text(app)


async def test_chibi_played_right_by_keys(play):
    app, desk = play("chibi-command")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _chibi_morning(pilot, app, ["down"], verify=True)  # ★ 水利和湖泊局, suggested
        assert "60/60" in screen_text(app)


async def test_chibi_dispatched_to_the_wrong_department(play):
    app, desk = play("chibi-command")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _chibi_morning(pilot, app, ["down", "down"], verify=False,  # 城管执法局
                             reason="城管顺路处理")
    lines = {(line["event"], line["step"]): line for line in training.saved_score(desk)["lines"]}
    dispatch = lines[1, "dispatch"]
    assert dispatch["earned"] == 0 and "赤壁市城管执法局" in dispatch["reason"]
    assert "水利和湖泊局" in dispatch["reason"]  # the rule it broke
    assert lines[3, "verify"]["earned"] == lines[3, "close"]["earned"] == 0



@pytest.mark.parametrize("to_enclave", [True, False], ids=["right", "by-address"])
async def test_an_enclave_report_by_keys(play, to_enclave):
    """The caller names 曹家湾; the right handling moves the case to the enclave grid that 建兴
    manages (typed into the place picker by its pinyin initials), the mistake leaves it."""
    app, desk = play("enclave")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _next_event(pilot, app, "下水道堵塞")
        place = ["tab", "enter", *"jxfd", "enter"] if to_enclave else []
        await burst(pilot, ["a", *place, "ctrl+s"])
        await burst(pilot, ["f10"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen)), \
            screen_text(app)
    line = training.saved_score(desk)["lines"][0]
    assert line["earned"] == (30 if to_enclave else 0)
    assert to_enclave or "飞地" in line["reason"]



@pytest.mark.parametrize("joint", [True, False], ids=["joint-and-whistle", "one-unit-only"])
async def test_the_elevator_by_keys(play, joint):
    """seeds/004: 住建局 leads with 市场监管局 as co-unit, and the whistle calls 住建局 in —
    every key of it sent in bursts, through the pickers and checklists; the mistake sends it
    to one unit and blows no whistle."""
    app, desk = play("elevator")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _next_event(pilot, app, "电梯")
        await burst(pilot, ["a", "ctrl+s"])
        await burst(pilot, ["f", "ctrl+s"])
        co_unit = ["tab", "down", "space"] if joint else ["tab"]  # ★ 市场监管局 is second
        await burst(pilot, ["p", "enter", "down", "down", "down", "down", "enter", *co_unit, "tab",
                            *"电梯属特种设备", "ctrl+s"])  # the fourth: 区住建局
        if joint:
            await burst(pilot, ["3", "w"])
            await burst(pilot, ["down", "space", "tab", *"电梯困人请到场", "ctrl+s"])
        await burst(pilot, ["f10"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen)), \
            screen_text(app)
    lines = {line["step"]: line for line in training.saved_score(desk)["lines"]}
    if joint:
        assert all(line["earned"] == line["points"] for line in lines.values()), \
            lines["dispatch"]["reason"]
    else:
        assert lines["dispatch"]["earned"] == 0 and "联合处置" in lines["dispatch"]["reason"]
        assert lines["whistle"]["earned"] == 0 and "吹哨" in lines["whistle"]["reason"]
        assert lines["accept"]["earned"] == lines["accept"]["points"]



@pytest.mark.parametrize("mediated", [True, False], ids=["mediated", "left-ungraded"])
async def test_the_caigangwa_dispute_by_keys(play, mediated):
    """seeds/003 on the three-colour board: 建档 (the checklist suggests blue), 记录调解 with the
    building's party member, 调解结果 — or the report only taken in and left on the board."""
    app, desk = play("caigangwa")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _next_event(pilot, app, "彩钢瓦")
        await burst(pilot, ["a", "ctrl+s"])
        if mediated:
            await burst(pilot, ["f4", "left"])  # the 待建档 lane
            await burst(pilot, ["d", "tab", "tab", *"冯大爷", "tab", "tab", "tab", "tab",
                                *"曲先生", "ctrl+s"])
            assert await wait_for(pilot, lambda: "[蓝]" in screen_text(app))
            await burst(pilot, ["m", "tab", *"楼栋党员曲师傅", "tab", "enter", "down", "enter",
                                "tab", "enter", "down", "enter", "ctrl+s"])
            await burst(pilot, ["o", "enter", "down", "enter", "tab", *"2026-11-24",
                                "ctrl+s"])
        await burst(pilot, ["f10"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen)), \
            screen_text(app)
        assert ("60/60" if mediated else "10/60") in screen_text(app)
    lines = {line["step"]: line for line in training.saved_score(desk)["lines"]}
    assert mediated or ("小事不出网格" in lines["record"]["reason"]
                        and "未处理" in lines["mediate"]["reason"])



@pytest.mark.parametrize("right", [True, False], ids=["right", "blue-and-registered-twice"])
async def test_the_family_dispute_by_keys(play, right):
    """seeds/000: the family dispute recorded with its risk factor (反复发作: the checklist says
    yellow), mediated, its outcome recorded, and the next morning's second call merged — or
    recorded without the factor (blue) and the second call left as a case of its own."""
    app, desk = play("family-dispute")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _next_event(pilot, app, "夫妻")
        await burst(pilot, ["a", "ctrl+s"])
        await burst(pilot, ["f4", "left"])
        factor = [*["tab"] * 13, *["down"] * 4, "space"] if right else []  # 反复发作
        await burst(pilot, ["d", "tab", "tab", *"钱女士", "tab", "tab", "tab", "tab", *"孙先生",
                            *factor, "ctrl+s"])
        colour = "[黄]" if right else "[蓝]"
        assert await wait_for(pilot, lambda: colour in screen_text(app)), screen_text(app)
        await burst(pilot, ["m", "tab", *"心理咨询团队", "tab", "enter", "down", "enter",
                            "tab", "enter", "down", "enter", "ctrl+s"])
        await burst(pilot, ["o", "enter", "down", "enter", "tab", *"2026-11-23", "ctrl+s"])
        await burst(pilot, ["f2"])
        await _next_event(pilot, app, "昨天调解后")
        if right:
            await burst(pilot, ["up", "m", "enter", "down", "enter", "ctrl+s"])  # the new call
        await _next_event(pilot, app, "11-30 11:00")  # a week on, the community finds a relapse
        if right:  # the chief's list on the revisit board: 研判
            await burst(pilot, ["f5", "c"])
            assert await wait_for(pilot, lambda: "有反弹" in screen_text(app)), screen_text(app)
            await burst(pilot, ["v", *"重新组织调解", "ctrl+s"])
            assert await wait_for(pilot, lambda: "有反弹" not in screen_text(app))
            await burst(pilot, ["f10", "f6"])  # the day shift's end: the sheet lists it red
            await burst(pilot, ["g", *"钱女士家事纠纷反弹，已升红色", "ctrl+s"])
        else:
            await burst(pilot, ["f10"])
        await burst(pilot, ["f10"])
        assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen)), \
            screen_text(app)
    card = training.saved_score(desk)
    if right:
        assert card["earned"] == card["points"] == 100, [line["reason"] for line in card["lines"]]
    else:
        lines = {line["step"]: line for line in card["lines"]}
        assert lines["record"]["earned"] == 0 and "黄色" in lines["record"]["reason"]
        assert "建档（蓝）" in lines["record"]["reason"]  # what was done
        assert lines["merge"]["earned"] == 0 and "合并" in lines["merge"]["reason"]
        assert lines["review"]["earned"] == 0 and "反弹" in lines["review"]["reason"]
        assert card["earned"] == 40


async def test_a_run_goes_on_after_a_dropped_session_and_a_finished_one_shows_its_card(tmp_path):
    """The trainee's connection drops after signing for the first call: opened again, the
    run goes on from that moment (the call is not sent twice); once scored, opening it shows
    the card as it was scored."""
    from dutydesk.scenario.runner import prepare_training
    scenario = load_scenario(scenario_dir() / "night-110.toml")

    def session():
        app = training_app(prepare_training(tmp_path / "t.db", scenario), scenario,
                           real=lambda: 0.0, feed_interval=0)
        return app, app.desk

    app, desk = session()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await burst(pilot, ["f3"])
            await _next_event(pilot, app, "J5202261124101")
            await burst(pilot, ["k", "ctrl+s"])
            assert await wait_for(pilot, lambda: "待分流 1" in screen_text(app))
    finally:
        desk.db.dispose()

    app, desk = session()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert any(n.message == "接着上次的训练，从 11-24 21:05 继续" for n in app._notifications)
            await burst(pilot, ["f3", "2"])  # signed for before the drop: waiting to be routed
            assert await wait_for(pilot, lambda: "J5202261124101" in screen_text(app))
            await burst(pilot, ["1"])
            await _next_event(pilot, app, "J5202261124102")
            for _ in range(3):
                await burst(pilot, ["f10"])
            assert await wait_for(pilot, lambda: isinstance(app.screen, ScoreScreen))
        earned = training.saved_score(desk)["earned"]
        assert training.fed(desk)[0][0] == scenario.start + dt.timedelta(minutes=5)
    finally:
        desk.db.dispose()

    app, desk = session()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ScoreScreen)
            assert f"{earned}/80" in screen_text(app)
            assert not app.check_action("training_next", ())  # the run stays as scored
    finally:
        desk.db.dispose()
