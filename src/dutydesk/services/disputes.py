"""Dispute use-cases on a case of a dispute category: its record (建档) and colour, mediation
sessions, outcomes, departments called in (吹哨) and their answers (报到), a family dispute's
stage (moved by that work: services.stages). One transaction and one event each; escalation is
the case's own lifecycle step.

Every colour change is an event with who, when and why, so the colour's history is the event
log's; a red dispute is lowered only by the duty chief (domain.disputes.may_set_colour).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, delete, select

from dutydesk.domain.deadlines import local_date
from dutydesk.domain.disputes import (
    DISPUTE_STEP, Colour, DisputeAction, DisputeFacts, DisputeStep, DisputeType,
    Method, Outcome, PartyRole, SessionResult, check_id_number, confirm_due, dispute_steps,
    StageStep, ends_work, implied_factors, may_set_colour, parse_amount, BadAmount,
    suggest_colour,
)
from dutydesk.domain.lifecycle import CaseState, Role
from dutydesk.errors import NotFound, PermissionDenied, ValidationFailed
from dutydesk.i18n import t
from dutydesk.services.cases import parse_phone, unit_by_code
from dutydesk.services import claims
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged, stale_write
from dutydesk.services.inputs import clean_field, echo, required_reason
from dutydesk.services.revisits import open_plan
from dutydesk.services.stages import move_stage
from dutydesk.services.scope import dispute_in_reach
from dutydesk.store.models import (
    Case, Category, Dispute, DisputeParty, Event, Mediation, Whistle,
)

PARTIES_MAX = 50  # more parties than this is a group dispute recorded by its representatives
PEOPLE_MAX = 1_000_000


@dataclass
class PartyDraft:
    role: str  # PartyRole
    name: str
    phone: str = ""
    id_number: str = ""


@dataclass
class DisputeDraft:
    """The record as typed into the form: text as typed, checked by `record`."""

    type: str
    parties: list[PartyDraft] = field(default_factory=list)
    factors: list[str] = field(default_factory=list)
    colour: str = ""  # empty: the checklist's suggestion
    reason: str = ""  # why the colour differs from the suggestion (or changes)
    people: str = ""
    amount: str = ""  # yuan


@dataclass
class MediationDraft:
    held_on: dt.date | None
    mediator: str
    method: str  # Method
    result: str  # SessionResult
    participants: str = ""
    notes: str = ""


# -- the shared frame of every step ------------------------------------------------------------

def _step(desk: Desk, actor: Actor, case_id: int, action: DisputeAction,
          expected_version: int | None,
          apply: Callable[[Session, Case, Dispute | None, dt.datetime], tuple[str, dict]]) -> int:
    """Check the table's conditions for `action` on the case's dispute, apply it, write its
    event; returns the event id. `apply` returns the event's action name and payload."""
    step = DISPUTE_STEP[action]
    if actor.role not in step.roles:
        raise PermissionDenied("error.permission", action=t(f"dispute.action.{action.value}"))
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        case, dispute = _dispute_case(session, actor, case_id, step.any_case)
        if expected_version is not None and dispute is not None \
                and dispute.version != expected_version:
            raise stale_write(session, Event.case_id == case_id)
        claims.keep(session, desk, actor, claims.subject_of(case_id), now)
        facts = _facts(session, actor, case, dispute, now)
        if step not in dispute_steps(facts, actor.role):
            raise ValidationFailed({"_": t("dispute.error.not_now",
                                           action=t(f"dispute.action.{action.value}"))})
        name, payload = apply(session, case, dispute, now)
        if dispute is not None:
            dispute.updated_at = now
            flag_modified(dispute, "updated_at")  # every step moves the version
            session.add(dispute)
        event = append_event(session, actor, now, name, case_id=case_id, payload=payload)
        session.flush()
        return event.id


def _dispute_case(session: Session, actor: Actor, case_id: int,
                  any_case: bool = False) -> tuple[Case, Dispute | None]:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("error.not_found", what=case_id)
    if not dispute_in_reach(session, actor, case_id):
        raise PermissionDenied("error.out_of_scope")
    category = session.get(Category, case.category_id) if case.category_id else None
    if not any_case and (category is None or not category.is_dispute):
        raise ValidationFailed({"_": t("dispute.error.not_a_dispute", case=case_id)})
    if case.state in (CaseState.MERGED.value, CaseState.REJECTED.value):
        raise ValidationFailed({"_": t("dispute.error.not_a_dispute", case=case_id)})
    return case, session.get(Dispute, case_id)


def _facts(session: Session, actor: Actor, case: Case, dispute: Dispute | None,
           now: dt.datetime) -> DisputeFacts:
    whistles = session.exec(
        select(Whistle.unit_id).where(Whistle.case_id == case.id,
                                      col(Whistle.reported_at).is_(None))).all()
    if actor.role is Role.UNIT:  # a unit answers its own whistle only
        whistles = [unit for unit in whistles if unit == actor.unit_id]
    outcome = Outcome(dispute.outcome) if dispute and dispute.outcome else None
    category = session.get(Category, case.category_id) if case.category_id else None
    return DisputeFacts(
        recorded=dispute is not None,
        dispute_case=category is not None and category.is_dispute,
        ended=outcome is not None and ends_work(outcome),
        whistles_open=bool(whistles))


# -- record and colour -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Checked:
    type: DisputeType
    parties: list[PartyDraft]
    grading: _Grading
    people: int | None
    amount_fen: int | None


@dataclass(frozen=True)
class _Grading:
    """The checklist as ticked and the colour asked for (None: the checklist's), checked
    before any lock; graded against the recorded facts by `_grade`."""

    ticked: list[str]
    colour: Colour | None
    reason: str


def _check_grading(desk: Desk, factors: list[str], colour: str, reason: str,
                   errors: dict[str, str]) -> _Grading:
    checklist = desk.settings.disputes.checklist
    known = {f.code for f in checklist}
    unknown = [code for code in factors if code not in known]
    if unknown:
        errors["factors"] = t("dispute.error.unknown_factor", code=echo(unknown[0]))
    asked = None
    if colour.strip():
        try:
            asked = Colour(colour)
        except ValueError:
            errors["colour"] = t("dispute.error.bad_colour", value=echo(colour))
    return _Grading(list(factors), asked, clean_field(desk, "reason", reason, errors))


def _grade(desk: Desk, actor: Actor, grading: _Grading, old: Colour | None,
           people: int | None, amount_fen: int | None) -> tuple[list[str], Colour, Colour]:
    """(factors, suggested, colour): the ticked factors and those the facts make true, the
    checklist's colour, and the colour given. Another colour needs a reason; below the
    checklist (or lowering a red one) needs the duty chief."""
    rules = desk.settings.disputes
    implied = implied_factors(people, amount_fen, rules.facts)
    chosen = [f.code for f in rules.checklist if f.code in set(grading.ticked) | set(implied)]
    suggested = suggest_colour(chosen, rules.checklist)
    final = grading.colour or suggested
    if not may_set_colour(actor.role, old, final, suggested):
        raise PermissionDenied("dispute.error.below_checklist" if final.rank < suggested.rank
                               else "dispute.error.red_downgrade",
                               colour=t(f"colour.{final.value}"),
                               suggested=t(f"colour.{suggested.value}"))
    lowering_red = old is Colour.RED and final is not Colour.RED
    if (final is not suggested or lowering_red) and not grading.reason:
        raise ValidationFailed({"reason": t("dispute.error.override_reason",
                                            suggested=t(f"colour.{suggested.value}"),
                                            colour=t(f"colour.{final.value}"))})
    return chosen, suggested, final


def _check_record(desk: Desk, draft: DisputeDraft) -> _Checked:
    """Everything the record form holds, checked before any lock; ValidationFailed names each
    bad field (party fields as party.N.name / .phone / .id_number)."""
    errors: dict[str, str] = {}
    try:
        kind = DisputeType(draft.type)
    except ValueError:
        errors["type"] = t("field_error.required", field=t("dispute.field.type"))
        kind = DisputeType.OTHER
    parties = []
    if len(draft.parties) > PARTIES_MAX:
        errors["parties"] = t("dispute.error.too_many_parties", max=PARTIES_MAX)
    for index, party in enumerate(draft.parties[:PARTIES_MAX]):
        key = f"party.{index}"
        name = clean_field(desk, "party_name", party.name, errors)
        if key + ".name" not in errors and "party_name" in errors:
            errors[key + ".name"] = errors.pop("party_name")
        if not name and not (party.phone.strip() or party.id_number.strip()):
            continue  # an empty line of the form
        if not name:
            errors[key + ".name"] = t("field_error.required", field=t("dispute.field.party"))
        try:
            role = PartyRole(party.role)
        except ValueError:
            errors[key + ".role"] = t("field_error.required", field=t("dispute.field.role"))
            role = PartyRole.APPLICANT
        phone_errors: dict[str, str] = {}
        phone = parse_phone(party.phone, phone_errors)
        if phone_errors:
            errors[key + ".phone"] = phone_errors["reporter_phone"]
        id_number = ""
        if party.id_number.strip():
            try:
                id_number = check_id_number(party.id_number.strip())
            except ValueError:
                errors[key + ".id_number"] = t("dispute.error.bad_id", value=echo(party.id_number))
        parties.append(PartyDraft(role.value, name, phone, id_number))
    if not any(p.role == PartyRole.APPLICANT.value for p in parties) and not any(
            k.startswith("party.") for k in errors):
        errors["parties"] = t("dispute.error.no_applicant")
    grading = _check_grading(desk, draft.factors, draft.colour, draft.reason, errors)
    people = None
    if draft.people.strip():
        try:
            people = int(draft.people.strip())
            if not 0 <= people <= PEOPLE_MAX:
                raise ValueError
        except ValueError:
            errors["people"] = t("dispute.error.bad_people", value=echo(draft.people))
    try:
        amount = parse_amount(draft.amount)
    except BadAmount:
        errors["amount"] = t("dispute.error.bad_amount", value=echo(draft.amount))
        amount = None
    if errors:
        raise ValidationFailed(errors)
    return _Checked(kind, parties, grading, people, amount)


@refusals_logged
def record(desk: Desk, actor: Actor, case_id: int, draft: DisputeDraft,
           expected_version: int | None = None) -> int:
    """建档 (or amend the record): type, parties, people and amount involved, the checked risk
    factors and the colour — the checklist's suggestion, or another with a reason. Returns the
    event id."""
    checked = _check_record(desk, draft)

    def apply(session: Session, case: Case, dispute: Dispute | None,
              now: dt.datetime) -> tuple[str, dict]:
        old = Colour(dispute.colour) if dispute else None
        factors, suggested, colour = _grade(desk, actor, checked.grading, old, checked.people,
                                            checked.amount_fen)
        if dispute is None:
            dispute = Dispute(case_id=case.id, type=checked.type.value,
                              colour=colour.value, created_at=case.created_at,
                              updated_at=now)
        if checked.type is DisputeType.FAMILY:
            move_stage(dispute, StageStep.RECORDED)
        else:
            dispute.stage = None
        dispute.type, dispute.colour = checked.type.value, colour.value
        dispute.factors = json.dumps(factors)
        dispute.people, dispute.amount_fen = checked.people, checked.amount_fen
        session.add(dispute)
        # A party whose phone or ID number is left empty keeps the stored one: the form never
        # shows them in full, so an amendment must not wipe them.
        stored = {(p.role, p.name): p for p in session.exec(
            select(DisputeParty).where(DisputeParty.case_id == case.id))}
        session.exec(delete(DisputeParty).where(DisputeParty.case_id == case.id))
        for party in checked.parties:
            before = stored.get((party.role, party.name))
            session.add(DisputeParty(
                case_id=case.id, role=party.role, name=party.name,
                phone=party.phone or (before.phone if before else ""),
                id_number=party.id_number or (before.id_number if before else "")))
        payload = {"type": checked.type.value, "colour": colour.value,
                   "suggested": suggested.value, "factors": factors,
                   "parties": len(checked.parties)}
        if old is not None and old is not colour:
            payload["from_colour"] = old.value
        if checked.grading.reason:
            payload["reason"] = checked.grading.reason
        return DisputeAction.RECORD.value, payload

    return _step(desk, actor, case_id, DisputeAction.RECORD, expected_version, apply)


@refusals_logged
def regrade(desk: Desk, actor: Actor, case_id: int, factors: list[str], colour: str = "",
            reason: str = "", expected_version: int | None = None) -> int:
    """调整颜色: the checklist again and the colour; every change is kept with who, when and
    why; lowering a red dispute needs the duty chief."""
    errors: dict[str, str] = {}
    grading = _check_grading(desk, factors, colour, reason, errors)
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, case: Case, dispute: Dispute | None,
              now: dt.datetime) -> tuple[str, dict]:
        assert dispute is not None
        old = Colour(dispute.colour)
        chosen, suggested, final = _grade(desk, actor, grading, old, dispute.people,
                                          dispute.amount_fen)
        dispute.colour, dispute.factors = final.value, json.dumps(chosen)
        return DisputeAction.REGRADE.value, {"from_colour": old.value, "colour": final.value,
                                             "suggested": suggested.value, "factors": chosen,
                                             "reason": grading.reason}

    return _step(desk, actor, case_id, DisputeAction.REGRADE, expected_version, apply)


# -- mediation and outcome ---------------------------------------------------------------------

@refusals_logged
def record_mediation(desk: Desk, actor: Actor, case_id: int, draft: MediationDraft,
                     expected_version: int | None = None) -> int:
    """A mediation session: date, mediator or team, method, participants, result, notes."""
    errors: dict[str, str] = {}
    today = local_date(desk.clock.now())
    if draft.held_on is None:
        errors["held_on"] = t("field_error.required", field=t("dispute.field.held_on"))
    elif draft.held_on > today:
        errors["held_on"] = t("dispute.error.future_date", value=draft.held_on.isoformat())
    mediator = clean_field(desk, "mediator", draft.mediator, errors)
    if not mediator and "mediator" not in errors:
        errors["mediator"] = t("field_error.required", field=t("field.mediator"))
    method = _choice(Method, draft.method, "method", errors)
    result = _choice(SessionResult, draft.result, "result", errors)
    participants = clean_field(desk, "participants", draft.participants, errors)
    notes = clean_field(desk, "notes", draft.notes, errors)
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, case: Case, dispute: Dispute | None,
              now: dt.datetime) -> tuple[str, dict]:
        assert dispute is not None and draft.held_on is not None
        session.add(Mediation(case_id=case.id, held_on=draft.held_on, mediator=mediator,
                              method=method, participants=participants, result=result,
                              notes=notes, actor_id=actor.id, created_at=now))
        dispute.mediator = mediator
        return DisputeAction.MEDIATE.value, {
            "held_on": draft.held_on.isoformat(), "mediator": mediator, "method": method,
            "result": result, "participants": participants, "note": notes,
            **move_stage(dispute, StageStep.MEDIATED)}

    return _step(desk, actor, case_id, DisputeAction.MEDIATE, expected_version, apply)


def _choice(kind, raw: str, name: str, errors: dict[str, str]) -> str:
    try:
        return kind(raw).value
    except ValueError:
        errors[name] = t("field_error.required", field=t(f"dispute.field.{name}"))
        return ""


@refusals_logged
def record_outcome(desk: Desk, actor: Actor, case_id: int, outcome: str, *,
                   agreement_on: dt.date | None = None, court: str = "",
                   court_on: dt.date | None = None, applied_on: dt.date | None = None,
                   note: str = "", expected_version: int | None = None) -> int:
    """The outcome: 调解成功 (the agreement's date opens the window to apply for 司法确认, a
    deadline), 司法确认 (the day the parties applied — lateness is judged on it — the court and
    its decision date), or 转诉讼 / 转信访 / 转仲裁 / 撤回 / 调解失败."""
    errors: dict[str, str] = {}
    chosen = _choice(Outcome, outcome, "outcome", errors)
    court = clean_field(desk, "court", court, errors)
    note = clean_field(desk, "note", note, errors)
    today = local_date(desk.clock.now())
    if chosen == Outcome.MEDIATED.value and agreement_on is None:
        errors["agreement_on"] = t("field_error.required", field=t("dispute.field.agreement_on"))
    if chosen == Outcome.COURT_CONFIRMED.value:
        if not court:
            errors["court"] = t("field_error.required", field=t("field.court"))
        if court_on is None:
            errors["court_on"] = t("field_error.required", field=t("dispute.field.court_on"))
        if applied_on is None:
            errors["applied_on"] = t("field_error.required",
                                     field=t("dispute.field.applied_on"))
    for name, day in (("agreement_on", agreement_on), ("applied_on", applied_on),
                      ("court_on", court_on)):
        if day is not None and day > today and name not in errors:
            errors[name] = t("dispute.error.future_date", value=day.isoformat())
    if applied_on and court_on and court_on < applied_on and "court_on" not in errors:
        errors["court_on"] = t("dispute.error.decided_before_applied",
                               applied=applied_on.isoformat(), court=court_on.isoformat())
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, case: Case, dispute: Dispute | None,
              now: dt.datetime) -> tuple[str, dict]:
        assert dispute is not None
        dispute.outcome = chosen
        payload: dict = {"outcome": chosen}
        if chosen == Outcome.MEDIATED.value:
            assert agreement_on is not None
            dispute.agreement_on = agreement_on
            dispute.confirm_due_on = _confirm_due(desk, agreement_on)
            payload.update(agreement_on=agreement_on.isoformat(),
                           confirm_due_on=dispute.confirm_due_on.isoformat())
        else:
            dispute.confirm_due_on = None  # the window is over: confirmed, or no agreement
        if chosen == Outcome.COURT_CONFIRMED.value:
            assert court_on is not None and applied_on is not None
            dispute.court, dispute.court_on, dispute.applied_on = court, court_on, applied_on
            # Late is judged on the application: the court may take its days to decide.
            late = dispute.agreement_on is not None \
                and applied_on > _confirm_due(desk, dispute.agreement_on)
            payload.update(court=court, applied_on=applied_on.isoformat(),
                           court_on=court_on.isoformat(), late=late)
        if chosen in (Outcome.MEDIATED.value, Outcome.COURT_CONFIRMED.value):
            payload.update(move_stage(dispute, StageStep.RESOLVED))
            first = open_plan(session, desk, dispute, now, actor.id)  # resolved: revisits
            if first is not None:
                payload["revisit_due"] = first.isoformat()
        if note:
            payload["note"] = note
        return DisputeAction.OUTCOME.value, payload

    return _step(desk, actor, case_id, DisputeAction.OUTCOME, expected_version, apply)


def _confirm_due(desk: Desk, agreement_on: dt.date) -> dt.date:
    return confirm_due(agreement_on, desk.settings.disputes.confirm_days, desk.rules.calendar)


# -- 吹哨报到 ------------------------------------------------------------------------------------

@refusals_logged
def whistle(desk: Desk, actor: Actor, case_id: int, unit_codes: list[str], reason: str,
            expected_version: int | None = None) -> int:
    """吹哨: call departments in; each must report (报到) by the configured limit."""
    errors: dict[str, str] = {}
    reason = required_reason(desk, reason, errors)
    codes = list(dict.fromkeys(code for code in unit_codes if code.strip()))
    if not codes:
        errors["units"] = t("field_error.required", field=t("dispute.field.units"))
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, case: Case, dispute: Dispute | None,
              now: dt.datetime) -> tuple[str, dict]:
        found: dict[str, str] = {}
        units = [u for code in codes if (u := unit_by_code(session, code, found, "units"))]
        if found:
            raise ValidationFailed(found)
        waiting = set(session.exec(select(Whistle.unit_id).where(
            Whistle.case_id == case.id, col(Whistle.reported_at).is_(None))))
        again = [u.name for u in units if u.id in waiting]
        if again:
            raise ValidationFailed({"units": t("dispute.error.already_called",
                                               units="、".join(again))})
        due = desk.rules.compute(now, desk.settings.disputes.whistle_limit).due
        for unit in units:
            session.add(Whistle(case_id=case.id, unit_id=unit.id, reason=reason, called_at=now,
                                due_at=due))
        return DisputeAction.WHISTLE.value, {"units": [u.name for u in units],
                                             "due_at": due.isoformat(), "reason": reason}

    return _step(desk, actor, case_id, DisputeAction.WHISTLE, expected_version, apply)


@refusals_logged
def report_in(desk: Desk, actor: Actor, case_id: int, unit_code: str, response: str,
              expected_version: int | None = None) -> int:
    """报到: a department called in answers (a unit for itself, or the desk on its behalf)."""
    errors: dict[str, str] = {}
    response = clean_field(desk, "response", response, errors)
    if not response and "response" not in errors:
        errors["response"] = t("field_error.required", field=t("field.response"))
    if errors:
        raise ValidationFailed(errors)

    def apply(session: Session, case: Case, dispute: Dispute | None,
              now: dt.datetime) -> tuple[str, dict]:
        found: dict[str, str] = {}
        unit = unit_by_code(session, unit_code, found, "unit")
        if unit is None:
            raise ValidationFailed(found)
        if actor.role is Role.UNIT and unit.id != actor.unit_id:
            raise PermissionDenied("dispute.error.not_your_whistle")
        call = session.exec(select(Whistle).where(
            Whistle.case_id == case.id, Whistle.unit_id == unit.id,
            col(Whistle.reported_at).is_(None))).first()
        if call is None:
            raise ValidationFailed({"unit": t("dispute.error.not_called", unit=unit.name)})
        call.reported_at, call.response = now, response
        session.add(call)
        return DisputeAction.REPORT.value, {"unit": unit.name, "response": response,
                                            "late": now > call.due_at}

    return _step(desk, actor, case_id, DisputeAction.REPORT, expected_version, apply)


def steps_for(session: Session, actor: Actor, case: Case, dispute: Dispute | None,
              now: dt.datetime) -> list[DisputeStep]:
    """The dispute steps open to the actor now (for a detail pane and its keys)."""
    return dispute_steps(_facts(session, actor, case, dispute, now), actor.role)
