"""Appending to the event log: every use-case writes exactly one event through here."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from dutydesk.services.context import Actor
from dutydesk.store.models import Event


def append_event(session: Session, actor: Actor, at, action: str, *, case_id: int | None = None,
                 subject: str | None = None, on_behalf_of: str | None = None,
                 payload: dict[str, Any] | None = None) -> Event:
    event = Event(
        at=at, actor_id=actor.id, case_id=case_id,
        subject=subject or (f"case:{case_id}" if case_id is not None else "desk"),
        action=action, on_behalf_of=on_behalf_of,
        payload=json.dumps(payload or {}, ensure_ascii=False, default=str),
    )
    session.add(event)
    return event
