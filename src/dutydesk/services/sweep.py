"""The supervision sweep: the ladder's 催办 (yellow card, the first working day after a unit's
deadline) and 通报 (red card, five working days later) written by the system, once per case,
unit, card and deadline — for the lead unit, and for each co-unit whose part is still open — by
whichever running desk sees them first, or by `dutydesk sweep` from cron. Two sweeps at once write each step once: the step's row is the lock (its primary key),
and each sweep is one write transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists
from sqlmodel import Session, col, select

from dutydesk.domain.lifecycle import Role
from dutydesk.domain.supervision import Card, card_for
from dutydesk.services.overdue import overdue_clause
from dutydesk.services.context import Actor, Desk
from dutydesk.services.events import append_event
from dutydesk.store.models import (
    Case, CaseUnit, Node, Officer, PartSupervisionStep, SupervisionStep, Unit,
)

SYSTEM_LOGIN = "system"  # the ladder's own steps are the system's: nobody can log in as it


@dataclass(frozen=True)
class SweepResult:
    chased: int  # 催办 written
    circulated: int  # 通报 written


def _system(session: Session) -> Actor:
    """The system's officer row (made on first use, never active: nobody signs in as it)."""
    officer = session.exec(select(Officer).where(Officer.login == SYSTEM_LOGIN)).first()
    if officer is None:
        root = session.exec(select(Node).where(col(Node.parent_id).is_(None))
                            .order_by(col(Node.id))).first()
        assert root is not None
        officer = Officer(login=SYSTEM_LOGIN, name="系统", role=Role.ADMIN.value,
                          node_id=root.id, active=False)
        session.add(officer)
        session.flush()
    return Actor(officer.id, officer.login, officer.name, Role.ADMIN, officer.node_id,
                 "district", None, None, None)


@dataclass(frozen=True)
class _Due:
    case_id: int
    unit_id: int | None  # the unit chased (None: a case with no lead left)
    unit: str
    part: bool  # a co-unit's part (联合处置), not the lead's case
    card: Card
    due_at: dt.datetime


def _due_steps(session: Session, desk: Desk, now) -> list[_Due]:
    """Every step due now and not yet written: for the lead unit of each overdue case, and for
    each co-unit whose part of it is still open — the same deadline, the same ladder."""
    # A deadline whose 通报 is written is done with (its 催办 was written with it or before):
    # left out in SQL, so a desk with thousands of long-overdue cases reads only the few still
    # climbing the ladder (every session sweeps each minute).
    lead_done = exists().where(SupervisionStep.case_id == Case.id,
                               SupervisionStep.card == Card.RED.value,
                               SupervisionStep.due_at == Case.due_at)
    part_done = exists().where(PartSupervisionStep.case_id == CaseUnit.case_id,
                               PartSupervisionStep.unit_id == CaseUnit.unit_id,
                               PartSupervisionStep.card == Card.RED.value,
                               PartSupervisionStep.due_at == Case.due_at)
    leads = session.exec(
        select(Case.id, Case.lead_unit_id, Unit.name, Case.due_at)
        .outerjoin(Unit, col(Unit.id) == Case.lead_unit_id)
        .where(overdue_clause(now, unit_clock_only=True), ~lead_done)).all()
    parts = session.exec(
        select(CaseUnit.case_id, CaseUnit.unit_id, Unit.name, Case.due_at)
        .join(Case, col(Case.id) == CaseUnit.case_id)
        .join(Unit, col(Unit.id) == CaseUnit.unit_id)
        .where(col(CaseUnit.lead).is_(False), col(CaseUnit.replied_at).is_(None),
               overdue_clause(now, unit_clock_only=True), ~part_done)).all()
    if not leads and not parts:
        return []
    written = {(r[0], None, r[1], r[2]) for r in session.exec(
        select(SupervisionStep.case_id, SupervisionStep.card, SupervisionStep.due_at)
        .where(col(SupervisionStep.case_id).in_([r[0] for r in leads])))}
    written |= set(session.exec(
        select(PartSupervisionStep.case_id, PartSupervisionStep.unit_id,
               PartSupervisionStep.card, PartSupervisionStep.due_at)
        .where(col(PartSupervisionStep.case_id).in_([r[0] for r in parts]))))
    steps = []
    for part, rows in ((False, leads), (True, parts)):
        for case_id, unit_id, unit, due_at in rows:
            card = card_for(desk.rules, desk.settings.ladder, due_at, now)
            for step in () if card is None else (
                    (Card.YELLOW,) if card is Card.YELLOW else (Card.YELLOW, Card.RED)):
                if (case_id, unit_id if part else None, step.value, due_at) not in written:
                    steps.append(_Due(case_id, unit_id, unit or "", part, step, due_at))
    return steps


def sweep(desk: Desk) -> SweepResult:
    """Write the ladder's steps that are due and not yet written. A read finds them first, so
    a sweep with nothing to do never takes the write lock. (The minute's upkeep: the planner's
    statistics are kept current too, by the store.)"""
    desk.db.keep_statistics()
    with desk.db.read() as session:
        if not _due_steps(session, desk, desk.clock.now()):
            return SweepResult(0, 0)
    chased = circulated = 0
    with desk.db.write() as session:
        now = desk.clock.now()
        steps = _due_steps(session, desk, now)  # again under the lock: another may have won
        system = _system(session) if steps else None
        for due in steps:
            payload = {"card": due.card.value, "unit": due.unit, "unit_id": due.unit_id,
                       "due_at": due.due_at.isoformat(), **({"part": True} if due.part else {})}
            event = append_event(
                session, system, now, "chase" if due.card is Card.YELLOW else "circulate",
                case_id=due.case_id, payload=payload)
            session.flush()
            if due.part:
                session.add(PartSupervisionStep(case_id=due.case_id, unit_id=due.unit_id,
                                                card=due.card.value, due_at=due.due_at,
                                                event_id=event.id))
            else:
                session.add(SupervisionStep(case_id=due.case_id, card=due.card.value,
                                            due_at=due.due_at, event_id=event.id))
            if due.card is Card.YELLOW:
                chased += 1
            else:
                circulated += 1
    return SweepResult(chased, circulated)
