"""Who sees which cases: one rule, used both as a SQL filter and as a check on a loaded case."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, col, select

from dutydesk.domain.lifecycle import Role
from dutydesk.domain.reach import in_reach, reach_key
from dutydesk.errors import NotFound, PermissionDenied
from dutydesk.services.context import Actor
from dutydesk.store.models import Case, CaseUnit, Node, Whistle


def scope_filter(actor: Actor) -> ColumnElement[bool]:
    """The cases of the actor's place. (A unit's cases are its dispatch rows: the queue reads
    them from case_unit directly, see services.queue._source.)"""
    assert actor.role is not Role.UNIT
    if actor.role is Role.ADMIN:
        return false()  # the system owner has no case work, so sees no cases
    return place_clause(actor.node_kind, actor.node_id, actor.street_id, actor.community_id)


def place_clause(kind: str, node_id: int | None, street_id: int | None,
                 community_id: int | None) -> ColumnElement[bool]:
    """The cases placed at or under a node of the jurisdiction tree (the rule: domain.reach)."""
    key = reach_key(kind)
    if key is None:
        return true()
    own = {"node_id": node_id, "street_id": street_id, "community_id": community_id}
    return getattr(Case, key) == own[key]


def in_scope(actor: Actor, case: Case, unit_ids: set[int]) -> bool:
    if actor.role is Role.UNIT:
        return actor.unit_id is not None and actor.unit_id in unit_ids
    return _place_in_reach(actor, case.node_id, case.community_id, case.street_id)


def case_in_reach(session: Session, actor: Actor, case_id: int) -> Case:
    """The case, if it exists and is within the actor's reach (a unit's: dispatched to it)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("error.not_found", what=case_id)
    units = set(session.exec(select(CaseUnit.unit_id).where(CaseUnit.case_id == case_id))) \
        if actor.role is Role.UNIT else set()
    if not in_scope(actor, case, units):
        raise PermissionDenied("error.out_of_scope")
    return case


def node_in_scope(actor: Actor, node: Node) -> bool:
    """Whether a case placed at `node` would be within the actor's reach (the places a form
    offers). A unit's reach is its dispatch rows, anywhere: every place is offered."""
    if actor.role is Role.UNIT:
        return True
    return _place_in_reach(actor, node.id, node.community_id, node.street_id)


def _place_in_reach(actor: Actor, node_id: int | None, community_id: int | None,
                    street_id: int | None) -> bool:
    """The same rule as `scope_filter`, for one place."""
    if actor.role is Role.ADMIN:
        return False  # the system owner has no case work
    return in_reach(actor.node_kind,
                    {"node_id": actor.node_id, "street_id": actor.street_id,
                     "community_id": actor.community_id},
                    {"node_id": node_id, "street_id": street_id, "community_id": community_id})


def dispute_filter(actor: Actor) -> ColumnElement[bool]:
    """Disputes within reach: by place, or for a unit those dispatched to it or that called it
    in (吹哨). Checked on one case by `dispute_in_reach`, with this same clause."""
    if actor.role is Role.UNIT:
        if actor.unit_id is None:
            return false()
        return or_(col(Case.id).in_(select(CaseUnit.case_id).where(
                       CaseUnit.unit_id == actor.unit_id)),
                   col(Case.id).in_(select(Whistle.case_id).where(
                       Whistle.unit_id == actor.unit_id)))
    return scope_filter(actor)


def dispute_in_reach(session: Session, actor: Actor, case_id: int) -> bool:
    return session.exec(select(Case.id).where(Case.id == case_id,
                                              dispute_filter(actor))).first() is not None
