"""An export handed out of the desk (through an officer's key): who took what, in the log."""

from __future__ import annotations

from dutydesk.services.context import Actor, Desk, require_active
from dutydesk.services.events import append_event


def record_export(desk: Desk, actor: Actor, what: str, detail: dict) -> int:
    """One event per export: the audit log says who took which file, and when."""
    with desk.db.write() as session:
        require_active(session, actor)
        event = append_event(session, actor, desk.clock.now(), "export", subject="exports",
                             payload={"what": what, **detail})
        session.flush()
        return event.id
