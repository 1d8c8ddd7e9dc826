"""认领: a desk officer claims an item before working it, so that two officers do not work the
same report at once. Plain rules over plain values.

- Only the desk claims (officers and the duty chief); a unit's or community's own steps on a
  case are never held up by a desk officer's claim.
- Working an item claims it (or keeps the claim alive); a claim nobody has used for the idle
  time has lapsed and is free again.
- While another officer holds a live claim, an officer's step on the item is refused; the duty
  chief's steps are not (they decide), and the chief may take the claim over, with a reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dutydesk.domain.lifecycle import DESK_ROLES, Role

DEFAULT_IDLE = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Hold:
    """Who holds an item, since when, and when they last worked it."""

    officer_id: int
    officer_name: str
    claimed_at: dt.datetime
    active_at: dt.datetime

    def lapsed(self, now: dt.datetime, idle: dt.timedelta) -> bool:
        return now - self.active_at >= idle

    def expires_at(self, idle: dt.timedelta) -> dt.datetime:
        return self.active_at + idle


def may_claim(role: Role) -> bool:
    return role in DESK_ROLES


def blocks(hold: Hold | None, officer_id: int, role: Role, now: dt.datetime,
           idle: dt.timedelta) -> bool:
    """Whether another's live claim stops this officer's step on the item."""
    return (hold is not None and hold.officer_id != officer_id and role is Role.OFFICER
            and not hold.lapsed(now, idle))


def keeps_claim(role: Role) -> bool:
    """Whether working an item claims it: an officer's step does, the chief's only refreshes
    a claim the chief already holds (deciding on a case is not taking it from its officer)."""
    return role is Role.OFFICER
