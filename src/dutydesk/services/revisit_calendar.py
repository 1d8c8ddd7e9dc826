"""The revisit calendar's reads: a month's counts by day and period (SQL GROUP BY on the
(status, due_on) index), a list of revisits — a day's agenda, the overdue ones, those awaiting
the duty chief — paged by keyset on (due_on, id), one revisit's detail, and the .ics export."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import ColumnElement, false, func
from sqlmodel import col, select

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.lifecycle import Role
from dutydesk.domain.personal import mask_numbers_in
from dutydesk.domain.revisits import RevisitStatus, RevisitStep, revisit_steps
from dutydesk.errors import NotFound, PermissionDenied
from dutydesk.i18n import t
from dutydesk.files import atomic_output
from dutydesk.services.events import refusals_logged
from dutydesk.services.context import Actor, Desk
from dutydesk.services.keyset import bounds, order, page_of
from dutydesk.services.keyset import PAGE_SIZE_MAX, Cursor, Page
from dutydesk.services.timeline import TimelineEntry
from dutydesk.services.inputs import echo
from dutydesk.services.scope import in_scope, node_in_scope, scope_filter
from dutydesk.store.models import Case, Event, Node, Officer, Revisit

CALLBACK = "callback"  # the grid's key for satisfaction call-backs (they have no period)


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Revisits are the desk's and the communities' work: units have none."""
    return false() if actor.role is Role.UNIT else scope_filter(actor)


@dataclass(frozen=True)
class DayCounts:
    due: dict[str, int]  # period (or "callback") -> revisits still due that day
    overdue: int  # of them, past their day


def month_counts(desk: Desk, actor: Actor, year: int, month: int) -> dict[dt.date, DayCounts]:
    """Each day's revisits still due, by period, counted in SQL."""
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    today = local_date(desk.clock.now())
    with desk.db.read() as session:
        kind = func.coalesce(Revisit.period, CALLBACK).label("kind")  # grouped by name
        rows = session.exec(
            select(Revisit.due_on, kind, func.count())
            .join(Case, col(Case.id) == Revisit.case_id)
            .where(Revisit.status == RevisitStatus.DUE.value, col(Revisit.due_on) >= first,
                   col(Revisit.due_on) <= last, _scope(actor))
            .group_by(Revisit.due_on, kind)).all()
    days: dict[dt.date, dict[str, int]] = {}
    for day, kind, count in rows:
        days.setdefault(day, {})[kind] = count
    return {day: DayCounts(due, sum(due.values()) if day < today else 0)
            for day, due in days.items()}


class ListKind(StrEnum):
    DAY = "day"  # a day's agenda
    OVERDUE = "overdue"  # due before today, not done
    CHIEF = "chief"  # 不满意 and relapses awaiting the duty chief


@dataclass(frozen=True)
class RevisitList:
    kind: ListKind
    day: dt.date | None = None


@dataclass(frozen=True)
class RevisitRow:
    id: int
    version: int
    created_at: dt.datetime
    case_id: int
    summary: str
    kind: str
    period: str | None
    due_on: dt.date
    status: str
    overdue: bool
    awaiting_chief: bool

    @property
    def cursor(self) -> Cursor:
        # The lists run by day due (latest first), then id: the day takes the place of the
        # other boards' creation time in the keyset.
        return Cursor(self.due_on, self.id)  # type: ignore[arg-type]


def revisit_page(desk: Desk, actor: Actor, which: RevisitList, *, after: Cursor | None = None,
                 before: Cursor | None = None, limit: int = 30) -> Page:
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    today = local_date(desk.clock.now())
    R = Revisit
    clauses: list = [_scope(actor)]
    if which.kind is ListKind.DAY:
        clauses.append(R.due_on == which.day)  # done ones stay on their day's agenda
    elif which.kind is ListKind.OVERDUE:
        clauses += [R.status == RevisitStatus.DUE.value, col(R.due_on) < today]
    else:
        clauses += [col(R.needs_chief), col(R.reviewed_at).is_(None)]
    key = (col(R.due_on), col(R.id))
    with desk.db.read() as session:
        raw = list(session.exec(
            select(R.id, R.version, R.created_at, R.case_id, Case.summary, R.kind, R.period,
                   R.due_on, R.status, R.needs_chief, R.reviewed_at)
            .join(Case, col(Case.id) == R.case_id).where(*clauses, *bounds(key, after, before))
            .order_by(*order(key, before)).limit(limit + 1)).all())
    return page_of(raw, limit, after, before, lambda r: RevisitRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
        r[8] == RevisitStatus.DUE.value and r[7] < today, bool(r[9]) and r[10] is None))


@dataclass(frozen=True)
class RevisitDetail:
    row: RevisitRow
    case_state: str
    address: str
    reporter: str
    recorded: dict  # method, result, satisfaction, notes of a done revisit
    history: list[tuple[dt.date, str, str, str]]  # earlier revisits: day, kind, result, sat.
    steps: list[RevisitStep]
    timeline: list[TimelineEntry]

    @property
    def id(self) -> int:
        return self.row.id


@refusals_logged
def revisit_detail(desk: Desk, actor: Actor, revisit_id: int) -> RevisitDetail:
    today = local_date(desk.clock.now())
    with desk.db.read() as session:
        revisit = session.get(Revisit, revisit_id)
        if revisit is None:
            raise NotFound("error.not_found", what=revisit_id)
        case = session.get(Case, revisit.case_id)
        assert case is not None
        if actor.role is Role.UNIT or not in_scope(actor, case, set()):
            raise PermissionDenied("error.out_of_scope")
        earlier = session.exec(select(Revisit).where(
            Revisit.case_id == case.id, Revisit.id != revisit.id,
            Revisit.status == RevisitStatus.DONE.value).order_by(col(Revisit.id))).all()
        events = session.exec(
            select(Event, Officer.name).join(Officer, col(Officer.id) == Event.actor_id)
            .where(Event.case_id == case.id).order_by(col(Event.id))).all()
    awaiting = revisit.needs_chief and revisit.reviewed_at is None
    row = RevisitRow(revisit.id, revisit.version, revisit.created_at, case.id, case.summary,
                     revisit.kind, revisit.period, revisit.due_on, revisit.status,
                     revisit.status == RevisitStatus.DUE.value and revisit.due_on < today,
                     awaiting)
    return RevisitDetail(
        row=row, case_state=case.state, address=case.address, reporter=case.reporter_name,
        recorded={"method": revisit.method, "result": revisit.result,
                  "satisfaction": revisit.satisfaction, "notes": revisit.notes},
        history=[(r.due_on, r.kind, r.result, r.satisfaction) for r in earlier],
        steps=revisit_steps(RevisitStatus(revisit.status), awaiting, actor.role, row.overdue),
        timeline=[TimelineEntry(e.id, e.at, name, e.action, e.on_behalf_of,
                                json.loads(e.payload)) for e, name in events],
    )


def export_ics(desk: Desk, path: Path, *, officer_login: str = "", community_code: str = "",
               community_id: int | None = None, actor: Actor | None = None) -> int:
    """The revisits still due — of one officer, of a community, or the desk's (within the
    actor's reach when one is given) — as all-day events a phone calendar imports. Returns
    how many."""
    from icalendar import Calendar, Event as CalendarEvent

    clauses: list = [Revisit.status == RevisitStatus.DUE.value]
    if actor is not None:
        clauses.append(_scope(actor))
    with desk.db.read() as session:
        if officer_login:
            officer = session.exec(select(Officer).where(Officer.login == officer_login)).first()
            if officer is None:
                raise NotFound("error.no_officer", login=echo(officer_login))
            clauses.append(Revisit.assignee_id == officer.id)
        if community_code:
            node = session.exec(select(Node).where(Node.code == community_code)).first()
            if node is None or node.kind != "community":
                raise NotFound("error.no_community", code=echo(community_code))
            if actor is not None and not node_in_scope(actor, node):
                raise PermissionDenied("stats.error.place_out_of_scope", place=node.name)
            community_id = node.id
        if community_id is not None:
            clauses.append(Case.community_id == community_id)
        rows = session.exec(select(Revisit, Case.summary, Case.address)
                            .join(Case, col(Case.id) == Revisit.case_id).where(*clauses)
                            .order_by(col(Revisit.due_on), col(Revisit.id))).all()
    calendar = Calendar()
    calendar.add("prodid", "-//dutydesk//revisits//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", t("revisit.title"))
    for revisit, summary, address in rows:
        event = CalendarEvent()
        event.add("uid", f"revisit-{revisit.id}@dutydesk")
        kind = t(f"revisit.period.{revisit.period}") if revisit.period \
            else t(f"revisit.kind.{revisit.kind}")
        event.add("summary", f"{t('revisit.ics.summary', case=revisit.case_id, kind=kind)}")
        # A phone or ID number written into the report is masked, as in every export.
        event.add("description", mask_numbers_in(summary, desk.settings.masks))
        if address:
            event.add("location", mask_numbers_in(address, desk.settings.masks))
        event.add("dtstart", revisit.due_on)
        event.add("dtend", revisit.due_on + dt.timedelta(days=1))
        # When the revisit was planned: the same calendar exported twice is the same file.
        event.add("dtstamp", revisit.created_at)
        calendar.add_component(event)
    with atomic_output(path) as partial:
        partial.write_bytes(calendar.to_ical())
    return len(rows)
