"""Notices from the change feed reach the sessions they concern, and only those."""

from __future__ import annotations

import datetime as dt

import pytest

from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.services import disputes
from dutydesk.services.cases import create_case
from dutydesk.services.disputes import DisputeDraft, PartyDraft
from dutydesk.services.notices import notices_since
from dutydesk.services.queue import last_change
from dutydesk.services.sweep import sweep
from tests.services.helpers import do, new_case_in, standard_draft

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def _texts(desk, login: str, since: int) -> list[str]:
    return [n.text for n in notices_since(desk, desk.actor(login), since)]


def test_a_dispatch_reaches_its_units_only(desk):
    case_id = new_case_in(desk, CaseState.FILED)
    since = last_change(desk)
    do(desk, case_id, Action.DISPATCH)  # to SWJ, with CGJ as co-unit
    assert any(f"#{case_id}" in text for text in _texts(desk, "wangbo", since))
    assert any(f"#{case_id}" in text for text in _texts(desk, "lihua", since))
    assert _texts(desk, "zhaolei", since) == []  # the desk is not told of its own kind of step


def test_a_dispute_turning_red_reaches_everyone_in_reach_but_its_author(desk):
    officer = desk.actor("liuyang")
    case_id = create_case(desk, officer, standard_draft(category_code="neighbour_dispute"))
    since = last_change(desk)
    disputes.record(desk, officer, case_id, DisputeDraft(
        "neighbour", [PartyDraft("applicant", "张桂兰")], factors=["violence"]))
    assert any("红色纠纷" in text for text in _texts(desk, "zhaolei", since))
    assert any("红色纠纷" in text for text in _texts(desk, "huangxia", since))  # its community
    assert _texts(desk, "zhoujp", since) == []  # another community
    assert _texts(desk, "liuyang", since) == []  # who did it


def test_a_chase_reaches_the_late_unit(desk, clock):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    since = last_change(desk)
    clock.advance(dt.timedelta(days=3))
    sweep(desk)
    assert any(f"催办 #{case_id}" in text for text in _texts(desk, "wangbo", since))


def test_due_soon_is_the_units_and_the_desks(desk, clock):
    from dutydesk.services.notices import due_soon
    from dutydesk.store.models import Case

    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    assert case_id not in due_soon(desk, desk.actor("wangbo"))
    with desk.db.read() as s:
        clock.set(s.get(Case, case_id).due_at - dt.timedelta(minutes=30))
    assert case_id in due_soon(desk, desk.actor("wangbo"))  # the lead unit's
    assert case_id in due_soon(desk, desk.actor("zhaolei"))  # the desk's
    assert due_soon(desk, desk.actor("huangxia")) == {}  # community staff: not theirs to ring
