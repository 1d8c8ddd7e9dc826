"""Officers as the system owner manages them: add one (login, name, role, place, unit) and
deactivate one (their open sessions are refused at their next write). One event each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from dutydesk.domain.lifecycle import Role
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.i18n import t
from dutydesk.services.cases import node_by_code, unit_by_code
from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event, refusals_logged
from dutydesk.services.inputs import clean_field
from dutydesk.ssh_keys import LOGIN
from dutydesk.store.models import Node, Officer, Unit


def _require_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("error.permission", action=t("officers.manage"))


@refusals_logged
def add_officer(desk: Desk, actor: Actor, login: str, name: str, role: str, node_code: str,
                unit_code: str = "") -> int:
    _require_admin(actor)
    errors: dict[str, str] = {}
    if not LOGIN.fullmatch(login):
        errors["login"] = t("ssh.bad_login", login=login[:40])
    name = clean_field(desk, "reporter_name", name, errors)
    if not name and "reporter_name" not in errors:
        errors["name"] = t("field_error.required", field=t("officers.name"))
    try:
        chosen = Role(role)
    except ValueError:
        errors["role"] = t("officers.bad_role", role=role[:20],
                           roles=", ".join(r.value for r in Role))
        chosen = Role.OFFICER
    if chosen is Role.UNIT and not unit_code:
        errors["unit"] = t("officers.unit_needed")
    if errors:
        raise ValidationFailed(errors)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        found: dict[str, str] = {}
        node = node_by_code(session, node_code, found)
        unit = unit_by_code(session, unit_code, found, "unit") if unit_code else None
        if found:
            raise ValidationFailed(found)
        if session.exec(select(Officer).where(Officer.login == login)).first():
            raise ValidationFailed({"login": t("officers.exists", login=login)})
        assert node is not None
        officer = Officer(login=login, name=name, role=chosen.value, node_id=node.id,
                          unit_id=unit.id if unit else None)
        session.add(officer)
        session.flush()
        event = append_event(session, actor, now, "add_officer", subject=f"officer:{officer.id}",
                             payload={"login": login, "name": name, "role": chosen.value,
                                      "node": node.name})
        session.flush()
        return event.id


@refusals_logged
def deactivate(desk: Desk, actor: Actor, login: str) -> int:
    _require_admin(actor)
    with desk.db.write() as session:
        now = desk.clock.now()
        require_active(session, actor)
        officer = session.exec(select(Officer).where(Officer.login == login)).first()
        if officer is None:
            raise ValidationFailed({"login": t("error.unknown_login", login=login)})
        if officer.id == actor.id:
            raise ValidationFailed({"login": t("officers.not_yourself")})
        officer.active = False
        session.add(officer)
        event = append_event(session, actor, now, "deactivate_officer",
                             subject=f"officer:{officer.id}", payload={"login": login})
        session.flush()
        return event.id


@dataclass(frozen=True)
class OfficerRow:
    login: str
    name: str
    role: str
    place: str
    unit: str
    active: bool


def list_officers(desk: Desk) -> list[OfficerRow]:
    with desk.db.read() as session:
        rows = session.exec(
            select(Officer, Node.name, Unit.name).join(Node, col(Node.id) == Officer.node_id)
            .outerjoin(Unit, col(Unit.id) == Officer.unit_id).order_by(col(Officer.login))).all()
    return [OfficerRow(o.login, o.name, o.role, node, unit or "", o.active)
            for o, node, unit in rows]
