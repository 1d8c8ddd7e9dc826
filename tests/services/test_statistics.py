"""The statistics: seeds/002's figures, a hand-computed week worked through the real services,
the edge cases (nothing dispatched, periods, reopening, merged duplicates) and who may ask."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.domain.statistics import parse_period, percent
from dutydesk.errors import NotFound, PermissionDenied
from dutydesk.services import statistics
from dutydesk.services.cases import ActionInput, create_case, perform
from dutydesk.services.statistics import report
from tests.services.helpers import FULL_PATH, do, new_case_in, standard_draft
from tests.store.test_engine import _undo_migrations_after

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL

W48 = parse_period("2026-W48")  # Monday 2026-11-23 (T0) to Sunday 11-29


def _local(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=LOCAL_TZ)


def _bulk_month(db_path, received: int, dispatched: int, closed: int) -> None:
    """October 2026 as seeds/002 tells it: cases with their milestones, inserted directly
    (the services' own stamping of them is checked by the worked week below)."""
    raw = sqlite3.connect(db_path)
    node, community, street = raw.execute(
        "SELECT id, community_id, street_id FROM node WHERE code = 'CJW-02'").fetchone()
    unit = raw.execute("SELECT id FROM unit WHERE code = 'SWJ'").fetchone()[0]
    rows = []
    for n in range(received):
        at = dt.datetime(2026, 10, 1 + n % 31, 2, 0, tzinfo=dt.timezone.utc)  # 10:00 local
        stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f")
        is_dispatched, is_closed = n < dispatched, n < closed
        rows.append(("phone", "closed" if is_closed else "in_progress" if is_dispatched
                     else "accepted", node, community, street, "s", "s", stamp, stamp,
                     stamp if is_dispatched else None, stamp if is_dispatched else None,
                     stamp if is_closed else None, 1 if is_closed else None,
                     unit if is_dispatched else None))
    raw.executemany(
        "INSERT INTO case_ (channel, state, node_id, community_id, street_id, summary, "
        "search_text, address, reporter_name, reporter_phone, created_at, updated_at, filed_at, dispatched_at, closed_at, "
        "closed_on_time, lead_unit_id, level, redo_count, urge_count, version, "
        "due_provisional) VALUES (?,?,?,?,?,?,?,'','','',?,?,?,?,?,?,?,'grid',0,0,1,0)", rows)
    raw.execute("INSERT INTO case_closure (case_id, closed_at, on_time) "  # as 结案 writes it
                "SELECT id, closed_at, closed_on_time FROM case_ WHERE closed_at IS NOT NULL")
    raw.commit()
    raw.close()


@pytest.mark.sqlite_only("the month is written straight into the SQLite file")
def test_seeds_002_received_dispatched_closed_give_94_29_percent(desk, db_path):
    _bulk_month(db_path, 7534, 7389, 6967)
    result = report(desk, desk.actor("zhaolei"), parse_period("2026-10"))
    h = result.headline
    assert (h.received, h.filed, h.dispatched, h.closed) == (7534, 7389, 7389, 6967)
    assert percent(h.disposal_rate) == "94.29%"
    assert percent(h.on_time_rate) == "100.00%"
    assert sum(d.received for d in result.days) == 7534
    assert [u.name for u in result.units] == ["区水务局"] and result.units[0].rank == 1
    # November has none of them: nothing dispatched is —, not a division by zero.
    november = report(desk, desk.actor("zhaolei"), parse_period("2026-11")).headline
    assert november.dispatched == 0 and november.disposal_rate is None
    assert percent(november.disposal_rate) == "—"


@pytest.fixture
def worked_week(desk, clock):
    """Cases worked through the services across weeks 47 and 48 (hand-computed below)."""
    ids = {}
    clock.set(_local(20, 11))  # Friday of week 47: E is dispatched (due Monday 11:00)
    ids["E"] = new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4])
    clock.set(_local(23, 10))
    ids["A"] = new_case_in(desk, CaseState.CLOSED, FULL_PATH)  # closed in time
    ids["B"] = new_case_in(desk, CaseState.DISPATCHED, FULL_PATH[:3])
    ids["C"] = create_case(desk, desk.actor("liuyang"), standard_draft(summary="重复来电"))
    perform(desk, desk.actor("liuyang"), ids["C"], Action.MERGE,  # not received twice
            ActionInput(merge_into=ids["B"]))
    do(desk, ids["B"], Action.RETURN)  # 退单 by the unit, then dispatched again
    do(desk, ids["B"], Action.DISPATCH)
    ids["D"] = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    do(desk, ids["D"], Action.REOPEN)  # 重办: closed again, counted once
    for action in FULL_PATH[2:]:
        do(desk, ids["D"], action)
    ids["F"] = new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4])  # due Tue 10:00
    ids["G"] = new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4])
    for action in FULL_PATH[4:]:  # E replies in time and closes this week
        do(desk, ids["E"], action)
    clock.set(_local(25, 10))
    for action in FULL_PATH[4:]:  # F replies late; G is still with its unit, overdue
        do(desk, ids["F"], action)
    return ids


def test_a_worked_week_by_hand(desk, worked_week):
    result = report(desk, desk.actor("zhaolei"), W48)
    h = result.headline
    # received A B D F G (C merged; E was week 47's); filed and dispatched once each.
    assert (h.received, h.filed, h.dispatched) == (5, 5, 5)
    # 处置率 is a cohort: of A B D F G (dispatched this week) A D F were closed by its end (E,
    # dispatched last week, is last week's); in time A D; overdue: F replied late, G signed
    # for and B dispatched again are still with the unit past Tuesday's deadline.
    assert (h.closed, h.closed_on_time, h.overdue) == (3, 2, 3)
    assert (h.returned, h.redone) == (1, 1)
    assert percent(h.disposal_rate) == "60.00%" and percent(h.on_time_rate) == "66.67%"
    monday = result.days[0]
    assert (monday.day, monday.received, monday.dispatched, monday.closed) == \
        (dt.date(2026, 11, 23), 5, 5, 3)
    assert result.days[2].closed == 1 and sum(d.closed for d in result.days) == 4
    unit, co_unit = result.units  # the co-unit leads nothing: only the lead unit is ranked
    # ...but its late parts count against it: G's and B's, still open past the deadline, and
    # F's, never done before F's lead replied late
    assert (co_unit.name, co_unit.rank, co_unit.dispatched, co_unit.overdue) == (
        "区城管执法局", None, 0, 3)
    assert (unit.name, unit.rank, unit.dispatched, unit.closed, unit.returned, unit.redone,
            unit.overdue) == ("区水务局", 1, 5, 3, 1, 1, 3)
    assert (unit.previous_rank, unit.previous_rate) == (1, 0.0)
    assert unit.rate_change == pytest.approx(0.6)

    week47 = report(desk, desk.actor("zhaolei"), W48.previous()).headline
    assert (week47.received, week47.dispatched, week47.closed) == (1, 1, 0)
    assert percent(week47.disposal_rate) == "0.00%"


def test_a_reopened_case_counts_where_it_is_closed_again(desk, clock):
    clock.set(_local(23, 10))
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    clock.set(_local(30, 10))  # Monday of the next week
    do(desk, case_id, Action.REOPEN)
    for action in FULL_PATH[2:]:
        do(desk, case_id, action)
    first = report(desk, desk.actor("zhaolei"), W48).headline
    second = report(desk, desk.actor("zhaolei"), W48.shift(1)).headline
    # Week 48 closed it by its end: a reopening next week does not rewrite that.
    assert (first.dispatched, first.closed, first.redone) == (1, 1, 0)
    assert (second.dispatched, second.redone) == (0, 1)


def test_the_place_narrows_every_figure(desk, worked_week, clock):
    clock.set(_local(23, 12))
    create_case(desk, desk.actor("liuyang"), standard_draft(node_code="JSZL"))
    street = report(desk, desk.actor("zhaolei"), W48)
    cjw = report(desk, desk.actor("zhaolei"), W48, "CJW")
    jszl = report(desk, desk.actor("zhaolei"), W48, "JSZL")
    assert (street.headline.received, cjw.headline.received, jszl.headline.received) == (6, 5, 1)
    assert jszl.headline.dispatched == 0 and jszl.units == []
    assert street.police is not None and cjw.police is None and "police" in cjw.notes


def test_who_may_ask_for_which_place(desk, worked_week):
    community = desk.actor("huangxia")  # 曹家湾社区
    assert [p.code for p in statistics.places(desk, community)] == ["CJW"]
    assert report(desk, community, W48).place.code == "CJW"
    assert report(desk, community, W48).headline.received == 5
    with pytest.raises(PermissionDenied):
        report(desk, community, W48, "HTP")
    with pytest.raises(PermissionDenied):
        report(desk, desk.actor("zhoujp"), W48, "CJW")  # another community's
    for login in ("wangbo", "admin"):
        with pytest.raises(PermissionDenied):
            report(desk, desk.actor(login), W48)
    with pytest.raises(NotFound):
        report(desk, desk.actor("zhaolei"), W48, "NOWHERE")


def test_110_figures_and_the_share_from_recorded_totals(demo_desk):
    from dutydesk.services.police import record_call_total

    chief = demo_desk.actor("zhaolei")
    week = parse_period("2026-W48")
    before = report(demo_desk, chief, week)
    assert before.police.received > 0 and before.police.share is None
    assert before.notes["police_share"] == "stats.note.no_110_total"
    # The week's total recorded as two parts covering every day once: summed.
    record_call_total(demo_desk, chief, dt.date(2026, 11, 23), dt.date(2026, 11, 25), 300)
    record_call_total(demo_desk, chief, dt.date(2026, 11, 26), dt.date(2026, 11, 29), 100)
    after = report(demo_desk, chief, week)
    assert after.police.all_calls == 400
    assert after.police.share == pytest.approx(after.police.diverted / 400)  # 分流 ÷ all
    assert "police_share" not in after.notes


def test_disputes_and_revisits_in_the_demo(demo_desk):
    result = report(demo_desk, demo_desk.actor("zhaolei"), parse_period("2026-11"))
    d = result.disputes
    assert d.total == sum(d.by_type.values()) and d.total > 0
    assert d.success_rate == (d.succeeded / d.concluded if d.concluded else None)
    assert result.revisits.on_time_rate is None or 0 <= result.revisits.on_time_rate <= 1


@pytest.mark.sqlite_only("an older file is SQLite's")
def test_an_older_file_gains_the_milestones_from_its_log(desk, worked_week, db_path):
    from dutydesk.store.engine import Database

    expected = report(desk, desk.actor("zhaolei"), W48).headline
    desk.db.dispose()
    raw = sqlite3.connect(db_path)
    _undo_migrations_after(raw, 7)
    raw.commit()
    raw.close()
    desk.db = Database.open(db_path, upgrade=True)
    assert report(desk, desk.actor("zhaolei"), W48).headline == expected


def test_disputes_and_revisits_by_hand(desk, clock):
    from dutydesk.services import disputes, revisits
    from dutydesk.services.disputes import DisputeDraft, PartyDraft
    from dutydesk.store.models import Revisit
    from sqlmodel import select

    clock.set(_local(23, 10))
    officer = desk.actor("liuyang")
    ids = [create_case(desk, officer, standard_draft(summary=f"邻里纠纷{n}",
                                                     category_code="neighbour_dispute"))
           for n in range(3)]
    for case_id, factors in zip(ids, ([], ["violence"], [])):
        disputes.record(desk, officer, case_id, DisputeDraft(
            type="neighbour", parties=[PartyDraft("applicant", "张桂兰", "", "")],
            factors=factors, people="2", amount=""))
    disputes.record_outcome(desk, officer, ids[0], "mediated", agreement_on=_local(23, 10).date())
    disputes.record_outcome(desk, officer, ids[1], "failed")
    closed = [new_case_in(desk, CaseState.CLOSED, FULL_PATH) for _ in range(4)]  # call-backs
    with desk.db.read() as s:
        callbacks = [s.exec(select(Revisit).where(Revisit.case_id == c)).one() for c in closed]
    assert {c.due_on for c in callbacks} == {dt.date(2026, 11, 26)}
    clock.set(_local(26, 14))
    revisits.record_revisit(desk, officer, callbacks[0].id, "phone", "reached", "satisfied")
    revisits.record_revisit(desk, officer, callbacks[1].id, "phone", "reached", "dissatisfied")
    clock.set(_local(27, 12))  # a day late, and nobody answered
    revisits.record_revisit(desk, officer, callbacks[2].id, "phone", "unreachable",
                            "satisfied")

    result = report(desk, desk.actor("zhaolei"), W48)
    d = result.disputes
    assert d.by_colour == {"red": 1, "yellow": 0, "blue": 2}
    assert d.by_type == {"neighbour": 3} and d.by_outcome == {"mediated": 1, "failed": 1}
    assert (d.concluded, d.succeeded, percent(d.success_rate)) == (2, 1, "50.00%")
    r = result.revisits
    # Four call-backs due Thursday (the mediated dispute's first revisit is next month's):
    # two done that day; of those reached, one satisfied.
    assert (r.due, r.done_on_time, r.reached, r.satisfied) == (4, 2, 2, 1)
    assert percent(r.on_time_rate) == "50.00%" and percent(r.satisfaction_rate) == "50.00%"


def test_the_disposal_rate_never_exceeds_a_hundred_percent(desk, clock):
    """Cases dispatched last week and closed this week are last week's cohort, not this
    week's (the 300 % a unit showed)."""
    clock.set(_local(20, 10))
    ids = [new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4]) for _ in range(3)]
    clock.set(_local(23, 10))
    new_case_in(desk, CaseState.DISPATCHED, FULL_PATH[:3])
    for case_id in ids:
        for action in FULL_PATH[4:]:
            do(desk, case_id, action)
    result = report(desk, desk.actor("zhaolei"), W48)
    assert (result.headline.dispatched, result.headline.closed) == (1, 0)
    assert all((u.disposal_rate or 0) <= 1 for u in result.units)


def test_a_case_weeks_overdue_is_overdue_this_month(desk, clock):
    clock.set(_local(2, 10))  # dispatched early in November; never replied
    new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4])
    clock.set(dt.datetime(2026, 12, 8, 10, 0, tzinfo=LOCAL_TZ))
    december = report(desk, desk.actor("zhaolei"), parse_period("2026-12"))
    assert december.headline.overdue == 1
    assert {u.name: u.overdue for u in december.units} == {"区水务局": 1, "区城管执法局": 1}


def test_a_co_units_late_part_counts_against_it(desk, clock):
    """联合处置: the co-unit (区城管执法局) whose part is late is overdue in the ranking and
    carries its own 催办, beside the lead."""
    from dutydesk.services.sweep import sweep

    clock.set(_local(23, 10))
    new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4])  # SWJ leads, CGJ co-unit
    clock.set(_local(27, 10))  # past the deadline, after the first working day's 09:00
    sweep(desk)
    units = {u.name: u for u in report(desk, desk.actor("zhaolei"), W48).units}
    assert (units["区城管执法局"].overdue, units["区城管执法局"].chased) == (1, 1)
    assert (units["区水务局"].overdue, units["区水务局"].chased) == (1, 1)
    assert units["区城管执法局"].dispatched == 0 and units["区城管执法局"].rank is None


def test_a_past_month_never_changes(desk, clock, tmp_path):
    """November worked through the real services and its figures checked by hand; then
    December reopens a case November closed, closes late a case November left overdue, merges
    away a report November received and regrades and settles November's dispute — and
    November, counted again, is the same report, byte for byte as CSV."""
    from dutydesk.reports.writers import write_report

    november = parse_period("2026-11")
    clock.set(_local(23, 10))
    a = new_case_in(desk, CaseState.CLOSED, FULL_PATH)  # closed in time
    b = new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4])  # never replied in November
    c = create_case(desk, desk.actor("liuyang"), standard_draft(summary="同一处垃圾再报"))
    from dutydesk.services import disputes
    from dutydesk.services.disputes import DisputeDraft, PartyDraft
    quarrel = create_case(desk, desk.actor("liuyang"), standard_draft(
        summary="邻居装修渗水", category_code="neighbour_dispute"))
    disputes.record(desk, desk.actor("liuyang"), quarrel, DisputeDraft(
        "neighbour", [PartyDraft("applicant", "张桂兰")], factors=[]))
    from dutydesk.store.models import Case
    with desk.db.read() as s:
        assert s.get(Case, b).due_at < _local(30, 0)  # late before the month is out
    clock.set(dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ))
    first = report(desk, desk.actor("zhaolei"), november)
    h = first.headline
    assert (h.received, h.filed, h.dispatched, h.closed, h.closed_on_time) == (4, 2, 2, 1, 1)
    assert (first.disputes.by_colour["blue"], first.disputes.concluded) == (1, 0)
    assert (h.overdue, h.returned, h.redone) == (1, 0, 0)
    assert percent(h.disposal_rate) == "50.00%"
    before = write_report(first, tmp_path / "before.csv", "csv").read_bytes()

    clock.set(dt.datetime(2026, 12, 2, 10, 0, tzinfo=LOCAL_TZ))
    do(desk, a, Action.REOPEN)  # 重办 in December
    perform(desk, desk.actor("liuyang"), c, Action.MERGE, ActionInput(merge_into=a))
    for action in FULL_PATH[2:]:
        do(desk, a, action)
    for action in FULL_PATH[4:]:  # B replied, verified and closed, all late, in December
        do(desk, b, action)
    disputes.regrade(desk, desk.actor("liuyang"), quarrel, ["violence"])  # red in December
    disputes.record_outcome(desk, desk.actor("liuyang"), quarrel, "mediated",
                            agreement_on=dt.date(2026, 12, 2))
    clock.set(dt.datetime(2026, 12, 8, 10, 0, tzinfo=LOCAL_TZ))
    again = report(desk, desk.actor("zhaolei"), november)
    assert write_report(again, tmp_path / "after.csv", "csv").read_bytes() == before
    december = report(desk, desk.actor("zhaolei"), parse_period("2026-12")).headline
    assert (december.received, december.dispatched, december.redone) == (0, 0, 1)
    assert december.overdue == 1  # B was late in December too, until its reply
