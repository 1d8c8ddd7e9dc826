"""The supervision sweep writes 催办 and 通报 once per case, unit, card and deadline — whoever
runs it, however often, even two at once. The standard case has a co-unit (CGJ) whose open part
is chased beside the lead (SWJ)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from sqlmodel import select

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.errors import PermissionDenied
from dutydesk.services.sweep import sweep
from dutydesk.store.models import Case, Event
from tests.services.helpers import do, new_case_in

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def _steps(desk, case_id, unit: str = "区水务局") -> list[str]:
    """The ladder's steps for one unit of the case (the lead's by default)."""
    with desk.db.read() as s:
        rows = s.exec(select(Event.action, Event.payload).where(
            Event.case_id == case_id, Event.action.in_(["chase", "circulate"]))
            .order_by(Event.id)).all()
    return [action for action, payload in rows if json.loads(payload)["unit"] == unit]


def test_the_ladder_is_written_once_at_its_moments(desk, clock):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    with desk.db.read() as s:
        due = s.get(Case, case_id).due_at.astimezone(LOCAL_TZ)
    assert sweep(desk).chased == 0
    clock.set(due + dt.timedelta(hours=1))  # late, but the card comes the next working day
    assert sweep(desk).chased == 0
    clock.set(dt.datetime.combine(due.date() + dt.timedelta(days=1), dt.time(9, 0), LOCAL_TZ))
    assert sweep(desk).chased == 2  # the lead and the co-unit, each its own card
    assert sweep(desk).chased == 0  # once
    clock.advance(dt.timedelta(days=7))  # past the fifth working day after the deadline
    result = sweep(desk)
    assert (result.chased, result.circulated) == (0, 2)
    assert sweep(desk) == type(result)(0, 0)
    assert _steps(desk, case_id) == _steps(desk, case_id, "区城管执法局") == ["chase", "circulate"]


def test_a_new_deadline_starts_the_ladder_again(desk, clock):
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    do(desk, case_id, Action.REQUEST_EXTENSION)  # asked in time, approved after the deadline
    do(desk, case_id, Action.CO_ACKNOWLEDGE, login="lihua")
    do(desk, case_id, Action.CO_REPLY, login="lihua")  # the co-unit's part is done in time
    clock.advance(dt.timedelta(days=3))
    assert sweep(desk).chased == 1
    do(desk, case_id, Action.APPROVE_EXTENSION)
    with desk.db.read() as s:
        clock.set(s.get(Case, case_id).due_at + dt.timedelta(days=3))
    assert sweep(desk).chased == 1  # the new deadline's own 催办
    assert _steps(desk, case_id)[:2] == ["chase", "chase"]


def test_nobody_signs_in_as_the_system(desk, clock):
    new_case_in(desk, CaseState.DISPATCHED)
    clock.advance(dt.timedelta(days=3))
    sweep(desk)
    with pytest.raises(PermissionDenied):
        desk.actor("system")


SWEEP = """
import sys, datetime as dt
from dutydesk.clock import SimulatedClock
from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.services.context import Desk
from dutydesk.services.sweep import sweep
from dutydesk.store.engine import Database
db = Database.open(sys.argv[1])
print(sweep(Desk(db, SimulatedClock(dt.datetime.fromisoformat(sys.argv[2])))).chased)
db.dispose()
"""


def test_two_sweeps_at_once_write_each_step_once(desk, clock):
    ids = [new_case_in(desk, CaseState.DISPATCHED) for _ in range(5)]
    later = (clock.now() + dt.timedelta(days=3)).isoformat()
    runs = [subprocess.Popen([sys.executable, "-c", SWEEP, str(desk.db.path), later],
                             stdout=subprocess.PIPE, text=True) for _ in range(2)]
    written = sorted(int(run.communicate(timeout=120)[0]) for run in runs)
    assert sum(written) == 10  # between them, each step once (lead and co-unit of five)
    assert all(_steps(desk, case_id) == ["chase"] for case_id in ids)


async def test_a_sweep_racing_open_desks_writes_each_step_once(desk, clock):
    """Two desks opening (each sweeps on start) while cron's sweep runs: each 催办 once."""
    import asyncio

    from tests.tui.pilot import make_app, settle

    ids = [new_case_in(desk, CaseState.DISPATCHED) for _ in range(8)]
    clock.advance(dt.timedelta(days=3))
    cron = subprocess.Popen([sys.executable, "-c", SWEEP, str(desk.db.path),
                             clock.now().isoformat()],
                            stdout=subprocess.PIPE, text=True)
    first, second = make_app(desk, feed_interval=0.05), make_app(desk, "chenjing",
                                                                feed_interval=0.05)
    async with first.run_test(size=(80, 24)) as one, second.run_test(size=(80, 24)) as two:
        await asyncio.gather(settle(one), settle(two))
        await asyncio.to_thread(cron.communicate, timeout=120)
    assert all(_steps(desk, case_id) == ["chase"] for case_id in ids)


def test_a_co_units_late_part_is_chased_until_it_replies(desk, clock):
    """联合处置: the co-unit's open part has the case's deadline and its own ladder; once it
    has recorded its 协办回告, only the lead is chased."""
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    with desk.db.read() as s:
        due = s.get(Case, case_id).due_at.astimezone(LOCAL_TZ)
    clock.set(dt.datetime.combine(due.date() + dt.timedelta(days=1), dt.time(9, 0), LOCAL_TZ))
    assert sweep(desk).chased == 2
    with desk.db.read() as s:
        payloads = [json.loads(p) for p in s.exec(select(Event.payload).where(
            Event.case_id == case_id, Event.action == "chase"))]
    assert sorted((p["unit"], p.get("part", False)) for p in payloads) == [
        ("区城管执法局", True), ("区水务局", False)]
    do(desk, case_id, Action.CO_ACKNOWLEDGE, login="lihua")
    do(desk, case_id, Action.CO_REPLY, login="lihua")  # late, but replied: no 通报 for it
    clock.advance(dt.timedelta(days=7))
    result = sweep(desk)
    assert (result.chased, result.circulated) == (0, 1)
    assert _steps(desk, case_id, "区城管执法局") == ["chase"]
