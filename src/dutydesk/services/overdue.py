"""超期: one definition for the queue's 超期 view, the header counts, the handover sheet, the
sweep and the statistics — a case is overdue when the clock that applies to its state now has
run out:

- 已派单: the unit's 签收时限 or its 办结时限 (both run from 派单);
- 处置中: the unit's 办结时限;
- 已回告 / 已核查: the desk's own 核查 / 结案 limit (the unit's clock stopped at 回告).

Other states have no running clock (a 退单 clears it), so they are never overdue.

A period's 超期 (`late_during`) asks the same of the unit's own deadline at every moment of the
period: at the moment `now` it is exactly the unit's 办结 lateness above.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, text
from sqlmodel import col

from dutydesk.domain.lifecycle import UNIT_CLOCK_STATES, CaseState
from dutydesk.store.models import OPEN_STATES_SQL, Case


def overdue_clause(now: dt.datetime, *, unit_clock_only: bool = False) -> ColumnElement[bool]:
    """Cases overdue at `now`; with `unit_clock_only`, only those late against their unit (a
    unit's own 超期, the sweep's 催办/通报). Spelled with the open-states clause of the partial
    indexes so SQLite may read them."""
    late = or_(col(Case.due_at) < now,
               and_(Case.state == CaseState.DISPATCHED.value, col(Case.ack_due_at) < now))
    clauses = [text(OPEN_STATES_SQL), late]
    if unit_clock_only:
        clauses.append(col(Case.state).in_(sorted(s.value for s in UNIT_CLOCK_STATES)))
    return and_(*clauses)


def late_during(start: dt.datetime, end: dt.datetime,
                replied_at: ColumnElement | None = None) -> ColumnElement[bool]:
    """Cases late against their unit at some moment of [start, end): the unit's deadline
    passed before `end` while the unit had not replied — still running, or its clock stopped
    (回告, 退单) after `start` and after the deadline. Wherever the deadline fell: a case five
    weeks late is late this month too. `replied_at` is when a co-unit's part stopped, for its
    part (default: the case's unit clock)."""
    stopped = col(Case.unit_replied_at) if replied_at is None else replied_at
    return and_(col(Case.unit_due_at) < end, or_(
        stopped.is_(None), and_(stopped > start, stopped > col(Case.unit_due_at))))
