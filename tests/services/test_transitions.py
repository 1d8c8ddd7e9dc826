"""Every row of the lifecycle table: allowed for the right role and scope, refused otherwise,
exactly one event on success, nothing written on refusal."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from dutydesk.domain.lifecycle import (
    DESK_ROLES, END_STATES, TRANSITIONS, Action, CaseState, Role, transition_for,
)
from dutydesk.errors import (
    InvalidTransition, PermissionDenied, StaleWrite, ValidationFailed,
)
from dutydesk.services.cases import ActionInput, perform
from dutydesk.store.models import Case, Event
from tests.services.helpers import (
    ACTING, FULL_PATH, OUT_OF_SCOPE, actor_for, case_row, do, event_count, new_case_in, sample_inputs,
)

pytestmark = pytest.mark.both_engines


def _cases():
    for tr in TRANSITIONS:
        for source in sorted(tr.sources):
            yield pytest.param(tr.action, source, id=f"{tr.action.value}-from-{source.value}")


def _prepare_guards(desk, case_id, action):
    if action in (Action.APPROVE_EXTENSION, Action.REFUSE_EXTENSION):
        do(desk, case_id, Action.REQUEST_EXTENSION)
    if action is Action.CO_REPLY:
        do(desk, case_id, Action.CO_ACKNOWLEDGE)


@pytest.mark.parametrize("action,source", _cases())
def test_allowed_for_the_right_role_writes_one_event(desk, action, source):
    tr = transition_for(action)
    case_id = new_case_in(desk, source)
    _prepare_guards(desk, case_id, action)
    inputs = sample_inputs(tr, desk, case_id)
    before_events = event_count(desk)
    before = case_row(desk, case_id)

    event_id = perform(desk, desk.actor(actor_for(tr)), case_id, action, inputs)

    after = case_row(desk, case_id)
    assert event_count(desk) == before_events + 1
    assert after.state == (tr.target or source).value
    assert after.version == before.version + 1
    with desk.db.read() as s:
        event = s.get(Event, event_id)
    assert (event.action, event.case_id) == (action.value, case_id)


@pytest.mark.parametrize("action", [tr.action for tr in TRANSITIONS])
def test_refused_for_a_role_the_table_does_not_name(desk, action):
    tr = transition_for(action)
    source = sorted(tr.sources)[0]
    case_id = new_case_in(desk, source)
    _prepare_guards(desk, case_id, action)
    inputs = sample_inputs(tr, desk, case_id)
    wrong = [ACTING[r] for r in (Role.UNIT, Role.COMMUNITY, Role.OFFICER)
             if not transition_for(action).allows(r)]
    wrong.append("admin")
    before_events, before = event_count(desk), case_row(desk, case_id)
    for login in wrong:
        with pytest.raises(PermissionDenied):
            perform(desk, desk.actor(login), case_id, action, inputs)
    assert event_count(desk) == before_events
    assert case_row(desk, case_id).version == before.version


@pytest.mark.parametrize("role", [Role.COMMUNITY, Role.UNIT])
def test_refused_outside_the_actors_scope(desk, role):
    action = {Role.COMMUNITY: Action.VERIFY, Role.UNIT: Action.ACKNOWLEDGE}[role]
    source = sorted(transition_for(action).sources)[0]
    case_id = new_case_in(desk, source)
    before_events = event_count(desk)
    with pytest.raises(PermissionDenied):
        perform(desk, desk.actor(OUT_OF_SCOPE[role]), case_id, action, ActionInput())
    assert event_count(desk) == before_events


@pytest.mark.parametrize("action", [tr.action for tr in TRANSITIONS])
def test_refused_from_every_other_state(desk, action):
    tr = transition_for(action)
    others = [s for s in CaseState if s not in tr.sources and s != CaseState.MERGED]
    actor = desk.actor(actor_for(tr))
    for source in others[:3]:  # three is enough to show it, and keeps the suite quick
        case_id = new_case_in(desk, source)
        inputs = sample_inputs(tr, desk, case_id)
        before_events = event_count(desk)
        # A unit sees a case only once it is dispatched to it: before that, scope refuses first.
        unit_not_on_case = actor.role is Role.UNIT and case_row(desk, case_id).lead_unit_id is None
        with pytest.raises(PermissionDenied if unit_not_on_case else InvalidTransition):
            perform(desk, actor, case_id, action, inputs)
        assert event_count(desk) == before_events
        assert case_row(desk, case_id).state == source.value


@pytest.mark.parametrize("action", [tr.action for tr in TRANSITIONS if tr.fields])
def test_missing_required_input_is_refused_by_field(desk, action):
    tr = transition_for(action)
    case_id = new_case_in(desk, sorted(tr.sources)[0])
    _prepare_guards(desk, case_id, action)
    before_events = event_count(desk)
    with pytest.raises(ValidationFailed) as refused:
        perform(desk, desk.actor(actor_for(tr)), case_id, action, ActionInput())
    assert set(refused.value.fields) >= {f.value for f in tr.fields}
    assert event_count(desk) == before_events


@pytest.mark.parametrize("action", [tr.action for tr in TRANSITIONS if tr.on_behalf_roles])
def test_desk_records_unit_and_community_steps_on_their_behalf(desk, action):
    tr = transition_for(action)
    case_id = new_case_in(desk, sorted(tr.sources)[0])
    inputs = sample_inputs(tr, desk, case_id)
    for login in ("liuyang", "zhaolei"):
        assert desk.actor(login).role in DESK_ROLES
    with pytest.raises(ValidationFailed) as refused:
        perform(desk, desk.actor("liuyang"), case_id, action, inputs)
    assert "on_behalf_of" in refused.value.fields
    inputs.on_behalf_of = "王科长（电话）"  # free text: not one of the contacts
    with pytest.raises(ValidationFailed) as refused:
        perform(desk, desk.actor("liuyang"), case_id, action, inputs)
    assert "值班室" in refused.value.fields["on_behalf_of"]  # the message lists whom to name
    inputs.on_behalf_of = "值班室"
    event_id = perform(desk, desk.actor("liuyang"), case_id, action, inputs)
    with desk.db.read() as s:
        event = s.get(Event, event_id)
    owner = "区水务局" if Role.UNIT in tr.on_behalf_roles else "曹家湾社区"
    assert event.on_behalf_of == f"{owner} 值班室"
    assert event.actor_id == desk.actor("liuyang").id


def test_a_stale_write_is_refused_naming_who_changed_it_and_when(desk, clock):
    case_id = new_case_in(desk, CaseState.NEW)
    seen_version = case_row(desk, case_id).version
    do(desk, case_id, Action.ESCALATE, login="chenjing")
    with pytest.raises(StaleWrite) as refused:
        perform(desk, desk.actor("liuyang"), case_id, Action.ACCEPT,
                ActionInput(category_code="canal", node_code="CJW-02"),
                expected_version=seen_version)
    assert "陈静" in refused.value.message()
    assert "11-23 10:00" in refused.value.message()
    assert case_row(desk, case_id).state == CaseState.NEW.value


def test_end_states_are_final_except_reopen(desk):
    for state in END_STATES:
        leaving = [tr for tr in TRANSITIONS if state in tr.sources]
        assert all(tr.action is Action.REOPEN for tr in leaving), state


def test_dispatch_sets_lead_and_co_units_and_deadlines(desk, clock):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    case = case_row(desk, case_id)
    assert case.lead_unit_id is not None
    # canal: 1 working day from Monday 10:00 -> Tuesday close of business; ack: 2 hours.
    assert case.due_at.astimezone(clock.now().tzinfo).isoformat().startswith("2026-11-24T09:30")
    assert case.ack_due_at == clock.now() + __import__("datetime").timedelta(hours=2)
    assert not case.due_provisional


def test_return_clears_the_units_and_deadline(desk):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    do(desk, case_id, Action.RETURN)
    case = case_row(desk, case_id)
    assert (case.state, case.lead_unit_id, case.due_at) == (CaseState.FILED.value, None, None)


def test_verify_fail_counts_a_redo(desk):
    case_id = new_case_in(desk, CaseState.REPLIED)
    do(desk, case_id, Action.VERIFY_FAIL)
    assert case_row(desk, case_id).redo_count == 1


def test_extension_must_be_asked_before_the_deadline(desk, clock):
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    due = case_row(desk, case_id).due_at
    clock.set(due)
    with pytest.raises(InvalidTransition):
        do(desk, case_id, Action.REQUEST_EXTENSION)


def test_approved_extension_moves_the_deadline(desk):
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    do(desk, case_id, Action.REQUEST_EXTENSION)
    asked = case_row(desk, case_id).extension_due_at
    with pytest.raises(InvalidTransition):
        do(desk, case_id, Action.REQUEST_EXTENSION)  # one request at a time
    do(desk, case_id, Action.APPROVE_EXTENSION)
    case = case_row(desk, case_id)
    assert (case.due_at, case.extension_due_at) == (asked, None)


def test_the_card_ladder_follows_lateness_and_urging_does_not_change_it(desk, clock):
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.services.queue import case_detail

    case_id = new_case_in(desk, CaseState.IN_PROGRESS)  # dispatched Mon 11-23 10:00
    due = case_row(desk, case_id).due_at.astimezone(LOCAL_TZ)
    assert due == dt.datetime(2026, 11, 24, 17, 30, tzinfo=LOCAL_TZ)  # canal: 1 working day

    def card_at(moment):
        clock.set(moment)
        deadline = case_detail(desk, desk.actor("zhaolei"), case_id).deadline
        return deadline.card.value if deadline.card else None

    assert card_at(dt.datetime(2026, 11, 24, 18, 0, tzinfo=LOCAL_TZ)) is None  # overdue, not yet
    assert card_at(dt.datetime(2026, 11, 25, 8, 59, tzinfo=LOCAL_TZ)) is None
    assert card_at(dt.datetime(2026, 11, 25, 9, 0, tzinfo=LOCAL_TZ)) == "yellow"  # 催办
    assert card_at(dt.datetime(2026, 11, 30, 17, 0, tzinfo=LOCAL_TZ)) == "yellow"
    assert card_at(dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)) == "red"  # 5 working days
    event_id = do(desk, case_id, Action.URGE)
    with desk.db.read() as s:
        assert json.loads(s.get(Event, event_id).payload)["card"] == "red"
    assert card_at(dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)) == "red"  # unchanged
    # An approved extension moves the deadline, and so resets the ladder.
    clock.set(dt.datetime(2026, 11, 24, 10, 0, tzinfo=LOCAL_TZ))
    do(desk, case_id, Action.REQUEST_EXTENSION)
    do(desk, case_id, Action.APPROVE_EXTENSION)  # to Sun 11-29 17:30: yellow from Mon 09:00
    assert card_at(dt.datetime(2026, 11, 30, 8, 0, tzinfo=LOCAL_TZ)) is None
    assert card_at(dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)) == "yellow"


def test_the_units_clock_stops_at_reply_and_the_desks_clocks_run(desk, clock):
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ

    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    do(desk, case_id, Action.REQUEST_EXTENSION)
    clock.set(dt.datetime(2026, 11, 26, 10, 0, tzinfo=LOCAL_TZ))  # the unit is late
    event_id = do(desk, case_id, Action.REPLY)
    with desk.db.read() as s:
        payload = json.loads(s.get(Event, event_id).payload)
    assert payload["on_time"] is False and payload["withdrew_extension"] is True
    replied = case_row(desk, case_id)
    assert replied.extension_due_at is None
    # The desk's 核查: one working day from the reply.
    assert replied.due_at.astimezone(LOCAL_TZ) == dt.datetime(2026, 11, 27, 17, 30,
                                                               tzinfo=LOCAL_TZ)
    from dutydesk.services.queue import QueueFilter, View, queue_page
    clock.set(dt.datetime(2026, 11, 30, 10, 0, tzinfo=LOCAL_TZ))  # the desk is late now
    overdue_for_unit = queue_page(desk, desk.actor("wangbo"), QueueFilter(view=View.OVERDUE))
    assert case_id not in [r.id for r in overdue_for_unit.rows]  # never against the unit
    overdue_for_desk = queue_page(desk, desk.actor("zhaolei"), QueueFilter(view=View.OVERDUE))
    assert case_id in [r.id for r in overdue_for_desk.rows]
    # 核查不通过: the redo gets a fresh 办结时限 from now.
    do(desk, case_id, Action.VERIFY_FAIL)
    redo = case_row(desk, case_id)
    assert redo.due_at.astimezone(LOCAL_TZ) == dt.datetime(2026, 12, 1, 17, 30, tzinfo=LOCAL_TZ)
    do(desk, case_id, Action.REPLY)
    do(desk, case_id, Action.VERIFY)
    event_id = do(desk, case_id, Action.CLOSE)
    with desk.db.read() as s:
        assert json.loads(s.get(Event, event_id).payload)["on_time"] is True  # judged at 回告


def test_expedite_needs_an_earlier_deadline(desk, clock):
    import datetime as dt

    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    due = case_row(desk, case_id).due_at
    with pytest.raises(ValidationFailed):
        do(desk, case_id, Action.EXPEDITE, new_due=due + dt.timedelta(hours=1))
    do(desk, case_id, Action.EXPEDITE, new_due=clock.now() + dt.timedelta(hours=2))
    assert case_row(desk, case_id).due_at == clock.now() + dt.timedelta(hours=2)


def test_a_round_the_clock_unit_signs_in_natural_hours(desk, clock):
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.store.models import Unit

    with desk.db.write() as s:
        unit = s.exec(select(Unit).where(Unit.code == "SWJ")).one()
        office_hours = unit.round_the_clock
    clock.set(dt.datetime(2026, 11, 23, 16, 30, tzinfo=LOCAL_TZ))
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    ack = case_row(desk, case_id).ack_due_at.astimezone(LOCAL_TZ)
    assert not office_hours and ack == dt.datetime(2026, 11, 24, 9, 30, tzinfo=LOCAL_TZ)
    with desk.db.write() as s:
        s.exec(select(Unit).where(Unit.code == "SWJ")).one().round_the_clock = True
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    ack = case_row(desk, case_id).ack_due_at.astimezone(LOCAL_TZ)
    assert ack == dt.datetime(2026, 11, 23, 18, 30, tzinfo=LOCAL_TZ)


def test_escalation_climbs_the_ladder_and_stops_at_the_top(desk):
    case_id = new_case_in(desk, CaseState.ACCEPTED)
    for expected in ("community", "street", "district", "city"):  # 楼栋 → 网格 → … → 区 → 市
        do(desk, case_id, Action.ESCALATE)
        assert case_row(desk, case_id).level == expected
    with pytest.raises(InvalidTransition):
        do(desk, case_id, Action.ESCALATE)


def test_merge_refuses_itself_and_finished_cases(desk):
    case_id = new_case_in(desk, CaseState.NEW)
    closed = new_case_in(desk, CaseState.CLOSED)
    for target in (case_id, closed, 999_999):
        with pytest.raises(ValidationFailed):
            do(desk, case_id, Action.MERGE, merge_into=target)
    assert case_row(desk, case_id).state == CaseState.NEW.value


def test_reopen_sends_the_case_back_to_filed(desk):
    case_id = new_case_in(desk, CaseState.CLOSED)
    assert case_row(desk, case_id).closed_at is not None
    do(desk, case_id, Action.REOPEN)
    case = case_row(desk, case_id)
    assert (case.state, case.closed_at, case.lead_unit_id) == ("filed", None, None)


def test_the_event_log_is_the_case_timeline(desk):
    case_id = new_case_in(desk, CaseState.CLOSED, path=FULL_PATH)
    with desk.db.read() as s:
        actions = [e.action for e in s.exec(
            select(Event).where(Event.case_id == case_id).order_by(Event.id))]
    assert actions == ["create", "accept", "file", "dispatch", "acknowledge", "reply",
                       "verify", "close"]
    assert case_row(desk, case_id).state == "closed"
    with desk.db.read() as s:
        assert s.get(Case, case_id).closed_at is not None


def test_dispatch_to_a_unit_outside_the_category_needs_a_reason(desk):
    from dutydesk.services.queue import case_detail

    case_id = new_case_in(desk, CaseState.FILED)  # canal, in 曹家湾
    detail = case_detail(desk, desk.actor("liuyang"), case_id)
    assert detail.suggested_units == ["SWJ"]
    before = event_count(desk)
    with pytest.raises(ValidationFailed) as refused:
        do(desk, case_id, Action.DISPATCH, lead_unit_code="CGJ", co_unit_codes=[], reason="")
    assert "reason" in refused.value.fields and event_count(desk) == before
    do(desk, case_id, Action.DISPATCH, lead_unit_code="CJW-JWH", co_unit_codes=[],
       reason="居委会熟悉情况")  # a community's residents' committee takes work too
    assert case_row(desk, case_id).state == CaseState.DISPATCHED.value


def test_the_lead_unit_cannot_also_be_a_co_unit(desk):
    case_id = new_case_in(desk, CaseState.FILED)
    with pytest.raises(ValidationFailed):
        do(desk, case_id, Action.DISPATCH, lead_unit_code="SWJ", co_unit_codes=["SWJ", "CGJ"])


def test_a_case_starts_at_the_level_of_its_place(desk):
    from dutydesk.services.cases import create_case
    from tests.services.helpers import standard_draft

    officer = desk.actor("liuyang")
    assert case_row(desk, create_case(desk, officer, standard_draft())).level == "grid"
    at_community = create_case(desk, officer, standard_draft(node_code="CJW"))
    assert case_row(desk, at_community).level == "community"
    at_street = create_case(desk, officer, standard_draft(node_code="HTP"))
    assert case_row(desk, at_street).level == "street"


def test_co_units_work_their_own_part(desk):
    from dutydesk.services.queue import QueueFilter, View, case_detail, queue_page

    case_id = new_case_in(desk, CaseState.DISPATCHED)  # lead SWJ (wangbo), co-unit CGJ (lihua)

    def mine(login):
        return [r.id for r in queue_page(desk, desk.actor(login), QueueFilter(View.MINE)).rows]

    assert case_id in mine("lihua")
    keys = {tr.action for tr in case_detail(desk, desk.actor("lihua"), case_id).actions}
    assert keys == {Action.CO_ACKNOWLEDGE, Action.CO_RETURN}
    with pytest.raises(PermissionDenied):  # a co-unit never moves the lead's case
        do(desk, case_id, Action.ACKNOWLEDGE, login="lihua")
    with pytest.raises(PermissionDenied):  # nor does the lead act on a co-unit's part
        do(desk, case_id, Action.CO_ACKNOWLEDGE, login="wangbo")
    do(desk, case_id, Action.CO_ACKNOWLEDGE)
    do(desk, case_id, Action.ACKNOWLEDGE)
    with pytest.raises(ValidationFailed) as refused:  # the lead's 回告 waits for the part…
        do(desk, case_id, Action.REPLY, reason="")
    assert "区城管执法局" in refused.value.fields["reason"]
    do(desk, case_id, Action.CO_REPLY)
    assert case_id not in mine("lihua")  # its part is done
    assert "（已回告）" in case_detail(desk, desk.actor("zhaolei"), case_id).co_units[0]
    do(desk, case_id, Action.REPLY, reason="")  # …and goes ahead once it is in
    assert case_row(desk, case_id).state == CaseState.REPLIED.value


def test_a_co_unit_returning_its_part_leaves_the_case(desk):
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    do(desk, case_id, Action.CO_RETURN)
    with pytest.raises(PermissionDenied):
        do(desk, case_id, Action.CO_ACKNOWLEDGE)
    do(desk, case_id, Action.REPLY, reason="")  # no open part is left


def test_a_refusal_names_the_real_reason_role_before_state_before_condition(desk, clock):
    """立案 by an officer: the chief's step (not "已受理 cannot be 立案"); 申请延期 after the
    deadline: the deadline has passed. The board shows the very sentence the service raises."""
    from dutydesk.services.queue import case_detail

    accepted = new_case_in(desk, CaseState.ACCEPTED)
    with pytest.raises(PermissionDenied) as refused:
        perform(desk, desk.actor("liuyang"), accepted, Action.FILE, ActionInput())
    assert refused.value.message() == "「立案」由值班长办理"
    assert case_detail(desk, desk.actor("liuyang"), accepted).refusals["file"] == \
        refused.value.message()
    # A step the role may take, in the wrong state: the state is the reason.
    assert "当前状态「已受理」" in case_detail(desk, desk.actor("liuyang"), accepted) \
        .refusals["dispatch"]

    late = new_case_in(desk, CaseState.IN_PROGRESS)
    clock.set(case_row(desk, late).due_at)
    with pytest.raises(InvalidTransition) as refused:
        do(desk, late, Action.REQUEST_EXTENSION)
    assert "已超过办结时限" in refused.value.message()
    unit = desk.actor(actor_for(transition_for(Action.REQUEST_EXTENSION)))
    assert case_detail(desk, unit, late).refusals["request_extension"] == \
        refused.value.message()
