"""A statistics report as the tables it is sent up in (周报 · 月通报): the same tables feed the
screen's table views, the XLSX workbook, the CSV and the Markdown, so each says the same thing.

A cell is a number, a rate (0..1), a change in percentage points, a text, or None (shown as —
with the table's note saying why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.i18n import t
from dutydesk.services.statistics import Report


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    RATE = "rate"  # a fraction, shown as a percentage
    POINTS = "points"  # a change of a rate, in percentage points


@dataclass(frozen=True)
class Column:
    title: str
    kind: Kind = Kind.COUNT


@dataclass
class Table:
    key: str  # stable name: a sheet's, a section's
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    value_kinds: list[Kind] = field(default_factory=list)  # the last column's, row by row

    def kinds(self, index: int) -> tuple[Kind, ...]:
        """Row `index`'s cell kinds: in a table of figures the value column holds counts and
        rates."""
        kinds = tuple(c.kind for c in self.columns)
        return kinds[:-1] + (self.value_kinds[index],) if self.value_kinds else kinds


def cell_text(value, kind: Kind) -> str:
    """How a cell reads on screen, in CSV and in Markdown."""
    if value is None:
        return "—"
    if kind is Kind.RATE:
        return f"{value * 100:.2f}%"
    if kind is Kind.POINTS:
        return f"{value * 100:+.2f}"
    return str(value)


def title_of(report: Report) -> str:
    return t("stats.report_title", place=report.place.name, period=report.period.label,
             first=report.period.first.isoformat(), last=report.period.last.isoformat())


def made_line(report: Report) -> str:
    """As of when the figures are: a past period's end (they never change after it), or the
    moment a running period was counted."""
    _, end = report.period.utc_bounds()
    if report.made_at >= end:
        return t("stats.as_of_end", day=report.period.last.isoformat())
    return t("stats.as_of", at=f"{report.made_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}") \
        + t("stats.running")


def report_tables(report: Report) -> list[Table]:
    return [headline_table(report), days_table(report), ranking_table(report),
            police_table(report), disputes_table(report), revisits_table(report)]


def _figure_table(key: str, rows: list[tuple[str, object, Kind]], notes=()) -> Table:
    """A two-column table of named figures; its value column holds counts and rates."""
    return Table(key, t(f"stats.table.{key}"),
                 (Column(t("stats.column.figure"), Kind.TEXT), Column(t("stats.column.value"))),
                 [(name, value) for name, value, _ in rows], list(notes),
                 [kind for _, _, kind in rows])


def headline_table(report: Report) -> Table:
    h = report.headline
    return _figure_table("headline", [
        (t("stats.figure.received"), h.received, Kind.COUNT),
        (t("stats.figure.filed"), h.filed, Kind.COUNT),
        (t("stats.figure.dispatched"), h.dispatched, Kind.COUNT),
        (t("stats.figure.closed"), h.closed, Kind.COUNT),
        (t("stats.figure.disposal_rate"), h.disposal_rate, Kind.RATE),
        (t("stats.figure.on_time_rate"), h.on_time_rate, Kind.RATE),
        (t("stats.figure.overdue"), h.overdue, Kind.COUNT),
        (t("stats.figure.returned"), h.returned, Kind.COUNT),
        (t("stats.figure.redone"), h.redone, Kind.COUNT),
    ], notes=[t("stats.note.definitions")]
        + ([t("stats.note.nothing_dispatched")] if h.dispatched == 0 else []))


def days_table(report: Report) -> Table:
    return Table("days", t("stats.table.days"),
                 (Column(t("stats.column.day"), Kind.TEXT), Column(t("stats.figure.received")),
                  Column(t("stats.figure.dispatched")), Column(t("stats.figure.closed"))),
                 [(d.day.isoformat(), d.received, d.dispatched, d.closed) for d in report.days])


def ranking_table(report: Report) -> Table:
    columns = (Column(t("stats.column.rank")), Column(t("stats.column.unit"), Kind.TEXT),
               Column(t("stats.figure.dispatched")), Column(t("stats.figure.closed")),
               Column(t("stats.figure.disposal_rate"), Kind.RATE),
               Column(t("stats.figure.on_time_rate"), Kind.RATE),
               Column(t("stats.figure.overdue")), Column(t("stats.figure.returned")),
               Column(t("stats.figure.redone")), Column(t("stats.column.chased")),
               Column(t("stats.column.circulated")), Column(t("stats.column.previous_rank")),
               Column(t("stats.column.rate_change"), Kind.POINTS))
    rows = [(u.rank, u.name, u.dispatched, u.closed, u.disposal_rate, u.on_time_rate, u.overdue,
             u.returned, u.redone, u.chased, u.circulated, u.previous_rank, u.rate_change)
            for u in report.units]
    return Table("ranking", t("stats.table.ranking"), columns, rows,
                 [t("stats.note.ranking", previous=report.period.previous().label)])


def police_table(report: Report) -> Table:
    p = report.police
    if p is None:
        return _figure_table("police", [], notes=[t(report.notes["police"])])
    share_note = [t(report.notes["police_share"])] if "police_share" in report.notes else []
    return _figure_table("police", [
        (t("stats.police.received"), p.received, Kind.COUNT),
        (t("stats.police.signed"), p.signed, Kind.COUNT),
        (t("stats.police.signed_on_time"), p.signed_on_time, Kind.COUNT),
        (t("stats.police.diverted"), p.diverted, Kind.COUNT),
        (t("stats.police.returned"), p.returned, Kind.COUNT),
        (t("stats.police.fed_back"), p.fed_back, Kind.COUNT),
        (t("stats.police.feedback_on_time_rate"),
         p.fed_back_on_time / p.fed_back if p.fed_back else None, Kind.RATE),
        (t("stats.police.all_calls"), p.all_calls, Kind.COUNT),
        (t("stats.police.share"), p.share, Kind.RATE),
    ], notes=share_note)


def disputes_table(report: Report) -> Table:
    d = report.disputes
    columns = (Column(t("stats.column.group"), Kind.TEXT), Column(t("stats.column.item"),
                                                                  Kind.TEXT),
               Column(t("stats.column.count")))
    rows: list[tuple] = [(t("stats.disputes.colour"), t(f"colour.{c}"), n)
                         for c, n in d.by_colour.items()]
    rows += [(t("stats.disputes.type"), t(f"dispute.type.{k}"), n) for k, n in d.by_type.items()]
    rows += [(t("stats.disputes.outcome"), t(f"dispute.outcome.{o}"), n)
             for o, n in d.by_outcome.items()]
    summary = t("stats.disputes.summary")
    rows += [(summary, t("stats.disputes.total"), d.total),
             (summary, t("stats.disputes.concluded"), d.concluded),
             (summary, t("stats.disputes.succeeded"), d.succeeded),
             (summary, t("stats.disputes.success_rate"), d.success_rate)]
    kinds = [Kind.COUNT] * (len(rows) - 1) + [Kind.RATE]
    return Table("disputes", t("stats.table.disputes"), columns, rows,
                 [t("stats.note.disputes")], kinds)


def revisits_table(report: Report) -> Table:
    r = report.revisits
    return _figure_table("revisits", [
        (t("stats.revisits.due"), r.due, Kind.COUNT),
        (t("stats.revisits.done_on_time"), r.done_on_time, Kind.COUNT),
        (t("stats.revisits.on_time_rate"), r.on_time_rate, Kind.RATE),
        (t("stats.revisits.reached"), r.reached, Kind.COUNT),
        (t("stats.revisits.satisfied"), r.satisfied, Kind.COUNT),
        (t("stats.revisits.satisfaction_rate"), r.satisfaction_rate, Kind.RATE),
    ], notes=[t("stats.note.revisits")])
