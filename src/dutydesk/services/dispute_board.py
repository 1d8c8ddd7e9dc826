"""The three-colour board's reads: a lane's page of cards (newest first, by keyset on an index),
the lanes' counts, and one dispute's detail — always within the actor's reach. The lanes are
the open dispute cases not yet recorded (待建档), then red, yellow and blue."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, col, select

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.disputes import Colour, DisputeStep
from dutydesk.domain.personal import mask_id_number
from dutydesk.domain.lifecycle import END_STATES, Action, Role, permitted_actions
from dutydesk.domain.revisits import RevisitKind, RevisitStatus
from dutydesk.errors import PermissionDenied
from dutydesk.i18n import t
from dutydesk.services.cases import facts_of, may_act_on, own_part
from dutydesk.services.events import refusals_logged
from dutydesk.services.privacy import shown_phone
from dutydesk.services.context import Actor, Desk
from dutydesk.services.disputes import _dispute_case, steps_for
from dutydesk.services.keyset import bounds, order, page_of
from dutydesk.services.keyset import PAGE_SIZE_MAX, Cursor, Page
from dutydesk.services.timeline import TimelineEntry
from dutydesk.services.scope import dispute_filter
from dutydesk.store.models import (
    Case, Category, Dispute, DisputeParty, Event, Mediation, Node, Officer, Revisit,
    Unit, Whistle,
)

_OPEN = col(Case.state).not_in([s.value for s in END_STATES])


class Lane(StrEnum):
    UNGRADED = "ungraded"  # 待建档: a dispute case with no record yet
    RED = "red"
    YELLOW = "yellow"
    BLUE = "blue"


@dataclass(frozen=True)
class BoardFilter:
    community_code: str = ""
    type: str = ""  # DisputeType
    mediator: str = ""


@dataclass(frozen=True)
class Card:
    id: int  # the case's
    version: int
    created_at: dt.datetime
    summary: str
    parties: str  # 申请人 / 被申请人, as the card shows them
    type: str | None  # DisputeType; None before the record
    category: str
    level: str
    days_open: int
    mediator: str
    stage: str | None
    outcome: str | None
    late_whistles: int  # departments called in and late to report
    confirm_due_on: dt.date | None
    next_revisit: dt.date | None = None  # the plan's next revisit still due

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.created_at, self.id)


def _lane_query(actor: Actor, lane: Lane, f: BoardFilter):
    """The lane's rows, their (created_at, id) key columns, and its clauses."""
    clauses = [_OPEN, dispute_filter(actor)]
    if f.community_code:
        clauses.append(Case.community_id == select(Node.id).where(
            Node.code == f.community_code).scalar_subquery())
    if lane is Lane.UNGRADED:
        query = (select(Case.id.label("id"), Case.version.label("version"),
                        Case.created_at.label("created_at"), Case.summary,
                        Case.reporter_name.label("reporter"), Category.name.label("category"),
                        Case.level)
                 .join(Category, col(Category.id) == Case.category_id)
                 .outerjoin(Dispute, col(Dispute.case_id) == Case.id))
        clauses += [col(Category.is_dispute).is_(True), col(Dispute.case_id).is_(None)]
        return query, (col(Case.created_at), col(Case.id)), clauses
    query = (select(Dispute.case_id.label("id"), Dispute.version.label("version"),
                    Dispute.created_at.label("created_at"), Case.summary,
                    Case.reporter_name.label("reporter"), Category.name.label("category"),
                    Case.level, Dispute.type, Dispute.mediator, Dispute.stage, Dispute.outcome,
                    Dispute.confirm_due_on)
             .join(Case, col(Case.id) == Dispute.case_id)
             .outerjoin(Category, col(Category.id) == Case.category_id))
    clauses.append(Dispute.colour == lane.value)
    if f.type:
        clauses.append(Dispute.type == f.type)
    if f.mediator:
        clauses.append(Dispute.mediator == f.mediator)
    return query, (col(Dispute.created_at), col(Dispute.case_id)), clauses


@refusals_logged
def lane_page(desk: Desk, actor: Actor, lane: Lane, f: BoardFilter = BoardFilter(), *,
              after: Cursor | None = None, before: Cursor | None = None,
              limit: int = 30) -> Page:
    """One page of a lane's cards, newest first, by the same keyset as the queue."""
    if actor.role is Role.ADMIN:
        raise PermissionDenied("error.permission", action=t("dispute.title"))
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    query, key, clauses = _lane_query(actor, lane, f)
    now = desk.clock.now()
    with desk.db.read() as session:
        raw = list(session.exec(query.where(*clauses, *bounds(key, after, before))
                                .order_by(*order(key, before)).limit(limit + 1)).all())
        ids = [r.id for r in raw[:limit]]
        parties = _party_lines(session, ids)
        late = dict(session.exec(
            select(Whistle.case_id, func.count()).where(
                col(Whistle.case_id).in_(ids), col(Whistle.reported_at).is_(None),
                col(Whistle.due_at) < now).group_by(Whistle.case_id)).all()) if ids else {}
        revisits = dict(session.exec(
            select(Revisit.case_id, func.min(Revisit.due_on)).where(
                col(Revisit.case_id).in_(ids), Revisit.status == RevisitStatus.DUE.value,
                Revisit.kind == RevisitKind.DISPUTE.value).group_by(Revisit.case_id)).all()) \
            if ids and lane is not Lane.UNGRADED else {}
    today = local_date(now)
    recorded = lane is not Lane.UNGRADED

    def card(r) -> Card:  # an ungraded case has no record yet: no type, mediator, stage …
        return Card(
            id=r.id, version=r.version, created_at=r.created_at, summary=r.summary,
            parties=parties.get(r.id) or r.reporter or "—", type=r.type if recorded else None,
            category=r.category or "", level=r.level,
            days_open=(today - local_date(r.created_at)).days,
            mediator=r.mediator if recorded else "", stage=r.stage if recorded else None,
            outcome=r.outcome if recorded else None, late_whistles=late.get(r.id, 0),
            confirm_due_on=r.confirm_due_on if recorded else None,
            next_revisit=revisits.get(r.id))

    return page_of(raw, limit, after, before, card)


def _party_lines(session: Session, case_ids: list[int]) -> dict[int, str]:
    """「张桂兰 / 李明 +2」: the first applicant and respondent, and how many more."""
    if not case_ids:
        return {}
    rows = session.exec(select(DisputeParty.case_id, DisputeParty.role, DisputeParty.name)
                        .where(col(DisputeParty.case_id).in_(case_ids))
                        .order_by(col(DisputeParty.id))).all()
    by_case: dict[int, dict[str, list[str]]] = {}
    for case_id, role, name in rows:
        by_case.setdefault(case_id, {}).setdefault(role, []).append(name)
    lines = {}
    for case_id, roles in by_case.items():
        first = [names[0] for names in (roles.get("applicant"), roles.get("respondent")) if names]
        extra = sum(len(names) for names in roles.values()) - len(first)
        lines[case_id] = " / ".join(first) + (f" +{extra}" if extra else "")
    return lines


@refusals_logged
def lane_counts(desk: Desk, actor: Actor, f: BoardFilter = BoardFilter()) -> dict[Lane, int]:
    """How many cards each lane holds (the header), counted in SQL."""
    counts = {}
    with desk.db.read() as session:
        for lane in Lane:
            query, _, clauses = _lane_query(actor, lane, f)
            counts[lane] = session.exec(
                select(func.count()).select_from(query.where(*clauses).subquery())).one()
    return counts


@dataclass(frozen=True)
class WhistleView:
    unit: str
    reason: str
    called_at: dt.datetime
    due_at: dt.datetime
    reported_at: dt.datetime | None
    response: str

    def late(self, now: dt.datetime) -> bool:
        return (self.reported_at or now) > self.due_at


@dataclass(frozen=True)
class DisputeDetail:
    id: int
    version: int | None  # the record's (None before it is made)
    case_state: str
    summary: str
    category: str
    level: str
    colour: str | None
    type: str | None
    factors: list[str]
    parties: list[tuple[str, str, str, str]]  # role, name, phone masked, ID number masked
    people: int | None
    amount_fen: int | None
    mediator: str
    stage: str | None
    outcome: str | None
    agreement_on: dt.date | None
    confirm_due_on: dt.date | None
    court: str
    court_on: dt.date | None
    sessions: list[Mediation]
    whistles: list[WhistleView]
    steps: list[DisputeStep]
    may_escalate: bool
    timeline: list[TimelineEntry]


@refusals_logged
def dispute_detail(desk: Desk, actor: Actor, case_id: int) -> DisputeDetail:
    now = desk.clock.now()
    with desk.db.read() as session:  # one snapshot for the record, its lists and timeline
        # Any case has 吹哨报到 (the table's any-case steps); a dispute case all its steps.
        case, dispute = _dispute_case(session, actor, case_id, any_case=True)
        category = session.get(Category, case.category_id) if case.category_id else None
        parties = session.exec(select(DisputeParty).where(DisputeParty.case_id == case_id)
                               .order_by(col(DisputeParty.id))).all()
        sessions = session.exec(select(Mediation).where(Mediation.case_id == case_id)
                                .order_by(col(Mediation.held_on), col(Mediation.id))).all()
        whistles = session.exec(
            select(Whistle, Unit.name).join(Unit, col(Unit.id) == Whistle.unit_id)
            .where(Whistle.case_id == case_id).order_by(col(Whistle.id))).all()
        steps = steps_for(session, actor, case, dispute, now)
        part = own_part(session, actor, case_id)
        may_escalate = any(tr.action is Action.ESCALATE and may_act_on(actor, case, tr, part)
                           for tr in permitted_actions(facts_of(case, part), actor.role, now))
        events = session.exec(
            select(Event, Officer.name).join(Officer, col(Officer.id) == Event.actor_id)
            .where(Event.case_id == case_id).order_by(col(Event.id))).all()
    return DisputeDetail(
        id=case_id, version=dispute.version if dispute else None, case_state=case.state,
        summary=case.summary, category=category.name if category else "", level=case.level,
        colour=dispute.colour if dispute else None, type=dispute.type if dispute else None,
        factors=json.loads(dispute.factors) if dispute else [],
        parties=[(p.role, p.name, shown_phone(desk, actor, p.phone),
                  mask_id_number(p.id_number, desk.settings.masks) if p.id_number else "")
                 for p in parties],
        people=dispute.people if dispute else None,
        amount_fen=dispute.amount_fen if dispute else None,
        mediator=dispute.mediator if dispute else "",
        stage=dispute.stage if dispute else None, outcome=dispute.outcome if dispute else None,
        agreement_on=dispute.agreement_on if dispute else None,
        confirm_due_on=dispute.confirm_due_on if dispute else None,
        court=dispute.court if dispute else "", court_on=dispute.court_on if dispute else None,
        sessions=list(sessions),
        whistles=[WhistleView(name, w.reason, w.called_at, w.due_at, w.reported_at, w.response)
                  for w, name in whistles],
        steps=steps, may_escalate=may_escalate,
        timeline=[TimelineEntry(e.id, e.at, name, e.action, e.on_behalf_of,
                                json.loads(e.payload)) for e, name in events],
    )


def mediators(desk: Desk) -> list[str]:
    """The configured teams and every mediator named in a session (the filter's choices)."""
    with desk.db.read() as session:
        named = session.exec(select(Dispute.mediator).where(Dispute.mediator != "")
                             .distinct().limit(200)).all()
    return list(dict.fromkeys([*desk.settings.disputes.teams, *sorted(named)]))


def colour_of(lane: Lane) -> Colour | None:
    return None if lane is Lane.UNGRADED else Colour(lane.value)
