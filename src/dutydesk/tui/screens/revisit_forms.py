"""The revisit calendar's form: one step of the revisit's table — record (method, result and,
on a call-back, satisfaction), reschedule (a day and a reason) or the duty chief's review."""

from __future__ import annotations

import datetime as dt

from textual import work
from textual.app import ComposeResult
from textual.widgets import Button, Static

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.revisits import (
    RESULTS, RevisitAction, RevisitKind, RevisitMethod, RevisitResult, RevisitStep, Satisfaction,
)
from dutydesk.i18n import t
from dutydesk.services import revisits
from dutydesk.services.revisit_calendar import RevisitDetail
from dutydesk.tui.format import plain
from dutydesk.files import export_folder
from dutydesk.tui.screens.forms import FormBody, FormScreen, field_label
from dutydesk.tui.widgets import Picker, TextInput


def _choices(kind, section: str) -> list[tuple[str, str]]:
    return [(t(f"revisit.{section}.{member.value}"), member.value) for member in kind]


class RevisitStepScreen(FormScreen):
    AUTO_FOCUS = "Picker, Input, #ok"

    def __init__(self, step: RevisitStep, detail: RevisitDetail) -> None:
        super().__init__()
        self.step = step
        self.detail = detail

    def fetch_detail(self) -> RevisitDetail:
        from dutydesk.services.revisit_calendar import revisit_detail

        return revisit_detail(self.app.desk, self.app.actor, self.detail.id)

    def step_applies(self, detail: RevisitDetail) -> tuple[bool, str]:
        return self.step in detail.steps, t(f"revisit.status.{detail.row.status}")

    @property
    def callback(self) -> bool:
        return self.detail.row.kind == RevisitKind.SATISFACTION.value

    def compose(self) -> ComposeResult:
        d, action = self.detail, self.step.action
        with FormBody(classes="form"):
            yield Static(plain(t("form.action_title", action=t(f"revisit.action.{action.value}"),
                                 id=f"#{d.row.case_id}")), classes="form-title")
            yield Static(plain(d.row.summary), classes="form-context")
            if action is RevisitAction.RECORD:
                yield from self.field_row("method", t("revisit.field.method") + " *", Picker(
                    _choices(RevisitMethod, "method"), prompt=t("form.pick"), id="method",
                    value="phone" if self.callback else None))
                if self.callback:  # 满意 / 基本满意 / 不满意 / 无法联系 (DOMAIN), in one field
                    yield from self.field_row("satisfaction", t("revisit.field.satisfaction")
                                              + " *", Picker(
                        [*_choices(Satisfaction, "satisfaction"),
                         (t("revisit.result.unreachable"), RevisitResult.UNREACHABLE.value)],
                        prompt=t("form.pick"), id="satisfaction"))
                else:
                    yield from self.field_row("result", t("revisit.field.result") + " *", Picker(
                        [(t(f"revisit.result.{r.value}"), r.value)
                         for r in RESULTS[RevisitKind.DISPUTE.value]],
                        prompt=t("form.pick"), id="result"))
                yield from self.field_row("notes", t("revisit.field.notes"),
                                          TextInput(compact=True, id="notes"))
            elif action is RevisitAction.RESCHEDULE:
                yield Static(t("revisit.form.due_now", day=d.row.due_on.isoformat()),
                             classes="form-context")
                yield from self.field_row("new_due", t("revisit.field.new_due") + " *",
                                          TextInput(compact=True, id="new_due",
                                                    placeholder="YYYY-MM-DD"))
                yield from self.field_row("reason", field_label("reason", True),
                                          TextInput(compact=True, id="reason"))
            elif action is RevisitAction.WAIVE:
                yield Static(t("revisit.form.waive", day=d.row.due_on.isoformat()),
                             classes="form-context")
                yield from self.field_row("reason", field_label("reason", True),
                                          TextInput(compact=True, id="reason"))
            else:
                yield from self.field_row("note", field_label("note", True),
                                          TextInput(compact=True, id="note"))
            yield from self.buttons()

    def _value(self, name: str) -> str:
        widget = self.query_one(f"#{name}")
        return widget.code if isinstance(widget, Picker) else str(widget.value).strip()

    def action_submit(self) -> None:
        names = {RevisitAction.RECORD: ["method", "notes"]
                 + (["satisfaction"] if self.callback else ["result"]),
                 RevisitAction.RESCHEDULE: ["new_due", "reason"],
                 RevisitAction.REVIEW: ["note"],
                 RevisitAction.WAIVE: ["reason"]}[self.step.action]
        values = {name: self._value(name) for name in names}
        if self.callback and "satisfaction" in values:  # one field: how it went, or no answer
            unreachable = values["satisfaction"] == RevisitResult.UNREACHABLE.value
            values["result"] = RevisitResult.UNREACHABLE.value if unreachable else (
                RevisitResult.REACHED.value if values["satisfaction"] else "")
            values["satisfaction"] = "" if unreachable else values["satisfaction"]
        if "new_due" in values:
            text = values["new_due"]
            try:
                values["new_due"] = dt.date.fromisoformat(text) if text else None
            except ValueError:
                self.show_errors({"new_due": t("field_error.bad_date", value=text)})
                return
        self.query_one("#ok", Button).disabled = True
        self.run_step(values)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_step(self, v: dict) -> None:
        app, d = self.app, self.detail

        def step() -> None:
            match self.step.action:
                case RevisitAction.RECORD:
                    revisits.record_revisit(app.desk, app.actor, d.id, v["method"], v["result"],
                                            v.get("satisfaction", ""), v["notes"],
                                            expected_version=d.row.version)
                case RevisitAction.RESCHEDULE:
                    revisits.reschedule(app.desk, app.actor, d.id, v["new_due"], v["reason"],
                                        expected_version=d.row.version)
                case RevisitAction.REVIEW:
                    revisits.review(app.desk, app.actor, d.id, v["note"],
                                    expected_version=d.row.version)
                case RevisitAction.WAIVE:
                    revisits.waive(app.desk, app.actor, d.id, v["reason"],
                                   expected_version=d.row.version)

        # A call-back has no result field: its result is said beside its satisfaction.
        self.post_outcome(step, lambda _: t(
            "form.done", action=t(f"revisit.action.{self.step.action.value}"), id=d.row.case_id),
            fields=lambda found: {("satisfaction" if k == "result" and self.callback else k): v
                                  for k, v in found.items()})


class ExportIcsScreen(FormScreen):
    """The revisits still due as an .ics file a phone calendar imports: mine, my community's
    or the desk's (within the officer's reach)."""

    AUTO_FOCUS = "#scope, #ok"

    def compose(self) -> ComposeResult:
        actor = self.app.actor
        scopes = [(t("revisit.ics.mine"), "mine"), (t("revisit.ics.all"), "all")]
        if actor.community_id is not None:
            scopes.insert(1, (t("revisit.ics.community"), "community"))
        with FormBody(classes="form"):
            yield Static(t("revisit.ics.title"), classes="form-title")
            today = local_date(self.app.desk.clock.now()).isoformat()
            if self.over_ssh:  # through the key: everything within the officer's reach
                yield from self.ssh_command(["revisits", "--ics"], f"revisits-{today}.ics")
            else:
                yield from self.field_row("scope", t("revisit.ics.scope"), Picker(
                    scopes, id="scope", value="mine", allow_blank=False))
                yield from self.field_row("path", t("police.import.path") + " *", TextInput(
                    f"revisits-{today}.ics", compact=True, id="path"))
                yield Static(t("form.exports_folder", folder=str(export_folder())),
                             classes="form-context", markup=False)
            yield from self.buttons()

    async def action_submit(self) -> None:
        scope = "" if self.over_ssh else str(self.query_one("#scope", Picker).value)
        await self.export_to(lambda path: self.run_export(scope, path))

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_export(self, scope: str, path) -> None:
        from dutydesk.services.revisit_calendar import export_ics

        app = self.app
        self.post_outcome(
            lambda: export_ics(
                app.desk, path, actor=app.actor,
                community_id=app.actor.community_id if scope == "community" else None,
                officer_login=app.actor.login if scope == "mine" else ""),
            lambda count: t("revisit.ics.done", count=count, path=str(path)))
