"""Duty roster and handover (交接班): who is on a shift, the sheet made when a shift ends — what
is open, frozen as it was — and both sides' acknowledgements. One transaction and one event
each; the sheet's sections are counted in SQL, each with its first items."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, or_
from sqlmodel import Session, col, delete, select

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.duty import ShiftOn, next_shift, shift_at, shift_handing_over
from dutydesk.domain.lifecycle import DESK_ROLES, END_STATES, Role
from dutydesk.domain.police import TransferState
from dutydesk.domain.revisits import RevisitStatus
from dutydesk.errors import NotFound, PermissionDenied, ValidationFailed
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged
from dutydesk.services.inputs import clean_field
from dutydesk.services.keyset import bounds, order, page_of
from dutydesk.services.overdue import overdue_clause
from dutydesk.services.keyset import PAGE_SIZE_MAX, Cursor, Page
from dutydesk.services.timeline import TimelineEntry
from dutydesk.services.revisits import awaiting_chief_clause
from dutydesk.services.scope import in_scope, scope_filter
from dutydesk.store.models import (
    Case, Claim, Dispute, Event, Handover, Officer, PoliceTransfer, Revisit, RosterEntry, Unit,
    Whistle,
)

ITEMS_SHOWN = 20  # each section keeps its count and this many items
SECTIONS = ("new", "red_disputes", "overdue", "extensions", "awaiting_chief", "late_report_in",
            "transfers", "to_divert", "revisits", "claimed")
ROSTER_ROLES = frozenset({Role.DUTY_CHIEF, Role.ADMIN})


def _shift(desk: Desk, code: str):
    shift = next((s for s in desk.settings.shifts if s.code == code), None)
    if shift is None:
        raise ValidationFailed({"shift": t("duty.error.unknown_shift", code=code)})
    return shift


def current_shift(desk: Desk) -> ShiftOn | None:
    return shift_at(desk.clock.now(), desk.settings.shifts)


def shift_handing_over_now(desk: Desk) -> ShiftOn | None:
    """The shift whose sheet `g` makes now: the one ending (still the outgoing one for a
    while after its end)."""
    return shift_handing_over(desk.clock.now(), desk.settings.shifts,
                              desk.settings.handover_grace)


# -- the roster -------------------------------------------------------------------------------

@refusals_logged
def set_roster(desk: Desk, actor: Actor, day: dt.date, shift_code: str, logins: list[str],
               chief_login: str) -> int:
    """排班: the officers of a shift and its duty chief (replacing the shift's roster)."""
    if actor.role not in ROSTER_ROLES:
        raise PermissionDenied("error.permission", action=t("duty.action.roster"))
    _shift(desk, shift_code)
    if chief_login not in logins:
        raise ValidationFailed({"chief": t("duty.error.chief_not_on_shift", login=chief_login)})
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        officers = []
        for login in dict.fromkeys(logins):
            officer = session.exec(select(Officer).where(Officer.login == login)).first()
            if officer is None or not officer.active or Role(officer.role) not in DESK_ROLES:
                raise ValidationFailed({"officers": t("duty.error.not_desk_staff", login=login)})
            officers.append(officer)
        chief = next(o for o in officers if o.login == chief_login)
        if Role(chief.role) is not Role.DUTY_CHIEF:
            raise ValidationFailed({"chief": t("duty.error.not_a_chief", login=chief_login)})
        session.exec(delete(RosterEntry).where(RosterEntry.day == day,
                                               RosterEntry.shift == shift_code))
        for officer in officers:
            session.add(RosterEntry(day=day, shift=shift_code, officer_id=officer.id,
                                    chief=officer.id == chief.id))
        event = append_event(session, actor, now, "roster", subject="duty", payload={
            "day": day.isoformat(), "shift": shift_code,
            "officers": [o.name for o in officers], "chief": chief.name})
        session.flush()
        return event.id


def roster(session: Session, shift_on: ShiftOn) -> list[tuple[int, str, bool]]:
    """(officer id, name, is chief) of the shift."""
    return list(session.exec(
        select(Officer.id, Officer.name, RosterEntry.chief)
        .join(RosterEntry, col(RosterEntry.officer_id) == Officer.id)
        .where(RosterEntry.day == shift_on.day, RosterEntry.shift == shift_on.shift.code)
        .order_by(col(RosterEntry.chief).desc(), col(Officer.id))).all())


# -- the sheet --------------------------------------------------------------------------------

def _case_scope(actor: Actor) -> ColumnElement[bool]:
    return false() if actor.role is Role.UNIT else scope_filter(actor)


def make_sheet(session: Session, desk: Desk, actor: Actor, shift_on: ShiftOn,
               now: dt.datetime, notes: str = "") -> dict:
    """What the next shift must know, counted now: new since the shift began, open red
    disputes, overdue cases (the queue's 超期), pending extension requests, what awaits the duty
    chief (不满意 call-backs, relapses), departments late to 报到, 110 transfers waiting for
    sign-for or feedback and those signed for but not yet decided, revisits due by today and not
    done, what is still claimed — and the outgoing side's own 交接事项."""
    open_case = col(Case.state).not_in([s.value for s in END_STATES])
    scope = _case_scope(actor)
    today = local_date(now)

    def section(query, *clauses) -> dict:
        rows = session.exec(query.where(*clauses).limit(ITEMS_SHOWN)).all()
        count = session.exec(select(func.count()).select_from(
            query.where(*clauses).subquery())).one()
        return {"count": count, "items": [[r[0], r[1]] for r in rows]}

    cases = select(Case.id, Case.summary).order_by(col(Case.created_at).desc(), col(Case.id))
    sheet = {
        "new": section(cases, col(Case.created_at) >= shift_on.begins, scope),
        "red_disputes": section(
            select(Case.id, Case.summary).join(Dispute, col(Dispute.case_id) == Case.id)
            .order_by(col(Case.created_at)), Dispute.colour == "red", open_case, scope),
        "overdue": section(
            select(Case.id, Case.summary).order_by(col(Case.due_at)),
            overdue_clause(now), scope),
        "extensions": section(
            select(Case.id, Case.summary).order_by(col(Case.extension_due_at)),
            col(Case.extension_due_at).is_not(None), open_case, scope),
        "awaiting_chief": section(
            select(Case.id, Case.summary).order_by(col(Case.id)),
            col(Case.id).in_(awaiting_chief_clause()), scope),
        "late_report_in": section(
            select(Whistle.case_id, Unit.name + "：" + Case.summary)
            .join(Unit, col(Unit.id) == Whistle.unit_id)
            .join(Case, col(Case.id) == Whistle.case_id).order_by(col(Whistle.due_at)),
            col(Whistle.reported_at).is_(None), col(Whistle.due_at) < now, scope),
        "revisits": section(
            select(Revisit.case_id, Case.summary).join(Case, col(Case.id) == Revisit.case_id)
            .order_by(col(Revisit.due_on)),
            Revisit.status == RevisitStatus.DUE.value, col(Revisit.due_on) <= today, scope),
    }
    sheet.update(_transfer_sections(section, actor))
    sheet["claimed"] = _claimed(session, desk, actor, now)
    sheet["notes"] = notes
    sheet["shift"] = {"code": shift_on.shift.code, "day": shift_on.day.isoformat(),
                      "begins": shift_on.begins.isoformat(), "ends": shift_on.ends.isoformat()}
    return sheet


def _transfer_sections(section, actor: Actor) -> dict:
    """110 calls waiting for 签收 or for feedback, and those signed for but not decided
    (待分流): the 110 desk is the desk's."""
    if actor.role not in DESK_ROLES:
        return {"transfers": {"count": 0, "items": []}, "to_divert": {"count": 0, "items": []}}
    T = PoliceTransfer
    calls = select(T.id, T.number + " " + T.summary).order_by(col(T.created_at))
    return {
        "transfers": section(calls, or_(T.state == TransferState.WAITING.value,
                                        (T.state == TransferState.DIVERTED.value)
                                        & col(T.result_at).is_not(None))),
        "to_divert": section(calls, T.state == TransferState.SIGNED.value),
    }


def _claimed(session: Session, desk: Desk, actor: Actor, now: dt.datetime) -> dict:
    """认领 still live as the shift ends: who holds what (to release or pass on)."""
    rows = session.exec(
        select(Claim, Officer.name).join(Officer, col(Officer.id) == Claim.officer_id)
        .where(col(Claim.active_at) > now - desk.settings.claim_idle)
        .order_by(col(Claim.claimed_at))).all()
    items = []
    for claim, holder in rows:
        kind, _, raw = claim.subject.partition(":")
        if kind == "case":
            case = session.get(Case, int(raw))
            if case is not None and in_scope(actor, case, set()):
                items.append([case.id, f"{holder}：{case.summary}"])
        elif kind == "transfer" and actor.role in DESK_ROLES:
            transfer = session.get(PoliceTransfer, int(raw))
            if transfer is not None:
                items.append([transfer.id, f"{holder}：{transfer.number} {transfer.summary}"])
    return {"count": len(items), "items": items[:ITEMS_SHOWN]}


@refusals_logged
def hand_over(desk: Desk, actor: Actor, notes: str = "") -> int:
    """交接班: the sheet of the shift that is ending, made once by someone of that shift (or
    the duty chief) and kept as it was, with their 交接事项. Returns its id."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("error.permission", action=t("duty.action.hand_over"))
    errors: dict[str, str] = {}
    notes = clean_field(desk, "handover_notes", notes, errors)
    if errors:
        raise ValidationFailed(errors)
    shift_on = shift_handing_over_now(desk)
    if shift_on is None:
        raise ValidationFailed({"_": t("duty.error.no_shift")})
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        if session.exec(select(Handover.id).where(Handover.day == shift_on.day,
                                                  Handover.shift == shift_on.shift.code)).first():
            raise ValidationFailed({"_": t("duty.error.already_made")})
        on_roster = actor.id in {row[0] for row in roster(session, shift_on)}
        if not on_roster and actor.role is not Role.DUTY_CHIEF:
            raise ValidationFailed({"_": t("duty.error.not_outgoing")})
        sheet = make_sheet(session, desk, actor, shift_on, now, notes)
        handover = Handover(day=shift_on.day, shift=shift_on.shift.code,
                            sheet=json.dumps(sheet, ensure_ascii=False), created_at=now,
                            created_by=actor.id)
        session.add(handover)
        session.flush()
        append_event(session, actor, now, "hand_over", subject=f"handover:{handover.id}",
                     payload={"shift": shift_on.shift.code, "day": shift_on.day.isoformat(),
                              **{name: sheet[name]["count"] for name in SECTIONS}})
        return handover.id


@refusals_logged
def acknowledge(desk: Desk, actor: Actor, handover_id: int,
                expected_version: int | None = None, reason: str = "") -> int:
    """确认交接: one officer of the shift that ended and another of the shift that takes over —
    two different people. The duty chief may stand in for a side with nobody of its roster to
    confirm it, with a reason."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("error.permission", action=t("duty.action.acknowledge"))
    errors: dict[str, str] = {}
    reason = clean_field(desk, "reason", reason, errors).strip()
    if errors:
        raise ValidationFailed(errors)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        handover = session.get(Handover, handover_id)
        if handover is None:
            raise NotFound("error.not_found", what=handover_id)
        if expected_version is not None and handover.version != expected_version:
            raise ValidationFailed({"_": t("duty.error.changed")})
        side, stand_in = _side_for(session, desk, actor, handover, reason)
        if side == "outgoing":
            handover.outgoing_by, handover.outgoing_at = actor.id, now
        else:
            handover.incoming_by, handover.incoming_at = actor.id, now
        session.add(handover)
        payload: dict = {"side": side}
        if stand_in:
            payload.update(stand_in=True, reason=reason)
        event = append_event(session, actor, now, "acknowledge_handover",
                             subject=f"handover:{handover.id}", payload=payload)
        session.flush()
        return event.id


def _rosters(session: Session, desk: Desk, handover: Handover) -> tuple[list, list]:
    """(id, name, is chief) of the shift that ended and of the one that took over."""
    ended = ShiftOn(_shift(desk, handover.shift), handover.day)
    following = next_shift(ended, desk.settings.shifts)
    return roster(session, ended), roster(session, following) if following else []


def _open_side(actor: Actor, handover: Handover, outgoing: list,
               incoming: list) -> tuple[str | None, bool, str]:
    """(side, standing in, why not): the side `actor` may acknowledge — theirs by roster, or
    as the duty chief the first side still open — or None with the catalogue key saying why."""
    open_sides = [(side, {row[0] for row in rows}) for side, rows, at in (
        ("outgoing", outgoing, handover.outgoing_at),
        ("incoming", incoming, handover.incoming_at)) if at is None]
    if not open_sides:
        return None, False, "duty.error.both_done"
    if actor.id in (handover.outgoing_by, handover.incoming_by):
        return None, False, "duty.error.other_side"
    for side, ids in open_sides:
        if actor.id in ids:
            return side, False, ""
    if actor.role is Role.DUTY_CHIEF:
        return open_sides[0][0], True, ""
    return None, False, "duty.error.not_yours"


def _side_for(session: Session, desk: Desk, actor: Actor, handover: Handover,
              reason: str) -> tuple[str, bool]:
    """Which side `actor` acknowledges, and whether as the chief standing in; or why not."""
    side, stand_in, refusal = _open_side(actor, handover, *_rosters(session, desk, handover))
    if side is None:
        raise ValidationFailed({"_": t(refusal)})
    if stand_in and not reason:
        raise ValidationFailed({"reason": t("duty.error.stand_in_reason",
                                            side=t(f"duty.side.{side}"))})
    return side, stand_in


# -- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HandoverRow:
    id: int
    version: int
    created_at: dt.datetime
    day: dt.date
    shift: str
    outgoing: str
    incoming: str

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.created_at, self.id)


@refusals_logged
def handover_page(desk: Desk, actor: Actor, *, after: Cursor | None = None,
                  before: Cursor | None = None, limit: int = 20) -> Page:
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("error.permission", action=t("duty.title"))
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    H = Handover
    key = (col(H.created_at), col(H.id))
    with desk.db.read() as session:
        raw = list(session.exec(select(H).where(*bounds(key, after, before))
                                .order_by(*order(key, before)).limit(limit + 1)))
        names = _names(session, {h.outgoing_by for h in raw} | {h.incoming_by for h in raw})
    return page_of(raw, limit, after, before, lambda h: HandoverRow(
        h.id, h.version, h.created_at, h.day, h.shift, names.get(h.outgoing_by, ""),
        names.get(h.incoming_by, "")))


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.exec(select(Officer.id, Officer.name)
                             .where(col(Officer.id).in_(wanted))).all())


@dataclass(frozen=True)
class HandoverDetail:
    row: HandoverRow
    sheet: dict
    outgoing_roster: list[str]
    incoming_roster: list[str]
    may_acknowledge: bool
    stand_in_side: str | None  # the side the duty chief would confirm standing in (a reason)
    timeline: list[TimelineEntry]

    @property
    def id(self) -> int:
        return self.row.id


@refusals_logged
def handover_detail(desk: Desk, actor: Actor, handover_id: int) -> HandoverDetail:
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("error.permission", action=t("duty.title"))
    with desk.db.read() as session:
        h = session.get(Handover, handover_id)
        if h is None:
            raise NotFound("error.not_found", what=handover_id)
        out_roster, in_roster = _rosters(session, desk, h)
        names = _names(session, {h.outgoing_by, h.incoming_by})
        events = session.exec(
            select(Event, Officer.name).join(Officer, col(Officer.id) == Event.actor_id)
            .where(Event.subject == f"handover:{h.id}").order_by(col(Event.id))).all()
    side, stand_in, _ = _open_side(actor, h, out_roster, in_roster)
    row = HandoverRow(h.id, h.version, h.created_at, h.day, h.shift,
                      names.get(h.outgoing_by, ""), names.get(h.incoming_by, ""))
    return HandoverDetail(
        row=row, sheet=json.loads(h.sheet),
        outgoing_roster=[name + ("*" if chief else "") for _, name, chief in out_roster],
        incoming_roster=[name + ("*" if chief else "") for _, name, chief in in_roster],
        may_acknowledge=side is not None, stand_in_side=side if stand_in else None,
        timeline=[TimelineEntry(e.id, e.at, name, e.action, e.on_behalf_of,
                                json.loads(e.payload)) for e, name in events])

