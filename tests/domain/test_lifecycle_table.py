"""The lifecycle table itself: complete, consistent, and the source of keys and menus."""

from __future__ import annotations

from dutydesk.domain.lifecycle import (
    END_STATES, OPEN_STATES, TRANSITIONS, Action, CaseState, Role, available_actions,
    states_needing,
)
from dutydesk.tui.keys import APP_KEYS, CASE_ACTION_KEYS, QUEUE_KEYS


def test_every_action_has_exactly_one_row_and_a_unique_key():
    assert sorted(tr.action for tr in TRANSITIONS) == sorted(Action)
    keys = [tr.key for tr in TRANSITIONS]
    assert len(keys) == len(set(keys))


def test_case_keys_do_not_collide_with_screen_keys():
    screen = {k for spec in APP_KEYS + QUEUE_KEYS for k in spec.keys.split(",")}
    case = {k for spec in CASE_ACTION_KEYS for k in spec.keys.split(",")}
    assert not screen & case


def test_every_state_is_reachable_from_new():
    graph: dict[CaseState, set[CaseState]] = {s: set() for s in CaseState}  # the table's
    for tr in TRANSITIONS:
        for source in tr.sources:
            graph[source].add(tr.target or source)
    seen, frontier = {CaseState.NEW}, [CaseState.NEW]
    while frontier:
        for nxt in graph[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(CaseState)


def test_the_duty_chief_may_do_all_an_officer_may():
    for tr in TRANSITIONS:
        if Role.OFFICER in tr.roles:
            assert Role.DUTY_CHIEF in tr.roles, tr.action


def test_only_the_duty_chief_files_closes_and_reopens():
    for action in (Action.FILE, Action.CLOSE, Action.REOPEN, Action.APPROVE_EXTENSION):
        tr = next(t for t in TRANSITIONS if t.action is action)
        assert tr.roles == {Role.DUTY_CHIEF}


def test_rejections_and_returns_require_a_reason():
    for action in (Action.REJECT, Action.RETURN, Action.VERIFY_FAIL, Action.REOPEN):
        assert next(t for t in TRANSITIONS if t.action is action).reason_required


def test_mine_is_derived_from_the_table_and_never_lists_finished_states():
    assert states_needing(Role.OFFICER) == {CaseState.NEW, CaseState.ACCEPTED, CaseState.FILED}
    assert states_needing(Role.UNIT) == {CaseState.DISPATCHED, CaseState.IN_PROGRESS}
    assert states_needing(Role.COMMUNITY) == {CaseState.REPLIED}
    for role in Role:
        assert not states_needing(role) & END_STATES


def test_admins_have_no_case_actions():
    for state in CaseState:
        assert available_actions(state, Role.ADMIN) == []


def test_open_and_end_states_partition_the_states():
    assert OPEN_STATES | END_STATES == set(CaseState)
    assert not OPEN_STATES & END_STATES
