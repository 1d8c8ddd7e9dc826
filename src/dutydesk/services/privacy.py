"""Personal data shown in full only on an explicit request with a reason, which is logged (who,
whose, why) — everywhere else phones and ID numbers are masked."""

from __future__ import annotations

from sqlmodel import select

from dutydesk.domain.lifecycle import Role
from dutydesk.domain.personal import national_digits
from dutydesk.errors import NotFound, PermissionDenied, ValidationFailed
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged
from dutydesk.services.inputs import clean_field
from dutydesk.services.scope import in_scope
from dutydesk.store.models import Case, CaseUnit

REVEAL_SECONDS = 30  # how long a revealed number stays on screen


@refusals_logged
def reveal_phone(desk: Desk, actor: Actor, case_id: int, reason: str) -> str:
    """The reporter's phone in full, for this officer, now — written to the log first."""
    if actor.role is Role.ADMIN:
        raise PermissionDenied("error.permission", action=t("privacy.reveal"))
    errors: dict[str, str] = {}
    reason = clean_field(desk, "reason", reason, errors)
    if not reason and "reason" not in errors:
        errors["reason"] = t("field_error.required", field=t("field.reason"))
    if errors:
        raise ValidationFailed(errors)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound("error.not_found", what=case_id)
        units = set(session.exec(select(CaseUnit.unit_id).where(CaseUnit.case_id == case_id)))
        if not in_scope(actor, case, units):
            raise PermissionDenied("error.out_of_scope")
        if not case.reporter_phone:
            raise ValidationFailed({"_": t("privacy.no_phone")})
        append_event(session, actor, now, "reveal_phone", case_id=case_id,
                     payload={"whose": case.reporter_name, "reason": reason})
        return national_digits(case.reporter_phone)
