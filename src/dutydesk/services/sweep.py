"""The supervision sweep: the ladder's 催办 (yellow card, the first working day after a unit's
deadline) and 通报 (red card, five working days later) written by the system, once per case,
card and deadline — by whichever running desk sees them first, or by `dutydesk sweep` from
cron. Two sweeps at once write each step once: the step's row is the lock (its primary key),
and each sweep is one write transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from dutydesk.domain.lifecycle import Role
from dutydesk.domain.supervision import Card, card_for
from dutydesk.services.overdue import overdue_clause
from dutydesk.services.context import Actor, Desk
from dutydesk.services.events import append_event
from dutydesk.store.models import Case, Node, Officer, SupervisionStep, Unit

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


def _due_steps(session: Session, desk: Desk, now) -> list[tuple[int, Card, object, str]]:
    """(case, card, deadline, unit) of every step due now and not yet written."""
    overdue = session.exec(
        select(Case.id, Case.due_at, Unit.name)
        .outerjoin(Unit, col(Unit.id) == Case.lead_unit_id)
        .where(overdue_clause(now, unit_clock_only=True))).all()
    if not overdue:
        return []
    written = {(row[0], row[1], row[2]) for row in session.exec(
        select(SupervisionStep.case_id, SupervisionStep.card, SupervisionStep.due_at)
        .where(col(SupervisionStep.case_id).in_([r[0] for r in overdue])))}
    steps = []
    for case_id, due_at, unit in overdue:
        card = card_for(desk.rules, desk.settings.ladder, due_at, now)
        for step in () if card is None else (
                (Card.YELLOW,) if card is Card.YELLOW else (Card.YELLOW, Card.RED)):
            if (case_id, step.value, due_at) not in written:
                steps.append((case_id, step, due_at, unit or ""))
    return steps


def sweep(desk: Desk) -> SweepResult:
    """Write the ladder's steps that are due and not yet written. A read finds them first, so
    a sweep with nothing to do never takes the write lock."""
    with desk.db.read() as session:
        if not _due_steps(session, desk, desk.clock.now()):
            return SweepResult(0, 0)
    chased = circulated = 0
    with desk.db.write() as session:
        now = desk.clock.now()
        steps = _due_steps(session, desk, now)  # again under the lock: another may have won
        system = _system(session) if steps else None
        for case_id, step, due_at, unit in steps:
            event = append_event(
                session, system, now, "chase" if step is Card.YELLOW else "circulate",
                case_id=case_id, payload={"card": step.value, "unit": unit,
                                          "due_at": due_at.isoformat()})
            session.flush()
            session.add(SupervisionStep(case_id=case_id, card=step.value, due_at=due_at,
                                        event_id=event.id))
            if step is Card.YELLOW:
                chased += 1
            else:
                circulated += 1
    return SweepResult(chased, circulated)
