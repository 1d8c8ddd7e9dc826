"""A training run's own records, in its training database's event log: each scenario event fed
in (which item it made), the steps taken on an item, and the score card when the run ends. A
score is read from the log like every other figure."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, or_, select

from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event
from dutydesk.store.models import Event, Officer, PoliceTransfer

FED = "training_feed"
SCORED = "training_score"


@dataclass(frozen=True)
class StepSeen:
    action: str
    at: dt.datetime
    login: str
    payload: dict[str, Any]


def record_fed(desk: Desk, actor: Actor, index: int, ref: str | None,
               subject: str | None) -> None:
    """The scenario's event `index` has happened; `subject` is what it made ("transfer:3",
    "case:12") or None (the shift's end)."""
    with desk.db.write() as session:
        require_active(session, actor)
        append_event(session, actor, desk.clock.now(), FED, subject="training",
                     payload={"index": index, "ref": ref, "item": subject})


def fed(desk: Desk) -> dict[int, tuple[dt.datetime, str | None, str | None]]:
    """Event index -> (when it happened, its ref, the item it made)."""
    with desk.db.read() as session:
        rows = session.exec(select(Event.at, Event.payload).where(
            Event.subject == "training", Event.action == FED).order_by(col(Event.id))).all()
    found = {}
    for at, payload in rows:
        data = json.loads(payload)
        found[int(data["index"])] = (at, data.get("ref"), data.get("item"))
    return found


def last_moment(desk: Desk) -> dt.datetime:
    """The latest moment in the log: how far a run's clock had got (a run taken up again
    goes on from there)."""
    with desk.db.read() as session:
        return session.exec(select(func.max(Event.at))).one()


def steps_on(desk: Desk, item: str | None, since: dt.datetime) -> list[StepSeen]:
    """The steps taken on an item (a transfer's, and its case's once it has one), or on the
    whole desk when there is no item, from `since` on, oldest first."""
    with desk.db.read() as session:
        clauses = [col(Event.at) >= since,
                   col(Event.action).not_in((FED, SCORED, "receive_110", "create"))]
        if item is not None:
            kind, _, number = item.partition(":")
            on_item = [Event.subject == item]
            if kind == "transfer":
                case_id = session.exec(select(PoliceTransfer.case_id).where(
                    PoliceTransfer.id == int(number))).first()
                if case_id is not None:
                    on_item.append(Event.case_id == case_id)
            elif kind == "case":
                on_item.append(Event.case_id == int(number))
            clauses.append(or_(*on_item))
        rows = session.exec(select(Event.action, Event.at, Officer.login, Event.payload)
                            .join(Officer, col(Officer.id) == Event.actor_id)
                            .where(*clauses).order_by(col(Event.id))).all()
    return [StepSeen(action, at, login, json.loads(payload))
            for action, at, login, payload in rows]


def record_score(desk: Desk, actor: Actor, card: dict[str, Any]) -> None:
    with desk.db.write() as session:
        require_active(session, actor)
        append_event(session, actor, desk.clock.now(), SCORED, subject="training",
                     payload=card)


def saved_score(desk: Desk) -> dict[str, Any] | None:
    with desk.db.read() as session:
        payload = session.exec(select(Event.payload).where(
            Event.subject == "training", Event.action == SCORED)
            .order_by(col(Event.id).desc())).first()
    return json.loads(payload) if payload else None
