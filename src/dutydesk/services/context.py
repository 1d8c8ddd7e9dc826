"""The desk a service works on (database, clock, rules) and the actor it works for."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cached_property

from sqlmodel import select

from dutydesk.clock import Clock
from dutydesk.config.settings import Settings
from dutydesk.domain.deadlines import DeadlineRules
from dutydesk.domain.lifecycle import Role
from dutydesk.domain.workcalendar import WorkCalendar, YearDays
from dutydesk.errors import PermissionDenied
from dutydesk.store.engine import Database
from dutydesk.store.models import CalendarYear, Node, Officer


@dataclass(frozen=True)
class Actor:
    """The logged-in person with their scope resolved once at start-up."""

    id: int
    login: str
    name: str
    role: Role
    node_id: int
    node_kind: str
    street_id: int | None
    community_id: int | None
    unit_id: int | None


def require_active(session, actor: Actor) -> None:
    """Refuse a write by an officer deactivated since their session began (checked in the
    write transaction, so a deactivation takes effect at once in every open session)."""
    officer = session.get(Officer, actor.id)
    if officer is None or not officer.active:
        raise PermissionDenied("error.inactive", login=actor.login)


class Desk:
    """What every service needs: the database, the clock, and the rules configured for it."""

    def __init__(self, db: Database, clock: Clock, *, reports: Database | None = None) -> None:
        self.db = db
        self.clock = clock
        self.reports = reports or db  # where the statistics are read: a replica, or db

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_json(self.db.meta("settings"))

    @cached_property
    def rules(self) -> DeadlineRules:
        with self.db.read() as session:
            entered = {
                row.year: YearDays(
                    row.year,
                    frozenset(dt.date.fromisoformat(d) for d in json.loads(row.holidays)),
                    frozenset(dt.date.fromisoformat(d) for d in json.loads(row.workdays)),
                )
                for row in session.exec(select(CalendarYear))
            }
        return DeadlineRules(WorkCalendar(entered), self.settings.office_hours,
                             self.settings.due_soon_fraction)

    def forget_rules(self) -> None:
        """Drop the cached deadline rules (after the calendar changed)."""
        self.__dict__.pop("rules", None)

    def actor(self, login: str) -> Actor:
        """Resolve a login name (the SSH user) to an active officer, or refuse."""
        with self.db.read() as session:
            officer = session.exec(select(Officer).where(Officer.login == login)).first()
            if officer is None or not officer.active:
                raise PermissionDenied("error.unknown_login", login=login)
            node = session.get(Node, officer.node_id)
            assert node is not None
            return Actor(
                id=officer.id, login=officer.login, name=officer.name, role=Role(officer.role),
                node_id=node.id, node_kind=node.kind, street_id=node.street_id,
                community_id=node.community_id, unit_id=officer.unit_id,
            )
