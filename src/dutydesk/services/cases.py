"""Case use-cases: create a report, and perform any action of the lifecycle table."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from dutydesk.domain.deadlines import Deadline, TimeLimit, TimeUnit
from dutydesk.domain.lifecycle import (
    END_STATES, Action, CaseFacts, CaseState, Channel, Field, Level, Role,
    LADDER, ROLE_REFUSAL, UNIT_CLOCK_STATES, PartFacts, Transition, level_of_node, next_level,
    refusal, transition_for,
)
from dutydesk.domain.police import TransferState
from dutydesk.domain.personal import InvalidPhone, mask_phone, normalise_phone
from dutydesk.domain.supervision import card_for
from dutydesk.domain.text import clean_text, placed_search_text, search_text
from dutydesk.errors import (
    InvalidTransition, NotFound, PermissionDenied, ValidationFailed,
)
from dutydesk.i18n import local_time, t
from dutydesk.services import claims
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged, stale_write
from dutydesk.services.revisits import cancel_callbacks, schedule_callback
from dutydesk.services.inputs import clean_field, echo
from dutydesk.services.scope import in_scope
from dutydesk.store.models import (
    Case, CaseClosure, CaseUnit, Category, Contact, Event, Node, PoliceTransfer, Unit,
    UnitCategory,
)

CASE_ID_MAX = 2**63 - 1  # SQLite's largest integer key
REPORTER_ROLES = frozenset({Role.OFFICER, Role.DUTY_CHIEF, Role.COMMUNITY})


@dataclass
class CaseDraft:
    """A new report as typed into the form or read from an import."""

    channel: str
    summary: str
    node_code: str
    reporter_name: str = ""
    reporter_phone: str = ""
    address: str = ""
    category_code: str = ""


@dataclass
class ActionInput:
    reason: str = ""
    category_code: str = ""
    node_code: str = ""
    merge_into: int | None = None
    lead_unit_code: str = ""
    co_unit_codes: list[str] = field(default_factory=list)
    new_due: dt.datetime | None = None
    result: str = ""
    evidence: str = ""
    note: str = ""
    on_behalf_of: str = ""

    def has(self, f: Field) -> bool:
        value = getattr(self, FIELD_ATTRIBUTE[f])
        return bool(value.strip()) if isinstance(value, str) else bool(value)


# Where each field of the lifecycle table lands in ActionInput.
FIELD_ATTRIBUTE = {
    Field.REASON: "reason", Field.CATEGORY: "category_code", Field.NODE: "node_code",
    Field.MERGE_INTO: "merge_into", Field.LEAD_UNIT: "lead_unit_code",
    Field.CO_UNITS: "co_unit_codes", Field.NEW_DUE: "new_due", Field.RESULT: "result",
    Field.EVIDENCE: "evidence", Field.NOTE: "note",
}


# -- creation ----------------------------------------------------------------------------------

@refusals_logged
def create_case(desk: Desk, actor: Actor, draft: CaseDraft) -> int:
    """Register a new report (待受理). Bad input raises ValidationFailed and writes nothing."""
    if actor.role not in REPORTER_ROLES:
        raise PermissionDenied("error.permission", action=t("action.create"))
    errors: dict[str, str] = {}
    try:
        channel = Channel(draft.channel)
    except ValueError:
        errors["channel"] = t("field_error.channel")
    summary = clean_field(desk, "summary", draft.summary, errors)
    if not summary:
        errors["summary"] = t("field_error.required", field=t("field.summary"))
    address = clean_field(desk, "address", draft.address, errors)
    reporter = clean_field(desk, "reporter_name", draft.reporter_name, errors)
    phone = parse_phone(draft.reporter_phone, errors)
    # Derived text is made before the write lock is taken, and only for text within its
    # limits: pinyin of a megabyte takes many seconds.
    search_base = "" if errors else search_text(summary, address, reporter, phone)
    with desk.db.read() as session:  # configuration rows: no need to hold the write lock
        node = node_by_code(session, draft.node_code, errors)
        category = None
        if draft.category_code.strip():
            category = category_by_code(session, draft.category_code, errors)
    if errors:
        raise ValidationFailed(errors)
    assert node is not None
    with desk.db.write() as session:
        now = desk.clock.now()  # read under the lock, so events stay in order
        require_active(session, actor)
        case = Case(
            channel=channel.value, state=CaseState.NEW.value, summary=summary,
            address=address, reporter_name=reporter, reporter_phone=phone, created_at=now,
            updated_at=now, category_id=category.id if category else None,
        )
        place_case(case, node, search_base)
        if not in_scope(actor, case, set()):
            raise PermissionDenied("error.out_of_scope")
        session.add(case)
        session.flush()
        append_event(session, actor, now, "create", case_id=case.id, payload={
            "channel": channel.value, "summary": summary, "node": node.name,
            "reporter": case.reporter_name,
            "phone": mask_phone(phone, desk.settings.masks) if phone else "",
        })
        return case.id


PHONE_MAX = 32  # longer than any real number with its country code and separators


def parse_phone(raw: str, errors: dict[str, str]) -> str:
    """The phone in E.164, or "" when none was given; a bad one is refused in `errors`."""
    text = clean_text(raw)
    if not text:
        return ""
    try:
        if len(text) > PHONE_MAX:
            raise InvalidPhone(text)
        return normalise_phone(text)
    except InvalidPhone:
        errors["reporter_phone"] = t("field_error.phone", value=echo(text))
        return ""


def place_case(case: Case, node: Node, search_base: str) -> None:
    # A case starts at its place's level; moving it never lowers a level it was raised to.
    start = level_of_node(node.kind)
    if case.level is None or LADDER.index(start) > LADDER.index(Level(case.level)):
        case.level = start.value
    case.node_id = node.id
    case.community_id = node.community_id
    case.street_id = node.street_id
    case.search_text = placed_search_text(search_base, node.name)


def node_by_code(session: Session, code: str, errors: dict[str, str]) -> Node | None:
    if not code.strip():
        errors["node"] = t("field_error.required", field=t("field.node"))
        return None
    return _by_code(session, Node, code, errors, "node", "field_error.unknown_node")


def category_by_code(session: Session, code: str, errors: dict[str, str]) -> Category | None:
    return _by_code(session, Category, code, errors, "category", "field_error.unknown_category")


def unit_by_code(session: Session, code: str, errors: dict[str, str], key: str) -> Unit | None:
    return _by_code(session, Unit, code, errors, key, "field_error.unknown_unit")


def _by_code(session: Session, model, code: str, errors: dict[str, str], key: str,
             unknown: str):
    """The row of `model` with this code, or None with `errors[key]` saying it is unknown."""
    row = session.exec(select(model).where(model.code == code.strip())).first()
    if row is None:
        errors[key] = t(unknown, value=echo(code))
    return row


# -- actions -----------------------------------------------------------------------------------

@refusals_logged
def perform(desk: Desk, actor: Actor, case_id: int, action: Action, inputs: ActionInput,
            expected_version: int | None = None) -> int:
    """Apply one action of the lifecycle table in one transaction; returns the event id."""
    transition = transition_for(action)
    inputs = _clean_inputs(desk, inputs)
    with desk.db.write() as session:
        now = desk.clock.now()  # read under the lock, so events stay in order
        require_active(session, actor)
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound("error.not_found", what=case_id)
        # Only a unit's scope depends on the dispatch rows: read them only for units.
        unit_ids = set(session.exec(select(CaseUnit.unit_id).where(
            CaseUnit.case_id == case_id))) if actor.role is Role.UNIT else set()
        part = own_part(session, actor, case_id)
        stale = expected_version is not None and case.version != expected_version
        if not in_scope(actor, case, unit_ids):
            # A case that left the officer's reach since they read it (a concurrent 退单, say)
            # is a stale read: say what changed rather than "outside your area".
            raise stale_write(session, Event.case_id == case.id, case.updated_at) if stale \
                else PermissionDenied("error.out_of_scope")
        why_not = refused(transition, facts_of(case, part), actor.role, now)
        if isinstance(why_not, PermissionDenied):
            raise why_not
        if not may_act_on(actor, case, transition, part):
            raise PermissionDenied("error.not_co_unit" if transition.part
                                   else "error.not_lead_unit")
        if stale:
            raise stale_write(session, Event.case_id == case.id, case.updated_at)
        if why_not is not None:
            raise why_not
        claims.keep(session, desk, actor, claims.subject_of(case.id), now)
        on_behalf = _check_inputs(session, case, transition, actor, inputs)
        payload = _APPLY[action](desk, session, actor, case, inputs, now)
        if transition.counts_redo:  # 重办, from the table (after the effect's reads)
            case.redo_count += 1
            payload["redo_count"] = case.redo_count
        if not in_scope(actor, case, unit_ids):
            raise PermissionDenied("error.moved_out_of_scope")
        state = CaseState(case.state)
        _follow_unit_clock(case, state, transition.target or state, now)
        if transition.target is not None:
            case.state = transition.target.value
            if transition.target in END_STATES:
                case.closed_at = now
        case.updated_at = now
        flag_modified(case, "updated_at")  # every action moves the version (stale reads see it)
        session.add(case)
        event = append_event(session, actor, now, action.value, case_id=case.id,
                             on_behalf_of=on_behalf, payload=payload)
        session.flush()
        if transition.gives_result:  # (after the flush: the case is written once)
            _start_feedback_clock(session, desk, case.id, now)
        return event.id


def may_take(desk: Desk, actor: Actor, case_id: int, action: Action) -> bool:
    """Whether `actor` may take `action` on the case now, by the checks `perform` makes — a
    read that logs no refusal (a training run's unit waits until the case reaches it)."""
    transition = transition_for(action)
    with desk.db.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            return False
        unit_ids = set(session.exec(select(CaseUnit.unit_id).where(
            CaseUnit.case_id == case_id))) if actor.role is Role.UNIT else set()
        part = own_part(session, actor, case_id)
        return (in_scope(actor, case, unit_ids)
                and refused(transition, facts_of(case, part), actor.role,
                            desk.clock.now()) is None
                and may_act_on(actor, case, transition, part))


def _follow_unit_clock(case: Case, before: CaseState, after: CaseState,
                       now: dt.datetime) -> None:
    """The unit's own deadline, kept apart from the desk's later limits: it starts with the
    states of the unit's clock (派单, 核查不通过), follows an extension or 加急 within them, and
    stops when they are left (回告, 退单)."""
    if after in UNIT_CLOCK_STATES:
        case.unit_due_at = case.due_at
        if before not in UNIT_CLOCK_STATES:
            case.unit_replied_at = None
    elif before in UNIT_CLOCK_STATES:
        case.unit_replied_at = now


def _start_feedback_clock(session: Session, desk: Desk, case_id: int, now: dt.datetime) -> None:
    """The case's result is known: a 110 transfer diverted into it starts its result-feedback
    clock (反馈 110 within the feedback limit), once."""
    T = PoliceTransfer
    due = desk.rules.compute(now, desk.settings.police.feedback_limit).due
    session.execute(update(T).where(
        T.case_id == case_id, T.state == TransferState.DIVERTED.value,
        col(T.result_at).is_(None)).values(result_at=now, feedback_due_at=due,
                                           version=T.version + 1))


def _clean_inputs(desk: Desk, inputs: ActionInput) -> ActionInput:
    """Free text cleaned and held to its limits; codes cleaned. Refuses before any lock."""
    errors: dict[str, str] = {}
    cleaned = {name: clean_field(desk, name, getattr(inputs, name), errors)
               for name in ("reason", "result", "evidence", "note", "on_behalf_of")}
    if inputs.merge_into is not None and not 0 < inputs.merge_into <= CASE_ID_MAX:
        errors["merge_into"] = t("field_error.merge_target", value=echo(inputs.merge_into))
    if errors:
        raise ValidationFailed(errors)
    return replace(
        inputs, **cleaned, category_code=clean_text(inputs.category_code),
        node_code=clean_text(inputs.node_code), lead_unit_code=clean_text(inputs.lead_unit_code),
        co_unit_codes=[clean_text(code) for code in inputs.co_unit_codes])


def may_act_on(actor: Actor, case: Case, transition: Transition,
               part: CaseUnit | None) -> bool:
    """Only the lead unit moves the case along (签收, 退单, 回告, 延期); a co-unit acts on its
    own part only."""
    if actor.role is not Role.UNIT:
        return True
    if transition.part:
        return part is not None and not part.lead
    return case.lead_unit_id == actor.unit_id


def own_part(session: Session, actor: Actor, case_id: int) -> CaseUnit | None:
    """The acting unit's dispatch row on the case (its part, if it is a co-unit)."""
    if actor.role is not Role.UNIT or actor.unit_id is None:
        return None
    return session.get(CaseUnit, (case_id, actor.unit_id))


def facts_of(case: Case, part: CaseUnit | None = None) -> CaseFacts:
    part_facts = None if part is None or part.lead else PartFacts(
        part.acknowledged_at is not None, part.replied_at is not None)
    return CaseFacts(CaseState(case.state), Level(case.level), case.due_at,
                     case.extension_due_at is not None, part_facts)


def refused(transition: Transition, facts: CaseFacts, role: Role,
            now: dt.datetime) -> InvalidTransition | PermissionDenied | None:
    """Why `role` may not take the step now, as the error the service raises and the board
    shows when its key is pressed (the table's own reason: role, state or condition)."""
    key = refusal(transition, facts, role, now)
    if key is None:
        return None
    roles = [r for r in Role if r in transition.roles]
    if Role.OFFICER in roles:
        roles.remove(Role.DUTY_CHIEF)  # "值班员" covers the chief, who may do all they may
    params = dict(action=t(f"action.{transition.action.value}"),
                  state=t(f"state.{facts.state.value}"),
                  roles=t("error.or").join(t(f"role.{r.value}") for r in roles))
    return PermissionDenied(key, **params) if key == ROLE_REFUSAL \
        else InvalidTransition(key, **params)


def _check_inputs(session: Session, case: Case, transition: Transition, actor: Actor,
                  inputs: ActionInput) -> str | None:
    """Required fields present; a step recorded on someone's behalf (代录) names one of the
    contacts of the unit or community the step belongs to. Returns "owner person"."""
    errors = {
        f.value: t("field_error.required", field=t(f"field.{f.value}"))
        for f in transition.fields if not inputs.has(f)
    }
    on_behalf = None
    if transition.needs_on_behalf(actor.role):
        owner, names = contacts_for(session, case, transition)
        person = inputs.on_behalf_of.strip()
        if not person:
            errors["on_behalf_of"] = t("field_error.required", field=t("field.on_behalf_of"))
        elif person not in names:
            errors["on_behalf_of"] = t("field_error.not_a_contact", person=echo(person),
                                       owner=owner, names="、".join(names) or "—")
        on_behalf = f"{owner} {person}"
    if errors:
        raise ValidationFailed(errors)
    return on_behalf


def contacts_for(session: Session, case: Case, transition: Transition) -> tuple[str, list[str]]:
    """Whose step a desk records for (the lead unit, or the case's community) and the people
    there it may name."""
    if Role.UNIT in transition.on_behalf_roles:
        owner = session.get(Unit, case.lead_unit_id) if case.lead_unit_id else None
        where = Contact.unit_id == (owner.id if owner else -1)
    else:
        owner = session.get(Node, case.community_id) if case.community_id else None
        where = Contact.node_id == (owner.id if owner else -1)
    names = list(session.exec(select(Contact.name).where(where).order_by(col(Contact.id))))
    return (owner.name if owner else "—"), names


# Each effect mutates the case (and its rows) and returns the event payload.

def _accept(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
            now: dt.datetime) -> dict:
    errors: dict[str, str] = {}
    category = category_by_code(s, i.category_code, errors)
    node = node_by_code(s, i.node_code, errors)
    if errors:
        raise ValidationFailed(errors)
    assert category is not None and node is not None
    case.category_id = category.id
    # The texts are capped, so their pinyin stays quick even under the lock.
    place_case(case, node, search_text(case.summary, case.address, case.reporter_name,
                                   case.reporter_phone))
    return {"category": category.name, "node": node.name}


def _reason_only(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
                 now: dt.datetime) -> dict:
    return {"reason": i.reason.strip()} if i.reason.strip() else {}


def _merge(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
           now: dt.datetime) -> dict:
    target = s.get(Case, i.merge_into) if i.merge_into else None
    if (target is None or target.id == case.id or CaseState(target.state) in END_STATES
            or not in_scope(actor, target, set())):
        raise ValidationFailed({"merge_into": t("field_error.merge_target", value=i.merge_into)})
    case.merged_into_id = target.id
    return {"into": target.id}


def _resolve(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
             now: dt.datetime) -> dict:
    due = schedule_callback(s, desk, case, now)  # 直接办结 is closed too: call back
    s.add(CaseClosure(case_id=case.id, closed_at=now))
    return {"result": i.result.strip(), "callback_due": due.isoformat()}


def _file(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
          now: dt.datetime) -> dict:
    if case.category_id is None:
        raise ValidationFailed({"category": t("field_error.required", field=t("field.category"))})
    case.filed_at = case.filed_at or now  # counted once, at the first 立案
    return {}


def _dispatch(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
              now: dt.datetime) -> dict:
    errors: dict[str, str] = {}
    lead = unit_by_code(s, i.lead_unit_code, errors, "lead_unit")
    co_units = [u for code in i.co_unit_codes
                if code.strip() and (u := unit_by_code(s, code, errors, "co_units"))]
    category = s.get(Category, case.category_id) if case.category_id else None
    if category is None:
        errors["category"] = t("field_error.required", field=t("field.category"))
    if errors:
        raise ValidationFailed(errors)
    assert lead is not None and category is not None
    suggested = lead.id in suggested_unit_ids(s, case.node_id, case.category_id)
    if not suggested and not i.reason.strip():
        raise ValidationFailed({"reason": t("field_error.dispatch_reason", unit=lead.name,
                                            category=category.name)})
    if lead.id in {u.id for u in co_units}:
        raise ValidationFailed({"co_units": t("field_error.lead_is_co_unit", unit=lead.name)})
    s.exec(delete(CaseUnit).where(CaseUnit.case_id == case.id))
    s.add(CaseUnit(case_id=case.id, unit_id=lead.id, lead=True, created_at=case.created_at))
    for unit in {u.id: u for u in co_units if u.id != lead.id}.values():
        s.add(CaseUnit(case_id=case.id, unit_id=unit.id, lead=False, created_at=case.created_at))
    case.lead_unit_id = lead.id
    case.dispatched_at = case.dispatched_at or now  # a re-dispatch after 退单 is not a new 派单
    ack = desk.rules.compute(now, ack_limit(desk, lead))
    case.ack_due_at, case.ack_unit = ack.due, ack.unit.value
    due = start_clock(desk, case, now, category_limit(category))
    payload = {"lead_unit": lead.name, "co_units": [u.name for u in co_units],
               "due_at": due.due.isoformat(), "provisional": due.provisional}
    if not suggested:
        payload["reason"] = i.reason.strip()
    return payload


def suggested_unit_ids(s: Session, node_id: int | None, category_id: int | None) -> set[int]:
    """Units that handle the category and serve the place (or a place above it): the ones
    派单 offers first."""
    if category_id is None or node_id is None:
        return set()
    covering: set[int] = set()
    node = s.get(Node, node_id)
    while node is not None:
        covering.add(node.id)
        node = s.get(Node, node.parent_id) if node.parent_id else None
    return set(s.exec(
        select(Unit.id).join(UnitCategory, col(UnitCategory.unit_id) == Unit.id)
        .where(UnitCategory.category_id == category_id, col(Unit.node_id).in_(covering))))


def ack_limit(desk: Desk, unit: Unit) -> TimeLimit:
    """签收时限: working hours, or the same amount in natural hours for a 24-hour unit."""
    limit = desk.settings.ack_limit
    return TimeLimit(limit.amount, TimeUnit.NATURAL_HOURS) if unit.round_the_clock else limit


def category_limit(category: Category) -> TimeLimit:
    return TimeLimit(category.limit_amount, TimeUnit(category.limit_unit))


def clock_limit(desk: Desk, state: CaseState, category: Category | None) -> TimeLimit | None:
    """The limit the case's running clock was started with in `state`: the unit's 办结时限
    until 回告, then the desk's own limits for 核查 and 结案."""
    if state is CaseState.REPLIED:
        return desk.settings.verify_limit
    if state is CaseState.VERIFIED:
        return desk.settings.close_limit
    return category_limit(category) if category is not None else None


def start_clock(desk: Desk, case: Case, now: dt.datetime, limit: TimeLimit) -> Deadline:
    due = desk.rules.compute(now, limit)
    case.due_start_at, case.due_at, case.due_unit = due.start, due.due, due.unit.value
    case.due_provisional = due.provisional
    return due


def _acknowledge(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
                 now: dt.datetime) -> dict:
    late = case.ack_due_at is not None and now > case.ack_due_at
    return {"late": late}


def _return(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
            now: dt.datetime) -> dict:
    unit = s.get(Unit, case.lead_unit_id) if case.lead_unit_id else None
    s.exec(delete(CaseUnit).where(CaseUnit.case_id == case.id))
    _clear_deadline(case)
    return {"reason": i.reason.strip(), "unit": unit.name if unit else ""}


def _clear_deadline(case: Case) -> None:
    case.lead_unit_id = None
    case.ack_due_at = case.ack_unit = case.due_start_at = case.due_at = case.due_unit = None
    case.due_provisional = False
    case.extension_due_at = None


def _request_extension(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
                       now: dt.datetime) -> dict:
    assert i.new_due is not None
    if case.due_at is not None and i.new_due <= case.due_at:
        raise ValidationFailed({"new_due": t("field_error.new_due_later")})
    case.extension_due_at = i.new_due
    return {"new_due": i.new_due.isoformat(), "reason": i.reason.strip()}


def _approve_extension(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
                       now: dt.datetime) -> dict:
    previous, case.due_at, case.extension_due_at = case.due_at, case.extension_due_at, None
    case.due_provisional = False  # an approved date is explicit, not computed
    return {"from": previous.isoformat() if previous else None, "to": case.due_at.isoformat()}


def _refuse_extension(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
                      now: dt.datetime) -> dict:
    case.extension_due_at = None
    return {"reason": i.reason.strip()}


def _reply(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
           now: dt.datetime) -> dict:
    open_parts = s.exec(select(Unit.name).join(CaseUnit, col(CaseUnit.unit_id) == Unit.id).where(
        CaseUnit.case_id == case.id, col(CaseUnit.lead).is_(False),
        col(CaseUnit.replied_at).is_(None))).all()
    if open_parts and not i.reason.strip():
        raise ValidationFailed({"reason": t("field_error.co_units_open",
                                            units="、".join(open_parts))})
    # The unit's clock stops here: 按时办结 is judged now, and the desk's 核查 clock starts.
    payload = {"result": i.result.strip(), "evidence": i.evidence.strip(),
               "on_time": case.due_at is None or now <= case.due_at}
    if open_parts:
        payload["reason"] = i.reason.strip()
    if case.extension_due_at is not None:  # a pending extension is withdrawn by the reply
        case.extension_due_at = None
        payload["withdrew_extension"] = True
    start_clock(desk, case, now, desk.settings.verify_limit)
    return payload


def _co_acknowledge(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
                    now: dt.datetime) -> dict:
    part = _checked_part(s, actor, case)
    part.acknowledged_at = now
    s.add(part)
    return {"unit": _unit_name(s, part), "late": case.ack_due_at is not None
            and now > case.ack_due_at}


def _co_reply(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
              now: dt.datetime) -> dict:
    part = _checked_part(s, actor, case)
    part.replied_at = now
    s.add(part)
    return {"unit": _unit_name(s, part), "result": i.result.strip(),
            "evidence": i.evidence.strip(), "on_time": case.due_at is None or now <= case.due_at}


def _co_return(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
               now: dt.datetime) -> dict:
    part = _checked_part(s, actor, case)
    name = _unit_name(s, part)
    s.delete(part)  # the co-unit leaves the case
    return {"unit": name, "reason": i.reason.strip()}


def _checked_part(s: Session, actor: Actor, case: Case) -> CaseUnit:
    part = own_part(s, actor, case.id)
    assert part is not None, "may_act_on checked the co-unit's part"
    return part


def _unit_name(s: Session, part: CaseUnit) -> str:
    unit = s.get(Unit, part.unit_id)
    return unit.name if unit else ""


def _verify(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
            now: dt.datetime) -> dict:
    start_clock(desk, case, now, desk.settings.close_limit)
    return {"note": i.note.strip()} if i.note.strip() else {}


def _verify_fail(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
                 now: dt.datetime) -> dict:
    category = s.get(Category, case.category_id) if case.category_id else None
    payload: dict = {"reason": i.reason.strip()}
    if category is not None:  # the redo (重办) gets a fresh 办结时限
        payload["due_at"] = start_clock(desk, case, now, category_limit(category)).due.isoformat()
    return payload


def _close(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
           now: dt.datetime) -> dict:
    # 按时办结 was judged at the unit's last 回告.
    reply = s.exec(select(Event.payload).where(Event.case_id == case.id, Event.action == "reply")
                   .order_by(col(Event.id).desc()).limit(1)).first()
    due = schedule_callback(s, desk, case, now)  # 主动电话回访 within working days
    case.closed_on_time = json.loads(reply).get("on_time") if reply else None
    s.add(CaseClosure(case_id=case.id, closed_at=now, on_time=case.closed_on_time))
    return {"on_time": case.closed_on_time, "callback_due": due.isoformat()}


def _reopen(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
            now: dt.datetime) -> dict:
    s.exec(delete(CaseUnit).where(CaseUnit.case_id == case.id))
    with s.no_autoflush:  # the case's own change is flushed once, with its step
        for closure in s.exec(select(CaseClosure).where(CaseClosure.case_id == case.id,
                                                        col(CaseClosure.reopened_at).is_(None))):
            closure.reopened_at = now
            s.add(closure)
    _clear_deadline(case)
    case.closed_at = case.closed_on_time = None
    cancel_callbacks(s, case.id, now)
    return {"reason": i.reason.strip()}


def _urge(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
          now: dt.datetime) -> dict:
    # Recorded with the card the unit holds now; a manual 督办 does not change the card.
    case.urge_count += 1
    card = card_for(desk.rules, desk.settings.ladder, case.due_at, now) \
        if CaseState(case.state) in UNIT_CLOCK_STATES else None
    return {"card": card.value if card else None, "note": i.note.strip(),
            "count": case.urge_count}


def _expedite(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
              now: dt.datetime) -> dict:
    assert i.new_due is not None and case.due_at is not None
    if not now < i.new_due < case.due_at:
        raise ValidationFailed({"new_due": t("field_error.expedite_due",
                                             due=local_time(case.due_at))})
    previous, case.due_at, case.due_provisional = case.due_at, i.new_due, False
    return {"from": previous.isoformat(), "to": i.new_due.isoformat(), "reason": i.reason.strip()}


def _escalate(desk: Desk, s: Session, actor: Actor, case: Case, i: ActionInput,
              now: dt.datetime) -> dict:
    previous = Level(case.level)
    target = next_level(previous)
    assert target is not None
    case.level = target.value
    return {"from": previous.value, "to": target.value, "reason": i.reason.strip()}


_APPLY = {
    Action.ACCEPT: _accept, Action.REJECT: _reason_only, Action.MERGE: _merge,
    Action.RESOLVE: _resolve, Action.FILE: _file, Action.DISPATCH: _dispatch,
    Action.ACKNOWLEDGE: _acknowledge, Action.RETURN: _return,
    Action.REQUEST_EXTENSION: _request_extension, Action.APPROVE_EXTENSION: _approve_extension,
    Action.REFUSE_EXTENSION: _refuse_extension, Action.REPLY: _reply, Action.VERIFY: _verify,
    Action.VERIFY_FAIL: _verify_fail, Action.CLOSE: _close, Action.REOPEN: _reopen,
    Action.URGE: _urge, Action.ESCALATE: _escalate, Action.EXPEDITE: _expedite,
    Action.CO_ACKNOWLEDGE: _co_acknowledge, Action.CO_REPLY: _co_reply,
    Action.CO_RETURN: _co_return,
}
assert set(_APPLY) == set(Action), "every action of the table needs an effect"
