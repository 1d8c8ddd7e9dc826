"""Appending to the event log: every use-case writes exactly one event through here."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from dutydesk.errors import PermissionDenied, StaleWrite, StorageError
from dutydesk.i18n import local_time, step_label
from dutydesk.services.context import Actor
from dutydesk.store import chain
from dutydesk.store.models import Event, Officer

T = TypeVar("T")
REFUSED = "refused"  # the event of an attempt the services refused


def append_event(session: Session, actor: Actor, at, action: str, *, case_id: int | None = None,
                 subject: str | None = None, on_behalf_of: str | None = None,
                 payload: dict[str, Any] | None = None) -> Event:
    # Chained to the last event (store/chain.py). The write turn and BEGIN IMMEDIATE make
    # appends one at a time, and autoflush shows this transaction's own earlier events.
    last = session.exec(select(Event.id, Event.hash).order_by(col(Event.id).desc())
                        .limit(1)).first()
    previous_id, previous = last if last is not None else (0, chain.GENESIS)
    event = Event(
        id=previous_id + 1, at=at, actor_id=actor.id, case_id=case_id,
        subject=subject or (f"case:{case_id}" if case_id is not None else "desk"),
        action=action, on_behalf_of=on_behalf_of,
        payload=json.dumps(payload or {}, ensure_ascii=False, default=str),
    )
    event.hash = chain.link(previous or chain.GENESIS, event.model_dump())
    session.add(event)
    return event


def complete_event(session: Session, event: Event, payload: dict[str, Any]) -> None:
    """The payload of its transaction's last event, known only at the end (an import's
    counts, once its rows point at the event), linked again before anything is committed: a
    committed event is never changed."""
    event.payload = json.dumps(payload, ensure_ascii=False, default=str)
    before = session.get(Event, event.id - 1) if event.id and event.id > 1 else None
    event.hash = chain.link(before.hash if before else chain.GENESIS, event.model_dump())
    session.add(event)


# The arguments that name what an attempt was on: its event's case or subject.
_SUBJECTS = {"case_id": "case", "transfer_id": "transfer", "revisit_id": "revisit",
             "handover_id": "handover", "subject": ""}


def refusals_logged(service: Callable[..., T]) -> Callable[..., T]:
    """A use-case (desk, actor, …) whose refusals are events: who tried what, on which, and
    why it was refused — written in a transaction of its own, as the refused attempt itself
    wrote nothing. (Never wrap a service another one calls inside its transaction.)"""
    signature = inspect.signature(service)

    @functools.wraps(service)
    def checked(desk, actor, *args, **kwargs):
        try:
            return service(desk, actor, *args, **kwargs)
        except PermissionDenied as refusal:
            arguments = signature.bind_partial(desk, actor, *args, **kwargs).arguments
            _log_refusal(desk, actor, service.__name__, refusal, arguments)
            raise

    return checked


def _log_refusal(desk, actor: Actor, use_case: str, refusal: PermissionDenied,
                 arguments: dict[str, Any]) -> None:
    if desk.db.writer is None or actor.id is None:
        return  # a read-only session writes nothing, not even this
    # Named by subject only: the audit log holds it, the case's timeline does not.
    target = next((f"{kind}:{arguments[name]}" if kind else str(arguments[name])
                   for name, kind in _SUBJECTS.items() if arguments.get(name) is not None),
                  "desk")
    try:
        with desk.db.write() as session:
            append_event(session, actor, desk.clock.now(), REFUSED, subject=f"{REFUSED}:{target}",
                         payload={"use_case": use_case, "refusal": refusal.key,
                                  "reason": refusal.message()})
    except StorageError:
        pass  # the refusal is what the officer must hear; a busy file must not hide it


def stale_write(session: Session, where, changed_at=None) -> StaleWrite:
    """A write refused because the row changed since the officer read it: who changed it,
    when and with which step (the latest event `where` selects)."""
    last = session.exec(
        select(Event, Officer.name).join(Officer, col(Officer.id) == Event.actor_id)
        .where(where, Event.action != REFUSED).order_by(col(Event.id).desc()).limit(1)).first()
    if last is None:
        return StaleWrite("error.stale", who="?", when=local_time(changed_at), what="—")
    event, name = last
    return StaleWrite("error.stale", who=name, when=local_time(event.at),
                      what=step_label(event.action))
