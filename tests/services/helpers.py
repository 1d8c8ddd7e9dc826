"""Driving a case through the lifecycle table in tests."""

from __future__ import annotations

import datetime as dt
from collections import deque

from sqlmodel import func, select

from dutydesk.domain.lifecycle import (
    TRANSITIONS, Action, CaseState, Field, Role, Transition, transition_for,
)
from dutydesk.services.cases import ActionInput, CaseDraft, create_case, perform
from dutydesk.services.context import Desk
from dutydesk.store.models import Case, Event

# Who performs each role's steps on the standard test case (in CJW-02, dispatched to SWJ).
ACTING = {
    Role.OFFICER: "liuyang",
    Role.DUTY_CHIEF: "zhaolei",
    Role.COMMUNITY: "huangxia",
    Role.UNIT: "wangbo",
}
OUT_OF_SCOPE = {Role.COMMUNITY: "zhoujp", Role.UNIT: "lihua"}  # lihua: CGJ, a co-unit only
CO_UNIT = "lihua"  # the standard dispatch names CGJ as co-unit


def standard_draft(**overrides) -> CaseDraft:
    values = dict(channel="grid_report", summary="北渠附近出现少量垃圾", node_code="CJW-02",
                  reporter_name="黄霞", reporter_phone="13908571234", address="曹家湾北渠桥下",
                  category_code="canal")
    values.update(overrides)
    return CaseDraft(**values)


def sample_inputs(transition: Transition, desk: Desk, case_id: int,
                  merge_into: int | None = None) -> ActionInput:
    """Valid inputs for every field the transition declares."""
    inputs = ActionInput()
    for f in transition.fields + transition.optional:
        match f:
            case Field.REASON:
                inputs.reason = "测试理由"
            case Field.CATEGORY:
                inputs.category_code = "canal"
            case Field.NODE:
                inputs.node_code = "CJW-02"
            case Field.MERGE_INTO:
                inputs.merge_into = merge_into or create_case(
                    desk, desk.actor("liuyang"), standard_draft(summary="重复来电"))
            case Field.LEAD_UNIT:
                inputs.lead_unit_code = "SWJ"
            case Field.CO_UNITS:
                inputs.co_unit_codes = ["CGJ"]
            case Field.NEW_DUE:
                with desk.db.read() as s:
                    due = s.get(Case, case_id).due_at or desk.clock.now()
                if transition.action is Action.EXPEDITE:  # earlier: halfway there from now
                    inputs.new_due = desk.clock.now() + (due - desk.clock.now()) / 2
                else:
                    inputs.new_due = due + dt.timedelta(days=5)
            case Field.RESULT:
                inputs.result = "已处理"
            case Field.EVIDENCE:
                inputs.evidence = "照片 IMG_1"
            case Field.NOTE:
                inputs.note = "备注"
    return inputs


def actor_for(transition: Transition):
    """The login that performs a transition directly (never on someone's behalf)."""
    if transition.part:
        return CO_UNIT
    for role in (Role.OFFICER, Role.DUTY_CHIEF, Role.UNIT, Role.COMMUNITY):
        if role in transition.roles:
            return ACTING[role]
    raise AssertionError(transition)


def path_to(state: CaseState) -> list[Action]:
    """The shortest sequence of state-changing actions from 待受理 to `state`."""
    queue = deque([(CaseState.NEW, [])])
    seen = {CaseState.NEW}
    while queue:
        current, path = queue.popleft()
        if current == state:
            return path
        for tr in TRANSITIONS:
            if current in tr.sources and tr.target is not None and tr.target not in seen:
                seen.add(tr.target)
                queue.append((tr.target, path + [tr.action]))
    raise AssertionError(f"{state} unreachable")


FULL_PATH = [Action.ACCEPT, Action.FILE, Action.DISPATCH, Action.ACKNOWLEDGE, Action.REPLY,
             Action.VERIFY, Action.CLOSE]


def new_case_in(desk: Desk, state: CaseState, path: list[Action] | None = None,
                **draft) -> int:
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(**draft))
    for action in path if path is not None else path_to(state):
        do(desk, case_id, action)
    return case_id


def do(desk: Desk, case_id: int, action: Action, login: str | None = None, **overrides):
    transition = transition_for(action)
    inputs = sample_inputs(transition, desk, case_id)
    for key, value in overrides.items():
        setattr(inputs, key, value)
    return perform(desk, desk.actor(login or actor_for(transition)), case_id, action, inputs)


def event_count(desk: Desk) -> int:
    """The events of work done: a refused attempt logs an event of its own ("refused"), and
    leaves this count as it was."""
    with desk.db.read() as s:
        return s.exec(select(func.count()).select_from(Event)
                      .where(Event.action != "refused")).one()


def refusal_count(desk: Desk) -> int:
    with desk.db.read() as s:
        return s.exec(select(func.count()).select_from(Event)
                      .where(Event.action == "refused")).one()


def case_row(desk: Desk, case_id: int) -> Case:
    with desk.db.read() as s:
        return s.get(Case, case_id)
