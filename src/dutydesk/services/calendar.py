"""An administrator enters a year's official days off and adjusted working days (调休).

Deadlines computed before the entry on statutory holidays alone (暂定) are recomputed in the
same transaction, so that no provisional deadline outlives the official calendar.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import col, select

from dutydesk.domain.deadlines import DeadlineRules
from dutydesk.domain.lifecycle import OPEN_STATES, CaseState, Role
from dutydesk.domain.workcalendar import (
    WorkCalendar, YearDays, officially_published, statutory_holidays,
)
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.i18n import t
from dutydesk.services.cases import clock_limit
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event
from dutydesk.store.models import CalendarYear, Case, Category


def check_year(year: int, holidays: list[dt.date], workdays: list[dt.date], *,
               replace_official: bool = False) -> None:
    """Refuse an entry that cannot be a State Council notice for `year` (ValidationFailed)."""
    wrong = [d for d in [*holidays, *workdays] if d.year != year]
    overlap = set(holidays) & set(workdays)
    if wrong or overlap:
        day = (wrong or sorted(overlap))[0].isoformat()
        raise ValidationFailed({"calendar": t("field_error.calendar_day", value=day)})
    missing = sorted(statutory_holidays(year) - set(holidays))
    if missing:
        raise ValidationFailed({"calendar": t("field_error.calendar_missing", year=year,
                                              days=", ".join(d.isoformat() for d in missing))})
    if officially_published(year) and not replace_official:
        raise ValidationFailed({"calendar": t("field_error.calendar_official", year=year)})


def enter_year(desk: Desk, actor: Actor, year: int, holidays: list[dt.date],
               workdays: list[dt.date], *, replace_official: bool = False) -> int:
    """Store the year's official days; returns how many provisional deadlines were recomputed.

    The entry must hold every statutory holiday of the year (the notice never removes one);
    a year the maintained package already covers is replaced only when asked explicitly.
    """
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("error.permission", action=t("action.calendar"))
    check_year(year, holidays, workdays, replace_official=replace_official)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        row = session.get(CalendarYear, year) or CalendarYear(year=year, holidays="[]",
                                                                workdays="[]")
        row.holidays = json.dumps(sorted(d.isoformat() for d in holidays))
        row.workdays = json.dumps(sorted(d.isoformat() for d in workdays))
        session.add(row)
        entered = dict(desk.rules.calendar.entered)
        entered[year] = YearDays(year, frozenset(holidays), frozenset(workdays))
        rules = DeadlineRules(WorkCalendar(entered), desk.rules.hours, desk.rules.due_soon_fraction)
        recomputed = 0
        provisional = session.exec(
            select(Case, Category).join(Category, col(Category.id) == Case.category_id)
            .where(col(Case.due_provisional).is_(True), col(Case.state).in_(
                [s.value for s in OPEN_STATES]))).all()
        for case, category in provisional:
            limit = clock_limit(desk, CaseState(case.state), category)
            if limit is None:
                continue
            deadline = rules.compute(case.due_start_at, limit)
            case.due_at, case.due_provisional = deadline.due, deadline.provisional
            session.add(case)
            recomputed += 1
        append_event(session, actor, now, "calendar", subject=f"calendar:{year}", payload={
            "year": year, "holidays": len(holidays), "workdays": len(workdays),
            "recomputed": recomputed, "replaced_official": officially_published(year)})
    desk.forget_rules()
    return recomputed
