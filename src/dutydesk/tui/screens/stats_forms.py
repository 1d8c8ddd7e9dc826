"""The statistics screen's forms: a period typed as the reports name it, a place of the org
tree within reach, and the report written out as XLSX, CSV or Markdown."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from dutydesk.domain.statistics import Period, PeriodError, PeriodKind, parse_period
from dutydesk.i18n import t
from dutydesk.reports.writers import FORMATS, write_report
from dutydesk.services.inputs import echo
from dutydesk.services.statistics import Place, Report
from dutydesk.tui.format import plain
from dutydesk.files import export_folder
from dutydesk.tui.screens.forms import FormBody, FormScreen
from dutydesk.tui.widgets import Picker, TextInput


class PeriodScreen(FormScreen):
    AUTO_FOCUS = "#period"

    def __init__(self, current: Period | None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with FormBody(classes="form"):
            yield Static(t("stats.form.period_title"), classes="form-title")
            yield from self.field_row("period", t("stats.form.period") + " *", TextInput(
                value=self.current.label if self.current else "", compact=True, id="period",
                placeholder="2026-11-01..2026-11-15"))
            yield Static(t("stats.form.period_help"), classes="form-help")
            yield from self.buttons()

    def action_submit(self) -> None:
        try:
            period = parse_period(str(self.query_one("#period", TextInput).value))
        except PeriodError as exc:
            self.show_errors({"period": t(exc.key, text=echo(exc.text))})
            return
        self.dismiss(period)


class PlaceScreen(FormScreen):
    """A place of the org tree within the officer's reach (read with the figures)."""

    AUTO_FOCUS = "#place"

    def __init__(self, places: list[Place], current: Place | None) -> None:
        super().__init__()
        self.places = {p.code: p for p in places}
        self.current = current

    def compose(self) -> ComposeResult:
        options = [(plain(f"{p.name}（{t('stats.place.' + p.kind)}）"), p.code)
                   for p in self.places.values()]
        current = self.current.code if self.current else options[0][1]
        with FormBody(classes="form"):
            yield Static(t("stats.form.place_title"), classes="form-title")
            yield from self.field_row("place", t("stats.key.place") + " *", Picker(
                options, id="place", allow_blank=False, value=current))
            yield from self.buttons()

    def action_submit(self) -> None:
        self.dismiss(self.places[str(self.query_one("#place", Picker).value)])


class ExportReportScreen(FormScreen):
    AUTO_FOCUS = "#format"

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report

    def _file_name(self, kind: str) -> str:
        return f"report-{self.report.period.label.replace('..', '_')}" \
            f"-{self.report.place.code}.{kind}"

    def compose(self) -> ComposeResult:
        with FormBody(classes="form"):
            yield Static(plain(t("stats.form.export_title", period=self.report.period.label,
                                 place=self.report.place.name)), classes="form-title")
            yield from self.field_row("format", t("stats.form.format"), Picker(
                [(t(f"stats.format.{f}"), f) for f in FORMATS], id="format",
                value="xlsx", allow_blank=False))
            if self.over_ssh:
                yield from self.ssh_command(self._ssh_words("xlsx"), self._file_name("xlsx"))
            else:
                yield from self.field_row("path", t("police.import.path") + " *", TextInput(
                    compact=True, id="path", value=self._file_name("xlsx")))
                yield Static(t("form.exports_folder", folder=str(export_folder())),
                             classes="form-context", markup=False)
            yield from self.buttons()

    def _ssh_words(self, kind: str) -> list[str]:
        """`report …` for this period and place: a week is a weekly report; any other period
        a monthly one over its days (its own month, or FROM..TO)."""
        period = self.report.period
        weekly = period.kind is PeriodKind.WEEK
        label = period.label if period.kind in (PeriodKind.WEEK, PeriodKind.MONTH) \
            else f"{period.first.isoformat()}..{period.last.isoformat()}"
        return ["report", "weekly" if weekly else "monthly", "--period", label,
                "--node", self.report.place.code, "--format", kind]

    def on_picker_changed(self, event: Picker.Changed) -> None:
        """The file's suffix follows the chosen format (over SSH: the command's)."""
        if self.over_ssh:
            from dutydesk.over_ssh import command_line

            kind = str(event.value)
            self.query_one("#ssh-command", Static).update(plain(command_line(
                self._ssh_words(kind), self._file_name(kind))))
            return
        path = self.query_one("#path", TextInput)
        current = Path(str(path.value))
        if event.value in FORMATS and current.suffix.lstrip(".") in FORMATS:
            path.value = str(current.with_suffix(f".{event.value}"))

    async def action_submit(self) -> None:
        chosen = str(self.query_one("#format", Picker).value)
        # A typed suffix of a known format wins: 月报.csv is written as CSV.
        def typed_or_chosen(path: Path) -> str:
            typed = path.suffix.lstrip(".").lower()
            return typed if typed in FORMATS else chosen

        await self.export_to(lambda path: self.run_export(path, typed_or_chosen(path)))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_export(self, path: Path, kind: str) -> None:
        self.post_outcome(lambda: write_report(self.report, path, kind),
                          lambda written: t("stats.exported", path=str(written)))
