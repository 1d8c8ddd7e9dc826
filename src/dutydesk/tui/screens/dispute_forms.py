"""The dispute board's forms: the record (建档: type, parties, people, amount, checklist and
colour), one step of the dispute's table (its fields from the table), and the board's filter.
Like every form, a refusal is shown beside its field and nothing is written."""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Button, Label, SelectionList, Static

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.disputes import (
    Colour, DisputeAction, DisputeStep, DisputeType, Method, Outcome, PartyRole, SessionResult,
    format_amount, suggest_colour,
)
from dutydesk.domain.lifecycle import Level
from dutydesk.i18n import language, t
from dutydesk.services import disputes
from dutydesk.services.dispute_board import BoardFilter, DisputeDetail
from dutydesk.services.disputes import DisputeDraft, MediationDraft, PartyDraft
from dutydesk.tui.format import plain
from dutydesk.tui.screens.forms import FormBody, FormScreen, field_label, unit_options
from dutydesk.tui.widgets import Checklist, Picker, TextInput

PARTY_ROWS = 4  # empty lines for parties on a new record; an amendment adds two more


def _choices(kind, section: str) -> list[tuple[str, str]]:
    """An enum's members labelled from the catalogue's dispute.<section>."""
    return [(t(f"dispute.{section}.{member.value}"), member.value) for member in kind]


def _widget_id(field: str) -> str:
    return field.replace(".", "-")  # party.0.name -> party-0-name (a CSS id)


class _DisputeForm(FormScreen):
    step: DisputeStep | None = None  # the step a StepScreen records (RecordScreen: 建档)

    def __init__(self, detail: DisputeDetail) -> None:
        super().__init__()
        self.detail = detail

    def fetch_detail(self) -> DisputeDetail:
        from dutydesk.services.dispute_board import dispute_detail

        return dispute_detail(self.app.desk, self.app.actor, self.detail.id)

    def step_applies(self, detail: DisputeDetail) -> tuple[bool, str]:
        state = t(f"colour.{detail.colour}") if detail.colour else t("dispute.ungraded")
        return self.step is None or self.step in detail.steps, state

    def head(self, title: str) -> ComposeResult:
        yield Static(plain(t("form.action_title", action=title, id=f"#{self.detail.id}")),
                     classes="form-title")
        yield Static(plain(self.detail.summary), classes="form-context")

    def value(self, field: str) -> str:
        widget = self.query_one(f"#{_widget_id(field)}")
        return widget.code if isinstance(widget, Picker) else str(widget.value)

    def post_step(self, call, action: str) -> None:
        """The step's outcome; a party's field (party.0.name) is shown by its widget's id."""
        self.post_outcome(
            call, lambda _: t("form.done", action=t(f"dispute.action.{action}"),
                              id=self.detail.id),
            fields=lambda found: {_widget_id(k): v for k, v in found.items()})

    def checklist(self, checked: list[str]) -> Checklist:
        factors = self.app.desk.settings.disputes.checklist
        return Checklist(*((plain(f"[{t('colour.' + f.colour.value)}] "
                                      + f.text(language())), f.code, f.code in checked)
                               for f in factors), id="factors")

    def colour_select(self, value: str | None) -> Picker:
        return Picker([(t(f"colour.{c.value}"), c.value) for c in Colour],
                      prompt=t("dispute.form.suggested"), id="colour",
                      value=value or None)

    @on(SelectionList.SelectedChanged, "#factors")
    def _suggest(self, event: SelectionList.SelectedChanged) -> None:
        suggested = suggest_colour(event.selection_list.selected,
                                   self.app.desk.settings.disputes.checklist)
        self.query_one("#suggestion", Static).update(
            t("dispute.form.suggestion", colour=t(f"colour.{suggested.value}")))

    def suggestion_line(self, checked: list[str]) -> Static:
        suggested = suggest_colour(checked, self.app.desk.settings.disputes.checklist)
        return Static(t("dispute.form.suggestion", colour=t(f"colour.{suggested.value}")),
                      id="suggestion", classes="form-context")


class RecordScreen(_DisputeForm):
    """建档 or amend: type, parties, people and amount involved, risk factors and colour."""

    AUTO_FOCUS = "Picker"

    @property
    def rows(self) -> int:
        return max(PARTY_ROWS, len(self.detail.parties) + 2)

    def compose(self) -> ComposeResult:
        d = self.detail
        kind = d.type or self.app.desk.settings.disputes.category_types.get(
            self._category_code(), "")
        with FormBody(classes="form"):
            yield from self.head(t("dispute.action.record"))
            yield from self.field_row("type", t("dispute.field.type") + " *", Picker(
                _choices(DisputeType, "type"), prompt=t("form.pick"), id="type",
                value=kind or None))
            for index in range(self.rows):
                role, name = (d.parties[index][:2] if index < len(d.parties)
                              else ("applicant" if index == 0 else "respondent", ""))
                # Two lines a party, every field wide enough to see what is typed in it.
                yield from self.field_row(f"party-{index}-name", t("dispute.field.party") +
                                          f" {index + 1}", Horizontal(
                    Picker(_choices(PartyRole, "role"), id=f"party-{index}-role", value=role,
                           allow_blank=False),
                    TextInput(name, compact=True, id=f"party-{index}-name",
                              placeholder=t("field.party_name")),
                    classes="party-row"))
                yield Horizontal(
                    TextInput(compact=True, id=f"party-{index}-phone",
                              placeholder=t("dispute.field.phone")),
                    TextInput(compact=True, id=f"party-{index}-id_number",
                              placeholder=t("dispute.field.id_number"), max_length=18),
                    classes="party-row")
                for part in ("phone", "id_number"):
                    yield Label("", id=f"err-party-{index}-{part}",
                                classes="field-error own-line -empty",
                                markup=False)
            yield Label("", id="err-parties", classes="field-error own-line -empty",
                        markup=False)
            if d.parties:
                yield Static(t("dispute.form.parties_again"), classes="form-context")
            yield from self.field_row("people", t("dispute.field.people"), TextInput(
                "" if d.people is None else str(d.people), compact=True, id="people",
                restrict=r"[0-9]*", max_length=7))
            yield from self.field_row("amount", t("dispute.field.amount"), TextInput(
                format_amount(d.amount_fen).replace(",", ""), compact=True, id="amount"))
            yield from self.field_row("factors", t("dispute.field.factors"),
                                      self.checklist(d.factors))
            yield self.suggestion_line(d.factors)
            yield from self.field_row("colour", t("dispute.field.colour"),
                                      self.colour_select(d.colour))
            yield from self.field_row("reason", field_label("reason", False),
                                      TextInput(compact=True, id="reason"))
            yield from self.buttons()

    def _category_code(self) -> str:
        return next((c.code for c in self.app.choices["categories"]
                     if c.label == self.detail.category), "")

    def action_submit(self) -> None:
        parties = []
        for index in range(self.rows):
            parties.append(PartyDraft(self.value(f"party.{index}.role"),
                                      self.value(f"party.{index}.name"),
                                      self.value(f"party.{index}.phone"),
                                      self.value(f"party.{index}.id_number")))
        # A masked phone or ID shown again is not re-entered: the stored one is kept only by
        # typing it anew (the form never holds them in full).
        draft = DisputeDraft(
            type=self.value("type"), parties=parties,
            factors=list(self.query_one("#factors", SelectionList).selected),
            colour=self.value("colour"), reason=self.value("reason"),
            people=self.value("people"), amount=self.value("amount"))
        self.query_one("#ok", Button).disabled = True
        self.run_record(draft)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_record(self, draft: DisputeDraft) -> None:
        app = self.app
        self.post_step(lambda: disputes.record(app.desk, app.actor, self.detail.id, draft,
                                               expected_version=self.detail.version),
                       DisputeAction.RECORD.value)


class StepScreen(_DisputeForm):
    """One step of the dispute's table; its fields are the table's."""

    AUTO_FOCUS = "Input, Picker, SelectionList, #ok"

    def __init__(self, step: DisputeStep, detail: DisputeDetail) -> None:
        super().__init__(detail)
        self.step = step

    def compose(self) -> ComposeResult:
        with FormBody(classes="form"):
            yield from self.head(t(f"dispute.action.{self.step.action.value}"))
            for name in self.step.fields:
                yield from self._field(name)
            yield from self.buttons()

    def _field(self, name: str) -> ComposeResult:
        d, today = self.detail, local_date(self.app.desk.clock.now())
        label = t(f"dispute.field.{name}") if f"dispute.field.{name}" in _catalogue() \
            else t(f"field.{name}")
        match name:
            case "factors":
                yield from self.field_row(name, label, self.checklist(d.factors))
                yield self.suggestion_line(d.factors)
            case "colour":
                yield from self.field_row(name, label, self.colour_select(d.colour))
            case "held_on" | "agreement_on" | "applied_on" | "court_on":
                yield from self.field_row(name, label, TextInput(
                    today.isoformat() if name == "held_on" else "", compact=True, id=name,
                    placeholder="YYYY-MM-DD"))
            case "mediator":
                teams = list(self.app.desk.settings.disputes.teams)
                yield from self.field_row(name, label + " *", TextInput(
                    d.mediator, compact=True, id=name,
                    suggester=SuggestFromList(teams, case_sensitive=False)))
            case "method" | "result" | "outcome":
                kind = {"method": Method, "result": SessionResult, "outcome": Outcome}[name]
                yield from self.field_row(name, label + " *", Picker(
                    _choices(kind, name), prompt=t("form.pick"), id=name))
            case "units":
                yield from self.field_row(name, label + " *", Checklist(
                    *unit_options(self.app.choices["units"], []), id=name))
            case "unit":
                waiting = [w.unit for w in d.whistles if w.reported_at is None]
                units = [(c.label, c.code) for c in self.app.choices["units"]
                         if c.label in waiting]
                yield from self.field_row(name, label + " *", Picker(
                    units, prompt=t("form.pick"), id=name,
                    value=units[0][1] if len(units) == 1 else None))
            case _:
                required = name in ("reason", "response") and not (
                    name == "reason" and self.step.action is DisputeAction.REGRADE)
                yield from self.field_row(name, label + (" *" if required else ""),
                                          TextInput(compact=True, id=name))

    def _day(self, name: str, errors: dict[str, str]) -> dt.date | None:
        text = self.value(name).strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            errors[name] = t("field_error.bad_date", value=text)
            return None

    def action_submit(self) -> None:
        errors: dict[str, str] = {}
        values = {name: (list(self.query_one(f"#{name}", SelectionList).selected)
                         if name in ("factors", "units") else
                         self._day(name, errors) if name.endswith("_on") else self.value(name))
                  for name in self.step.fields}
        if errors:
            self.show_errors(errors)
            return
        self.query_one("#ok", Button).disabled = True
        self.run_step(values)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_step(self, v: dict) -> None:
        app, d = self.app, self.detail
        desk, actor, version = app.desk, app.actor, d.version

        def step() -> None:
            match self.step.action:
                case DisputeAction.REGRADE:
                    disputes.regrade(desk, actor, d.id, v["factors"], v["colour"], v["reason"],
                                     expected_version=version)
                case DisputeAction.MEDIATE:
                    disputes.record_mediation(desk, actor, d.id, MediationDraft(
                        v["held_on"], v["mediator"], v["method"], v["result"],
                        v["participants"], v["notes"]), expected_version=version)
                case DisputeAction.OUTCOME:
                    disputes.record_outcome(desk, actor, d.id, v["outcome"],
                                            agreement_on=v["agreement_on"], court=v["court"],
                                            court_on=v["court_on"], applied_on=v["applied_on"],
                                            note=v["note"],
                                            expected_version=version)
                case DisputeAction.WHISTLE:
                    disputes.whistle(desk, actor, d.id, v["units"], v["reason"],
                                     expected_version=version)
                case DisputeAction.REPORT:
                    disputes.report_in(desk, actor, d.id, v["unit"], v["response"],
                                       expected_version=version)

        self.post_step(step, self.step.action.value)


def _catalogue() -> dict:
    from dutydesk.i18n import catalogue

    return catalogue("zh_CN")


class BoardFilterScreen(FormScreen):
    """The board's filter: community, type, mediator (empty: all)."""

    AUTO_FOCUS = "Picker"

    def __init__(self, current: BoardFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        from dutydesk.services.dispute_board import mediators

        communities = [(c.label.strip(), c.code) for c in self.app.choices["nodes"]
                       if c.kind == Level.COMMUNITY]
        f = self.current
        with FormBody(classes="form"):
            yield Static(t("dispute.filter.title"), classes="form-title")
            yield from self.field_row("community", t("dispute.filter.community"), Picker(
                communities, prompt=t("dispute.filter.all"), id="community",
                value=f.community_code or None))
            yield from self.field_row("type", t("dispute.field.type"), Picker(
                _choices(DisputeType, "type"), prompt=t("dispute.filter.all"),
                id="type", value=f.type or None))
            names = mediators(self.app.desk)
            yield from self.field_row("mediator", t("field.mediator"), Picker(
                [(plain(n), n) for n in names], prompt=t("dispute.filter.all"), id="mediator",
                value=f.mediator if f.mediator in names else None))
            yield from self.buttons()

    def action_submit(self) -> None:
        def value(name: str) -> str:
            return self.query_one(f"#{name}", Picker).code

        self.dismiss(BoardFilter(value("community"), value("type"), value("mediator")))
