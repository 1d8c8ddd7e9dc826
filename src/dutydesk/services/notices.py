"""Notices for one officer's session, read from the change feed: of the events written since
the session last looked, those that concern this officer — a case dispatched to their unit, a
dispute turning red within their reach, a 催办 or 通报 on their unit's case. (New 110 calls
have their own notice: services.police.newest_transfer.) And the cases whose deadline has
turned 临期 for the units and the desk, checked on the session's minute."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlmodel import col, select

from dutydesk.domain.deadlines import DeadlineState
from dutydesk.domain.lifecycle import DESK_ROLES, Role
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk
from dutydesk.services.scope import in_scope
from dutydesk.services.queue import deadline_view
from dutydesk.services.scope import scope_filter
from dutydesk.store.models import Case, CaseUnit, Event

SCAN_MAX = 500  # events looked at per check: a burst beyond it is summed up, not read whole


@dataclass(frozen=True)
class Notice:
    case_id: int
    text: str


def notices_since(desk: Desk, actor: Actor, after_event_id: int) -> list[Notice]:
    with desk.db.read() as session:
        rows = session.exec(
            select(Event, Case).join(Case, col(Case.id) == Event.case_id)
            .where(col(Event.id) > after_event_id,
                   col(Event.action).in_(["dispatch", "record", "regrade", "record_revisit",
                                          "chase", "circulate"]),
                   Event.actor_id != actor.id)  # one's own step is no news
            .order_by(col(Event.id)).limit(SCAN_MAX)).all()
        units_of = {}
        if actor.role is Role.UNIT and rows:
            for case_id, unit_id in session.exec(
                    select(CaseUnit.case_id, CaseUnit.unit_id).where(
                        col(CaseUnit.case_id).in_({case.id for _, case in rows}))):
                units_of.setdefault(case_id, set()).add(unit_id)
        # A claim taken over (a case's or a 110 call's): only its holder needs to hear.
        taken = session.exec(select(Event).where(col(Event.id) > after_event_id,
                                                 Event.action == "take_over")
                             .order_by(col(Event.id)).limit(SCAN_MAX)).all()
    notices = []
    for event in taken:
        payload = json.loads(event.payload)
        if payload.get("from_id") == actor.id:
            notices.append(Notice(event.case_id or 0, t(
                "notice.taken_over", item=payload.get("item", ""), who=payload.get("by", ""),
                reason=payload.get("reason", ""))))
    for event, case in rows:
        payload = json.loads(event.payload)
        mine = in_scope(actor, case, units_of.get(case.id, set()))
        if not mine:
            continue
        if event.action == "dispatch" and actor.role is Role.UNIT:
            notices.append(Notice(case.id, t("notice.dispatched", case=case.id,
                                             summary=case.summary[:30])))
        elif payload.get("colour") == "red" and payload.get("from_colour") != "red":
            notices.append(Notice(case.id, t("notice.red", case=case.id,
                                             summary=case.summary[:30])))
        elif event.action in ("chase", "circulate") and (
                actor.role is Role.DUTY_CHIEF or (actor.role is Role.UNIT and payload.get(
                    "unit_id", actor.unit_id) == actor.unit_id)):  # the unit chased, only
            notices.append(Notice(case.id, t(f"notice.{event.action}", case=case.id,
                                             unit=payload.get("unit", ""))))
    return notices


DUE_SOON_WINDOW = dt.timedelta(days=7)  # no 临期 lies further ahead than the longest limit's 20 %


def due_soon(desk: Desk, actor: Actor) -> dict[int, str]:
    """The cases now 临期 that the officer's session rings for: a unit's own (dispatched to
    it), everything in reach for the desk. id -> summary."""
    if actor.role not in DESK_ROLES and actor.role is not Role.UNIT:
        return {}
    now = desk.clock.now()
    query = select(Case.id, Case.summary, Case.state, Case.ack_due_at, Case.ack_unit,
                   Case.due_start_at, Case.due_at, Case.due_unit, Case.due_provisional)
    if actor.role is Role.UNIT:
        query = query.join(CaseUnit, col(CaseUnit.case_id) == Case.id).where(
            CaseUnit.unit_id == actor.unit_id)
    else:
        query = query.where(scope_filter(actor))
    with desk.db.read() as session:
        rows = session.exec(query.where(
            col(Case.state).in_(["dispatched", "in_progress", "replied", "verified"]),
            col(Case.due_at) > now, col(Case.due_at) < now + DUE_SOON_WINDOW)).all()
    found = {}
    for r in rows:
        view = deadline_view(desk, r[2], r[3], r[4], r[5], r[6], r[7], r[8], now)
        if view is not None and view.state is DeadlineState.DUE_SOON:
            found[r[0]] = r[1]
    return found
