"""A report written out: an XLSX workbook ready to print and send up (a sheet per table, numbers
as numbers, rates as percentage formats, the headline with a chart), CSV in UTF-8 with BOM so
that Excel opens it, or Markdown for a message. The format comes from the name or is given."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from dutydesk.errors import DutyDeskError
from dutydesk.files import WORKBOOK_OPTIONS, atomic_output, inert
from dutydesk.i18n import t
from dutydesk.reports.tables import Kind, Table, cell_text, made_line, report_tables, title_of
from dutydesk.services.statistics import Report

FORMATS = ("xlsx", "csv", "md")


def format_of(path: Path, given: str | None = None) -> str:
    kind = (given or path.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise DutyDeskError("stats.error.format", suffix=given or path.suffix or "—")
    return kind


def write_report(report: Report, path: Path, kind: str | None = None) -> Path:
    return write_tables(title_of(report), made_line(report), report_tables(report), path, kind,
                        charts=_charts)


def write_tables(title: str, made: str, tables: list[Table], path: Path,
                 kind: str | None = None, charts: Callable | None = None) -> Path:
    """Tables under a title and an as-of line, as XLSX, CSV or Markdown (a statistics report,
    a training score card)."""
    kind = format_of(path, kind)
    try:
        with atomic_output(path) as partial:
            if kind == "xlsx":
                _xlsx(title, made, tables, partial, charts)
            else:
                {"csv": _csv, "md": _markdown}[kind](title, made, tables, partial)
    except OSError as exc:
        raise DutyDeskError("stats.error.write", path=str(path),
                            detail=exc.strerror or str(exc)) from None
    return path


def _csv(title: str, made: str, tables: list[Table], path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)

        def row(cells) -> None:
            writer.writerow([inert(c) for c in cells])  # a unit's name is nobody's formula

        row([title])
        row([made])
        for table in tables:
            row([])
            row([table.title])
            row([c.title for c in table.columns])
            for index, values in enumerate(table.rows):
                row([_plain(v, k) for v, k in zip(values, table.kinds(index))])
            for note in table.notes:
                row([note])


def _plain(value, kind: Kind):
    """A CSV cell: counts stay numbers, rates read as percentages, nothing reads as —."""
    if value is None or kind in (Kind.RATE, Kind.POINTS):
        return cell_text(value, kind)
    return value


def _markdown(title: str, made: str, tables: list[Table], path: Path) -> None:
    lines = [f"# {_md_cell(title)}", "", _md_cell(made)]
    for table in tables:
        lines += ["", f"## {table.title}", ""]
        if table.rows:
            lines.append("| " + " | ".join(c.title for c in table.columns) + " |")
            lines.append("|" + "|".join("---:" if c.kind is not Kind.TEXT else "---"
                                        for c in table.columns) + "|")
            for index, row in enumerate(table.rows):
                cells = (_md_cell(cell_text(v, k)) for v, k in zip(row, table.kinds(index)))
                lines.append("| " + " | ".join(cells) + " |")
        for note in table.notes:
            lines += ["", f"> {_md_cell(note)}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _xlsx(title: str, made: str, tables: list[Table], path: Path,
          charts: Callable | None) -> None:
    import xlsxwriter
    import xlsxwriter.exceptions

    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    formats = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "header": book.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1,
                                   "text_wrap": True, "align": "center"}),
        Kind.TEXT: book.add_format({"border": 1}),
        Kind.COUNT: book.add_format({"border": 1, "num_format": "#,##0"}),
        Kind.RATE: book.add_format({"border": 1, "num_format": "0.00%"}),
        Kind.POINTS: book.add_format({"border": 1, "num_format": "+0.00%;-0.00%;0.00%"}),
        "none": book.add_format({"border": 1, "align": "right"}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
    }
    placed: dict[str, tuple[str, int, int]] = {}  # table key -> sheet name, first row, rows
    for table in tables:
        sheet = book.add_worksheet(table.title[:31])
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        sheet.write_string(0, 0, title, formats["title"])
        sheet.write_string(1, 0, f"{table.title} · {made}")
        sheet.write_row(3, 0, [c.title for c in table.columns], formats["header"])
        for index, row in enumerate(table.rows):
            for column, (value, kind) in enumerate(zip(row, table.kinds(index))):
                if value is None:
                    sheet.write_string(4 + index, column, "—", formats["none"])
                elif kind is Kind.TEXT:
                    sheet.write_string(4 + index, column, str(value), formats[kind])
                else:
                    sheet.write_number(4 + index, column, value, formats[kind])
        for offset, note in enumerate(table.notes):
            sheet.write(5 + len(table.rows) + offset, 0, note, formats["note"])
        for column, spec in enumerate(table.columns):
            sheet.set_column(column, column, 24 if spec.kind is Kind.TEXT else 12)
        sheet.repeat_rows(3)
        placed[table.key] = (sheet.get_name(), 4, len(table.rows))
    if charts is not None:
        charts(book, placed)
    try:
        book.close()
    except xlsxwriter.exceptions.FileCreateError as exc:  # it wraps the OSError
        cause = exc.args[0] if exc.args else None
        raise cause if isinstance(cause, OSError) else OSError(str(exc)) from None


def _charts(book, placed: dict[str, tuple[str, int, int]]) -> None:
    """Intake and closures per day beside the headline; disposal rate per unit beside the
    ranking: native Excel charts over the sheets' own cells, so they print with them."""
    name, first, count = placed["days"]
    if count:
        chart = book.add_chart({"type": "column"})
        for column, key in ((1, "stats.figure.received"), (3, "stats.figure.closed")):
            chart.add_series({"name": t(key), "categories": [name, first, 0, first + count - 1, 0],
                              "values": [name, first, column, first + count - 1, column]})
        chart.set_title({"name": t("stats.chart.per_day")})
        chart.set_size({"width": 640, "height": 300})
        headline = book.get_worksheet_by_name(placed["headline"][0])
        headline.insert_chart("D4", chart)
    name, first, count = placed["ranking"]
    if count:
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"name": t("stats.figure.disposal_rate"),
                          "categories": [name, first, 1, first + count - 1, 1],
                          "values": [name, first, 4, first + count - 1, 4]})
        chart.set_title({"name": t("stats.chart.per_unit")})
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_y_axis({"reverse": True})
        chart.set_size({"width": 640, "height": max(240, 28 * count)})
        book.get_worksheet_by_name(name).insert_chart(f"A{first + count + 4}", chart)
