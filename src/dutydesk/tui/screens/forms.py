"""Modal forms: a new report, one lifecycle action, and the queue filter.

The forms call the services from thread workers; a refusal is shown beside the field it concerns
and the form stays open — nothing is written on error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import Action, CaseState, Channel, Field, Role, Transition
from dutydesk.domain.text import printable
from dutydesk.errors import DutyDeskError, StaleWrite, ValidationFailed
from dutydesk.files import export_path
from dutydesk.i18n import local_time, t
from dutydesk.services import cases
from dutydesk.services.queue import CaseDetail, Choice, QueueFilter
from dutydesk.tui.format import plain
from dutydesk.tui.messages import DetailReread
from dutydesk.tui.widgets import Checklist, Picker, TextInput
from dutydesk.tui.workers import ReportsWorkerErrors

FORM_BINDINGS = [
    Binding("escape", "cancel", "", show=False),
    Binding("ctrl+s", "submit", "", show=False),
]


@dataclass
class _Outcome(Message):
    ok: bool
    result: object = None
    error: str | None = None
    fields: dict[str, str] | None = None
    stale: bool = False  # refused because the row changed since it was read


class FormBody(VerticalScroll, can_focus=False):
    """A form's frame: it scrolls to the focused field, but is not itself a stop for Tab (an
    invisible one, where the officer would lose their place)."""


class _Saving(Message):
    """A save has started (from the worker that runs it)."""


QUEUED_AFTER_SECONDS = 1.0


def field_label(field: str, required: bool) -> str:
    return t(f"field.{field}") + (" *" if required else "")  # * marks a required field


_UNSET = object()


def _value_of(widget) -> object:
    """A field's value, comparable: a checklist's as the tuple of what is ticked."""
    return tuple(widget.selected) if isinstance(widget, SelectionList) else widget.value


def _say(label: Label, text: str) -> None:
    """An error label's text; one on a line of its own (`.own-line`) takes no room empty."""
    label.update(printable(text))
    label.set_class(not text, "-empty")


def choice_options(choices: list[Choice]) -> list[tuple[Text, str]]:
    return [(plain(c.label), c.code) for c in choices]


class FormScreen(ReportsWorkerErrors, ModalScreen):
    """Shared frame: a title, fields with error labels, OK/Cancel, Esc and Ctrl+S.

    A form on an item read from a board (`detail`) may say how to read it again
    (`fetch_detail`) and whether its step still applies (`step_applies`): a write refused as
    stale then offers Ctrl+R, which reads the item again keeping what was typed."""

    CSS_PATH = "forms.tcss"
    BINDINGS = FORM_BINDINGS + [Binding("ctrl+r", "reload", "", show=False)]
    stale = False  # the last attempt was refused as stale: Ctrl+R reads the item again
    detail: Any = None
    _as_opened: dict[str, object] | None = None  # the fields as the form opened
    _refused_with: dict[str, object] = {}  # the fields as they were when last refused
    _still_saving: Any = None  # the timer that says a save is queued

    def fetch_detail(self) -> Any:
        """The item as it is now (a service read, from a worker); None: no reload here."""
        return None

    def step_applies(self, detail: Any) -> tuple[bool, str]:
        """Whether the form's step still applies to the item as it is now, and its state."""
        return True, ""

    def on_reloaded(self, detail: Any) -> None:
        """Redraw what the form shows of the item (its summary line)."""

    def field_row(self, name: str, label: str, widget) -> ComposeResult:
        with Horizontal(classes="field-head"):
            yield Label(label, classes="field-label", markup=False)
            yield Label("", id=f"err-{name}", classes="field-error", markup=False)
        yield widget

    def buttons(self) -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button(t("form.ok") + " (Ctrl+S)", variant="primary", id="ok", compact=True)
            yield Button(t("form.cancel") + " (Esc)", id="cancel", compact=True)
        yield Label("", id="form-error", classes="field-error", markup=False)

    def show_errors(self, fields: dict[str, str] | None, general: str | None = None) -> None:
        self._refused_with = self.typed_values()
        for label in self.query(".field-error"):
            _say(label, "")
        for name, text in (fields or {}).items():
            matches = self.query(f"#err-{name}")
            if matches:
                _say(matches.first(Label), text)
            else:
                general = "; ".join(filter(None, [general, text]))
        _say(self.query_one("#form-error", Label), general or "")

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()

    @on(Input.Changed)
    @on(Picker.Changed)
    @on(SelectionList.SelectedChanged)
    def _field_changed(self, event) -> None:
        """An error goes as soon as the officer changes the field it was about — not on the
        news of a change typed before the form was submitted (in a burst, that news arrives
        after the refusal)."""
        widget = event.control
        if widget is None or not widget.id:
            return
        if self._refused_with.get(widget.id, _UNSET) == _value_of(widget):
            return
        matches = self.query(f"#err-{widget.id}")
        if matches:
            _say(matches.first(Label), "")

    def on_mount(self) -> None:
        self._as_opened = self.typed_values()
        # The toasts on screen were seen (the officer looked up and chose to open this form);
        # left, they would cover the form's right half for their 8 s at 80 columns. The
        # cases they named keep their cards on the boards; a notice that comes while the
        # form is open still shows.
        self.app.clear_notifications()

    def typed_values(self) -> dict[str, object]:
        """What each field holds now, by its id (to know whether anything was typed)."""
        return {widget.id or "": _value_of(widget)
                for widget in self.query("Input, Picker, Checkbox, SelectionList")}

    async def action_cancel(self) -> None:
        """Esc: close — after asking, when something typed would be thrown away (awaited, so
        that a key typed right behind Esc answers the question)."""
        if self.typed_values() == self._as_opened:
            self.dismiss(None)
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        await self.app.push_screen(ConfirmScreen(t("form.discard")), answer)

    def typed_path(self) -> Path | None:
        """The file the `#path` field names, or None (and the field says it is required)."""
        raw = str(self.query_one("#path", Input).value).strip()
        if not raw:
            self.show_errors({"path": t("field_error.required", field=t("police.import.path"))})
            return None
        return Path(raw).expanduser()

    @property
    def over_ssh(self) -> bool:
        """An export form opened over SSH shows the command that fetches it instead."""
        from dutydesk.over_ssh import served_over_ssh

        return served_over_ssh()

    def ssh_command(self, words: list[str], file_name: str) -> ComposeResult:
        """Over SSH the office cannot reach the account's files: the command line that
        fetches this export through the officer's own key, to copy, instead of a path."""
        from dutydesk.over_ssh import command_line

        yield Static(t("form.over_ssh"), classes="form-context")
        yield Static(plain(command_line(words, file_name)), id="ssh-command",
                     classes="ssh-command")

    async def export_to(self, write: Callable[[Path], None]) -> None:
        """Write an export to the file the `#path` field names — in full, in the exports
        folder when it is a bare name — after asking whether to replace one that is there.
        Over SSH there is nothing to write here: the form showed the command instead."""
        if self.over_ssh:
            self.dismiss(None)
            return
        if (typed := self.typed_path()) is None:
            return
        try:
            path = export_path(typed)
        except OSError as exc:
            self.show_errors(None, t("police.export.failed", detail=exc.strerror or ""))
            return

        def answer(replace: bool | None) -> None:
            if replace:
                self.query_one("#ok", Button).disabled = True
                write(path)

        if path.exists():
            await self.app.push_screen(ConfirmScreen(t("form.replace_file", path=str(path))),
                                       answer)
        else:
            answer(True)

    def worker_failed(self, text: str) -> None:
        self.query_one("#ok", Button).disabled = False
        self.show_errors(None, text)

    def action_submit(self) -> None:
        raise NotImplementedError

    def post_outcome(self, call: Callable[[], Any], result: Callable[[Any], object],
                     fields: Callable[[dict[str, str]], dict[str, str]] = dict) -> None:
        """Run a service call (from a worker thread) and post how it went: refused fields
        beside their widgets (`fields` may rename them), any other refusal — or a file that
        cannot be written — as one sentence, else the form's result made from its value."""
        self.post_message(_Saving())
        try:
            value = call()
        except ValidationFailed as exc:
            self.post_message(_Outcome(False, fields=fields(exc.fields)))
        except StaleWrite as exc:
            self.post_stale(exc)
        except DutyDeskError as exc:
            self.post_message(_Outcome(False, error=exc.message()))
        except OSError as exc:
            self.post_message(_Outcome(False, error=t("police.export.failed",
                                                      detail=exc.strerror or "")))
        else:
            self.post_message(_Outcome(True, result=result(value)))

    def post_stale(self, exc: StaleWrite) -> None:
        """Who changed the item, when and how — and Ctrl+R, where the form can read it again."""
        stale = self.detail is not None and type(self).fetch_detail is not FormScreen.fetch_detail
        hint = "  " + t("form.reload_hint") if stale else ""
        self.post_message(_Outcome(False, error=exc.message() + hint, stale=stale))

    def action_reload(self) -> None:
        if not self.stale:
            self.app.bell()
            return
        self._reload()

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False)
    def _reload(self) -> None:
        try:
            detail = self.fetch_detail()
        except DutyDeskError as exc:
            self.post_message(DetailReread(None, exc.message()))
            return
        self.post_message(DetailReread(detail))

    @on(DetailReread)
    def _reloaded(self, message: DetailReread) -> None:
        if message.error is not None:
            self.show_errors(None, message.error)
            return
        detail = message.detail
        self.detail, self.stale = detail, False
        self.on_reloaded(detail)
        applies, state = self.step_applies(detail)
        self.query_one("#ok", Button).disabled = not applies
        self.show_errors(None, t("form.reloaded" if applies else "form.no_longer", state=state))

    @on(_Saving)
    def _saving(self) -> None:
        """A save that waits for its turn (other sessions writing, a long import) says so
        after a second, rather than looking stuck."""
        self._still_saving = self.set_timer(QUEUED_AFTER_SECONDS, lambda: _say(
            self.query_one("#form-error", Label), t("form.queued")))

    @on(_Outcome)
    def _outcome(self, outcome: _Outcome) -> None:
        if self._still_saving is not None:
            self._still_saving.stop()
            self._still_saving = None
        self.query_one("#ok", Button).disabled = False
        self.stale = outcome.stale
        if outcome.ok:
            self.dismiss(outcome.result)
        else:
            self.show_errors(outcome.fields, outcome.error)


class NewCaseScreen(FormScreen):
    """登记新工单: channel, reporter and phone, address and place, category, summary."""

    def compose(self) -> ComposeResult:
        choices = self.app.choices
        with FormBody(classes="form"):
            yield Static(t("form.new_case"), classes="form-title")
            yield from self.field_row("channel", t("field.channel"), Picker(
                [(t(f"channel.{c.value}"), c.value) for c in Channel],
                value=Channel.PHONE.value, allow_blank=False, id="channel"))
            yield from self.field_row("summary", field_label("summary", True),
                                      TextInput(compact=True, id="summary"))
            yield from self.field_row("reporter_name", t("field.reporter_name"),
                                      TextInput(compact=True, id="reporter_name"))
            yield from self.field_row("reporter_phone", t("field.reporter_phone"), TextInput(
                compact=True, id="reporter_phone", placeholder="13800138000"))
            yield from self.field_row("address", t("field.address"),
                                      TextInput(compact=True, id="address"))
            yield from self.field_row("node", field_label("node", True), Picker(
                choice_options(choices["nodes"]), prompt=t("form.pick"), id="node"))
            yield from self.field_row("category", t("field.category"), Picker(
                choice_options(choices["categories"]), prompt=t("form.pick"), id="category"))
            yield from self.buttons()

    AUTO_FOCUS = "#summary"  # set as the form is composed: keys typed after `n` land here

    def action_submit(self) -> None:
        draft = cases.CaseDraft(
            channel=self.query_one("#channel", Picker).code,
            summary=self.query_one("#summary", Input).value,
            node_code=self.query_one("#node", Picker).code,
            reporter_name=self.query_one("#reporter_name", Input).value,
            reporter_phone=self.query_one("#reporter_phone", Input).value,
            address=self.query_one("#address", Input).value,
            category_code=self.query_one("#category", Picker).code,
        )
        self.save(draft)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, draft: cases.CaseDraft) -> None:
        self.post_outcome(lambda: cases.create_case(self.app.desk, self.app.actor, draft),
                          lambda case_id: case_id)


class ActionScreen(FormScreen):
    """One lifecycle action on one case (or on the marked cases, for bulk actions).

    Its fields are the transition's declared fields; with none it is a confirmation.
    Dismisses with (message, error) after the service has run.
    """

    def __init__(self, transition: Transition, role: Role, targets: list[int],
                 detail: CaseDetail | None) -> None:
        super().__init__()
        self.transition = transition
        self.role = role
        self.targets = targets
        self.detail = detail

    def compose(self) -> ComposeResult:
        tr = self.transition
        label = t(f"action.{tr.action.value}")
        title = (t("form.action_title", action=label, id=f"#{self.targets[0]}")
                 if len(self.targets) == 1
                 else t("form.bulk_title", action=label, count=len(self.targets)))
        with FormBody(classes="form"):
            yield Static(plain(title), classes="form-title")
            if self.detail is not None:
                yield Static(plain(self.detail.summary), classes="form-context", id="case-summary")
                for line in self._context_lines():
                    yield Static(plain(line), classes="form-context")
            for f in tr.fields + tr.optional:
                yield from self.field_row(f.value, field_label(f.value, f in tr.fields),
                                          self._widget(f))
            if tr.needs_on_behalf(self.role):
                people = self.detail.contacts.get(tr.action.value, []) if self.detail else []
                yield from self.field_row("on_behalf_of", field_label("on_behalf_of", True),
                                          Picker([(plain(name), name) for name in people],
                                                 prompt=t("form.pick"), id="on_behalf_of"))
            yield from self.buttons()

    def _widget(self, f: Field):
        choices = self.app.choices
        d = self.detail
        match f:
            case Field.CATEGORY:
                value = d.category_code if d and d.category_code else None
                return Picker(choice_options(choices["categories"]), prompt=t("form.pick"),
                              value=value, id=f.value)
            case Field.NODE:
                value = d.node_code if d and d.node_code else None
                return Picker(choice_options(choices["nodes"]), prompt=t("form.pick"), value=value,
                              id=f.value)
            case Field.LEAD_UNIT:
                options = self._unit_options()
                planned = d.planned_units[0] if d and d.planned_units else None
                return Picker(options, prompt=t("form.pick"), id=f.value,
                              value=planned if planned in {c for _, c in options}
                              else None)
            case Field.CO_UNITS:
                chosen = set(d.planned_units[1]) if d and d.planned_units else set()
                return Checklist(*((label, code, code in chosen)
                                       for label, code in self._unit_options()), id=f.value)
            case Field.NEW_DUE:
                return TextInput(compact=True, placeholder="YYYY-MM-DD HH:MM", id=f.value)
            case Field.MERGE_INTO if d is not None and d.merge_candidates:
                return Picker([(plain(f"#{c.id} {local_time(c.created_at)} {c.summary}"),
                                str(c.id)) for c in d.merge_candidates],
                              prompt=t("form.pick_duplicate"), id=f.value)
            case Field.MERGE_INTO:
                return TextInput(compact=True, placeholder="123", id=f.value, restrict=r"[0-9]*",
                                 max_length=len(str(cases.CASE_ID_MAX)))
            case _:
                return TextInput(compact=True, id=f.value)

    AUTO_FOCUS = "Input, Picker, SelectionList, #ok"  # the first field, else the OK button

    def _context_lines(self) -> list[str]:
        """What the officer must see to decide: the deadline an extension or 加急 would move,
        and a pending request's date and reason."""
        d, action = self.detail, self.transition.action
        assert d is not None
        if action in (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION) and d.extension_due_at:
            request = next((e for e in reversed(d.timeline)
                            if e.action == Action.REQUEST_EXTENSION.value), None)
            return [t("form.extension_requested", when=local_time(d.extension_due_at),
                      due=local_time(d.due_at),
                      reason=request.payload.get("reason", "") if request else "")]
        if action in (Action.REQUEST_EXTENSION, Action.EXPEDITE):
            return [t("form.current_deadline", when=local_time(d.due_at))]
        return []

    def _unit_options(self) -> list[tuple[Text, str]]:
        return unit_options(self.app.choices["units"],
                             self.detail.suggested_units if self.detail else [])

    def _value(self, f: Field) -> str:
        widget = self.query_one(f"#{f.value}")
        return widget.code if isinstance(widget, Picker) else widget.value  # type: ignore

    def action_submit(self) -> None:
        tr = self.transition
        inputs = cases.ActionInput()
        errors: dict[str, str] = {}
        for f in tr.fields + tr.optional:
            if f is Field.CO_UNITS:
                inputs.co_unit_codes = list(self.query_one(f"#{f.value}", SelectionList).selected)
                continue
            raw = self._value(f).strip()
            match f:
                case Field.NEW_DUE:
                    if raw:
                        try:
                            inputs.new_due = dt.datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(
                                tzinfo=LOCAL_TZ)
                        except ValueError:
                            errors[f.value] = t("field_error.bad_datetime", value=raw)
                case Field.MERGE_INTO:
                    if raw:
                        inputs.merge_into = int(raw)
                case _:
                    setattr(inputs, cases.FIELD_ATTRIBUTE[f], raw)
        if tr.needs_on_behalf(self.role):
            inputs.on_behalf_of = self.query_one("#on_behalf_of", Picker).code
        if errors:
            self.show_errors(errors)
            return
        self.query_one("#ok", Button).disabled = True
        self.run_action(inputs)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_action(self, inputs: cases.ActionInput) -> None:
        app = self.app
        action = self.transition.action
        versions = {self.detail.id: self.detail.version} if self.detail else {}
        done, failures = 0, []
        for case_id in self.targets:
            try:
                cases.perform(app.desk, app.actor, case_id, action, inputs,
                              expected_version=versions.get(case_id))
                done += 1
            except ValidationFailed as exc:
                if len(self.targets) == 1:
                    self.post_message(_Outcome(False, fields=exc.fields))
                    return
                failures.append(f"#{case_id} {exc.message()}")
            except DutyDeskError as exc:
                if len(self.targets) == 1:
                    if isinstance(exc, StaleWrite):
                        self.post_stale(exc)
                    else:
                        self.post_message(_Outcome(False, error=exc.message()))
                    return
                failures.append(f"#{case_id} {exc.message()}")
        label = t(f"action.{action.value}")
        if len(self.targets) == 1:
            text = t("form.done", action=label, id=self.targets[0])
        else:
            text = t("queue.bulk_done", action=label, ok=done, failed=len(failures))
        self.post_message(_Outcome(True, result=(text, "\n".join(failures) or None)))



    def fetch_detail(self) -> CaseDetail:
        from dutydesk.services.queue import case_detail

        return case_detail(self.app.desk, self.app.actor, self.detail.id)

    def step_applies(self, detail: CaseDetail) -> tuple[bool, str]:
        return (any(a.action is self.transition.action for a in detail.actions),
                t(f"state.{detail.state}"))

    def on_reloaded(self, detail: CaseDetail) -> None:
        self.query_one("#case-summary", Static).update(plain(detail.summary))


class FilterScreen(FormScreen):
    """筛选: channel, state and place on top of the current view and search."""

    def __init__(self, current: QueueFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        c = self.current
        nodes = self.app.choices["nodes"]
        node_code = next((n.code for n in nodes if n.id == c.node_id), None)
        with FormBody(classes="form"):
            yield Static(t("form.filter_title"), classes="form-title")
            yield from self.field_row("channel", t("field.channel"), Picker(
                [(t(f"channel.{ch.value}"), ch.value) for ch in Channel], prompt=t("form.any"),
                value=c.channel or None, id="channel"))
            yield from self.field_row("state", t("column.state"), Picker(
                [(t(f"state.{s.value}"), s.value) for s in CaseState], prompt=t("form.any"),
                value=c.state or None, id="state"))
            yield from self.field_row("node", t("field.node"), Picker(
                choice_options(nodes), prompt=t("form.any"), value=node_code, id="node"))
            yield from self.buttons()

    AUTO_FOCUS = "#channel"

    def action_submit(self) -> None:
        def value(name: str) -> str | None:
            return self.query_one(f"#{name}", Picker).code or None

        node_code = value("node")
        node = next((n for n in self.app.choices["nodes"] if n.code == node_code), None)
        self.dismiss(QueueFilter(
            view=self.current.view, search=self.current.search, channel=value("channel"),
            state=value("state"), node_id=node.id if node else None,
            node_kind=node.kind if node else None))


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or Enter answers yes, n or Esc no."""

    CSS_PATH = "forms.tcss"
    BINDINGS = [
        Binding("y,enter", "answer(True)", "", show=False),
        Binding("n,escape", "answer(False)", "", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form confirm"):
            yield Static(plain(self.question), classes="form-title")
            yield Static(t("form.confirm_keys"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def unit_options(units, suggested: list[str]) -> list[tuple[Text, str]]:
    """Units that handle the category in the place first, marked ★."""
    first = set(suggested)
    return [(plain(("★ " if c.code in first else "  ") + c.label), c.code)
            for c in sorted(units, key=lambda c: c.code not in first)]


class ReasonScreen(FormScreen):
    """One step that needs only a line of text, logged with it (P: why the full phone is
    needed; L: why the chief takes a claim over; the 交接事项 of a handover). `call(text)` runs
    the service in a worker; `result(value)` is the text the form closes with."""

    AUTO_FOCUS = "#reason"

    def __init__(self, title: str, call: Callable[[str], Any],
                 result: Callable[[Any], str], field: str = "reason",
                 required: bool = True) -> None:
        super().__init__()
        self.title_text, self.call, self.result = title, call, result
        self.field, self.required = field, required

    def compose(self) -> ComposeResult:
        with FormBody(classes="form"):
            yield Static(plain(self.title_text), classes="form-title")
            yield from self.field_row(self.field, field_label(self.field, self.required),
                                      TextInput(compact=True, id="reason"))
            yield from self.buttons()

    def action_submit(self) -> None:
        self.query_one("#ok", Button).disabled = True
        self.run_step(self.query_one("#reason", Input).value)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def run_step(self, reason: str) -> None:
        self.post_outcome(lambda: self.call(reason), self.result)


async def reveal_with_reason(screen, reveal: Callable[[str], str],
                             shown: Callable[[str], str]) -> None:
    """P on any board: ask why (the reason is logged with the reveal), then show the personal
    data for a while as a notification, never in a list."""
    from dutydesk.services.privacy import REVEAL_SECONDS

    def done(text: str | None) -> None:
        if text:
            screen.notify(text, markup=False, timeout=REVEAL_SECONDS)

    await screen.app.push_screen(ReasonScreen(t("privacy.title"), reveal, shown), done)
