"""统计: a period's figures for a place of the org tree — the headline, intake and closures per
day, the unit ranking, 110, disputes and revisits — each with its chart or table one key away.

The report is counted in a worker (a year at a million cases takes a moment) with a progress
bar; the screen keeps its period, place, section and view when the officer comes back, and
counts again when the desk changed meanwhile.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, DataTable, ProgressBar, Static
from textual_plotext import PlotextPlot

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.statistics import SECTIONS, Period, PeriodKind, containing, percent
from dutydesk.errors import DutyDeskError
from dutydesk.i18n import local_time, t
from dutydesk.reports.tables import Kind, Table, cell_text, report_tables
from dutydesk.services import statistics
from dutydesk.services.statistics import Place, Report
from dutydesk.tui import keys
from dutydesk.tui.format import plain
from dutydesk.tui.messages import FeedChanged, ReportCounted, ReportProgress, ReportRefused
from dutydesk.tui.screens.board import BoardScreen
from dutydesk.tui.widgets import DeskFooter, TitleBar

TABLE_OF = {"overview": "days", "ranking": "ranking", "police": "police",
            "disputes": "disputes", "revisits": "revisits"}
CHARTS = {"overview": "day-chart", "ranking": "unit-chart"}  # sections drawn as a chart
RECEIVED_MARK, CLOSED_MARK = "o", "x"
REFRESH_SECONDS = 5.0  # counting again while shown: at most this often


class StatsScreen(BoardScreen):
    BINDINGS = keys.bindings(keys.STATS_KEYS)
    CSS_PATH = "stats.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.period: Period | None = None
        self.place: Place | None = None
        self.section = "overview"
        self.as_chart = True
        self.report: Report | None = None
        self._tables: dict[str, Table] = {}
        self.places: list[Place] = []  # those in the officer's reach, read with the first count
        self._stale = False
        self._refresh_timer = None

    def compose(self) -> ComposeResult:
        yield TitleBar(t("stats.title"))
        with Horizontal(id="period-bar"):
            yield Static(id="period-line")
            yield ProgressBar(id="progress", show_eta=False)
        yield Static(id="headline")
        yield Static(id="sections")
        with ContentSwitcher(id="views", initial="day-chart"):
            with Vertical(id="day-chart"):
                yield Static(id="day-legend")
                yield PlotextPlot(id="day-plot")
            with VerticalScroll(id="unit-chart"):
                yield Static(id="unit-bars")
            with Vertical(id="table-view"):
                yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
                yield Static(id="notes")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.period = containing(PeriodKind.MONTH, self._today())
        self.count()

    def _today(self) -> dt.date:
        return local_date(self.desk.clock.now())

    # -- counting -----------------------------------------------------------------------------

    def count(self) -> None:
        self._stale = False
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=statistics.STEPS, progress=0)
        bar.display = True
        self._draw_period()
        self._count(self.period, self.place.code if self.place else None)

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def _count(self, period: Period, place_code: str | None) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(ReportProgress(done, total))

        try:
            if not self.places:
                self.places = statistics.places(self.desk, self.actor)
            result = statistics.report(self.desk, self.actor, period, place_code, progress)
        except DutyDeskError as exc:
            self.post_message(ReportRefused(exc.message()))
            return
        self.post_message(ReportCounted(result))

    @on(ReportProgress)
    def _progress(self, message: ReportProgress) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total,
                                                        progress=message.done)

    @on(ReportRefused)
    def _refused(self, message: ReportRefused) -> None:
        self.query_one("#progress", ProgressBar).display = False
        self.notify(message.text, severity="error", markup=False)
        self._draw_period()

    @on(ReportCounted)
    def _counted(self, message: ReportCounted) -> None:
        result: Report = message.report
        if result.period != self.period or (self.place is not None
                                            and result.place.code != self.place.code):
            return  # the officer has moved on; the newer count is on its way
        self.report, self.place = result, result.place
        self._tables = {table.key: table for table in report_tables(result)}
        self.query_one("#progress", ProgressBar).display = False
        self._draw_period()
        self._draw_headline()
        self._draw_section()

    # -- drawing ------------------------------------------------------------------------------

    def _draw_period(self) -> None:
        period = self.period
        place = self.place.name if self.place else "…"
        line = t("stats.period_line", kind=t(f"stats.kind.{period.kind.value}"),
                 period=period.label, first=period.first.isoformat(),
                 last=period.last.isoformat(), place=place)
        report = self.report
        if report is not None and report.period == period \
                and report.made_at < period.utc_bounds()[1]:  # still running: as of when
            line += " · " + t("stats.as_of", at=local_time(report.made_at))
        self.query_one("#period-line", Static).update(plain(line))

    def _draw_headline(self) -> None:
        """The headline table's figures on two lines: the same words and values as sent up."""
        table = self._tables["headline"]
        text = Text()
        for index, (name, value) in enumerate(table.rows):
            text.append(("  " if index else "") + name + " ")
            text.append(cell_text(value, table.kinds(index)[1]), style="bold")
        self.query_one("#headline", Static).update(text)

    def _draw_section(self) -> None:
        line = Text()
        for number, name in enumerate(SECTIONS, start=1):
            label = f" {number} {t('stats.section.' + name)} "
            line.append(label, style="reverse bold" if name == self.section else "")
        if self.section in CHARTS:
            line.append("  " + t("stats.chart_table"), style="dim")
        self.query_one("#sections", Static).update(line)
        if self.report is None:
            return
        view = CHARTS[self.section] if self.as_chart and self.section in CHARTS \
            else "table-view"
        self.query_one("#views", ContentSwitcher).current = view
        # A table takes the arrows (to scroll); on a chart they step the period. (Focused once
        # the switch is drawn: a hidden widget takes no focus.)
        self.call_after_refresh(
            self.set_focus, self.query_one("#table", DataTable) if view == "table-view" else None)
        if view == "day-chart":
            self._draw_day_chart()
        elif view == "unit-chart":
            self.query_one("#unit-bars", Static).update(self._unit_bars())
        else:
            self._fill_table(self._tables[TABLE_OF[self.section]])

    def _draw_day_chart(self) -> None:
        # Plotext measures text in characters, not cells: the Chinese title and legend are
        # drawn above it, and the plot itself holds only digits.
        legend = Text(t("stats.chart.per_day") + "   ", style="bold")
        legend.append(f"{RECEIVED_MARK} {t('stats.figure.received')}", style="blue")
        legend.append("  ")
        legend.append(f"{CLOSED_MARK} {t('stats.figure.closed')}", style="red")
        self.query_one("#day-legend", Static).update(legend)
        plot = self.query_one("#day-plot", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        days = self.report.days
        # Counts: whole numbers from 0; the days still to come are not drawn as zeros.
        today = self._today()
        past = [d for d in days if d.day <= today]
        x = list(range(len(past)))
        # Two marks that read apart without colour too (16 colours, NO_COLOR).
        plt.plot(x, [d.received for d in past], marker=RECEIVED_MARK, color="blue")
        plt.plot(x, [d.closed for d in past], marker=CLOSED_MARK, color="red")
        top = max([d.received for d in past] + [d.closed for d in past] + [1])
        rise = max(1, -(-top // 5))  # at most six whole-number ticks
        plt.ylim(0, top)
        plt.yticks(list(range(0, top + 1, rise)))
        plt.xlim(0, max(1, len(days) - 1))
        step = max(1, len(days) // 7)
        every = list(range(len(days)))
        plt.xticks(every[::step], [f"{d.day:%m-%d}" for d in days[::step]])
        plot.refresh()

    def _unit_bars(self) -> Text:
        units = self.report.units
        if not units:
            return plain(t("stats.no_units"))
        width = max(10, self.size.width - 42)  # rank, name, rate and 催办/通报 beside it
        text = Text()
        text.append(t("stats.chart.per_unit") + "\n", style="bold")
        for unit in units:
            rate = unit.disposal_rate
            filled = round((rate or 0) * width)
            rank = f"{unit.rank:>2}" if unit.rank else " —"
            text.append(f"{rank} ")
            text.append(_fit(unit.name, 14))
            text.append(" ")
            text.append("█" * filled, style="green" if (rate or 0) >= 0.9 else "yellow")
            text.append("░" * (width - filled), style="dim")
            text.append(f" {percent(rate):>7}")
            flags = []
            if unit.chased:
                flags.append(f"{t('stats.column.chased')}{unit.chased}")
            if unit.circulated:
                flags.append(f"{t('stats.column.circulated')}{unit.circulated}")
            text.append((" " + " ".join(flags)) if flags else "", style="bold red")
            text.append("\n")
        return text

    def _fill_table(self, table: Table) -> None:
        widget = self.query_one("#table", DataTable)
        widget.clear(columns=True)
        # The leading text columns (a unit's rank and name) stay put while ← → scroll the rest.
        widget.fixed_columns = next((i for i, c in enumerate(table.columns)
                                     if i and c.kind is not Kind.TEXT), 0) \
            if len(table.columns) > 2 else 0
        for column in table.columns:
            widget.add_column(column.title)
        for index, row in enumerate(table.rows):
            cells = []
            for value, kind in zip(row, table.kinds(index)):
                shown = cell_text(value, kind)
                cells.append(Text(shown, justify="left" if kind is Kind.TEXT else "right"))
            widget.add_row(*cells)
        self.call_after_refresh(self._write_notes, table)

    def _write_notes(self, table: Table) -> None:
        """The table's notes under it — first, when it is wider than the screen, that ← →
        show the other columns. Folded by terminal cells: a Chinese sentence has no spaces."""
        width = max(20, self.size.width - 2)
        widget = self.query_one("#table", DataTable)
        wider = widget.virtual_size.width > widget.scrollable_content_region.width
        notes = ([t("stats.more_columns")] if wider else []) + list(table.notes)
        lines = [line for note in notes for line in plain(note).wrap(self.app.console, width)]
        self.query_one("#notes", Static).update(Text("\n").join(lines))

    # -- keys ---------------------------------------------------------------------------------

    def action_period_kind(self, kind: str) -> None:
        anchor = self.period.first if self.period else self._today()
        if self.period and self.period.contains(self._today()):
            anchor = self._today()
        self.period = containing(PeriodKind(kind), anchor)
        self.count()

    def action_step(self, steps: int) -> None:
        self.period = self.period.shift(steps)
        self.count()

    def action_arrow(self, steps: int) -> None:
        table = self.query_one("#table", DataTable)
        if table.display and self.query_one("#views", ContentSwitcher).current == "table-view":
            table.scroll_relative(x=12 * steps, animate=False)
        else:
            self.action_step(steps)

    def action_section(self, name: str) -> None:
        self.section = name
        self._draw_section()

    def action_toggle_view(self) -> None:
        if self.section not in CHARTS:
            self.app.bell()
            return
        self.as_chart = not self.as_chart
        self._draw_section()

    async def action_choose_period(self) -> None:
        from dutydesk.tui.screens.stats_forms import PeriodScreen

        def chosen(period: Period | None) -> None:
            if period is not None:
                self.period = period
                self.count()

        await self.app.push_screen(PeriodScreen(self.period), chosen)

    async def action_choose_place(self) -> None:
        from dutydesk.tui.screens.stats_forms import PlaceScreen

        def chosen(place: Place | None) -> None:
            if place is not None:
                self.place = place
                self.count()

        if not self.places:
            self.app.bell()  # still being read
            return
        await self.app.push_screen(PlaceScreen(self.places, self.place), chosen)

    async def action_export(self) -> None:
        from dutydesk.tui.screens.stats_forms import ExportReportScreen

        if self.report is None:
            self.app.bell()
            return

        def done(text: str | None) -> None:
            if text:
                self.notify(text, markup=False)

        await self.app.push_screen(ExportReportScreen(self.report), done)

    # -- the desk changed ---------------------------------------------------------------------

    def on_feed_changed(self, _message: FeedChanged) -> None:
        self._stale = True
        if self.is_current and self._refresh_timer is None:
            self._refresh_timer = self.set_timer(REFRESH_SECONDS, self._refresh)

    def _refresh(self) -> None:
        self._refresh_timer = None
        if self._stale and self.is_current:
            self.count()

    def on_screen_resume(self) -> None:
        if self._stale:
            self.count()

    def on_resize(self) -> None:
        if self.report is not None:
            self._draw_section()


def _fit(text: str, cells: int) -> Text:
    """A name held to `cells` terminal cells (CJK is two), padded so the bars line up."""
    shown = plain(text)
    shown.truncate(cells, overflow="ellipsis", pad=True)
    return shown
