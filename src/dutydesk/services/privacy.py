"""Personal data shown in full only on an explicit request with a reason, which is logged (who,
whose, why) — everywhere else phones and ID numbers are masked, except phones for the roles the
desk's configuration names (`[privacy] phone_roles`: a unit liaison who must call reporters
back, say). Three things can be revealed: a case's reporter's phone, a 110 caller's phone, and a
dispute's parties (their phones and ID numbers)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, col, select

from dutydesk.domain.lifecycle import DESK_ROLES, Role
from dutydesk.domain.personal import is_verified, mask_phone, national_digits
from dutydesk.errors import NotFound, PermissionDenied, ValidationFailed
from dutydesk.i18n import t
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged
from dutydesk.services.inputs import required_reason
from dutydesk.services.scope import case_in_reach
from dutydesk.store.models import DisputeParty, PoliceTransfer

REVEAL_SECONDS = 30  # how long a revealed number stays on screen


def shown_phone(desk: Desk, actor: Actor, e164: str) -> str:
    """A phone as this officer's lists and details show it: masked, unless their role is one
    the configuration lets see phones in full."""
    if not e164:
        return ""
    if actor.role.value in desk.settings.phone_roles:
        return full_phone(e164)
    unverified = "" if is_verified(e164) else t("privacy.unverified")
    return mask_phone(e164, desk.settings.masks) + unverified


def full_phone(stored: str) -> str:
    """A phone in full: national digits, or as given and marked 未核验 — never passed off as
    a valid number."""
    return national_digits(stored) if is_verified(stored) \
        else stored + t("privacy.unverified")


@refusals_logged
def reveal_phone(desk: Desk, actor: Actor, case_id: int, reason: str) -> str:
    """The reporter's phone in full, for this officer, now — written to the log first."""
    def load(session: Session) -> tuple[dict, str]:
        case = case_in_reach(session, actor, case_id)
        if not case.reporter_phone:
            raise ValidationFailed({"_": t("privacy.no_phone")})
        return {"whose": case.reporter_name}, full_phone(case.reporter_phone)

    return _reveal(desk, actor, reason, "reveal_phone", load, case_id=case_id)


@refusals_logged
def reveal_caller(desk: Desk, actor: Actor, transfer_id: int, reason: str) -> str:
    """A 110 caller's phone in full (the desk's: 110 calls are the centre's)."""
    if actor.role not in DESK_ROLES:
        raise PermissionDenied("error.permission", action=t("privacy.reveal"))

    def load(session: Session) -> tuple[dict, str]:
        transfer = session.get(PoliceTransfer, transfer_id)
        if transfer is None:
            raise NotFound("error.not_found", what=transfer_id)
        if not transfer.phone:
            raise ValidationFailed({"_": t("privacy.no_phone")})
        return {"whose": transfer.caller, "number": transfer.number}, \
            full_phone(transfer.phone)

    return _reveal(desk, actor, reason, "reveal_caller", load,
                   subject=f"transfer:{transfer_id}")


@refusals_logged
def reveal_parties(desk: Desk, actor: Actor, case_id: int, reason: str) -> str:
    """A dispute's parties with their phones and ID numbers in full, one line each."""
    def load(session: Session) -> tuple[dict, str]:
        case_in_reach(session, actor, case_id)
        parties = session.exec(select(DisputeParty).where(DisputeParty.case_id == case_id)
                               .order_by(col(DisputeParty.id))).all()
        if not any(p.phone or p.id_number for p in parties):
            raise ValidationFailed({"_": t("privacy.no_party_data")})
        lines = [" ".join(filter(None, (t(f"dispute.role.{p.role}"), p.name,
                                         full_phone(p.phone) if p.phone else "",
                                         p.id_number))) for p in parties]
        return {"whose": "、".join(p.name for p in parties)}, "\n".join(lines)

    return _reveal(desk, actor, reason, "reveal_parties", load, case_id=case_id)


def _reveal(desk: Desk, actor: Actor, reason: str, action: str,
            load: Callable[[Session], tuple[dict, str]], *, case_id: int | None = None,
            subject: str | None = None) -> str:
    """The shared frame: a reason is required; the reveal is logged before it is shown."""
    if actor.role is Role.ADMIN:
        raise PermissionDenied("error.permission", action=t("privacy.reveal"))
    errors: dict[str, str] = {}
    reason = required_reason(desk, reason, errors)
    if errors:
        raise ValidationFailed(errors)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        whose, value = load(session)
        append_event(session, actor, now, action, case_id=case_id, subject=subject,
                     payload={**whose, "reason": reason})
        return value

