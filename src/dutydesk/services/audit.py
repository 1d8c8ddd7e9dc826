"""`dutydesk audit verify`: the event log's hash chain walked from the first event, in pages,
each event's hash computed again from its fields and the one before it (store/chain.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import text

from dutydesk.services.context import Desk
from dutydesk.store import chain

PAGE = 10_000


class Broken(StrEnum):
    CHANGED = "changed"  # its fields (or the link before it) are not what was chained
    REMOVED = "removed"  # the event before it is missing
    UNCHAINED = "unchained"  # it carries no hash: written behind the app's back


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    at: str  # as the chain spells it (UTC)
    action: str
    why: Broken


@dataclass(frozen=True)
class Verified:
    events: int  # how many were checked (up to the first broken link)
    head: str  # the last good event's hash: write it down to see a log cut short later
    broken: BrokenLink | None


def verify(desk: Desk, progress: Callable[[int], None] | None = None) -> Verified:
    """The chain from the first event to the last, or to its first broken link."""
    previous, previous_id, count = chain.GENESIS, 0, 0
    select = text(f"SELECT {', '.join(chain.COLUMNS)}, hash FROM event WHERE id > :after "
                  f"ORDER BY id LIMIT {PAGE}")
    while True:
        with desk.db.read() as session:
            rows = session.connection().execute(select, {"after": previous_id}).all()
        if not rows:
            return Verified(count, previous, None)
        for row in rows:
            fields = dict(zip(chain.COLUMNS, row[:-1]))
            why = Broken.UNCHAINED if row[-1] is None \
                else Broken.REMOVED if fields["id"] != previous_id + 1 \
                else Broken.CHANGED if chain.link(previous, fields) != row[-1] else None
            if why is not None:
                return Verified(count, previous, BrokenLink(
                    fields["id"], chain.canonical_at(fields["at"]), fields["action"], why))
            previous, previous_id, count = row[-1], fields["id"], count + 1
        if progress is not None:
            progress(count)
