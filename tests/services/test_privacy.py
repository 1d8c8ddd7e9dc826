"""A full phone is shown only with a reason, and the request is logged: who, whose, why."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.services.cases import create_case
from dutydesk.services.privacy import reveal_phone
from dutydesk.store.models import Event
from tests.services.helpers import event_count, standard_draft

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def test_revealing_needs_a_reason_and_is_logged(desk):
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft())
    before = event_count(desk)
    with pytest.raises(ValidationFailed):
        reveal_phone(desk, desk.actor("zhaolei"), case_id, "  ")
    assert event_count(desk) == before
    assert reveal_phone(desk, desk.actor("zhaolei"), case_id, "回访核实") == "13908571234"
    with desk.db.read() as s:
        event = s.exec(select(Event).order_by(Event.id.desc())).first()
    assert event.action == "reveal_phone"
    assert json.loads(event.payload) == {"whose": "黄霞", "reason": "回访核实"}
    with pytest.raises(PermissionDenied):  # another community's staff
        reveal_phone(desk, desk.actor("zhoujp"), case_id, "好奇")


def test_a_callers_phone_is_the_desks_to_reveal(desk):
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.services import police
    from dutydesk.services.privacy import reveal_caller

    transfer_id = police.receive_transfer(desk, desk.actor("liuyang"), police.TransferDraft(
        number="J077", called_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ),
        summary="噪音", caller="刘先生", phone="13908571111"))
    detail = police.transfer_detail(desk, desk.actor("liuyang"), transfer_id)
    assert detail.phone_masked == "139****1111"
    for login in ("huangxia", "wangbo", "admin"):
        with pytest.raises(PermissionDenied):
            reveal_caller(desk, desk.actor(login), transfer_id, "核实")
    assert reveal_caller(desk, desk.actor("liuyang"), transfer_id, "回拨") == "13908571111"
    with desk.db.read() as s:
        event = s.exec(select(Event).order_by(Event.id.desc())).first()
    assert (event.action, event.subject) == ("reveal_caller", f"transfer:{transfer_id}")
    assert json.loads(event.payload) == {"whose": "刘先生", "number": "J077", "reason": "回拨"}


def test_a_disputes_parties_in_full_only_with_a_reason(desk):
    from dutydesk.services import disputes
    from dutydesk.services.dispute_board import dispute_detail
    from dutydesk.services.disputes import DisputeDraft, PartyDraft
    from dutydesk.services.privacy import reveal_parties

    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(
        category_code="neighbour_dispute"))
    disputes.record(desk, desk.actor("liuyang"), case_id, DisputeDraft(
        type="neighbour", parties=[PartyDraft("applicant", "张桂兰", "13908571234",
                                              "11010519491231002X"),
                                   PartyDraft("respondent", "李明", "", "")],
        factors=[], people="2", amount=""))
    [applicant, _] = dispute_detail(desk, desk.actor("huangxia"), case_id).parties
    assert applicant[2:] == ("139****1234", "1" + "*" * 15 + "2X")
    with pytest.raises(PermissionDenied):
        reveal_parties(desk, desk.actor("zhoujp"), case_id, "好奇")
    shown = reveal_parties(desk, desk.actor("huangxia"), case_id, "调解前核实身份")
    assert shown.splitlines() == ["申请人 张桂兰 13908571234 11010519491231002X",
                                  "被申请人 李明"]


def test_a_role_the_configuration_names_sees_phones_in_full(desk):
    from dataclasses import replace

    from dutydesk.services.queue import case_detail

    case_id = create_case(desk, desk.actor("liuyang"), standard_draft())
    assert case_detail(desk, desk.actor("zhaolei"), case_id).reporter_phone_masked == \
        "139****1234"
    desk.settings = replace(desk.settings, phone_roles=frozenset({"duty_chief"}))
    assert case_detail(desk, desk.actor("zhaolei"), case_id).reporter_phone_masked == \
        "13908571234"
    assert case_detail(desk, desk.actor("liuyang"), case_id).reporter_phone_masked == \
        "139****1234"
