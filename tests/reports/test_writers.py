"""The report as it is sent up: the workbook read back with openpyxl, the CSV as Excel opens
it, the Markdown for a message — all from the same tables, and in English too."""

from __future__ import annotations

import csv

import openpyxl
import pytest

from dutydesk.domain.statistics import parse_period
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import set_language
from dutydesk.reports.writers import write_report
from dutydesk.services.statistics import report
from tests.services.test_statistics import _bulk_month


@pytest.fixture
def october(desk, db_path):
    _bulk_month(db_path, 7534, 7389, 6967)
    return report(desk, desk.actor("zhaolei"), parse_period("2026-10"))


def test_the_workbook_has_a_sheet_per_table_with_numbers_and_formats(october, tmp_path):
    path = write_report(october, tmp_path / "月报.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["概况", "每日受理与结案", "单位排名", "110非警务警情", "矛盾纠纷",
                               "回访"]
    headline = book["概况"]
    assert headline["A1"].value.startswith("黄土坡街道 工作统计 2026-10")
    assert [c.value for c in headline[4][:2]] == ["指标", "数值"]
    figures = {headline.cell(row, 1).value: headline.cell(row, 2)
               for row in range(5, 14)}
    assert figures["受理"].value == 7534 and figures["派单"].value == 7389
    assert figures["结案"].value == 6967 and figures["结案"].number_format == "#,##0"
    assert figures["处置率"].value == pytest.approx(6967 / 7389)
    assert figures["处置率"].number_format == "0.00%"
    assert len(headline._charts) == 1  # intake and closures per day
    ranking = book["单位排名"]
    assert [c.value for c in ranking[4]][:5] == ["名次", "单位", "派单", "结案", "处置率"]
    assert [c.value for c in ranking[5]][:4] == [1, "区水务局", 7389, 6967]
    assert ranking.cell(5, 13).value == "—"  # no previous month to compare with
    assert len(ranking._charts) == 1
    days = book["每日受理与结案"]
    assert days.cell(5, 1).value == "2026-10-01" and days.max_row == 4 + 31


def test_csv_opens_in_excel_and_markdown_reads_in_a_message(october, tmp_path):
    raw = write_report(october, tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert ["处置率", "94.29%"] in rows and ["受理", "7534"] in rows
    text = write_report(october, tmp_path / "r.md").read_text("utf-8")
    assert "| 处置率 | 94.29% |" in text and "## 单位排名" in text


def test_english_reports(october, tmp_path, desk):
    set_language("en")
    result = report(desk, desk.actor("zhaolei"), parse_period("2026-10"))
    text = write_report(result, tmp_path / "r.md").read_text("utf-8")
    assert "| Disposal rate | 94.29% |" in text


def test_a_bad_format_or_place_writes_nothing(october, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DutyDeskError, match="pdf"):
        write_report(october, out / "r.pdf")
    with pytest.raises(DutyDeskError, match="missing-folder"):
        write_report(october, out / "missing-folder" / "r.xlsx")
    assert list(out.rglob("*")) == []


def test_a_planted_part_link_is_never_followed(tmp_path):
    """Another local user's `<name>.part` → somewhere link made the writer overwrite the link's
    target; a link at the name itself is replaced, not written through."""
    from dutydesk.files import atomic_output

    victim = tmp_path / "victim.txt"
    victim.write_text("precious", "utf-8")
    out = tmp_path / "report.csv"
    (tmp_path / "report.csv.part").symlink_to(victim)
    with atomic_output(out) as partial:
        partial.write_text("the report", "utf-8")
    assert out.read_text("utf-8") == "the report"
    assert victim.read_text("utf-8") == "precious"
    linked = tmp_path / "linked.csv"
    linked.symlink_to(victim)
    with atomic_output(linked) as partial:
        partial.write_text("new", "utf-8")
    assert not linked.is_symlink() and victim.read_text("utf-8") == "precious"
