"""The detail pane: a case's facts and its event timeline, as read from the event log."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from dutydesk.i18n import catalogue, language, local_time, t
from dutydesk.services.queue import CaseDetail, TimelineEntry
from dutydesk.tui.format import deadline_long

_PAYLOAD_FIELDS = ("channel", "reason", "result", "evidence", "note", "category", "node",
                   "lead_unit", "co_units", "into", "reporter", "phone", "from", "to", "new_due")
# Values that are catalogue words or moments rather than free text.
_TRANSLATED = {"channel": "channel", "from": "level", "to": "level"}


class CaseDetailView(VerticalScroll):
    def compose(self):
        yield Static(id="detail-body")

    def show(self, detail: CaseDetail | None) -> None:
        body = self.query_one("#detail-body", Static)
        if detail is None:
            body.update(Text(t("queue.no_case"), style="dim"))
            return
        body.update(Group(_facts(detail), Text(""), _timeline(detail.timeline)))


def _facts(d: CaseDetail) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    head = Text(f"#{d.id} ", style="bold")
    head.append(f"[{t('state.' + d.state)}] ", style="reverse")
    head.append(d.summary)
    grid.add_row(t("detail.title", id=d.id), head)
    grid.add_row(t("detail.deadline"), deadline_long(d.deadline))
    where = f"{d.node}  {d.address}".strip()
    grid.add_row(t("detail.node"), where or "—")
    who = d.reporter_name + (f"  {d.reporter_phone_masked}" if d.reporter_phone_masked else "")
    grid.add_row(t("detail.reporter"), who or "—")
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
    grid.add_row(t("detail.category"), " · ".join(extra))
    keys = "  ".join(f"{tr.key} {t('action.' + tr.action.value)}" for tr in d.actions)
    grid.add_row(t("detail.actions"), keys or t("detail.no_actions"))
    return grid


def _timeline(entries: list[TimelineEntry]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, style="dim")
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    table.title = t("detail.timeline")
    table.title_justify = "left"
    for e in entries:
        who = e.actor + (t("detail.on_behalf", who=e.on_behalf_of) if e.on_behalf_of else "")
        table.add_row(local_time(e.at), t(f"action.{e.action}"),
                      f"{who}  {_payload_text(e.payload)}".rstrip())
    return table


def _payload_text(payload: dict) -> str:
    parts = []
    card = payload.get("card")
    if card:
        parts.append(t(f"detail.card_{card}"))
    for key in _PAYLOAD_FIELDS:
        value = payload.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "、".join(map(str, value))
        elif key in _TRANSLATED and f"{_TRANSLATED[key]}.{value}" in catalogue(language()):
            value = t(f"{_TRANSLATED[key]}.{value}")
        elif isinstance(value, str) and _looks_like_moment(value):
            value = local_time(datetime.fromisoformat(value))
        parts.append(str(value))
    return " · ".join(parts)


def _looks_like_moment(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False
