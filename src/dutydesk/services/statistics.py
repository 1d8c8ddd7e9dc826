"""统计: a period's figures for a place, counted by SQL aggregation over indexed columns, never by
loading rows (DOMAIN.md, statistics).

Definitions, each counted once per case:
- 受理: cases received in the period, merged duplicates left out (the survivor counts).
- 立案 / 派单: cases first filed / first dispatched in the period (a re-dispatch after 退单 or
  a reopening is not a new one).
- 结案: dispatched cases whose latest 结案 fell in the period (a reopened case counts where it
  was closed again; 直接办结 without a unit is not part of the disposal rate). 处置率 = 结案 ÷ 派单.
- 按时办结率: of those, the ones whose unit replied in time ÷ 结案.
- 超期: closures in the period whose reply was late, and cases still with their unit whose
  deadline fell in the period and has passed.
- 退单 / 重办: the returns and the 核查不通过 or reopenings logged in the period.
A unit's figures are those of the cases it leads (the lead unit at the time of counting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, case, func, or_, text
from sqlmodel import Session, col, select

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.disputes import Colour, DisputeType, Outcome
from dutydesk.domain.lifecycle import DESK_ROLES, CaseState, Level, Role, redo_actions
from dutydesk.domain.revisits import RevisitKind, RevisitResult, RevisitStatus, Satisfaction
from dutydesk.domain.statistics import Period, rate
from dutydesk.domain.supervision import Card
from dutydesk.errors import NotFound, PermissionDenied
from dutydesk.services.events import refusals_logged
from dutydesk.services.inputs import echo
from dutydesk.services.context import Actor, Desk
from dutydesk.services.police import PoliceFigures, figures_in
from dutydesk.services.scope import node_in_scope, place_clause
from dutydesk.services.overdue import late_during
from dutydesk.store.sql import co_unit_part, json_text, local_day
from dutydesk.store.models import (
    STAT_STEPS_SQL, Case, CaseClosure, CaseUnit, Dispute, Event, Node, PartSupervisionStep, Revisit,
    SupervisionStep, Unit,
)

MEDIATION_SUCCESS = (Outcome.MEDIATED.value, Outcome.COURT_CONFIRMED.value)
SATISFIED = (Satisfaction.SATISFIED.value, Satisfaction.BASICALLY.value)
REDO_ACTIONS = redo_actions()
STEPS = 7  # the report's parts, for a progress bar


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str


class DisposalRates:
    """处置率 and 按时办结率 of anything that counts dispatched, closed and closed-on-time."""

    dispatched: int
    closed: int
    closed_on_time: int

    @property
    def disposal_rate(self) -> float | None:
        return rate(self.closed, self.dispatched)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.closed_on_time, self.closed)


@dataclass(frozen=True)
class Headline(DisposalRates):
    received: int
    filed: int
    dispatched: int
    closed: int
    closed_on_time: int
    overdue: int
    returned: int
    redone: int


@dataclass(frozen=True)
class DayRow:
    day: dt.date
    received: int
    dispatched: int
    closed: int


@dataclass
class UnitRow(DisposalRates):
    unit_id: int
    name: str
    dispatched: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    returned: int = 0
    redone: int = 0
    chased: int = 0  # 催办 written in the period
    circulated: int = 0  # 通报
    rank: int | None = None  # None: nothing dispatched, nothing to rank by
    previous_rank: int | None = None
    previous_rate: float | None = None

    @property
    def rate_change(self) -> float | None:
        now, before = self.disposal_rate, self.previous_rate
        return None if now is None or before is None else now - before

    def sort_key(self) -> tuple:
        # 处置率 first, then the on-time rate; fewer overdue, 退单 and 重办 break ties.
        return (-(self.disposal_rate or 0), -(self.on_time_rate or 0), self.overdue,
                self.returned, self.redone, self.name)


@dataclass(frozen=True)
class DisputeFigures:
    by_colour: dict[str, int]
    by_type: dict[str, int]
    by_outcome: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_colour.values())

    @property
    def concluded(self) -> int:
        return sum(self.by_outcome.values())

    @property
    def succeeded(self) -> int:
        return sum(self.by_outcome.get(o, 0) for o in MEDIATION_SUCCESS)

    @property
    def success_rate(self) -> float | None:
        return rate(self.succeeded, self.concluded)


@dataclass(frozen=True)
class RevisitFigures:
    due: int  # revisits first due in the period, up to today (a cancelled call-back too)
    done_on_time: int
    reached: int  # call-backs done in the period that reached the person
    satisfied: int

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.done_on_time, self.due)

    @property
    def satisfaction_rate(self) -> float | None:
        return rate(self.satisfied, self.reached)


@dataclass(frozen=True)
class Report:
    period: Period
    place: Place
    made_at: dt.datetime
    headline: Headline
    days: list[DayRow]
    units: list[UnitRow]
    police: PoliceFigures | None  # None below the desk's place: 110 calls are the centre's
    disputes: DisputeFigures
    revisits: RevisitFigures
    notes: dict[str, str] = field(default_factory=dict)  # figure -> why it is shown as —


Progress = Callable[[int, int], None]


@refusals_logged
def places(desk: Desk, actor: Actor) -> list[Place]:
    """The places the actor may report on: the district, streets and communities in reach,
    the widest first."""
    _check_role(actor)
    with desk.reports.read() as session:
        return [Place(n.code, n.name, n.kind) for n in _reportable(session, actor)]


def _reportable(session: Session, actor: Actor) -> list[Node]:
    nodes = session.exec(select(Node).where(col(Node.kind).in_(
        (Level.DISTRICT, Level.STREET, Level.COMMUNITY))).order_by(col(Node.id))).all()
    return [n for n in nodes if node_in_scope(actor, n)]


@refusals_logged
def report(desk: Desk, actor: Actor, period: Period, place_code: str | None = None,
           progress: Progress | None = None) -> Report:
    """Every figure of the period for the place, read in one transaction (one snapshot)."""
    _check_role(actor)
    tick = progress or (lambda done, total: None)
    start, end = period.utc_bounds()
    now = desk.clock.now()
    with desk.reports.read() as session:  # a replica when one is named: never the desk's load
        node = _place_node(session, actor, place_code)
        where = place_clause(node.kind, node.id, node.street_id, node.community_id)
        headline = _headline(session, where, start, end, now)
        tick(1, STEPS)
        days = _days(session, where, period, start, end)
        tick(2, STEPS)
        units = _ranking(session, where, period, now)
        tick(4, STEPS)
        disputes = _disputes(session, where, start, end)
        tick(5, STEPS)
        revisits = _revisits(session, where, period, start, end, now)
        tick(6, STEPS)
        notes: dict[str, str] = {}
        police = None
        if actor.role in DESK_ROLES and node.id == actor.node_id:  # the centre's whole reach
            police = figures_in(session, period.first, period.last)
            if police.all_calls is None:
                notes["police_share"] = "stats.note.no_110_total"
        else:
            notes["police"] = "stats.note.police_desk_place"
    tick(STEPS, STEPS)
    return Report(period, Place(node.code, node.name, node.kind), now, headline, days, units,
                  police, disputes, revisits, notes)


def _check_role(actor: Actor) -> None:
    # Statistics are the desk's and the communities' (their own place); a unit sees its own
    # cases in its queue, the system owner has no case work.
    if actor.role in (Role.UNIT, Role.ADMIN):
        raise PermissionDenied("stats.error.role")


def _place_node(session: Session, actor: Actor, code: str | None) -> Node:
    if code is None:  # the widest place in reach
        nodes = _reportable(session, actor)
        if not nodes:
            raise PermissionDenied("stats.error.no_place")
        return nodes[0]
    node = session.exec(select(Node).where(Node.code == code.strip())).first()
    if node is None:
        raise NotFound("stats.error.no_such_place", what=echo(code))
    if not node_in_scope(actor, node):
        raise PermissionDenied("stats.error.place_out_of_scope", place=node.name)
    return node


def _count(session: Session, *conditions) -> int:
    return session.exec(select(func.count()).select_from(Case).where(*conditions)).one()


def _between(column, start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return and_(col(column) >= start, col(column) < end)


def _merged_by(end: dt.datetime) -> ColumnElement[bool]:
    """Merged into another case before `end` (a merge is final: its closed_at is its moment)."""
    return and_(Case.state == CaseState.MERGED.value, col(Case.closed_at) < end)


def _closures(start, end, where, *more):
    """The closings in the period of cases that had been dispatched (直接办结 is not in the
    rate) that still stood at its end: one reopened later is counted as the end saw it, one
    reopened within the period is not."""
    C = CaseClosure
    return (select(func.count()).select_from(C).join(Case, col(Case.id) == C.case_id)
            .where(_between(C.closed_at, start, end), col(Case.dispatched_at).is_not(None),
                   or_(col(C.reopened_at).is_(None), col(C.reopened_at) >= end),
                   where, *more))


def _headline(session: Session, where, start, end, now) -> Headline:
    received = _count(session, _between(Case.created_at, start, end), where) - _count(
        session, _merged_by(end), _between(Case.created_at, start, end), where)
    filed = _count(session, _between(Case.filed_at, start, end), where)
    dispatched, closed, on_time = session.exec(
        _cohort(end).where(_between(Case.dispatched_at, start, end), where)).one()
    overdue = _count(session, late_during(start, min(end, now)), where)
    steps = dict(session.exec(
        select(Event.action, func.count()).join(Case, col(Case.id) == Event.case_id)
        .where(text(STAT_STEPS_SQL), _between(Event.at, start, end), where)
        .group_by(Event.action)).all())
    return Headline(received, filed, dispatched, closed, on_time, overdue,
                    steps.get("return_", 0), sum(steps.get(a, 0) for a in REDO_ACTIONS))


def _cohort(end: dt.datetime, *group):
    """处置率 as a cohort: of the cases (by `group`) how many, how many of them stood closed
    at `end`, and how many of those on time — never over 100 %, and never changed by a
    reopening since. A case has at most one closing standing at a moment: it is joined."""
    C = CaseClosure
    standing = and_(C.case_id == Case.id, col(C.closed_at) < end,
                    or_(col(C.reopened_at).is_(None), col(C.reopened_at) >= end))
    return (select(*group, func.count(), func.count(C.id),
                   func.count(C.id).filter(col(C.on_time).is_(True)))
            .select_from(Case).outerjoin(C, standing))


def _per_day(session: Session, column, where, start, end, *more) -> dict[dt.date, int]:
    day = local_day(column)
    return dict(session.exec(select(day, func.count()).select_from(Case)
                             .where(_between(column, start, end), where, *more)
                             .group_by(day)).all())


def _days(session: Session, where, period: Period, start, end) -> list[DayRow]:
    received = _per_day(session, Case.created_at, where, start, end)
    merged = _per_day(session, Case.created_at, where, start, end, _merged_by(end))
    dispatched = _per_day(session, Case.dispatched_at, where, start, end)
    day = local_day(CaseClosure.closed_at)
    # (execute, not exec: the statement was made for one column, it now has two)
    closed = dict(session.execute(_closures(start, end, where)
                                  .with_only_columns(day, func.count()).group_by(day)).all())
    rows = []
    for day in period.each_day():
        rows.append(DayRow(day, received.get(day, 0) - merged.get(day, 0),
                           dispatched.get(day, 0), closed.get(day, 0)))
    return rows


def _ranking(session: Session, where, period: Period, now: dt.datetime) -> list[UnitRow]:
    current = _unit_rows(session, where, period, now)
    before = _unit_rows(session, where, period.previous(), now)
    ranked_before = {r.unit_id: r for r in _rank(list(before.values()))}
    rows = _rank([r for r in current.values() if r.dispatched or r.closed or r.overdue
                  or r.returned or r.redone or r.chased or r.circulated])
    for row in rows:
        previous = ranked_before.get(row.unit_id)
        if previous is not None:
            row.previous_rank, row.previous_rate = previous.rank, previous.disposal_rate
    return rows


def _rank(rows: list[UnitRow]) -> list[UnitRow]:
    """Units with work dispatched in the period, best first; the rest after them, unranked."""
    rows.sort(key=lambda r: (r.dispatched == 0, r.sort_key()))
    for number, row in enumerate((r for r in rows if r.dispatched), start=1):
        row.rank = number
    return rows


def _unit_rows(session: Session, where, period: Period, now: dt.datetime) -> dict[int, UnitRow]:
    start, end = period.utc_bounds()
    units = {u.id: UnitRow(u.id, u.name) for u in session.exec(select(Unit)).all()}
    by_name = {row.name: row for row in units.values()}

    def per_unit(*columns, conditions, join_case: bool = False):
        query = select(Case.lead_unit_id, *columns)
        query = query.select_from(Event).join(Case, col(Case.id) == Event.case_id) \
            if join_case else query.select_from(Case)
        return session.exec(query.where(*conditions, where, col(Case.lead_unit_id).is_not(None))
                            .group_by(Case.lead_unit_id)).all()

    for unit_id, n, closed, on_time in session.execute(
            _cohort(end, Case.lead_unit_id)
            .where(_between(Case.dispatched_at, start, end), where,
                   col(Case.lead_unit_id).is_not(None)).group_by(Case.lead_unit_id)).all():
        row = units[unit_id]
        row.dispatched, row.closed, row.closed_on_time = n, closed, on_time
    for unit_id, n in per_unit(func.count(), conditions=[late_during(start, min(end, now))]):
        units[unit_id].overdue += n
    for unit_id, n in per_unit(func.count(), join_case=True, conditions=[
            text(STAT_STEPS_SQL), col(Event.action).in_(REDO_ACTIONS),
            _between(Event.at, start, end)]):
        units[unit_id].redone = n
    # A return leaves no lead unit on the case: the unit is named in the return's event.
    returned_by = json_text(Event.payload, "unit")
    for name, n in session.exec(
            select(returned_by, func.count()).join(Case, col(Case.id) == Event.case_id)
            .where(text(STAT_STEPS_SQL), Event.action == "return_",
                   _between(Event.at, start, end), where).group_by(returned_by)).all():
        if name in by_name:
            by_name[name].returned = n
    card_count = func.count().filter(SupervisionStep.card == Card.YELLOW.value)
    red_count = func.count().filter(SupervisionStep.card == Card.RED.value)
    for unit_id, chased, circulated in session.exec(
            select(Case.lead_unit_id, card_count, red_count).select_from(SupervisionStep)
            .join(Event, col(Event.id) == SupervisionStep.event_id)
            .join(Case, col(Case.id) == SupervisionStep.case_id)
            .where(_between(Event.at, start, end), where, col(Case.lead_unit_id).is_not(None))
            .group_by(Case.lead_unit_id)).all():
        units[unit_id].chased, units[unit_id].circulated = chased, circulated
    _co_unit_parts(session, units, where, start, end, now)
    return units


def _part_stopped():
    """When a co-unit's clock stopped: its own 协办回告, or the lead's 回告 (or 退单) that closed
    the units' part of the case, whichever came first."""
    own, lead = col(CaseUnit.replied_at), col(Case.unit_replied_at)
    return case((own.is_(None), lead), (lead.is_(None), own), (own < lead, own), else_=lead)


def _co_unit_parts(session: Session, units: dict[int, UnitRow], where, start, end,
                   now: dt.datetime) -> None:
    """联合处置: a co-unit's late part counts against the co-unit — its parts late at some
    moment of the period, and the 催办/通报 written for them in it."""
    P = PartSupervisionStep
    late_parts = session.exec(
        select(CaseUnit.unit_id, func.count()).join(Case, col(Case.id) == CaseUnit.case_id)
        .where(co_unit_part(),
               late_during(start, min(end, now), _part_stopped()), where)
        .group_by(CaseUnit.unit_id)).all()
    for unit_id, n in late_parts:
        units[unit_id].overdue += n
    steps = session.exec(
        select(P.unit_id, func.count().filter(P.card == Card.YELLOW.value),
               func.count().filter(P.card == Card.RED.value))
        .join(Event, col(Event.id) == P.event_id).join(Case, col(Case.id) == P.case_id)
        .where(_between(Event.at, start, end), where).group_by(P.unit_id)).all()
    for unit_id, chased, circulated in steps:
        units[unit_id].chased += chased
        units[unit_id].circulated += circulated


def _disputes(session: Session, where, start, end) -> DisputeFigures:
    """The disputes of the cases received in the period, as they stood at its end: their
    type, colour and outcome are the last the log had recorded by then (a later regrade or
    outcome does not rewrite the period; one recorded only later is not counted)."""
    def as_of(field: str, actions: tuple[str, ...]):
        value = json_text(Event.payload, field)
        return (select(value).where(Event.case_id == Dispute.case_id,
                                    col(Event.action).in_(actions), col(Event.at) < end,
                                    value.is_not(None))
                .order_by(col(Event.id).desc()).limit(1).scalar_subquery())

    states = (select(as_of("colour", ("record", "regrade", "record_revisit")).label("colour"),
                     as_of("type", ("record",)).label("type"),
                     as_of("outcome", ("outcome",)).label("outcome"))
              .select_from(Dispute).join(Case, col(Case.id) == Dispute.case_id)
              .where(_between(Dispute.created_at, start, end), where).subquery())
    rows = session.execute(
        select(states.c.colour, states.c.type, states.c.outcome, func.count())
        .where(states.c.colour.is_not(None))
        .group_by(states.c.colour, states.c.type, states.c.outcome)).all()
    colours: dict[str, int] = {c.value: 0 for c in Colour}
    types: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for colour, kind, outcome, n in rows:
        colours[colour] = colours.get(colour, 0) + n
        types[kind] = types.get(kind, 0) + n
        if outcome is not None:
            outcomes[outcome] = outcomes.get(outcome, 0) + n
    return DisputeFigures(colours,
                          {k.value: types[k.value] for k in DisputeType if k.value in types},
                          {o.value: outcomes[o.value] for o in Outcome if o.value in outcomes})


def _revisits(session: Session, where, period: Period, start, end,
              now: dt.datetime) -> RevisitFigures:
    today = local_date(now)
    last_due = min(period.last, today)
    done_day = local_day(Revisit.done_at)
    # Judged against the day first due: 改期 moves the visit, never the lateness; a call-back
    # cancelled by a reopening was due all the same.
    first_due = col(Revisit.first_due_on)
    due, on_time = session.exec(
        select(func.count(), func.count().filter(
            Revisit.status == RevisitStatus.DONE.value, done_day <= first_due))
        .join(Case, col(Case.id) == Revisit.case_id)
        .where(first_due >= period.first, first_due <= last_due, where)).one()
    reached, satisfied = session.exec(
        select(func.count(), func.count().filter(col(Revisit.satisfaction).in_(SATISFIED)))
        .join(Case, col(Case.id) == Revisit.case_id)
        .where(Revisit.kind == RevisitKind.SATISFACTION.value,
               Revisit.status == RevisitStatus.DONE.value,
               Revisit.result != RevisitResult.UNREACHABLE.value,
               _between(Revisit.done_at, start, end), where)).one()
    return RevisitFigures(due, on_time, reached, satisfied)

