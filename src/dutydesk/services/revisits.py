"""Revisit use-cases: plans open when a dispute is resolved and call-backs when a case closes
(inside those steps' transactions); recording a revisit, rescheduling it, and the duty chief's
review of a 不满意 or a relapse — one transaction and one event each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.disputes import Colour, StageStep
from dutydesk.domain.revisits import (
    COLOUR_OF_PERIOD, PERIOD_OF_COLOUR, REVISIT_STEP, PlanState, RevisitAction, RevisitKind,
    RESULTS, RevisitMethod, RevisitResult, RevisitStatus, RiskPeriod, Satisfaction, callback_due,
    next_due, step_plan, step_refusal, working_day_on_or_after,
)
from dutydesk.errors import NotFound, PermissionDenied, ValidationFailed
from dutydesk.domain.lifecycle import Role
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged, stale_write
from dutydesk.services.inputs import clean_field, required_reason
from dutydesk.services.scope import in_scope
from dutydesk.services.stages import move_stage
from dutydesk.store.models import Case, Dispute, Event, Revisit, RevisitPlan


def _today(desk: Desk, now: dt.datetime) -> dt.date:
    return local_date(now)


# -- opened by other use-cases, in their transactions -------------------------------------------

def open_plan(session: Session, desk: Desk, dispute: Dispute, now: dt.datetime,
              assignee_id: int) -> dt.date | None:
    """A resolved dispute's plan, its period from the colour, and its first revisit; None when
    the dispute already has a running plan."""
    plan = session.get(RevisitPlan, dispute.case_id)
    if plan is not None and plan.ended_at is None:
        return None
    period = PERIOD_OF_COLOUR[Colour(dispute.colour)]
    if plan is None:
        plan = RevisitPlan(case_id=dispute.case_id, period=period.value, created_at=now)
    plan.period, plan.stable_streak, plan.ended_at = period.value, 0, None
    session.add(plan)
    due = next_due(_today(desk, now), period, desk.settings.revisits, desk.rules.calendar)
    session.add(Revisit(case_id=dispute.case_id, kind=RevisitKind.DISPUTE.value,
                        period=period.value, due_on=due, first_due_on=due,
                        status=RevisitStatus.DUE.value, assignee_id=assignee_id,
                        created_at=now))
    return due


def schedule_callback(session: Session, desk: Desk, case: Case, now: dt.datetime) -> dt.date:
    """A closed case's satisfaction call-back (主动电话回访), due within the configured working
    days."""
    due = callback_due(_today(desk, now), desk.settings.revisits, desk.rules.calendar)
    session.add(Revisit(case_id=case.id, kind=RevisitKind.SATISFACTION.value, due_on=due,
                        first_due_on=due, status=RevisitStatus.DUE.value, created_at=now))
    return due


def cancel_callbacks(session: Session, case_id: int, now: dt.datetime) -> None:
    """A reopened case: its pending call-back is moot (it still counts as due), and a 不满意 or
    a relapse awaiting the chief has had its answer."""
    with session.no_autoflush:  # the case's own change is flushed once, with its step
        for revisit in session.exec(select(Revisit).where(
                Revisit.case_id == case_id,
                or_(and_(Revisit.kind == RevisitKind.SATISFACTION.value,
                         Revisit.status == RevisitStatus.DUE.value),
                    and_(col(Revisit.needs_chief), col(Revisit.reviewed_at).is_(None))))):
            if revisit.status == RevisitStatus.DUE.value:
                revisit.status = RevisitStatus.CANCELLED.value
            if revisit.needs_chief and revisit.reviewed_at is None:
                revisit.reviewed_at = now
            session.add(revisit)


# -- its own steps ----------------------------------------------------------------------------

def _step(desk: Desk, actor: Actor, revisit_id: int, action: RevisitAction,
          expected_version: int | None,
          apply: Callable[[Session, Revisit, Case, dt.datetime], dict]) -> int:
    step = REVISIT_STEP[action]
    if actor.role not in step.roles:
        raise PermissionDenied("error.permission", action=t(f"revisit.action.{action.value}"))
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        revisit = session.get(Revisit, revisit_id)
        if revisit is None:
            raise NotFound("error.not_found", what=revisit_id)
        case = session.get(Case, revisit.case_id)
        assert case is not None
        if not in_scope(actor, case, set()):
            raise PermissionDenied("error.out_of_scope")
        if expected_version is not None and revisit.version != expected_version:
            raise stale_write(session, Event.case_id == revisit.case_id)
        awaiting = revisit.needs_chief and revisit.reviewed_at is None
        refusal = step_refusal(step, RevisitStatus(revisit.status), awaiting, actor.role,
                               revisit.due_on < _today(desk, now))
        if refusal is not None:
            raise ValidationFailed({"_": t(refusal, action=t(f"revisit.action.{action.value}"),
                                           day=revisit.due_on.isoformat())})
        payload = {"revisit": revisit.id, "kind": revisit.kind,
                   **apply(session, revisit, case, now)}
        flag_modified(revisit, "status")  # every step moves the version
        session.add(revisit)
        event = append_event(session, actor, now, action.value, case_id=case.id,
                             payload=payload)
        session.flush()
        return event.id


# Steps whose author handled the case: they do not rate its satisfaction.
HANDLING_ACTIONS = ("close", "resolve", "verify", "verify_fail")


def _handled(session: Session, actor: Actor, case: Case) -> bool:
    """Whether `actor` handled the case: closed or verified it, recorded a step on someone's
    behalf (代录), or belongs to its lead unit or to the community that verifies it."""
    if actor.role is Role.UNIT and actor.unit_id is not None \
            and actor.unit_id == case.lead_unit_id:
        return True
    if actor.role is Role.COMMUNITY and actor.community_id == case.community_id:
        return True
    return session.exec(select(Event.id).where(
        Event.case_id == case.id, Event.actor_id == actor.id,
        or_(col(Event.action).in_(HANDLING_ACTIONS), col(Event.on_behalf_of).is_not(None)))
        .limit(1)).first() is not None


@refusals_logged
def record_revisit(desk: Desk, actor: Actor, revisit_id: int, method: str, result: str,
                   satisfaction: str = "", notes: str = "",
                   expected_version: int | None = None) -> int:
    """记录回访: how, what was found, and — on a call-back — how satisfied the person is. A
    relapse raises the dispute's period and colour and goes to the duty chief, as does 不满意;
    the person who closed a case does not record its call-back."""
    errors: dict[str, str] = {}
    for name, kind, value in (("method", RevisitMethod, method),
                              ("result", RevisitResult, result)):
        try:
            kind(value)
        except ValueError:
            errors[name] = t("field_error.required", field=t(f"revisit.field.{name}"))
    notes = clean_field(desk, "notes", notes, errors)
    if satisfaction:
        try:
            Satisfaction(satisfaction)
        except ValueError:
            errors["satisfaction"] = t("field_error.required",
                                       field=t("revisit.field.satisfaction"))
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, revisit: Revisit, case: Case, now: dt.datetime) -> dict:
        found = RevisitResult(result)
        payload: dict = {"method": method, "result": result}
        if found not in RESULTS[revisit.kind]:
            raise ValidationFailed({"result": t(f"revisit.error.{revisit.kind}_result")})
        if revisit.kind == RevisitKind.SATISFACTION.value:
            if _handled(session, actor, case):
                raise PermissionDenied("revisit.error.closer")
            if found is RevisitResult.REACHED and not satisfaction:
                raise ValidationFailed({"satisfaction": t(
                    "field_error.required", field=t("revisit.field.satisfaction"))})
            revisit.satisfaction = satisfaction if found is RevisitResult.REACHED else ""
            revisit.needs_chief = revisit.satisfaction == Satisfaction.DISSATISFIED.value
            if revisit.satisfaction:
                payload["satisfaction"] = revisit.satisfaction
        else:
            payload.update(_step_plan(session, desk, revisit, found, now))
            revisit.needs_chief = found is RevisitResult.RELAPSE
        revisit.status, revisit.done_at = RevisitStatus.DONE.value, now
        revisit.recorder_id, revisit.method, revisit.result = actor.id, method, result
        revisit.notes = notes
        if notes:
            payload["note"] = notes
        if revisit.needs_chief:
            payload["to_chief"] = True
        return payload

    return _step(desk, actor, revisit_id, RevisitAction.RECORD, expected_version, apply)


def _step_plan(session: Session, desk: Desk, revisit: Revisit, found: RevisitResult,
               now: dt.datetime) -> dict:
    """The plan after a dispute revisit: the next one scheduled, or the plan ended; a relapse
    raises the dispute's colour with its period."""
    plan = session.get(RevisitPlan, revisit.case_id)
    assert plan is not None
    cadence = desk.settings.revisits
    before = PlanState(RiskPeriod(plan.period), plan.stable_streak)
    after = step_plan(before, found, cadence)
    plan.period, plan.stable_streak = after.period.value, after.stable_streak
    payload: dict = {"period": after.period.value}
    if after.period is not before.period:
        payload["from_period"] = before.period.value
    if after.ended:
        plan.ended_at = now
        payload["plan_ended"] = True
    else:
        # Counted from the visit — or, for one made early, from the day it was due: the next
        # never falls on the day just recorded (a second row for the same case and day).
        due = next_due(max(_today(desk, now), revisit.due_on), after.period, cadence,
                       desk.rules.calendar)
        session.add(Revisit(case_id=revisit.case_id, kind=RevisitKind.DISPUTE.value,
                            period=after.period.value, due_on=due, first_due_on=due,
                            status=RevisitStatus.DUE.value, assignee_id=revisit.assignee_id,
                            created_at=now))
        payload["next_due"] = due.isoformat()
    dispute = session.get(Dispute, revisit.case_id)
    if dispute is not None:
        payload.update(move_stage(dispute, StageStep.REVISITED))
        session.add(dispute)
    if found is RevisitResult.RELAPSE and dispute is not None:
        raised = COLOUR_OF_PERIOD[after.period]
        if raised.rank > Colour(dispute.colour).rank:  # a relapse never lowers it
            payload.update(from_colour=dispute.colour, colour=raised.value)
            dispute.colour = raised.value
            dispute.updated_at = now
            flag_modified(dispute, "updated_at")
            session.add(dispute)
    session.add(plan)
    return payload


@refusals_logged
def reschedule(desk: Desk, actor: Actor, revisit_id: int, new_due: dt.date | None, reason: str,
               expected_version: int | None = None) -> int:
    """改期: another working day (a day off moves on to the next working day), with a reason —
    only for a revisit not yet late; it stays judged against the day it was first due."""
    errors: dict[str, str] = {}
    reason = required_reason(desk, reason, errors)
    if new_due is None:
        errors["new_due"] = t("field_error.required", field=t("revisit.field.new_due"))
    elif new_due < _today(desk, desk.clock.now()):
        errors["new_due"] = t("revisit.error.past", day=new_due.isoformat())
    if errors:
        raise ValidationFailed(errors)
    assert new_due is not None

    def apply(session: Session, revisit: Revisit, case: Case, now: dt.datetime) -> dict:
        day = working_day_on_or_after(new_due, desk.rules.calendar)
        before, revisit.due_on = revisit.due_on, day
        return {"from_day": before.isoformat(), "to_day": day.isoformat(), "reason": reason}

    return _step(desk, actor, revisit_id, RevisitAction.RESCHEDULE, expected_version, apply)


@refusals_logged
def review(desk: Desk, actor: Actor, revisit_id: int, note: str,
           expected_version: int | None = None) -> int:
    """The duty chief's answer to a 不满意 or a relapse (to reopen the case is the queue's
    重新打开, which answers it too)."""
    errors: dict[str, str] = {}
    note = clean_field(desk, "note", note, errors)
    if not note and "note" not in errors:
        errors["note"] = t("field_error.required", field=t("field.note"))
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, revisit: Revisit, case: Case, now: dt.datetime) -> dict:
        revisit.reviewed_at = now
        return {"note": note}

    return _step(desk, actor, revisit_id, RevisitAction.REVIEW, expected_version, apply)


@refusals_logged
def waive(desk: Desk, actor: Actor, revisit_id: int, reason: str,
          expected_version: int | None = None) -> int:
    """免访: the duty chief lets a missed revisit go, with a reason. It stays late in every
    figure; a dispute's plan goes on with its next revisit from today."""
    errors: dict[str, str] = {}
    reason = required_reason(desk, reason, errors)
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, revisit: Revisit, case: Case, now: dt.datetime) -> dict:
        revisit.status, revisit.done_at, revisit.recorder_id = (
            RevisitStatus.WAIVED.value, now, actor.id)
        revisit.notes = reason
        payload: dict = {"reason": reason}
        plan = session.get(RevisitPlan, revisit.case_id)
        if revisit.kind == RevisitKind.DISPUTE.value and plan is not None \
                and plan.ended_at is None:
            period = RiskPeriod(plan.period)
            due = next_due(_today(desk, now), period, desk.settings.revisits,
                           desk.rules.calendar)
            session.add(Revisit(case_id=revisit.case_id, kind=RevisitKind.DISPUTE.value,
                                period=period.value, due_on=due, first_due_on=due,
                                status=RevisitStatus.DUE.value,
                                assignee_id=revisit.assignee_id, created_at=now))
            payload["next_due"] = due.isoformat()
        return payload

    return _step(desk, actor, revisit_id, RevisitAction.WAIVE, expected_version, apply)


def due_revisit_of(desk: Desk, case_id: int) -> int | None:
    """The dispute revisit of the case still to be made (the earliest due), if any."""
    with desk.db.read() as session:
        return session.exec(select(Revisit.id).where(
            Revisit.case_id == case_id, Revisit.kind == RevisitKind.DISPUTE.value,
            Revisit.status == RevisitStatus.DUE.value)
            .order_by(col(Revisit.due_on), col(Revisit.id))).first()


def awaiting_chief_clause():
    """Revisits the duty chief must answer: part of their 待我处理."""
    return select(Revisit.case_id).where(Revisit.needs_chief,
                                         col(Revisit.reviewed_at).is_(None))

