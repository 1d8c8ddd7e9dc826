"""Reading the intake queue: keyset pages over indexed queries, counts, and one case's detail."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, FromClause, and_, false, func, or_, text, union_all
from sqlmodel import Session, col, select

from dutydesk.domain.claims import Hold
from dutydesk.domain.deadlines import LOCAL_TZ, DeadlineState, TimeUnit, local_date
from dutydesk.domain.lifecycle import (
    TRANSITIONS, Action, CaseState, Level, Role, Transition, decides_extensions, part_states,
    states_needing,
)
from dutydesk.domain.reach import reach_key
from dutydesk.domain.supervision import Card, card_for
from dutydesk.domain.text import likeness, normalise_query
from dutydesk.errors import NotFound, PermissionDenied, ValidationFailed
from dutydesk.i18n import t
from dutydesk.services.cases import (
    CASE_ID_MAX, contacts_for, facts_of, may_act_on, own_part, refused,
    suggested_unit_ids,
)
from dutydesk.services.events import refusals_logged
from dutydesk.services import claims
from dutydesk.services.privacy import shown_phone
from dutydesk.services.context import Actor, Desk
from dutydesk.services.keyset import PAGE_SIZE_MAX, Cursor, Page, bounds, order, page_of
from dutydesk.services.overdue import overdue_clause
from dutydesk.services.revisits import awaiting_chief_clause
from dutydesk.services.timeline import TimelineEntry
from dutydesk.services.scope import in_scope, node_in_scope, scope_filter
from dutydesk.store import search
from dutydesk.store.models import OPEN_STATES_SQL, Case, CaseUnit, Category, Event, Node, Officer, Unit

# Written exactly as the partial indexes' WHERE so that SQLite can use them.
_OPEN = text(OPEN_STATES_SQL)
# Which clock a state shows: the unit's 签收 and 办结 limits, then the desk's 核查 and 结案.
_DUE_STATES = {
    CaseState.DISPATCHED: "ack", CaseState.IN_PROGRESS: "due",
    CaseState.REPLIED: "verify", CaseState.VERIFIED: "close",
}


class View(StrEnum):
    MINE = "mine"
    OVERDUE = "overdue"
    ALL = "all"


@dataclass(frozen=True)
class QueueFilter:
    view: View = View.MINE
    channel: str | None = None
    state: str | None = None
    node_id: int | None = None
    node_kind: str | None = None
    search: str = ""


@dataclass(frozen=True)
class DeadlineView:
    kind: str  # "ack" (签收时限), "due" (办结时限), "verify" (核查) or "close" (结案)
    state: DeadlineState
    due_at: dt.datetime
    provisional: bool
    card: Card | None = None  # the unit's 黄牌 / 红牌 on its 办结时限


@dataclass(frozen=True)
class CaseRow:
    id: int
    version: int
    created_at: dt.datetime
    channel: str
    category: str
    node: str
    summary: str
    state: str
    deadline: DeadlineView | None
    extension_pending: bool

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.created_at, self.id)


def _source(actor: Actor) -> tuple[FromClause, tuple[ColumnElement, ColumnElement],
                                   list[ColumnElement]]:
    """Where a queue reads from, its (created_at, id) key columns, and the scope clauses.

    A unit's queue is driven from its dispatch rows (case_unit), read in order from their own
    index; everyone else's from the case table's indexes.
    """
    if actor.role is Role.UNIT:
        source = CaseUnit.__table__.join(Case.__table__, col(CaseUnit.case_id) == Case.id)
        scope = [CaseUnit.unit_id == actor.unit_id] if actor.unit_id else [false()]
        return source, (col(CaseUnit.created_at), col(CaseUnit.case_id)), scope
    return Case.__table__, (col(Case.created_at), col(Case.id)), [scope_filter(actor)]


def _filters(session: Session, actor: Actor, f: QueueFilter,
             now: dt.datetime) -> list[ColumnElement]:
    """The filter's clauses: its view's, then what narrows it."""
    return _view_clauses(actor, f.view, now) + _narrowing(session, f)


def _view_clauses(actor: Actor, view: View, now: dt.datetime, *,
                  awaiting_chief: bool = True) -> list[ColumnElement]:
    """What a view keeps (`awaiting_chief=False`: the chief's 待我处理 without the cases
    awaiting the chief, which `queue_page` reads as a stream of their own)."""
    clauses: list[ColumnElement] = []
    if view is View.MINE:
        mine = col(Case.state).in_(sorted(states_needing(actor.role)))
        if actor.role is Role.UNIT:
            # The lead's cases where it must act; a co-unit's only while its part is open.
            mine = or_(and_(col(CaseUnit.lead).is_(True), mine),
                       and_(col(CaseUnit.lead).is_(False), col(CaseUnit.replied_at).is_(None),
                            col(Case.state).in_(sorted(part_states()))))
        if decides_extensions(actor.role):
            mine = or_(mine, col(Case.extension_due_at).is_not(None))
        mine = and_(_OPEN, mine)
        if actor.role is Role.DUTY_CHIEF and awaiting_chief:  # a 不满意 call-back or a
            mine = or_(mine, col(Case.id).in_(awaiting_chief_clause()))  # relapse, closed or not
        clauses.append(mine)
    elif view is View.OVERDUE:
        # A unit's clock stops at 回告: later lateness is the desk's, not the unit's.
        clauses.append(overdue_clause(now, unit_clock_only=actor.role is Role.UNIT))
    return clauses


def _narrowing(session: Session, f: QueueFilter) -> list[ColumnElement]:
    """The channel, state, place and search terms (a rare term asks the search index)."""
    clauses: list[ColumnElement] = []
    if f.channel:
        clauses.append(Case.channel == f.channel)
    if f.state:
        clauses.append(Case.state == f.state)
    if f.node_id is not None:
        key = reach_key(f.node_kind or "")  # at or under the place (the scope rule)
        if key is not None:
            clauses.append(getattr(Case, key) == f.node_id)
    for term in normalise_query(f.search).split():
        rare = search.rare_matches(session, term)
        if rare is not None:  # a rare term: its few ids, straight from the trigram index
            match = col(Case.id).in_(rare)
        else:
            escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            match = col(Case.search_text).like(f"%{escaped}%", escape="\\")
        if term.isascii() and term.isdigit() and 0 < int(term) <= CASE_ID_MAX:
            match = or_(Case.id == int(term), match)  # a case number
        clauses.append(match)
    return clauses


def deadline_view(desk: Desk, case_state: str, ack_due: dt.datetime | None,
                  ack_unit: str | None, due_start: dt.datetime | None,
                  due: dt.datetime | None, unit: str | None, provisional: bool,
                  now: dt.datetime) -> DeadlineView | None:
    kind = _DUE_STATES.get(CaseState(case_state))
    if kind == "ack" and ack_due is not None and due_start is not None:
        state = desk.rules.state(due_start, ack_due,
                                 TimeUnit(ack_unit or desk.settings.ack_limit.unit), now)
        return DeadlineView("ack", state, ack_due, False,
                            card_for(desk.rules, desk.settings.ladder, due, now))
    if kind is not None and kind != "ack" and due is not None and due_start is not None \
            and unit is not None:
        card = card_for(desk.rules, desk.settings.ladder, due, now) if kind == "due" else None
        return DeadlineView(kind, desk.rules.state(due_start, due, TimeUnit(unit), now), due,
                            provisional, card)
    return None


def check_search(desk: Desk, term: str) -> None:
    """A search term over its limit is refused: an unbounded LIKE or trigram query over a
    megabyte term would hold memory and the database for minutes."""
    limit = desk.settings.limits.search
    if len(term) > limit:
        raise ValidationFailed({"search": t("field_error.too_long", field=t("field.search"),
                                            max=limit, length=len(term))})


def queue_page(desk: Desk, actor: Actor, f: QueueFilter, *, after: Cursor | None = None,
               before: Cursor | None = None, limit: int = 50) -> Page:
    """One page, newest first: below `after`, above `before`, or from the top."""
    check_search(desk, f.search)
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    now = desk.clock.now()
    source, key, scope = _source(actor)
    with desk.db.read() as session:
        if f.view is View.MINE and actor.role is Role.DUTY_CHIEF:
            clauses = [col(Case.id).in_(_chief_streams(session, actor, f, now, key, scope,
                                                       after, before, limit))]
        else:
            clauses = scope + _filters(session, actor, f, now)
        raw = session.exec(_page_statement(source, key, clauses, after, before, limit)).all()
    return page_of(raw, limit, after, before, lambda r: CaseRow(
        id=r[0], version=r[1], created_at=r[2], channel=r[3], summary=r[4], state=r[5],
        deadline=deadline_view(desk, r[5], r[6], r[14], r[7], r[8], r[9], r[10], now),
        extension_pending=r[11] is not None, category=r[12] or "", node=r[13] or ""))


def _chief_streams(session: Session, actor: Actor, f: QueueFilter, now: dt.datetime, key,
                   scope: list[ColumnElement], after: Cursor | None, before: Cursor | None,
                   limit: int):
    """The ids that may be on the chief's 待我处理 page: a page of the open work needing the
    chief, and a page of the cases awaiting the chief (closed or not), each read in key order
    from its own index. (As one OR, SQLite read every match of both and sorted them: 72 ms
    at a million cases.)"""
    others = _narrowing(session, f)  # in both streams (the search index asked once)
    streams = ([*_view_clauses(actor, f.view, now, awaiting_chief=False), *others],
               [col(Case.id).in_(awaiting_chief_clause()), *others])
    pages = [select(Case.id).where(*scope, *stream, *bounds(key, after, before))
             .order_by(*order(key, before)).limit(limit + 1).subquery() for stream in streams]
    return union_all(*(select(page.c.id) for page in pages))


def _page_statement(source, key, clauses: list[ColumnElement], after: Cursor | None,
                    before: Cursor | None, limit: int):
    return (
        select(Case.id, Case.version, Case.created_at, Case.channel, Case.summary, Case.state,
               Case.ack_due_at, Case.due_start_at, Case.due_at, Case.due_unit,
               Case.due_provisional, Case.extension_due_at, Category.name, Node.name,
               Case.ack_unit)
        .select_from(source)
        .outerjoin(Category, col(Category.id) == Case.category_id)
        .outerjoin(Node, col(Node.id) == Case.node_id)
        .where(*clauses, *bounds(key, after, before)).order_by(*order(key, before))
        .limit(limit + 1)
    )


def queue_count(desk: Desk, actor: Actor, f: QueueFilter, *,
                above: Cursor | None = None) -> int:
    """How many rows the view holds; or, `above` a row, how many lie above it (newer): the
    position of a page read again after newer rows came in above it, counted on the page's
    index from the top down to the row — cheap near the top, where people browse."""
    check_search(desk, f.search)
    source, key, scope = _source(actor)
    with desk.db.read() as session:
        clauses = scope + _filters(session, actor, f, desk.clock.now())
        return session.exec(select(func.count()).select_from(source)
                            .where(*clauses, *bounds(key, None, above))).one()


@dataclass(frozen=True)
class DeskCounts:
    """The header's figures within the actor's reach: reports received today (local day),
    reports waiting for 受理, and cases overdue."""

    today: int
    new: int
    overdue: int


def desk_counts(desk: Desk, actor: Actor) -> DeskCounts:
    now = desk.clock.now()
    local_midnight = dt.datetime.combine(local_date(now), dt.time(0),
                                         LOCAL_TZ)
    source, key, scope = _source(actor)
    with desk.db.read() as session:
        def count(clauses: list[ColumnElement]) -> int:
            return session.exec(select(func.count()).select_from(source)
                                .where(*scope, *clauses)).one()

        return DeskCounts(
            today=count([key[0] >= local_midnight]),
            new=count([_OPEN, Case.state == CaseState.NEW.value]),
            overdue=count(_view_clauses(actor, View.OVERDUE, now)),
        )


@dataclass(frozen=True)
class MergeCandidate:
    id: int
    created_at: dt.datetime
    summary: str


@dataclass(frozen=True)
class CaseDetail:
    id: int
    version: int
    state: str
    channel: str
    summary: str
    address: str
    reporter_name: str
    reporter_phone_masked: str
    category_code: str
    category: str
    node_code: str
    node: str
    level: str
    created_at: dt.datetime
    deadline: DeadlineView | None
    due_at: dt.datetime | None
    extension_due_at: dt.datetime | None
    redo_count: int
    urge_count: int
    merged_into_id: int | None
    lead_unit: str
    co_units: list[str]
    timeline: list[TimelineEntry]
    actions: list[Transition] = field(default_factory=list)
    suggested_units: list[str] = field(default_factory=list)  # codes 派单 offers first
    merge_candidates: list[MergeCandidate] = field(default_factory=list)  # likely duplicates
    # The units chosen when a 110 call was diverted into this case, until it is dispatched:
    # (lead code, co-unit codes), which 派单 offers.
    planned_units: tuple[str, list[str]] | None = None
    hold: Hold | None = None  # a live claim (认领) on the case: who works it now
    hold_until: dt.datetime | None = None  # when it lapses if left idle
    # For steps the desk records on someone's behalf (代录): action -> the people it may name.
    contacts: dict[str, list[str]] = field(default_factory=dict)
    # Every other step: why not (the table's reason, as the service would refuse it).
    refusals: dict[str, str] = field(default_factory=dict)


def _why_not(actor: Actor, case: Case, transition: Transition, part, facts, now) -> str:
    error = refused(transition, facts, actor.role, now)
    if error is None and not may_act_on(actor, case, transition, part):
        error = PermissionDenied("error.not_co_unit" if transition.part else "error.not_lead_unit")
    return error.message() if error is not None else ""


@refusals_logged
def case_detail(desk: Desk, actor: Actor, case_id: int) -> CaseDetail:
    now = desk.clock.now()
    with desk.db.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound("error.not_found", what=case_id)
        units = session.exec(
            select(Unit.id, Unit.name, CaseUnit.lead, CaseUnit.acknowledged_at,
                   CaseUnit.replied_at).join(CaseUnit, col(CaseUnit.unit_id) == Unit.id)
            .where(CaseUnit.case_id == case_id).order_by(col(CaseUnit.lead).desc(), col(Unit.id))
        ).all()
        if not in_scope(actor, case, {u[0] for u in units}):
            raise PermissionDenied("error.out_of_scope")
        category = session.get(Category, case.category_id) if case.category_id else None
        node = session.get(Node, case.node_id) if case.node_id else None
        events = session.exec(
            select(Event, Officer.name).join(Officer, col(Officer.id) == Event.actor_id)
            .where(or_(Event.case_id == case_id, and_(
                Event.action == "merge",
                col(Event.case_id).in_(select(Case.id).where(Case.merged_into_id == case_id)))))
            .order_by(col(Event.id))
        ).all()
        part = own_part(session, actor, case_id)
        facts = facts_of(case, part)
        # One pass over the table: each step is offered, or carries its reason why not.
        why_not = {tr: _why_not(actor, case, tr, part, facts, now) for tr in TRANSITIONS}
        actions = [tr for tr, reason in why_not.items() if not reason]
        refusals = {tr.action.value: reason for tr, reason in why_not.items() if reason}
        contacts = {tr.action.value: contacts_for(session, case, tr)[1] for tr in actions
                    if tr.needs_on_behalf(actor.role)}
        candidates = merge_candidates(session, actor, case) \
            if any(tr.action is Action.MERGE for tr in actions) else []
        suggested = []
        if any(tr.action is Action.DISPATCH for tr in actions):
            ids = suggested_unit_ids(session, case.node_id, case.category_id)
            suggested = list(session.exec(select(Unit.code).where(col(Unit.id).in_(ids))))
        hold = claims.live_hold(desk, session, claims.subject_of(case_id), now)
    planned = None
    if any(tr.action is Action.DISPATCH for tr in actions):
        planned = _planned_units([e for e, _ in events if e.case_id == case_id])
    return CaseDetail(
        id=case.id, version=case.version, state=case.state, channel=case.channel,
        summary=case.summary, address=case.address, reporter_name=case.reporter_name,
        reporter_phone_masked=shown_phone(desk, actor, case.reporter_phone),
        category_code=category.code if category else "", category=category.name if category else "",
        node_code=node.code if node else "", node=node.name if node else "",
        level=case.level, created_at=case.created_at,
        deadline=deadline_view(desk, case.state, case.ack_due_at, case.ack_unit,
                               case.due_start_at, case.due_at, case.due_unit,
                               case.due_provisional, now),
        due_at=case.due_at, extension_due_at=case.extension_due_at,
        redo_count=case.redo_count, urge_count=case.urge_count,
        merged_into_id=case.merged_into_id,
        lead_unit=next((u[1] for u in units if u[2]), ""),
        co_units=[u[1] + _part_label(u[3], u[4]) for u in units if not u[2]],
        timeline=[
            TimelineEntry(e.id, e.at, name, e.action, e.on_behalf_of, json.loads(e.payload),
                          e.case_id if e.case_id != case_id else None)
            for e, name in events
        ],
        actions=actions, refusals=refusals, suggested_units=suggested,
        merge_candidates=candidates,
        contacts=contacts, planned_units=planned, hold=hold,
        hold_until=hold.expires_at(desk.settings.claim_idle) if hold else None,
    )


def _planned_units(events: list[Event]) -> tuple[str, list[str]] | None:
    """The routing recorded at 分流, if no 派单 has happened since."""
    for event in reversed(events):
        if event.action == Action.DISPATCH.value:
            return None
        if event.action == "divert":
            routing = json.loads(event.payload).get("routing")
            return (routing["lead"], routing["co"]) if routing else None
    return None


def _part_label(acknowledged_at: dt.datetime | None, replied_at: dt.datetime | None) -> str:
    if replied_at is not None:
        return t("detail.part_replied")
    return t("detail.part_acknowledged") if acknowledged_at is not None else ""


MERGE_WINDOW = dt.timedelta(days=7)
MERGE_SCAN = 50  # nearby open cases compared
MERGE_OFFERED = 8


def merge_candidates(session: Session, actor: Actor, case: Case) -> list[MergeCandidate]:
    """Open cases of the same place reported within a week of this one, most alike first:
    alike by their words and their categories' names (a 噪音扰民 case is like a report of
    装修噪音), then by time."""
    place = (Case.community_id == case.community_id if case.community_id is not None
             else Case.node_id == case.node_id)
    nearby = session.exec(
        select(Case.id, Case.created_at, Case.summary, Category.name)
        .outerjoin(Category, col(Category.id) == Case.category_id)
        .where(place, _OPEN, scope_filter(actor), Case.id != case.id,
               col(Case.created_at) >= case.created_at - MERGE_WINDOW,
               col(Case.created_at) <= case.created_at + MERGE_WINDOW)
        .order_by(col(Case.created_at).desc()).limit(MERGE_SCAN)).all()
    own = session.get(Category, case.category_id) if case.category_id else None
    words = f"{case.summary} {own.name if own else ''}"
    alike = sorted(nearby, key=lambda r: -likeness(words, f"{r[2]} {r[3] or ''}"))
    return [MergeCandidate(*row[:3]) for row in alike[:MERGE_OFFERED]]


@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    id: int = 0
    kind: str = ""


def reference_choices(desk: Desk, actor: Actor) -> dict[str, list[Choice]]:
    """Nodes (those within the actor's reach), categories and units for the forms' pickers
    (small tables, read in one go)."""
    with desk.db.read() as session:
        nodes = [n for n in session.exec(select(Node).order_by(col(Node.id)))
                 if node_in_scope(actor, n)]
        categories = session.exec(select(Category).order_by(col(Category.id))).all()
        units = session.exec(select(Unit).order_by(col(Unit.id))).all()
    indent = {Level.DISTRICT: 0, Level.STREET: 1, Level.COMMUNITY: 2, Level.GRID: 3}
    return {
        "nodes": [Choice(n.code, "  " * indent.get(n.kind, 0) + n.name, n.id, n.kind)
                  for n in nodes],
        "categories": [Choice(c.code, c.name, c.id) for c in categories],
        "units": [Choice(u.code, u.name, u.id) for u in units],
    }


def last_change(desk: Desk) -> int:
    """The change feed's cursor: the highest event id (a cheap read of the primary key)."""
    return desk.db.last_event_id()
