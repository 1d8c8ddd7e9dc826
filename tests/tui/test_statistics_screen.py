"""The statistics screen by keys: periods, sections, chart and table, place, export, scope,
keeping its place and counting again when the desk changed."""

from __future__ import annotations

from dutydesk.domain.statistics import parse_period
from dutydesk.services.cases import create_case
from dutydesk.services.statistics import report
from dutydesk.tui.screens.stats import StatsScreen
from tests.services.helpers import standard_draft
from tests.tui.pilot import burst, make_app, screen_text, settle, wait_for


async def _open(pilot) -> StatsScreen:
    await settle(pilot)
    await pilot.press("f7")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    assert await wait_for(pilot, lambda: screen.report is not None)
    return screen


async def test_periods_step_and_change_kind(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        expected = report(demo_desk, demo_desk.actor("zhaolei"), parse_period("2026-11"))
        text = screen_text(app)
        assert "月 2026-11（2026-11-01 至 2026-11-30） · 黄土坡街道" in text
        assert f"受理 {expected.headline.received}" in text
        assert f"派单 {expected.headline.dispatched}" in text
        for keys, label in ((["w"], "2026-W48"), (["left_square_bracket"], "2026-W47"),
                            (["right_square_bracket", "right_square_bracket"], "2026-W49"),
                            (["d"], "2026-11-30"), (["y"], "2026"), (["m"], "2026-11"),
                            (["left"], "2026-10")):  # the arrows step a chart's period too
            await burst(pilot, keys)
            assert await wait_for(pilot, lambda: screen.report.period.label == label)
            assert label in screen_text(app)


async def test_sections_charts_and_tables(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        assert "每日受理与结案" in screen_text(app) and "o 受理" in screen_text(app)
        await burst(pilot, ["v"])  # the table behind the chart
        assert "2026-11-23" in screen_text(app) and screen.focused.id == "table"
        await burst(pilot, ["2"])
        assert "名次" in screen_text(app) and "区水务局" in screen_text(app)
        await burst(pilot, ["v"])
        assert "各单位处置率" in screen_text(app) and "█" in screen_text(app)
        await burst(pilot, ["3"])
        assert "接收" in screen_text(app) and "110总警情" in screen_text(app)
        bells = []
        app.bell = lambda: bells.append(1)
        await burst(pilot, ["v"])  # 110's figures have no chart: said, not ignored
        assert bells == [1]
        await burst(pilot, ["4"])
        assert "风险等级" in screen_text(app) and "调解成功率" in screen_text(app)
        await burst(pilot, ["5"])
        assert "满意率" in screen_text(app)


async def test_a_typed_period_is_checked_in_the_form(demo_desk):
    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await burst(pilot, ["p", *"2026-11-30..2026-11-01", "ctrl+s"])
        assert "起始日期晚于结束日期" in screen_text(app)
        assert screen.period.label == "2026-11"  # nothing changed
        await burst(pilot, ["ctrl+u", *"2026-11-16..2026-11-22", "ctrl+s"])
        assert await wait_for(pilot, lambda: screen.report.period.label ==
                              "2026-11-16..2026-11-22")
        assert "自定义 2026-11-16..2026-11-22" in screen_text(app)


async def test_choosing_a_place_and_exporting(demo_desk, tmp_path):
    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await burst(pilot, ["n"])
        app.screen.query_one("#place").value = "CJW"
        await burst(pilot, ["ctrl+s"])
        assert await wait_for(pilot, lambda: screen.report.place.code == "CJW")
        expected = report(demo_desk, demo_desk.actor("zhaolei"), parse_period("2026-11"), "CJW")
        assert f"受理 {expected.headline.received}" in screen_text(app)
        assert "曹家湾社区" in screen_text(app)
        target = tmp_path / "cjw.md"
        await burst(pilot, ["x"])
        app.screen.query_one("#format").value = "md"
        path = app.screen.query_one("#path")
        path.value = str(target)
        await burst(pilot, ["ctrl+s"])
        assert await wait_for(pilot, target.exists)
        assert target.read_text("utf-8").startswith("# 曹家湾社区 工作统计 2026-11")
        assert any("已导出" in n.message for n in app._notifications)


async def test_a_community_sees_its_own_place_and_a_unit_has_no_statistics(demo_desk):
    app = make_app(demo_desk, "huangxia")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        assert screen.report.place.code == "CJW" and "曹家湾社区" in screen_text(app)
        assert [p.code for p in screen.places] == ["CJW"]
    app = make_app(demo_desk, "wangbo")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert not isinstance(app.screen, StatsScreen) and "stats" not in app.boards


async def test_it_keeps_its_place_and_counts_again_after_changes(demo_desk):
    app = make_app(demo_desk, feed_interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        await burst(pilot, ["w", "2", "v"])
        assert await wait_for(pilot, lambda: screen.report.period.label == "2026-W48")
        before = screen.report.headline.received
        await pilot.press("f2")
        await settle(pilot)
        create_case(demo_desk, demo_desk.actor("liuyang"), standard_draft())
        assert await wait_for(pilot, lambda: screen._stale)
        await pilot.press("f7")
        assert await wait_for(pilot, lambda: screen.report.headline.received == before + 1)
        assert screen.section == "ranking" and not screen.as_chart
        assert screen.report.period.label == "2026-W48"


async def test_in_english(demo_desk):
    app = make_app(demo_desk, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        text = screen_text(app)
        assert "Month 2026-11" in text and "Disposal rate" in text and "o Received" in text


async def test_an_export_goes_to_the_exports_folder_and_asks_before_replacing(demo_desk,
                                                                             tmp_path):
    """A bare name lands in the exports folder, said in full; the same name again asks, n
    keeps the file that is there and y replaces it."""
    from dutydesk.tui.screens.forms import ConfirmScreen

    folder = tmp_path / "exports"
    app = make_app(demo_desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot)
        await burst(pilot, ["x"])
        app.screen.query_one("#path").value = "月报.csv"
        await burst(pilot, ["ctrl+s"])
        written = folder / "月报.csv"
        assert await wait_for(pilot, written.exists)
        assert any(str(written) in n.message for n in app._notifications)
        written.write_text("kept", "utf-8")
        await burst(pilot, ["x"])
        app.screen.query_one("#path").value = "月报.csv"
        await burst(pilot, ["ctrl+s"])
        assert isinstance(app.screen, ConfirmScreen)
        await burst(pilot, ["n"])
        assert written.read_text("utf-8") == "kept"
        await burst(pilot, ["ctrl+s", "y"])
        assert await wait_for(pilot, lambda: written.read_bytes() != b"kept")
        assert written.read_text("utf-8-sig").startswith("黄土坡街道")  # CSV, by its suffix


async def test_over_ssh_the_export_form_gives_the_command_that_fetches_it(demo_desk, tmp_path,
                                                                          monkeypatch):
    """An office cannot reach the account's files: `x` shows the ssh command for this report
    (and its format), and writes nothing."""
    from dutydesk.tui.screens.stats_forms import ExportReportScreen

    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.7 50000 10.0.0.1 22")
    app = make_app(demo_desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot)
        await burst(pilot, ["x"])
        assert isinstance(app.screen, ExportReportScreen)
        app.screen.query_one("#format").value = "csv"
        await settle(pilot)
        command = str(app.screen.query_one("#ssh-command").render())
        assert command.startswith("ssh -T ") and "report monthly --period 2026-11" in command
        assert "--format csv" in command and command.endswith(".csv")
        await burst(pilot, ["ctrl+s"])
        assert not isinstance(app.screen, ExportReportScreen)
    assert not list((tmp_path / "exports").glob("*"))
