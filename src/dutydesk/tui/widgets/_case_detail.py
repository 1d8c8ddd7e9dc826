"""The detail pane: a case's facts and its event timeline, as read from the event log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from dutydesk.tui.claiming import hold_text
from dutydesk.i18n import catalogue, language, local_time, step_label, t
from dutydesk.services.queue import CaseDetail
from dutydesk.services.timeline import TimelineEntry
from dutydesk.tui.format import deadline_long, plain

_PAYLOAD_FIELDS = ("channel", "from_colour", "colour", "reason", "result", "evidence", "note",
                   "category", "node", "lead_unit", "co_units", "into", "reporter", "phone",
                   "from", "to", "new_due", "feedback", "source", "mediator", "method",
                   "outcome", "units", "unit", "response", "stage")
# Values that are catalogue words or moments rather than free text.
_TRANSLATED = {"channel": ("channel",), "from": ("level",), "to": ("level",),
               "colour": ("colour",), "from_colour": ("colour",),
               "outcome": ("dispute", "outcome"), "stage": ("dispute", "stage"),
               "method": ("dispute", "method"), "result": ("dispute", "result")}


class DetailPane(VerticalScroll):
    """A fixed number of lines of facts; the record's timeline below them only while expanded.

    The facts repaint on every cursor move without a layout pass (their height never
    changes); the timeline, whose length varies, is rendered only when it is shown. A board
    gives the function that draws its record's facts; the record has a `timeline`.
    """

    DEFAULT_CSS = """
    DetailPane > .detail-facts {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    DetailPane > .detail-timeline {
        display: none;
    }
    DetailPane.-expanded > .detail-timeline {
        display: block;
    }
    """

    def __init__(self, facts: Callable[[Any], list[Text]], empty: str, *,
                 fixed_height: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.facts = facts
        self.empty = empty
        # A board whose facts are always the same number of lines repaints them without a
        # layout pass; one whose facts vary (a handover sheet) lays them out and scrolls.
        self.fixed_height = fixed_height
        self.detail: Any = None

    @property
    def expanded(self) -> bool:
        return self.has_class("-expanded")

    def compose(self):
        yield Static(classes="detail-facts")
        yield Static(classes="detail-timeline")

    def show(self, detail: Any) -> None:
        self.detail = detail
        facts = (Text(self.empty, style="dim") if detail is None
                 else Text("\n").join(self.facts(detail)))
        # One line per fact, cut with an ellipsis (CSS text-wrap/text-overflow), so that the
        # line of keys always keeps its place.
        self.query_one(".detail-facts", Static).update(facts, layout=not self.fixed_height)
        if self.expanded:
            self._show_timeline()

    def set_expanded(self, expanded: bool) -> None:
        self.set_class(expanded, "-expanded")
        if expanded:
            self._show_timeline()

    def _show_timeline(self) -> None:
        lines = [Text(""), *timeline_lines(self.detail.timeline)] if self.detail else []
        self.query_one(".detail-timeline", Static).update(Text("\n").join(lines))


class CaseDetailView(DetailPane):
    """A case's six lines of facts, then its timeline."""

    def __init__(self, **kwargs) -> None:
        super().__init__(lambda d: _facts(d, self.app.desk.clock.now(), self.app.no_color),
                         t("queue.no_case"), **kwargs)


def _row(label: str, value: Text | str, width: int = 10) -> Text:
    line = Text(label + " " * max(1, width - cell_len(label)), style="bold")
    line.append(value if isinstance(value, Text) else plain(value))
    return line


def _facts(d: CaseDetail, now: datetime, no_color: bool) -> list[Text]:
    head = Text(f"#{d.id} ", style="bold")
    head.append(f"[{t('state.' + d.state)}] ", style="reverse")
    head.append(plain(d.summary))
    where = f"{d.node}  {d.address}".strip()
    who = d.reporter_name + (f"  {d.reporter_phone_masked}" if d.reporter_phone_masked else "")
    extra = [t(f"channel.{d.channel}"), d.category or "—",
             f"{t('detail.level')}:{t('level.' + d.level)}"]
    if d.lead_unit:
        extra.append(f"{t('detail.units')}:{d.lead_unit}"
                     + (" + " + "、".join(d.co_units) if d.co_units else ""))
    if d.extension_due_at:
        extra.append(t("detail.extension", when=local_time(d.extension_due_at)))
    if d.redo_count:
        extra.append(t("detail.redo", count=d.redo_count))
    if d.urge_count:
        extra.append(t("detail.urged", count=d.urge_count))
    if d.merged_into_id:
        extra.append(t("detail.merged_into", id=d.merged_into_id))
    keys = hold_text(d)  # who works it now (认领), in front of what may be done
    keys.append("  ".join(f"{tr.key} {t('action.' + tr.action.value)}" for tr in d.actions),
                style="bold")
    return [
        _row(t("detail.title", id=d.id), head),
        _row(t("detail.deadline"), deadline_long(d.deadline, now, no_color)),
        _row(t("detail.node"), where or "—"),
        _row(t("detail.reporter"), who or "—"),
        _row(t("detail.category"), " · ".join(extra)),
        _row(t("detail.actions"), keys if keys.plain else Text(t("detail.no_actions"),
                                                               style="bold")),
    ]


def timeline_lines(entries: list[TimelineEntry]) -> list[Text]:
    lines = [Text(t("detail.timeline"), style="bold underline")]
    for e in entries:
        line = Text(local_time(e.at) + " ", style="dim")
        action = step_label(e.action)
        line.append(action + " " * max(1, 9 - cell_len(action)), style="bold")
        who = e.actor + (t("detail.on_behalf", who=e.on_behalf_of) if e.on_behalf_of else "")
        what = (t("detail.merged_from", id=e.merged_from) if e.merged_from is not None
                else _payload_text(e.payload))
        line.append(plain(f"{who}  {what}".rstrip()))
        lines.append(line)
    return lines


def _payload_text(payload: dict) -> str:
    parts = []
    card = payload.get("card")
    if card:
        parts.append(t(f"detail.card_{card}"))
    if payload.get("on_time") is False or payload.get("late"):
        parts.append(t("detail.late"))
    if payload.get("withdrew_extension"):
        parts.append(t("detail.withdrew_extension"))
    for key in _PAYLOAD_FIELDS:
        value = payload.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "、".join(map(str, value))
        elif key in _TRANSLATED and (
                label := ".".join((*_TRANSLATED[key], str(value)))) in catalogue(language()):
            value = t(label)
        elif isinstance(value, str) and _looks_like_moment(value):
            value = local_time(datetime.fromisoformat(value))
        parts.append(str(value))
    return " · ".join(parts)


def _looks_like_moment(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False
