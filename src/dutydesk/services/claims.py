"""认领 (domain.claims): claim an item (a case, "case:12", or a 110 transfer, "transfer:3"),
let it go, take it over (the duty chief, with a reason), and the check every step on an item
makes inside its own transaction: working it claims it, and another officer's live claim
refuses the step, saying who holds it and until when."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from dutydesk.domain.claims import Hold, blocks, keeps_claim, may_claim
from dutydesk.domain.lifecycle import Role
from dutydesk.errors import NotFound, PermissionDenied, ValidationFailed
from dutydesk.i18n import local_time, t
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged
from dutydesk.services.inputs import required_reason
from dutydesk.services.scope import case_in_reach
from dutydesk.store.models import Claim, Officer, PoliceTransfer


class ClaimHeld(PermissionDenied):
    """Another officer is working the item (a refusal like any other: logged)."""

    key = "claim.error.held"


def subject_of(case_id: int) -> str:
    return f"case:{case_id}"


def transfer_subject(transfer_id: int) -> str:
    return f"transfer:{transfer_id}"


def holds(session: Session, subjects: list[str]) -> dict[str, Hold]:
    """The claims on these items (lapsed ones too: the caller decides with the idle time)."""
    if not subjects:
        return {}
    rows = session.exec(select(Claim, Officer.name).join(Officer, col(Officer.id) ==
                                                         Claim.officer_id)
                        .where(col(Claim.subject).in_(subjects))).all()
    return {c.subject: Hold(c.officer_id, name, c.claimed_at, c.active_at) for c, name in rows}


def live_hold(desk: Desk, session: Session, subject: str, now: dt.datetime) -> Hold | None:
    hold = holds(session, [subject]).get(subject)
    return None if hold is None or hold.lapsed(now, desk.settings.claim_idle) else hold


def keep(session: Session, desk: Desk, actor: Actor, subject: str, now: dt.datetime) -> None:
    """Inside a step's transaction: refuse it if another officer holds the item; else the
    step claims it (an officer's) or keeps the holder's claim alive."""
    idle = desk.settings.claim_idle
    hold = holds(session, [subject]).get(subject)
    if blocks(hold, actor.id, actor.role, now, idle):
        raise _held(desk, hold)
    mine = hold is not None and hold.officer_id == actor.id and not hold.lapsed(now, idle)
    if keeps_claim(actor.role) or mine:
        _put(session, subject, actor.id, now, hold if mine else None)


def _held(desk: Desk, hold: Hold) -> ClaimHeld:
    return ClaimHeld(who=hold.officer_name, since=local_time(hold.claimed_at),
                     until=local_time(hold.expires_at(desk.settings.claim_idle)))


def _put(session: Session, subject: str, officer_id: int, now: dt.datetime,
         current: Hold | None) -> None:
    row = session.get(Claim, subject) or Claim(subject=subject, officer_id=officer_id,
                                                claimed_at=now, active_at=now)
    row.officer_id, row.active_at = officer_id, now
    row.claimed_at = current.claimed_at if current is not None else now
    session.add(row)


def _in_reach(session: Session, actor: Actor, subject: str) -> tuple[dict, str]:
    """The item must exist and be the officer's to see; returns where its events go and how
    people name it (#12, or the 警情编号)."""
    kind, _, raw = subject.partition(":")
    item_id = int(raw) if raw.isdigit() else -1
    if kind == "transfer":
        transfer = session.get(PoliceTransfer, item_id)
        if transfer is None:
            raise NotFound("error.not_found", what=subject)
        return {"subject": subject}, transfer.number  # 110 calls are the whole desk's
    if kind != "case":
        raise NotFound("error.not_found", what=subject)
    case_in_reach(session, actor, item_id)
    return {"case_id": item_id}, f"#{item_id}"


@refusals_logged
def claim(desk: Desk, actor: Actor, subject: str) -> int:
    """认领: the officer works this item now; refused while another officer's claim is live."""
    if not may_claim(actor.role):
        raise PermissionDenied("error.permission", action=t("claim.action.claim"))
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        where, _label = _in_reach(session, actor, subject)
        hold = live_hold(desk, session, subject, now)
        if hold is not None and hold.officer_id != actor.id:
            raise _held(desk, hold)
        _put(session, subject, actor.id, now, hold)
        event = append_event(session, actor, now, "claim", **where)
        session.flush()
        return event.id


@refusals_logged
def release(desk: Desk, actor: Actor, subject: str) -> int:
    """释放: the holder lets the item go."""
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        where, _label = _in_reach(session, actor, subject)
        hold = live_hold(desk, session, subject, now)
        if hold is None or hold.officer_id != actor.id:
            raise ValidationFailed({"_": t("claim.error.not_yours")})
        session.delete(session.get(Claim, subject))
        event = append_event(session, actor, now, "release", **where)
        session.flush()
        return event.id


@refusals_logged
def take_over(desk: Desk, actor: Actor, subject: str, reason: str) -> int:
    """接管: the duty chief takes a live claim from its officer, with a reason (the officer is
    told in their session)."""
    if actor.role is not Role.DUTY_CHIEF:
        raise PermissionDenied("error.permission", action=t("claim.action.take_over"))
    errors: dict[str, str] = {}
    reason = required_reason(desk, reason, errors)
    if errors:
        raise ValidationFailed(errors)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        where, label = _in_reach(session, actor, subject)
        hold = live_hold(desk, session, subject, now)
        if hold is None or hold.officer_id == actor.id:
            raise ValidationFailed({"_": t("claim.error.nothing_to_take")})
        _put(session, subject, actor.id, now, None)
        event = append_event(session, actor, now, "take_over", **where, payload={
            "from": hold.officer_name, "from_id": hold.officer_id, "by": actor.name,
            "reason": reason, "item": label})
        session.flush()
        return event.id
