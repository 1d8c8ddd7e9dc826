"""110 non-police diversion use-cases: receive (one, or a file's worth), sign for, divert into a
case, send back to 110, and feed back to 110. One transaction and one event each."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy import insert, or_, union_all
from sqlmodel import Session, col, func, select

from dutydesk.domain.claims import Hold
from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import CaseState, Channel
from dutydesk.domain.police import (
    SECTION_STATES, TRANSFER_BY_ACTION, Section, TransferAction, TransferState, danger_terms,
    suggest_place, transfer_actions,
)
from dutydesk.domain.text import clean_text, search_text
from dutydesk.errors import (
    InvalidTransition, NotFound, PermissionDenied, ValidationFailed,
)
from dutydesk.i18n import local_time, t
from dutydesk.services.cases import (
    category_by_code, node_by_code, parse_phone, place_case, suggested_unit_ids,
    unit_by_code,
)
from dutydesk.services.privacy import shown_phone
from dutydesk.services import claims
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import (
    append_event, complete_event, refusals_logged, stale_write,
)
from dutydesk.services.keyset import bounds, order, page_of
from dutydesk.services.keyset import PAGE_SIZE_MAX, Cursor, Page
from dutydesk.services.queue import DeadlineView
from dutydesk.services.timeline import TimelineEntry
from dutydesk.services.inputs import clean_field
from dutydesk.services.scope import in_scope
from dutydesk.store.models import (
    Case, Category, Event, Node, Officer, PoliceCallTotal, PoliceTransfer, Unit,
)

NUMBER_MAX = 40  # 警情编号: longer than any real one
BATCH = 1000  # rows per insert statement when importing


@dataclass
class TransferDraft:
    """One transfer as typed in or read from the 110 system's export."""

    number: str
    called_at: dt.datetime | None
    summary: str
    caller: str = ""
    phone: str = ""
    address: str = ""
    station: str = ""
    category_110: str = ""


def check_draft(desk: Desk, draft: TransferDraft) -> tuple[TransferDraft, dict[str, str]]:
    """The draft cleaned, and what is wrong with it by field (nothing is written)."""
    errors: dict[str, str] = {}
    number = clean_text(draft.number)
    if not number:
        errors["number"] = t("field_error.required", field=t("police.field.number"))
    elif len(number) > NUMBER_MAX:
        errors["number"] = t("field_error.too_long", field=t("police.field.number"),
                             max=NUMBER_MAX, length=len(number))
    if draft.called_at is None:
        errors["called_at"] = t("field_error.required", field=t("police.field.called_at"))
    summary = clean_field(desk, "summary", draft.summary, errors)
    if not summary and "summary" not in errors:
        errors["summary"] = t("field_error.required", field=t("field.summary"))
    # A caller's number that does not validate does not keep the call out: it is kept as
    # given, 未核验 (not E.164), and shown as such.
    phone_errors: dict[str, str] = {}
    phone = parse_phone(draft.phone, phone_errors)
    if phone_errors:
        phone = clean_field(desk, "caller_phone", draft.phone, errors)
        if "caller_phone" in errors:
            errors["phone"] = errors.pop("caller_phone")
    cleaned = TransferDraft(
        number=number, called_at=draft.called_at, summary=summary,
        caller=clean_field(desk, "caller", draft.caller, errors),
        phone=phone, address=clean_field(desk, "address", draft.address, errors),
        station=clean_field(desk, "station", draft.station, errors),
        category_110=clean_field(desk, "category_110", draft.category_110, errors),
    )
    return cleaned, errors


def _transfer_values(desk: Desk, draft: TransferDraft, now: dt.datetime) -> dict:
    """A new transfer's row (待签收, its sign-for timer started now)."""
    rules = desk.settings.police
    return dict(
        number=draft.number, called_at=draft.called_at, caller=draft.caller, phone=draft.phone,
        address=draft.address, station=draft.station, category_110=draft.category_110,
        summary=draft.summary,
        danger=json.dumps(danger_terms(draft.summary, rules.danger_terms,
                                       rules.danger_exclusions), ensure_ascii=False),
        state=TransferState.WAITING.value, created_at=now, updated_at=now,
        sign_due_at=desk.rules.compute(now, rules.sign_limit).due, version=1,
        return_reason="", feedback="",
    )


def _require_desk(actor: Actor) -> None:
    if actor.role not in TRANSFER_BY_ACTION[TransferAction.SIGN].roles:
        raise PermissionDenied("error.permission", action=t("police.title"))


@refusals_logged
def receive_transfer(desk: Desk, actor: Actor, draft: TransferDraft) -> int:
    """Enter one transfer by hand; a 警情编号 already on the desk is refused."""
    _require_desk(actor)
    cleaned, errors = check_draft(desk, draft)
    if errors:
        raise ValidationFailed(errors)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        if _by_number(session, cleaned.number) is not None:
            raise ValidationFailed({"number": t("police.error.duplicate", number=cleaned.number)})
        transfer = PoliceTransfer(**_transfer_values(desk, cleaned, now))
        session.add(transfer)
        session.flush()
        append_event(session, actor, now, "receive_110", subject=f"transfer:{transfer.id}",
                     payload={"number": transfer.number, "summary": transfer.summary})
        return transfer.id


@dataclass(frozen=True)
class ImportResult:
    added: int
    already_present: int


def import_transfers(desk: Desk, actor: Actor, drafts: Iterable[TransferDraft], source: str,
                     total: int, progress: Callable[[int, int], None] | None = None
                     ) -> ImportResult:
    """Add checked transfers in one transaction, a batch at a time (nothing is held beyond its
    batch): those whose 警情编号 is already on the desk are left as they are, so importing the
    same export twice adds nothing. Each new transfer points at the import's event, its
    arrival on the desk's timeline."""
    _require_desk(actor)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        event = append_event(session, actor, now, "import_110", subject="transfers")
        session.flush()
        added = seen = 0
        for batch in _batches(drafts, BATCH):
            present = set(session.exec(select(PoliceTransfer.number).where(
                col(PoliceTransfer.number).in_([d.number for d in batch]))))
            rows = []
            for draft in batch:
                if draft.number not in present:
                    present.add(draft.number)
                    rows.append(_transfer_values(desk, draft, now) | {
                        "import_event_id": event.id})
            if rows:
                # Core inserts: an ORM object per row costs seconds and hundreds of MB at 100k.
                session.execute(insert(PoliceTransfer), rows)
            added, seen = added + len(rows), seen + len(batch)
            if progress is not None:
                progress(seen, max(total, seen))
        complete_event(session, event, {"source": source, "added": added,
                                        "already_present": seen - added})
    return ImportResult(added, seen - added)


def _batches(items: Iterable[TransferDraft], size: int) -> Iterator[list[TransferDraft]]:
    batch: list[TransferDraft] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _by_number(session: Session, number: str) -> PoliceTransfer | None:
    return session.exec(select(PoliceTransfer).where(PoliceTransfer.number == number)).first()


# -- the steps of the table ------------------------------------------------------------------

def _step(desk: Desk, actor: Actor, transfer_id: int, action: TransferAction,
          expected_version: int | None, apply: Callable[[Session, PoliceTransfer, dt.datetime],
                                                         dict]) -> int:
    """Check and perform one step of TRANSFER_TRANSITIONS; returns the event id."""
    transition = TRANSFER_BY_ACTION[action]
    if actor.role not in transition.roles:
        raise PermissionDenied("error.permission", action=t(f"police.action.{action.value}"))
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        transfer = _get(session, transfer_id)
        if expected_version is not None and transfer.version != expected_version:
            raise stale_write(session, Event.subject == f"transfer:{transfer.id}",
                              transfer.updated_at)
        if TransferState(transfer.state) not in transition.sources:
            raise InvalidTransition(action=t(f"police.action.{action.value}"),
                                    state=t(f"police.state.{transfer.state}"))
        if transition.needs_result and transfer.result_at is None:
            raise ValidationFailed({"_": t("police.error.no_result")})
        claims.keep(session, desk, actor, claims.transfer_subject(transfer.id), now)
        payload = {"number": transfer.number, **apply(session, transfer, now)}
        transfer.state = transition.target.value
        transfer.updated_at = now
        flag_modified(transfer, "updated_at")
        session.add(transfer)
        event = append_event(session, actor, now, action.value, case_id=transfer.case_id,
                             subject=f"transfer:{transfer.id}", payload=payload)
        session.flush()
        return event.id


def _required_text(desk: Desk, name: str, raw: str, label: str) -> str:
    """A cleaned text that must not be empty, held to its limit (ValidationFailed)."""
    errors: dict[str, str] = {}
    text = clean_field(desk, name, raw, errors)
    if not text and not errors:
        errors[name] = t("field_error.required", field=t(label))
    if errors:
        raise ValidationFailed(errors)
    return text


@refusals_logged
def sign(desk: Desk, actor: Actor, transfer_id: int, expected_version: int | None = None) -> int:
    """签收: the desk has the call; the late flag says whether the sign-for limit was kept."""
    def apply(session: Session, transfer: PoliceTransfer, now: dt.datetime) -> dict:
        transfer.signed_at = now
        return {"late": now > transfer.sign_due_at}

    return _step(desk, actor, transfer_id, TransferAction.SIGN, expected_version, apply)


@refusals_logged
def send_back(desk: Desk, actor: Actor, transfer_id: int, reason: str,
              expected_version: int | None = None) -> int:
    """退回 110: a police matter after all; the reason goes back with it."""
    reason = _required_text(desk, "reason", reason, "field.reason")

    def apply(session: Session, transfer: PoliceTransfer, now: dt.datetime) -> dict:
        transfer.return_reason = reason
        return {"reason": reason}

    return _step(desk, actor, transfer_id, TransferAction.SEND_BACK, expected_version, apply)


@refusals_logged
def divert(desk: Desk, actor: Actor, transfer_id: int, node_code: str, category_code: str,
           *, lead_unit_code: str = "", co_unit_codes: Iterable[str] = (), reason: str = "",
           confirm_danger: bool = False, expected_version: int | None = None) -> int:
    """分流: accept the call as non-police; it becomes a case (channel 110转办) at the place and
    category the officer confirmed, already 受理. The units chosen for it — a lead and, for
    联合处置, co-units — are its routing: 立案 stays the duty chief's, and 派单 offers them.
    A summary with danger words needs an explicit confirmation and a reason, both recorded.
    Returns the new case's id."""
    errors: dict[str, str] = {}
    reason = clean_field(desk, "reason", reason, errors)
    if errors:
        raise ValidationFailed(errors)
    created: list[int] = []

    def apply(session: Session, transfer: PoliceTransfer, now: dt.datetime) -> dict:
        found: dict[str, str] = {}
        node = node_by_code(session, node_code, found)
        category = category_by_code(session, category_code, found) if category_code.strip() \
            else None
        if not category_code.strip():
            found["category"] = t("field_error.required", field=t("field.category"))
        lead, co_units = _routing_units(session, lead_unit_code, co_unit_codes, found)
        danger = json.loads(transfer.danger)
        if danger and not (confirm_danger and reason):
            found["reason"] = t("police.error.confirm_danger", terms="、".join(danger))
        if found:
            raise ValidationFailed(found)
        assert node is not None and category is not None
        case = Case(channel=Channel.POLICE_110.value, state=CaseState.ACCEPTED.value,
                    summary=transfer.summary, address=transfer.address,
                    reporter_name=transfer.caller, reporter_phone=transfer.phone,
                    created_at=now, updated_at=now, category_id=category.id)
        place_case(case, node, search_text(case.summary, case.address, case.reporter_name,
                                       case.reporter_phone))
        if not in_scope(actor, case, set()):
            raise PermissionDenied("error.moved_out_of_scope")
        session.add(case)
        session.flush()
        created.append(case.id)
        transfer.case_id = case.id
        transfer.diverted_at = now  # the first-contact clock runs from here
        payload = {"case": case.id, "node": node.name, "category": category.name}
        if lead is not None:
            payload.update(lead_unit=lead.name, co_units=[u.name for u in co_units],
                           routing={"lead": lead.code, "co": [u.code for u in co_units]})
        if danger:
            payload.update(danger=danger, confirmed=True, reason=reason)
        elif reason:
            payload["reason"] = reason
        return payload

    _step(desk, actor, transfer_id, TransferAction.DIVERT, expected_version, apply)
    return created[0]


def _routing_units(session: Session, lead_code: str, co_codes: Iterable[str],
                   errors: dict[str, str]) -> tuple[Unit | None, list[Unit]]:
    """The lead unit and co-units chosen at 分流 (all optional; co-units need a lead)."""
    co_codes = [code for code in co_codes if code.strip()]
    lead = unit_by_code(session, lead_code, errors, "lead_unit") if lead_code.strip() else None
    co_units = [u for code in dict.fromkeys(co_codes)
                if (u := unit_by_code(session, code, errors, "co_units"))]
    if co_units and not lead_code.strip():
        errors["lead_unit"] = t("field_error.required", field=t("field.lead_unit"))
    if lead is not None and lead.id in {u.id for u in co_units}:
        errors["co_units"] = t("field_error.lead_is_co_unit", unit=lead.name)
    return lead, co_units


@refusals_logged
def contact(desk: Desk, actor: Actor, transfer_id: int, note: str,
            expected_version: int | None = None) -> int:
    """联系报警人: the caller hears who has the matter (the first contact, on its own clock);
    later contacts are interim notes. Neither finishes the transfer."""
    note = _required_text(desk, "note", note, "field.note")

    def apply(session: Session, transfer: PoliceTransfer, now: dt.datetime) -> dict:
        first = transfer.contacted_at is None
        if first:
            transfer.contacted_at = now
        late = first and now > contact_due(desk, transfer.diverted_at)
        return {"note": note, "first": first, **({"late": True} if late else {})}

    return _step(desk, actor, transfer_id, TransferAction.CONTACT, expected_version, apply)


def contact_due(desk: Desk, diverted_at: dt.datetime | None) -> dt.datetime:
    assert diverted_at is not None
    return desk.rules.compute(diverted_at, desk.settings.police.contact_limit).due


@refusals_logged
def feedback(desk: Desk, actor: Actor, transfer_id: int, text: str,
             expected_version: int | None = None) -> int:
    """反馈 110: the result, as it will go back to the 110 system — only once the case has one;
    it finishes the transfer."""
    text = _required_text(desk, "feedback", text, "police.field.feedback")

    def apply(session: Session, transfer: PoliceTransfer, now: dt.datetime) -> dict:
        transfer.feedback, transfer.fed_back_at = text, now
        return {"feedback": text, "on_time": transfer.feedback_due_at is None
                or now <= transfer.feedback_due_at}

    return _step(desk, actor, transfer_id, TransferAction.FEEDBACK, expected_version, apply)


# -- reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Routing:
    """Where a transfer would go: the place from its address, the category from 110's, and
    the units that handle that category there."""

    node_code: str | None
    category_code: str | None
    unit_codes: list[str]


def _get(session: Session, transfer_id: int) -> PoliceTransfer:
    transfer = session.get(PoliceTransfer, transfer_id)
    if transfer is None:
        raise NotFound("error.not_found", what=transfer_id)
    return transfer


def _routing(session: Session, desk: Desk, transfer: PoliceTransfer) -> Routing:
    places = [(n.code, (n.name, *json.loads(n.aliases)))
              for n in session.exec(select(Node).where(col(Node.kind) != "district"))]
    node_code = suggest_place(transfer.address, places)
    category_code = desk.settings.police.categories.get(transfer.category_110)
    units: list[str] = []
    if node_code and category_code:
        node = session.exec(select(Node).where(Node.code == node_code)).one()
        category = session.exec(select(Category).where(Category.code == category_code)).first()
        ids = suggested_unit_ids(session, node.id, category.id if category else None)
        # The call was diverted away from the police: never suggest sending it back there.
        units = list(session.exec(select(Unit.code).where(
            col(Unit.id).in_(ids), col(Unit.code).not_in(desk.settings.police.police_units))))
    return Routing(node_code, category_code, units)


@refusals_logged
def record_call_total(desk: Desk, actor: Actor, first_day: dt.date, last_day: dt.date,
                      total: int, *, replace: bool = False) -> int:
    """The period's total of all 110 calls. A different figure for a period that has one
    replaces it only when asked to (`replace`): a slip of the keyboard must not silently
    overwrite the base of the share."""
    _require_desk(actor)
    if last_day < first_day or total < 0:
        raise ValidationFailed({"period": t("police.error.bad_period")})
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        row = session.get(PoliceCallTotal, (first_day, last_day))
        previous = row.total if row else None
        if previous is not None and previous != total and not replace:
            raise ValidationFailed({"replace": t("police.error.total_recorded",
                                                 previous=previous, total=total)})
        row = row or PoliceCallTotal(first_day=first_day, last_day=last_day, total=total)
        row.total = total
        session.add(row)
        event = append_event(session, actor, now, "total_110", subject="transfers", payload={
            "from": first_day.isoformat(), "to": last_day.isoformat(), "total": total,
            "previous": previous})
        session.flush()
        return event.id


@dataclass(frozen=True)
class PoliceFigures:
    """A period's 110 figures, by 接警时间 (when the public called, local days); the share is
    None without a total of all 110 calls."""

    received: int
    diverted: int
    returned: int
    all_calls: int | None
    signed_on_time: int
    signed: int
    fed_back_on_time: int
    fed_back: int

    @property
    def share(self) -> float | None:
        """Transfers accepted as non-police (分流) ÷ all 110 calls; calls sent back to the
        police are not in it."""
        return self.diverted / self.all_calls if self.all_calls else None


def police_figures(desk: Desk, first_day: dt.date, last_day: dt.date) -> PoliceFigures:
    """Counted in SQL over the period's transfers, never by loading them."""
    with desk.db.read() as session:
        return figures_in(session, first_day, last_day)


def figures_in(session: Session, first_day: dt.date, last_day: dt.date) -> PoliceFigures:
    """The period's 110 figures, read in the caller's transaction (a report's snapshot)."""
    start = dt.datetime.combine(first_day, dt.time(0), LOCAL_TZ)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), LOCAL_TZ)
    T = PoliceTransfer
    row = session.exec(select(
        func.count(),
        func.count().filter(col(T.diverted_at).is_not(None)),
        func.count().filter(T.state == TransferState.RETURNED.value),
        func.count().filter(col(T.signed_at).is_not(None)),
        func.count().filter(col(T.signed_at) <= T.sign_due_at),
        func.count().filter(col(T.fed_back_at).is_not(None)),
        func.count().filter(col(T.fed_back_at) <= T.feedback_due_at),
    ).where(col(T.called_at) >= start, col(T.called_at) < end)).one()
    all_calls = _all_calls(session, first_day, last_day)
    return PoliceFigures(received=row[0], diverted=row[1], returned=row[2],
                         all_calls=all_calls, signed=row[3],
                         signed_on_time=row[4], fed_back=row[5], fed_back_on_time=row[6])


def _all_calls(session: Session, first_day: dt.date, last_day: dt.date) -> int | None:
    """All 110 calls of the period: its own recorded total, or the totals recorded for the
    parts of it when they cover every day once (a month from its weeks); otherwise unknown."""
    exact = session.get(PoliceCallTotal, (first_day, last_day))
    if exact is not None:
        return exact.total
    parts = session.exec(select(PoliceCallTotal).where(
        col(PoliceCallTotal.first_day) >= first_day, col(PoliceCallTotal.last_day) <= last_day)
        .order_by(col(PoliceCallTotal.first_day))).all()
    day = first_day
    for part in parts:
        if part.first_day != day:
            return None  # a gap or an overlap: no honest sum
        day = part.last_day + dt.timedelta(days=1)
    return sum(p.total for p in parts) if parts and day == last_day + dt.timedelta(days=1) \
        else None


def latest_period(desk: Desk) -> tuple[dt.date, dt.date] | None:
    """The most recent period whose total of all 110 calls is recorded: the share's base."""
    with desk.db.read() as session:
        row = session.exec(select(PoliceCallTotal.first_day, PoliceCallTotal.last_day)
                           .order_by(col(PoliceCallTotal.last_day).desc(),
                                     col(PoliceCallTotal.first_day)).limit(1)).first()
    return (row[0], row[1]) if row else None


def draft_feedback(desk: Desk, transfer_id: int) -> str:
    """A feedback text for 110 from the linked case's outcome, for the officer to edit."""
    with desk.db.read() as session:
        return _draft_feedback(session, _get(session, transfer_id))


def _draft_feedback(session: Session, transfer: PoliceTransfer) -> str:
    case = session.get(Case, transfer.case_id) if transfer.case_id else None
    if case is None:
        return ""
    outcome = session.exec(
        select(Event.payload).where(
            Event.case_id == case.id, col(Event.action).in_(["reply", "resolve"]))
        .order_by(col(Event.id).desc()).limit(1)).first()
    result = (json.loads(outcome).get("result", "") if outcome else "") or "—"
    if case.state == CaseState.CLOSED.value:
        return t("police.feedback.closed", case=case.id, when=local_time(case.closed_at),
                 result=result)
    return t("police.feedback.in_hand", case=case.id, state=t(f"state.{case.state}"),
             result=result)


# -- the board's reads ------------------------------------------------------------------------

@dataclass(frozen=True)
class TransferRow:
    id: int
    version: int
    created_at: dt.datetime  # when the call reached the desk (the list's order)
    called_at: dt.datetime  # 接警时间: when the public called (what the list shows)
    number: str
    summary: str
    address: str
    state: str
    danger: bool
    deadline: DeadlineView | None  # the running timer: 签收, then 反馈
    case_id: int | None
    case_state: str | None

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.created_at, self.id)


def _case_clauses(section: Section) -> list:
    """处置中 and 待反馈 are both 已分流: told apart by whether the case's result is known."""
    if section is Section.IN_HAND:
        return [col(PoliceTransfer.result_at).is_(None)]
    if section is Section.FEEDBACK_DUE:
        return [col(PoliceTransfer.result_at).is_not(None)]
    return []


@refusals_logged
def transfer_page(desk: Desk, actor: Actor, section: Section, *, after: Cursor | None = None,
                  before: Cursor | None = None, limit: int = 50) -> Page:
    """One page of a section, newest first, by the same keyset as the queue. A section of
    several states reads each state's page on the (state, created_at, id) index and merges
    them, rather than sorting every row of the section."""
    _require_desk(actor)
    T = PoliceTransfer
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    clauses = _case_clauses(section) + bounds((col(T.created_at), col(T.id)), after, before)

    def one_state(state: TransferState):
        return (select(T.id, T.version, T.created_at, T.number, T.summary, T.address, T.state,
                       T.danger, T.sign_due_at, T.feedback_due_at, T.case_id,
                       col(Case.state).label("case_state"), T.diverted_at, T.called_at,
                       T.signed_at, T.contacted_at, T.result_at)
                .outerjoin(Case, col(Case.id) == T.case_id)
                .where(T.state == state.value, *clauses)
                .order_by(*order((col(T.created_at), col(T.id)), before)).limit(limit + 1))

    states = SECTION_STATES[section]
    if len(states) == 1:
        statement = one_state(states[0])
    else:
        merged = union_all(*(select(one_state(state).subquery()) for state in states)).subquery()
        statement = select(merged).order_by(*order((merged.c.created_at, merged.c.id), before)) \
            .limit(limit + 1)
    with desk.db.read() as session:
        raw = list(session.execute(statement).all())
    now = desk.clock.now()
    return page_of(raw, limit, after, before, lambda r: TransferRow(
        r.id, r.version, r.created_at, r.called_at, r.number, r.summary, r.address, r.state,
        r.danger != "[]", transfer_deadline(desk, r, now), r.case_id, r.case_state))


@refusals_logged
def transfers_above(desk: Desk, actor: Actor, section: Section, cursor: Cursor) -> int:
    """How many transfers of a section lie above a row (newer): the place of a page read again
    after newer ones came in above it."""
    _require_desk(actor)
    T = PoliceTransfer
    states = [state.value for state in SECTION_STATES[section]]
    with desk.db.read() as session:
        return session.exec(
            select(func.count()).select_from(T)
            .where(col(T.state).in_(states), *_case_clauses(section),
                   *bounds((col(T.created_at), col(T.id)), None, cursor))).one()


def transfer_deadline(desk: Desk, transfer, now: dt.datetime) -> DeadlineView | None:
    """The timer a transfer is on: 签收 while waiting, the decision (分流 or 退回) once signed
    for; once diverted, the first contact with the caller, then — when the case's result is
    known — the result feedback. `transfer` is the row or a page's row with its timer
    columns by name."""
    rules = desk.settings.police
    state = transfer.state
    if state == TransferState.WAITING.value:
        return DeadlineView("sign", desk.rules.state(transfer.created_at, transfer.sign_due_at,
                                                     rules.sign_limit.unit, now),
                            transfer.sign_due_at, False)
    if state == TransferState.SIGNED.value and transfer.signed_at is not None:
        decide = desk.rules.compute(transfer.signed_at, rules.decide_limit)
        return DeadlineView("decide", desk.rules.state(transfer.signed_at, decide.due,
                                                       decide.unit, now),
                            decide.due, decide.provisional)
    if state != TransferState.DIVERTED.value or transfer.diverted_at is None:
        return None
    if transfer.contacted_at is None:
        due = contact_due(desk, transfer.diverted_at)
        return DeadlineView("contact", desk.rules.state(transfer.diverted_at, due,
                                                        rules.contact_limit.unit, now), due, False)
    if transfer.result_at is not None and transfer.feedback_due_at is not None:
        return DeadlineView("feedback", desk.rules.state(transfer.result_at,
                                                         transfer.feedback_due_at,
                                                         rules.feedback_limit.unit, now),
                            transfer.feedback_due_at, False)
    return None


@refusals_logged
def section_counts(desk: Desk, actor: Actor) -> dict[Section, int]:
    """How many transfers each section holds (the board's header): counted by state on the
    state index, and only the diverted ones looked up in their cases (处置中 or 待反馈)."""
    _require_desk(actor)
    T = PoliceTransfer
    with desk.db.read() as session:
        by_state = dict(session.exec(select(T.state, func.count()).group_by(T.state)).all())
        finished = session.exec(
            select(func.count()).select_from(T)
            .where(T.state == TransferState.DIVERTED.value, col(T.result_at).is_not(None))).one()
    counts = {section: sum(by_state.get(state.value, 0) for state in states)
              for section, states in SECTION_STATES.items()}
    counts[Section.FEEDBACK_DUE] = finished
    counts[Section.IN_HAND] = by_state.get(TransferState.DIVERTED.value, 0) - finished
    return counts


@dataclass(frozen=True)
class TransferDetail:
    row: TransferRow
    called_at: dt.datetime
    caller: str
    phone_masked: str
    station: str
    category_110: str
    danger: list[str]
    return_reason: str
    feedback: str
    routing: Routing
    draft_feedback: str
    actions: list  # the TransferTransitions open to the actor now
    timeline: list[TimelineEntry]
    hold: Hold | None = None  # a live claim (认领): who works the call now
    hold_until: dt.datetime | None = None

    @property
    def id(self) -> int:
        return self.row.id


@refusals_logged
def transfer_detail(desk: Desk, actor: Actor, transfer_id: int) -> TransferDetail:
    _require_desk(actor)
    with desk.db.read() as session:  # one snapshot for the row, its routing, draft and timeline
        transfer = _get(session, transfer_id)
        state = TransferState(transfer.state)
        case_state = session.get(Case, transfer.case_id).state if transfer.case_id else None
        hold = claims.live_hold(desk, session, claims.transfer_subject(transfer_id),
                                desk.clock.now())
        routing = _routing(session, desk, transfer) if state is TransferState.SIGNED \
            else Routing(None, None, [])
        draft = _draft_feedback(session, transfer) \
            if state is TransferState.DIVERTED and transfer.result_at is not None else ""
        events = session.exec(
            select(Event, Officer.name).join(Officer, col(Officer.id) == Event.actor_id)
            .where(or_(Event.subject == f"transfer:{transfer_id}",
                       Event.id == transfer.import_event_id)).order_by(col(Event.id))).all()
    row = TransferRow(transfer.id, transfer.version, transfer.created_at, transfer.called_at,
                      transfer.number,
                      transfer.summary, transfer.address, transfer.state,
                      transfer.danger != "[]",
                      transfer_deadline(desk, transfer, desk.clock.now()),
                      transfer.case_id, case_state)
    return TransferDetail(
        row=row, called_at=transfer.called_at, caller=transfer.caller,
        phone_masked=shown_phone(desk, actor, transfer.phone),
        station=transfer.station, category_110=transfer.category_110,
        danger=json.loads(transfer.danger), return_reason=transfer.return_reason,
        feedback=transfer.feedback,
        routing=routing, draft_feedback=draft,
        actions=transfer_actions(state, actor.role, transfer.result_at is not None),
        timeline=[TimelineEntry(e.id, e.at, name, e.action, e.on_behalf_of,
                                json.loads(e.payload)) for e, name in events],
        hold=hold, hold_until=hold.expires_at(desk.settings.claim_idle) if hold else None,
    )


def newest_transfer(desk: Desk, after: int | None = None) -> tuple[int, str, int]:
    """The newest transfer's id and 警情编号 ((0, "") for none), and how many arrived after
    the id `after`: a session compares ids to ring the bell for new arrivals."""
    with desk.db.read() as session:
        row = session.exec(select(PoliceTransfer.id, PoliceTransfer.number)
                           .order_by(col(PoliceTransfer.id).desc()).limit(1)).first()
        count = session.exec(select(func.count()).select_from(PoliceTransfer).where(
            col(PoliceTransfer.id) > after)).one() if after is not None and row else 0
    return (row[0], row[1], count) if row else (0, "", 0)
