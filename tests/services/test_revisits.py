"""Revisits: call-backs when a case closes (the closer may not record it; 不满意 goes to the
duty chief), plans when a dispute is resolved (cadence, relapse, end), rescheduling."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlmodel import select

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.services import disputes, revisits
from dutydesk.services.cases import create_case
from dutydesk.services.disputes import DisputeDraft, PartyDraft
from dutydesk.services.queue import QueueFilter, View, queue_page
from dutydesk.store.models import Dispute, Event, Revisit, RevisitPlan
from tests.services.helpers import FULL_PATH, do, event_count, new_case_in, standard_draft

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def _revisits(desk, case_id) -> list[Revisit]:
    with desk.db.read() as s:
        return s.exec(select(Revisit).where(Revisit.case_id == case_id)
                      .order_by(Revisit.id)).all()


def _today(clock) -> dt.date:
    return clock.now().astimezone(LOCAL_TZ).date()


def test_closing_a_case_schedules_a_call_back_within_three_working_days(desk, clock):
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)  # closed by zhaolei
    [callback] = _revisits(desk, case_id)
    assert (callback.kind, callback.status) == ("satisfaction", "due")
    # Monday 23 November 2026 → Tue, Wed, Thu.
    assert callback.due_on == dt.date(2026, 11, 26)
    with pytest.raises(PermissionDenied):  # the one who closed it does not ask
        revisits.record_revisit(desk, desk.actor("zhaolei"), callback.id, "phone", "reached",
                                "satisfied")
    with pytest.raises(ValidationFailed) as refused:
        revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", "reached")
    assert "satisfaction" in refused.value.fields
    before = event_count(desk)
    revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", "reached",
                            "basically", "已解决，希望更快")
    assert event_count(desk) == before + 1
    [done] = _revisits(desk, case_id)
    assert (done.status, done.satisfaction, done.needs_chief) == ("done", "basically", False)


def test_dissatisfied_goes_to_the_duty_chief_until_answered(desk):
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    [callback] = _revisits(desk, case_id)
    revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", "reached",
                            "dissatisfied", "认为处理敷衍")
    chief = desk.actor("zhaolei")
    mine = [r.id for r in queue_page(desk, chief, QueueFilter(view=View.MINE), limit=200).rows]
    assert case_id in mine
    with pytest.raises(PermissionDenied):
        revisits.review(desk, desk.actor("liuyang"), callback.id, "已回复")
    revisits.review(desk, chief, callback.id, "电话致歉并说明处理依据")
    mine = [r.id for r in queue_page(desk, chief, QueueFilter(view=View.MINE), limit=200).rows]
    assert case_id not in mine


def test_reopening_cancels_the_pending_call_back(desk):
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    do(desk, case_id, Action.REOPEN)
    assert [r.status for r in _revisits(desk, case_id)] == ["cancelled"]


def _resolved_dispute(desk, factors) -> int:
    officer = desk.actor("liuyang")
    case_id = create_case(desk, officer, standard_draft(category_code="neighbour_dispute"))
    disputes.record(desk, officer, case_id, DisputeDraft(
        "neighbour", [PartyDraft("applicant", "张桂兰")], factors=factors))
    disputes.record_outcome(desk, officer, case_id, "mediated",
                            agreement_on=dt.date(2026, 11, 23))
    return case_id


def test_a_resolved_dispute_gets_a_plan_by_its_colour(desk, clock):
    case_id = _resolved_dispute(desk, ["flare_ups"])  # yellow → 中风险期, every 7 days
    with desk.db.read() as s:
        plan = s.get(RevisitPlan, case_id)
    assert plan.period == "medium"
    [first] = _revisits(desk, case_id)
    assert (first.kind, first.period, first.due_on) == ("dispute", "medium",
                                                        dt.date(2026, 11, 30))


def test_stable_revisits_step_down_and_a_relapse_raises_the_colour(desk, clock):
    officer = desk.actor("liuyang")
    case_id = _resolved_dispute(desk, [])  # blue → 低风险期
    for _ in range(3):
        due = [r for r in _revisits(desk, case_id) if r.status == "due"][0]
        revisits.record_revisit(desk, officer, due.id, "on_site", "stable")
    with desk.db.read() as s:
        assert s.get(RevisitPlan, case_id).period == "normal"
    due = [r for r in _revisits(desk, case_id) if r.status == "due"][0]
    revisits.record_revisit(desk, officer, due.id, "phone", "relapse", notes="又因漏水争吵")
    with desk.db.read() as s:
        assert s.get(RevisitPlan, case_id).period == "low"
        event = s.exec(select(Event).order_by(Event.id.desc())).first()
    payload = json.loads(event.payload)
    assert payload["from_period"] == "normal" and payload["to_chief"] is True
    relapse = next(r for r in _revisits(desk, case_id) if r.result == "relapse")
    assert relapse.needs_chief


def test_a_relapse_regrades_upward_only(desk):
    officer = desk.actor("liuyang")
    case_id = _resolved_dispute(desk, ["flare_ups"])  # yellow, 中
    due = _revisits(desk, case_id)[0]
    revisits.record_revisit(desk, officer, due.id, "phone", "relapse")
    with desk.db.read() as s:
        assert s.get(Dispute, case_id).colour == "red"  # 中 → 高: red


def test_the_plan_ends_after_the_normal_period_passes_quietly(desk):
    officer = desk.actor("liuyang")
    case_id = _resolved_dispute(desk, [])
    for _ in range(6):  # 低 ×3 → 常态 ×3 → ended
        due = [r for r in _revisits(desk, case_id) if r.status == "due"][0]
        revisits.record_revisit(desk, officer, due.id, "phone", "stable")
    assert all(r.status == "done" for r in _revisits(desk, case_id))
    with desk.db.read() as s:
        assert s.get(RevisitPlan, case_id).ended_at is not None


def test_rescheduling_needs_a_reason_and_lands_on_a_working_day(desk, clock):
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    [callback] = _revisits(desk, case_id)
    officer = desk.actor("liuyang")
    with pytest.raises(ValidationFailed):
        revisits.reschedule(desk, officer, callback.id, dt.date(2026, 11, 30), "")
    with pytest.raises(ValidationFailed):
        revisits.reschedule(desk, officer, callback.id, dt.date(2026, 11, 1), "过去")
    revisits.reschedule(desk, officer, callback.id, dt.date(2026, 11, 28), "当事人周末外出")
    assert _revisits(desk, case_id)[0].due_on == dt.date(2026, 11, 30)  # Sat → Mon


def test_the_revisits_due_export_as_an_icalendar_file(desk, tmp_path):
    from icalendar import Calendar

    from dutydesk.services.revisit_calendar import export_ics

    _resolved_dispute(desk, ["group"])  # red: 高风险期, assigned to liuyang who resolved it
    new_case_in(desk, CaseState.CLOSED, FULL_PATH)  # a call-back, unassigned
    path = tmp_path / "revisits.ics"
    assert export_ics(desk, path, actor=desk.actor("zhaolei")) == 2
    assert export_ics(desk, tmp_path / "mine.ics", officer_login="liuyang") == 1
    calendar = Calendar.from_ical(path.read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    starts = sorted(e.decoded("dtstart") for e in events)
    assert starts == [dt.date(2026, 11, 26), dt.date(2026, 11, 26)]  # 3 working days; 3 days
    assert all(str(e["uid"]).endswith("@dutydesk") for e in events)
    assert any("高风险期" in str(e["summary"]) for e in events)


def test_a_month_counts_due_revisits_by_day_and_period(desk, clock):
    from dutydesk.services.revisit_calendar import month_counts

    _resolved_dispute(desk, ["group"])
    new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    counts = month_counts(desk, desk.actor("zhaolei"), 2026, 11)
    assert counts[dt.date(2026, 11, 26)].due == {"high": 1, "callback": 1}
    clock.advance(dt.timedelta(days=5))
    assert month_counts(desk, desk.actor("zhaolei"), 2026, 11)[dt.date(2026, 11, 26)].overdue == 2
    assert month_counts(desk, desk.actor("wangbo"), 2026, 11) == {}  # units: none


# -- issue 15: revisit rules -----------------------------------------------------------------

@pytest.mark.parametrize("login", ["huangxia", "chenjing"])
def test_nobody_who_handled_the_case_rates_it(desk, clock, login):
    """The verifier (huangxia, of the verifying community) and an officer who recorded the
    unit's 回告 on its behalf (chenjing) do not rate it (a unit records no revisit at all)."""
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    clock.advance(dt.timedelta(minutes=31))  # liuyang's claim from 派单 has lapsed
    do(desk, case_id, Action.REPLY, login="chenjing", on_behalf_of="王科长")
    do(desk, case_id, Action.VERIFY)
    do(desk, case_id, Action.CLOSE)
    [callback] = _revisits(desk, case_id)
    with pytest.raises(PermissionDenied) as refused:
        revisits.record_revisit(desk, desk.actor(login), callback.id, "phone", "reached",
                                "satisfied")
    assert "经办" in refused.value.message()
    revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", "reached",
                            "satisfied")


def test_rescheduling_cannot_hide_lateness(desk, clock):
    from dutydesk.services.statistics import report
    from dutydesk.domain.statistics import parse_period

    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    [callback] = _revisits(desk, case_id)  # due Thursday 26 November
    clock.set(dt.datetime(2026, 11, 27, 10, 0, tzinfo=LOCAL_TZ))  # missed
    with pytest.raises(ValidationFailed) as refused:
        revisits.reschedule(desk, desk.actor("liuyang"), callback.id, dt.date(2026, 11, 30),
                            "当事人外出")
    assert "已过" in refused.value.message()
    revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", "reached",
                            "satisfied")
    figures = report(desk, desk.actor("zhaolei"), parse_period("2026-W48")).revisits
    assert (figures.due, figures.done_on_time) == (1, 0)  # recorded late: late


def test_a_rescheduled_revisit_is_judged_against_its_first_day(desk, clock):
    from dutydesk.services.statistics import report
    from dutydesk.domain.statistics import parse_period

    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    [callback] = _revisits(desk, case_id)  # due Thursday 26 November
    revisits.reschedule(desk, desk.actor("liuyang"), callback.id, dt.date(2026, 12, 1),
                        "当事人外出")  # moved before it was late
    clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=LOCAL_TZ))
    revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", "reached",
                            "satisfied")
    figures = report(desk, desk.actor("zhaolei"), parse_period("2026-W48")).revisits
    assert (figures.due, figures.done_on_time) == (1, 0)


def test_a_call_back_cancelled_by_a_reopening_still_counts_as_due(desk, clock):
    from dutydesk.services.statistics import report
    from dutydesk.domain.statistics import parse_period

    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    clock.set(dt.datetime(2026, 11, 27, 10, 0, tzinfo=LOCAL_TZ))
    do(desk, case_id, Action.REOPEN)
    figures = report(desk, desk.actor("zhaolei"), parse_period("2026-W48")).revisits
    assert (figures.due, figures.done_on_time) == (1, 0)


def test_reopening_also_answers_a_relapse_awaiting_the_chief(desk):
    officer = desk.actor("liuyang")
    case_id = _resolved_dispute(desk, [])
    due = _revisits(desk, case_id)[0]
    revisits.record_revisit(desk, officer, due.id, "phone", "relapse", notes="再次争吵")
    chief = desk.actor("zhaolei")
    mine = {r.id for r in queue_page(desk, chief, QueueFilter(view=View.MINE), limit=200).rows}
    assert case_id in mine
    for action in (Action.ACCEPT, Action.RESOLVE):
        do(desk, case_id, action)
    do(desk, case_id, Action.REOPEN)
    relapse = next(r for r in _revisits(desk, case_id) if r.result == "relapse")
    assert relapse.reviewed_at is not None


def test_a_late_revisit_is_waived_only_by_the_chief_and_stays_late(desk, clock):
    from dutydesk.services.statistics import report
    from dutydesk.domain.statistics import parse_period

    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    [callback] = _revisits(desk, case_id)  # due Thursday 26 November
    with pytest.raises(ValidationFailed) as refused:  # not late yet: nothing to waive
        revisits.waive(desk, desk.actor("zhaolei"), callback.id, "当事人已搬走")
    assert "未到" in refused.value.message()
    clock.set(dt.datetime(2026, 11, 27, 10, 0, tzinfo=LOCAL_TZ))
    with pytest.raises(PermissionDenied):
        revisits.waive(desk, desk.actor("liuyang"), callback.id, "当事人已搬走")
    with pytest.raises(ValidationFailed):  # a reason is needed
        revisits.waive(desk, desk.actor("zhaolei"), callback.id, "")
    revisits.waive(desk, desk.actor("zhaolei"), callback.id, "当事人已搬走，多次联系不上")
    assert _revisits(desk, case_id)[0].status == "waived"
    figures = report(desk, desk.actor("zhaolei"), parse_period("2026-W48")).revisits
    assert (figures.due, figures.done_on_time) == (1, 0)


def test_waiving_a_dispute_revisit_keeps_the_plan_going(desk, clock):
    case_id = _resolved_dispute(desk, ["flare_ups"])  # 中: first revisit due 11-30
    first = _revisits(desk, case_id)[0]
    clock.set(dt.datetime(2026, 12, 2, 10, 0, tzinfo=LOCAL_TZ))
    revisits.waive(desk, desk.actor("zhaolei"), first.id, "双方均外出务工")
    waived, following = _revisits(desk, case_id)
    assert waived.status == "waived" and following.status == "due"
    assert following.due_on == dt.date(2026, 12, 9)


def test_a_call_back_finds_satisfaction_not_stability(desk):
    """满意度回访: 满意 / 基本满意 / 不满意 / 无法联系 (DOMAIN) — 稳定 is a dispute revisit's word."""
    case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    [callback] = _revisits(desk, case_id)
    for wrong in ("stable", "relapse"):
        with pytest.raises(ValidationFailed) as refused:
            revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", wrong,
                                    "satisfied")
        assert "无法联系" in refused.value.fields["result"]
    revisits.record_revisit(desk, desk.actor("liuyang"), callback.id, "phone", "unreachable")
    [done] = _revisits(desk, case_id)
    assert (done.result, done.satisfaction) == ("unreachable", "")


def test_an_early_revisit_never_leaves_a_second_one_on_its_own_day(desk, clock):
    """Recorded days before it was due, the next is counted from the day it was due — not
    from today, which put it on that very day again."""
    officer = desk.actor("liuyang")
    case_id = _resolved_dispute(desk, ["flare_ups"])  # 中风险期, every 7 days: due 30 Nov
    [first] = _revisits(desk, case_id)
    clock.set(clock.now() + dt.timedelta(days=1))  # 24 Nov: six days early
    revisits.record_revisit(desk, officer, first.id, "phone", "stable")
    [_, following] = _revisits(desk, case_id)
    assert following.due_on > first.due_on
    assert following.due_on == dt.date(2026, 12, 7)


def test_the_calendar_masks_numbers_written_into_a_report(desk, tmp_path):
    from icalendar import Calendar

    from dutydesk.services.revisit_calendar import export_ics
    from tests.services.helpers import new_case_in

    new_case_in(desk, CaseState.CLOSED, FULL_PATH,
                summary="门口积水，请回电 13908579999", address="康乐南路 0858-8221234 号")
    path = tmp_path / "r.ics"
    export_ics(desk, path, actor=desk.actor("zhaolei"))
    text = path.read_bytes().decode("utf-8")
    assert "13908579999" not in text and "8221234" not in text
    [event] = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert "139****9999" in str(event["description"])


def test_the_chiefs_list_pages_through_both_streams_in_order(desk, clock):
    """The chief's 待我处理 is read as two streams (open work needing the chief; cases awaiting
    the chief, closed or not), each a page in key order: walked a page of 3 at a time, down and
    back up, it holds exactly the cases the whole list does — once each, newest first — with
    the closed 不满意 call-backs between the open cases where their times put them."""
    from dutydesk.services.queue import queue_count

    chief, officer = desk.actor("zhaolei"), desk.actor("liuyang")
    expected = []
    for n in range(8):
        clock.set(clock.now() + dt.timedelta(minutes=10))
        if n % 3 == 0:  # closed, its call-back answered 不满意: awaiting the chief
            case_id = new_case_in(desk, CaseState.CLOSED, FULL_PATH, summary=f"第{n}件已结")
            [callback] = _revisits(desk, case_id)
            revisits.record_revisit(desk, officer, callback.id, "phone", "reached",
                                    "dissatisfied", "认为处理敷衍")
        else:
            case_id = create_case(desk, officer, standard_draft(summary=f"第{n}件"))
        expected.append(case_id)
    expected.reverse()  # newest first
    mine = QueueFilter(view=View.MINE)
    assert queue_count(desk, chief, mine) == len(expected)
    walked, page = [], queue_page(desk, chief, mine, limit=3)
    pages = [page]
    while True:
        walked += [row.id for row in page.rows]
        if not page.has_after:
            break
        page = queue_page(desk, chief, mine, after=page.rows[-1].cursor, limit=3)
        pages.append(page)
    assert walked == expected and [len(p.rows) for p in pages] == [3, 3, 2]
    back = queue_page(desk, chief, mine, before=pages[-1].rows[0].cursor, limit=3)
    assert [row.id for row in back.rows] == [row.id for row in pages[-2].rows]
    closed = [r.id for r in queue_page(desk, chief, QueueFilter(view=View.MINE, search="已结"),
                                       limit=10).rows]
    assert closed == [expected[1], expected[4], expected[7]]  # the filters hold in both
