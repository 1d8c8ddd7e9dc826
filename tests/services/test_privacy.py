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
