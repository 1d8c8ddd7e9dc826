"""Registering a report: every channel, validated fields, nothing written on error."""

from __future__ import annotations

import pytest

from dutydesk.domain.lifecycle import Channel
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.services.cases import create_case
from tests.services.helpers import case_row, event_count, standard_draft

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


@pytest.mark.parametrize("channel", list(Channel))
def test_every_channel_creates_a_new_case_with_one_event(desk, channel):
    before = event_count(desk)
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(channel=channel.value))
    case = case_row(desk, case_id)
    assert (case.state, case.channel) == ("new", channel.value)
    assert case.reporter_phone == "+8613908571234"
    assert event_count(desk) == before + 1


@pytest.mark.parametrize("field,overrides", [
    ("summary", {"summary": "  "}),
    ("summary", {"summary": "长" * 501}),
    ("reporter_phone", {"reporter_phone": "12345"}),
    ("reporter_phone", {"reporter_phone": "+852 1234"}),
    ("node", {"node_code": "NOWHERE"}),
    ("node", {"node_code": ""}),
    ("category", {"category_code": "nonsense"}),
    ("channel", {"channel": "fax"}),
])
def test_bad_input_names_the_field_and_writes_nothing(desk, field, overrides):
    before = event_count(desk)
    with pytest.raises(ValidationFailed) as refused:
        create_case(desk, desk.actor("liuyang"), standard_draft(**overrides))
    assert field in refused.value.fields
    assert event_count(desk) == before


def test_fixed_line_numbers_are_accepted(desk):
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(reporter_phone="0858-8221234"))
    assert case_row(desk, case_id).reporter_phone == "+868588221234"


def test_community_staff_report_only_in_their_own_community(desk):
    create_case(desk, desk.actor("huangxia"), standard_draft(node_code="CJW-01"))
    with pytest.raises(PermissionDenied):
        create_case(desk, desk.actor("huangxia"), standard_draft(node_code="JSZL-01"))


@pytest.mark.parametrize("login", ["wangbo", "admin"])
def test_units_and_admins_do_not_register_reports(desk, login):
    with pytest.raises(PermissionDenied):
        create_case(desk, desk.actor(login), standard_draft())


def test_unknown_login_is_refused(desk):
    with pytest.raises(PermissionDenied) as refused:
        desk.actor("nobody")
    assert "nobody" in refused.value.message()
