"""The 110 board's forms: one step of a transfer (its fields from the transfer's table), a file
to import, the feedback to export, a period's total of all calls, and a call entered by hand."""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Button, Input, SelectionList, Static

from dutydesk.domain.deadlines import LOCAL_TZ, local_date
from dutydesk.domain.text import printable
from dutydesk.files import export_folder
from dutydesk.i18n import t
from dutydesk.tui.format import plain
from dutydesk.tui.messages import ImportProgress
from dutydesk.tui.screens.forms import (
    FormBody, FormScreen, choice_options, field_label, unit_options,
)
from dutydesk.tui.widgets import Checklist, Picker, TextInput

class TransferActionScreen(FormScreen):
    """One step of a 110 transfer: 签收 (a confirmation), 分流 (place and category prefilled from
    the routing suggestion; a dangerous summary needs the confirmation box and a reason), 退回
    (a reason), 联系报警人 (what the caller was told) or 反馈 (the text drafted from the case's
    result, editable)."""

    def __init__(self, transition, detail) -> None:
        super().__init__()
        self.transition = transition
        self.detail = detail

    def fetch_detail(self):
        from dutydesk.services.police import transfer_detail

        return transfer_detail(self.app.desk, self.app.actor, self.detail.id)

    def step_applies(self, detail) -> tuple[bool, str]:
        return self.transition in detail.actions, t(f"police.state.{detail.row.state}")

    def compose(self) -> ComposeResult:
        from textual.widgets import Checkbox

        d, action = self.detail, self.transition.action.value
        title = t("police.board.form_title", action=t(f"police.action.{action}"),
                  number=d.row.number)
        with FormBody(classes="form"):
            yield Static(plain(title), classes="form-title")
            yield Static(plain(d.row.summary), classes="form-context")
            if d.danger:
                yield Static(plain(t("police.board.danger", terms="、".join(d.danger))),
                             classes="field-error")
            if action == "divert":
                nodes = self.app.choices["nodes"]
                yield from self.field_row("node", field_label("node", True), Picker(
                    choice_options(nodes), prompt=t("form.pick"), id="node",
                    value=d.routing.node_code if any(
                        c.code == d.routing.node_code for c in nodes) else None))
                categories = self.app.choices["categories"]
                yield from self.field_row("category", field_label("category", True), Picker(
                    choice_options(categories), prompt=t("form.pick"), id="category",
                    value=d.routing.category_code if any(
                        c.code == d.routing.category_code for c in categories)
                    else None))
                units = unit_options(self.app.choices["units"], d.routing.unit_codes)
                lead = d.routing.unit_codes[0] if d.routing.unit_codes else None
                yield from self.field_row("lead_unit", field_label("lead_unit", False), Picker(
                    units, prompt=t("form.pick"), id="lead_unit", value=lead))
                yield from self.field_row("co_units", field_label("co_units", False),
                                          Checklist(*units, id="co_units"))
                if d.danger:
                    yield Checkbox(t("police.board.confirm_danger"), id="confirm", compact=True)
                yield from self.field_row("reason", field_label("reason", bool(d.danger)),
                                          TextInput(compact=True, id="reason"))
            elif action == "send_back":
                yield from self.field_row("reason", field_label("reason", True),
                                          TextInput(compact=True, id="reason"))
            elif action == "contact":
                yield from self.field_row("note", field_label("note", True),
                                          TextInput(compact=True, id="note"))
            elif action == "feedback":
                yield from self.field_row("feedback", t("police.field.feedback") + " *",
                                          TextInput(d.draft_feedback, compact=True,
                                                    id="feedback"))
            yield from self.buttons()

    AUTO_FOCUS = "Input, Picker, #ok"

    def action_submit(self) -> None:
        values: dict = {}
        for widget in self.query("Input, Picker, Checkbox"):
            value = widget.value
            values[widget.id] = "" if value is None else value
        for chooser in self.query(SelectionList):
            values[chooser.id] = list(chooser.selected)
        self.query_one("#ok", Button).disabled = True
        self.run_step(values)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_step(self, values: dict) -> None:
        from dutydesk.services import police

        app, d = self.app, self.detail
        desk, actor, version = app.desk, app.actor, d.row.version
        action = self.transition.action.value

        def step() -> None:
            match action:
                case "sign":
                    police.sign(desk, actor, d.id, expected_version=version)
                case "divert":
                    police.divert(desk, actor, d.id, str(values.get("node", "")),
                                  str(values.get("category", "")),
                                  lead_unit_code=str(values.get("lead_unit", "")),
                                  co_unit_codes=values.get("co_units", []),
                                  reason=str(values.get("reason", "")),
                                  confirm_danger=bool(values.get("confirm", False)),
                                  expected_version=version)
                case "send_back":
                    police.send_back(desk, actor, d.id, str(values.get("reason", "")),
                                     expected_version=version)
                case "contact":
                    police.contact(desk, actor, d.id, str(values.get("note", "")),
                                   expected_version=version)
                case "feedback":
                    police.feedback(desk, actor, d.id, str(values.get("feedback", "")),
                                    expected_version=version)

        self.post_outcome(step, lambda _: t("police.board.done",
                                            action=t(f"police.action.{action}"),
                                            number=d.row.number))


class ImportScreen(FormScreen):
    """Import the 110 system's export from the board: a file path, checked whole (every bad
    line listed, nothing written), then written with a progress bar."""

    AUTO_FOCUS = "#path"

    def compose(self) -> ComposeResult:
        from textual.widgets import ProgressBar

        with FormBody(classes="form"):
            yield Static(t("police.import.title"), classes="form-title")
            yield Static(t("police.import.hint"), classes="form-context")
            yield from self.field_row("path", t("police.import.path") + " *",
                                      TextInput(compact=True, id="path"))
            bar = ProgressBar(id="progress", show_eta=False)
            bar.display = False  # shown once an import runs, not animating before
            yield bar
            yield from self.buttons()

    def action_submit(self) -> None:
        if (path := self.typed_path()) is None:
            return
        self.query_one("#ok", Button).disabled = True
        self.query_one("#progress").display = True
        self.run_import(path)

    def worker_failed(self, text: str) -> None:
        self.query_one("#progress").display = False
        super().worker_failed(text)

    @on(ImportProgress)
    def _imported(self, message: ImportProgress) -> None:
        self.query_one("#progress").update(total=message.total, progress=message.done)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_import(self, path) -> None:
        from dutydesk.services.police_import import import_file

        app = self.app
        self.post_outcome(
            lambda: import_file(app.desk, app.actor, path, lambda done, total: (
                self.post_message(ImportProgress(done, total)))),
            lambda result: t("police.import.done", file=path.name, added=result.added,
                             present=result.already_present))


class ExportFeedbackScreen(FormScreen):
    """Write the feedback given to 110 to a .csv, .jsonl or .xlsx file for the 110 system to
    take back: the highlighted transfer's alone (when it has been fed back), or everything
    fed back since a day (default today)."""

    AUTO_FOCUS = "#path"

    def __init__(self, current=None) -> None:
        super().__init__()
        self.current = current  # a fed-back TransferDetail, offered as "this one only"

    def compose(self) -> ComposeResult:
        from textual.widgets import Checkbox

        today = local_date(self.app.desk.clock.now()).isoformat()
        with FormBody(classes="form"):
            yield Static(t("police.export.title"), classes="form-title")
            if self.current is not None:
                yield Checkbox(plain(t("police.export.only_this", number=self.current.row.number)),
                               True, id="only-this", compact=True)
            yield from self.field_row("since", t("police.export.since") + " *",
                                      TextInput(today, compact=True, id="since"))
            name = f"110-feedback-{self.current.row.number}" if self.current is not None \
                else f"110-feedback-{today}"
            if self.over_ssh:
                yield from self.ssh_command(["export-110-feedback", "--since", today],
                                            f"{name}.xlsx")
            else:
                yield from self.field_row("path", t("police.import.path") + " *", TextInput(
                    printable(name) + ".xlsx", compact=True, id="path"))
                yield Static(t("form.exports_folder", folder=str(export_folder())),
                             classes="form-context", markup=False)
            yield from self.buttons()

    async def action_submit(self) -> None:
        from textual.widgets import Checkbox

        only = self.current is not None and self.query_one("#only-this", Checkbox).value
        since_text = self.query_one("#since", Input).value.strip()
        since = None
        if not only:
            try:
                since = dt.datetime.strptime(since_text, "%Y-%m-%d").replace(tzinfo=LOCAL_TZ)
            except ValueError:
                self.show_errors({"since": t("field_error.bad_date", value=since_text)})
                return
        await self.export_to(lambda path: self.run_export(
            since, self.current.id if only else None, path))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_export(self, since, transfer_id, path) -> None:
        from dutydesk.services.police_export import export_feedback

        self.post_outcome(lambda: export_feedback(self.app.desk, self.app.actor, since, path,
                                                  transfer_id),
                          lambda count: t("police.export.done", count=count, path=str(path)))


class CallTotalScreen(FormScreen):
    """Record a period's total of all 110 calls (from the 110 system), the base of the share
    of calls the desk takes. A different figure for a period that has one is refused once,
    saying the recorded figure; Ctrl+S again with the same values replaces it."""

    AUTO_FOCUS = "#first"
    _replace: tuple | None = None  # the values the officer was told would replace a figure

    def compose(self) -> ComposeResult:
        today = local_date(self.app.desk.clock.now())
        with FormBody(classes="form"):
            yield Static(t("police.total.title"), classes="form-title")
            yield Static(t("police.total.hint"), classes="form-context")
            yield from self.field_row("first", t("police.total.first") + " *", TextInput(
                today.replace(day=1).isoformat(), compact=True, id="first"))
            yield from self.field_row("last", t("police.total.last") + " *",
                                      TextInput(today.isoformat(), compact=True, id="last"))
            yield from self.field_row("total", t("police.total.total") + " *", TextInput(
                compact=True, id="total", restrict=r"[0-9]*", max_length=9))
            yield from self.buttons()

    def action_submit(self) -> None:
        errors: dict[str, str] = {}
        days = []
        for name in ("first", "last"):
            text = self.query_one(f"#{name}", Input).value.strip()
            try:
                days.append(dt.date.fromisoformat(text))
            except ValueError:
                errors[name] = t("field_error.bad_date", value=text)
        total_text = self.query_one("#total", Input).value.strip()
        if not total_text:
            errors["total"] = t("field_error.required", field=t("police.total.total"))
        if errors:
            self.show_errors(errors)
            return
        self.query_one("#ok", Button).disabled = True
        values = (days[0], days[1], int(total_text))
        self.run_record(*values, replace=values == self._replace)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_record(self, first: dt.date, last: dt.date, total: int, replace: bool) -> None:
        from dutydesk.services import police

        def beside_total(found: dict[str, str]) -> dict[str, str]:
            if "replace" in found:  # told once: the same values again replace the figure
                self._replace = (first, last, total)
            # The period's days and total are checked together: said beside the last field.
            return {"total": " ".join(found.values())}

        self.post_outcome(
            lambda: police.record_call_total(self.app.desk, self.app.actor, first, last, total,
                                             replace=replace),
            lambda _: t("police.total.done", first=first.isoformat(), last=last.isoformat(),
                        total=total), fields=beside_total)


class NewTransferScreen(FormScreen):
    """Enter one 110 transfer by hand, with the export's fields (接警时间 as 2026-11-24 21:05)."""

    AUTO_FOCUS = "#number"
    FIELDS = ("number", "called_at", "caller", "phone", "address", "station", "category_110",
              "summary")
    REQUIRED = frozenset({"number", "called_at", "summary"})

    def compose(self) -> ComposeResult:
        now = self.app.desk.clock.now().astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        with FormBody(classes="form"):
            yield Static(t("police.new.title"), classes="form-title")
            for name in self.FIELDS:
                label = t(f"police.field.{name}") + (" *" if name in self.REQUIRED else "")
                yield from self.field_row(name, label, TextInput(
                    now if name == "called_at" else "", compact=True, id=name))
            yield from self.buttons()

    def action_submit(self) -> None:
        from dutydesk.services.police import TransferDraft
        from dutydesk.services.police_import import parse_time

        values = {name: self.query_one(f"#{name}", Input).value for name in self.FIELDS}
        called_at = parse_time(values["called_at"])
        if called_at is None and values["called_at"].strip():
            self.show_errors({"called_at": t("police.import.bad_time",
                                             value=values["called_at"][:40])})
            return
        self.query_one("#ok", Button).disabled = True
        self.save(TransferDraft(**{**values, "called_at": called_at}))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, draft) -> None:
        from dutydesk.services.police import receive_transfer

        self.post_outcome(lambda: receive_transfer(self.app.desk, self.app.actor, draft),
                          lambda _: t("police.new.saved", number=draft.number))
