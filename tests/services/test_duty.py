"""Shifts, the roster and the handover sheet: sections counted as they were, one sheet per
shift, acknowledged by one officer of each side, readable afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.duty import DEFAULT_SHIFTS, shift_at
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.services import duty, police
from dutydesk.services.cases import create_case
from dutydesk.services.police import TransferDraft
from tests.services.helpers import standard_draft


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize("moment,shift,day", [
    (_at(23, 8, 29), "night", 22), (_at(23, 8, 30), "day", 23), (_at(23, 17, 29), "day", 23),
    (_at(23, 17, 30), "night", 23), (_at(24, 2, 0), "night", 23),
])
def test_a_moment_falls_in_one_shift_which_may_run_past_midnight(moment, shift, day):
    found = shift_at(moment, DEFAULT_SHIFTS)
    assert (found.shift.code, found.day) == (shift, dt.date(2026, 11, day))


def _roster(desk):
    chief = desk.actor("zhaolei")
    duty.set_roster(desk, chief, dt.date(2026, 11, 23), "day", ["zhaolei", "liuyang"],
                    "zhaolei")
    duty.set_roster(desk, chief, dt.date(2026, 11, 23), "night", ["zhaolei", "chenjing"],
                    "zhaolei")


def test_only_the_chief_sets_a_roster_of_desk_staff(desk):
    with pytest.raises(PermissionDenied):
        duty.set_roster(desk, desk.actor("liuyang"), dt.date(2026, 11, 23), "day",
                        ["liuyang"], "liuyang")
    with pytest.raises(ValidationFailed):  # a unit liaison is not desk staff
        duty.set_roster(desk, desk.actor("zhaolei"), dt.date(2026, 11, 23), "day",
                        ["zhaolei", "wangbo"], "zhaolei")
    with pytest.raises(ValidationFailed):  # the chief must be a duty chief
        duty.set_roster(desk, desk.actor("zhaolei"), dt.date(2026, 11, 23), "day",
                        ["liuyang"], "liuyang")


def test_the_sheet_counts_what_is_open_and_stays_as_it_was(desk, clock):
    _roster(desk)
    officer = desk.actor("liuyang")
    create_case(desk, officer, standard_draft(summary="本班新登记的一件"))
    police.receive_transfer(desk, officer, TransferDraft(
        "H1", dt.datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ), "楼下噪音"))
    clock.set(_at(23, 17, 0))
    handover_id = duty.hand_over(desk, officer)
    detail = duty.handover_detail(desk, officer, handover_id)
    sheet = detail.sheet
    assert sheet["new"]["count"] == 1 and sheet["new"]["items"][0][1] == "本班新登记的一件"
    assert sheet["transfers"]["count"] == 1 and "H1" in sheet["transfers"]["items"][0][1]
    assert sheet["red_disputes"]["count"] == 0
    with pytest.raises(ValidationFailed):  # one sheet a shift
        duty.hand_over(desk, officer)
    create_case(desk, officer, standard_draft(summary="交班后又来一件"))
    assert duty.handover_detail(desk, officer, handover_id).sheet["new"]["count"] == 1


def test_one_officer_of_each_side_acknowledges(desk, clock):
    _roster(desk)
    clock.set(_at(23, 17, 0))
    handover_id = duty.hand_over(desk, desk.actor("liuyang"))
    with pytest.raises(PermissionDenied):  # community staff do not take the desk's shifts
        duty.acknowledge(desk, desk.actor("huangxia"), handover_id)
    duty.acknowledge(desk, desk.actor("liuyang"), handover_id)  # outgoing (day shift)
    with pytest.raises(ValidationFailed):  # the outgoing side has acknowledged
        duty.acknowledge(desk, desk.actor("liuyang"), handover_id)
    duty.acknowledge(desk, desk.actor("chenjing"), handover_id)  # incoming (night shift)
    row = duty.handover_page(desk, desk.actor("zhaolei")).rows[0]
    assert (row.outgoing, row.incoming) == ("刘洋", "陈静")


def test_an_officer_on_neither_shift_cannot_acknowledge(desk, clock):
    chief = desk.actor("zhaolei")
    duty.set_roster(desk, chief, dt.date(2026, 11, 23), "day", ["zhaolei", "liuyang"],
                    "zhaolei")
    duty.set_roster(desk, chief, dt.date(2026, 11, 23), "night", ["zhaolei"], "zhaolei")
    clock.set(_at(23, 17, 0))
    handover_id = duty.hand_over(desk, desk.actor("liuyang"))
    with pytest.raises(ValidationFailed):
        duty.acknowledge(desk, desk.actor("chenjing"), handover_id)


def test_the_sheet_names_what_is_still_claimed_and_by_whom(desk, clock):
    from dutydesk.services import claims

    _roster(desk)
    officer = desk.actor("liuyang")
    kept = create_case(desk, officer, standard_draft(summary="刘洋手上的一件"))
    lapsed = create_case(desk, officer, standard_draft(summary="早已放下的一件"))
    transfer = police.receive_transfer(desk, officer, TransferDraft(
        "H2", dt.datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ), "楼下噪音"))
    clock.set(_at(23, 15, 0))
    claims.claim(desk, officer, f"case:{lapsed}")
    clock.set(_at(23, 16, 45))  # the first claim has lapsed by the end of the shift
    claims.claim(desk, officer, f"case:{kept}")
    claims.claim(desk, desk.actor("chenjing"), f"transfer:{transfer}")
    clock.set(_at(23, 17, 0))
    sheet = duty.handover_detail(desk, officer, duty.hand_over(desk, officer)).sheet
    assert sheet["claimed"] == {"count": 2, "items": [[kept, "刘洋：刘洋手上的一件"],
                                                      [transfer, "陈静：H2 楼下噪音"]]}
