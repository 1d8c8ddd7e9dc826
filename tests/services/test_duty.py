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

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def _at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize("moment,shift,day", [
    (_at(23, 8, 29), "night", 22), (_at(23, 8, 30), "day", 23), (_at(23, 17, 29), "day", 23),
    (_at(23, 17, 30), "night", 23), (_at(24, 2, 0), "night", 23),
])
def test_a_moment_falls_in_one_shift_which_may_run_past_midnight(moment, shift, day):
    found = shift_at(moment, DEFAULT_SHIFTS)
    assert (found.shift.code, found.day) == (shift, dt.date(2026, 11, day))


def _roster(desk, night: tuple[str, ...] | None = ("zhaolei", "chenjing")):
    """赵磊 chief of both shifts; 刘洋 on the day shift, the night's officers as given (None:
    no night roster)."""
    chief = desk.actor("zhaolei")
    duty.set_roster(desk, chief, dt.date(2026, 11, 23), "day", ["zhaolei", "liuyang"],
                    "zhaolei")
    if night is not None:
        duty.set_roster(desk, chief, dt.date(2026, 11, 23), "night", list(night), "zhaolei")


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
    _roster(desk, night=("zhaolei",))
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


# -- issue 15: the sheet's rules -------------------------------------------------------------

def _overdue_ids(desk, login="zhaolei"):
    from dutydesk.services.queue import QueueFilter, View, queue_page
    return {r.id for r in queue_page(desk, desk.actor(login), QueueFilter(view=View.OVERDUE),
                                     limit=500).rows}


def test_overdue_on_the_sheet_is_the_queues_overdue(desk, clock):
    from dutydesk.domain.lifecycle import Action, CaseState
    from tests.services.helpers import do, new_case_in

    _roster(desk)
    clock.set(_at(23, 9, 0))
    signed_on_time = new_case_in(desk, CaseState.DISPATCHED)
    clock.set(_at(23, 10, 0))
    do(desk, signed_on_time, Action.ACKNOWLEDGE)  # within the 签收时限; 办结 due days later
    never_signed = new_case_in(desk, CaseState.DISPATCHED)  # 签收 due 12:00, missed
    clock.set(_at(23, 15, 0))
    sheet = duty.handover_detail(desk, desk.actor("liuyang"),
                                 duty.hand_over(desk, desk.actor("liuyang"))).sheet
    listed = {item[0] for item in sheet["overdue"]["items"]}
    assert listed == _overdue_ids(desk) == {never_signed}
    assert sheet["overdue"]["count"] == 1


def test_a_sheet_made_just_after_the_shift_ends_is_the_outgoing_shifts(desk, clock):
    _roster(desk)
    clock.set(_at(23, 17, 35))  # five minutes into the night shift
    handover_id = duty.hand_over(desk, desk.actor("liuyang"))  # 刘洋 is on the day shift
    detail = duty.handover_detail(desk, desk.actor("liuyang"), handover_id)
    assert (detail.row.shift, detail.row.day) == ("day", dt.date(2026, 11, 23))
    clock.set(_at(24, 8, 20))  # the night shift's own sheet, before its end
    duty.set_roster(desk, desk.actor("zhaolei"), dt.date(2026, 11, 24), "day",
                    ["zhaolei", "liuyang"], "zhaolei")
    night = duty.hand_over(desk, desk.actor("chenjing"))
    assert duty.handover_detail(desk, desk.actor("chenjing"), night).row.shift == "night"


def test_only_the_outgoing_roster_or_the_chief_makes_the_sheet(desk, clock):
    _roster(desk)
    clock.set(_at(23, 17, 0))
    with pytest.raises(ValidationFailed) as refused:  # 陈静 is on the night shift only
        duty.hand_over(desk, desk.actor("chenjing"))
    assert "不在" in refused.value.message()
    duty.hand_over(desk, desk.actor("zhaolei"))


def test_two_different_people_acknowledge(desk, clock):
    _roster(desk)  # 赵磊 is on both shifts
    clock.set(_at(23, 17, 0))
    handover_id = duty.hand_over(desk, desk.actor("liuyang"))
    duty.acknowledge(desk, desk.actor("zhaolei"), handover_id)  # outgoing
    with pytest.raises(ValidationFailed) as refused:  # and not incoming as well
        duty.acknowledge(desk, desk.actor("zhaolei"), handover_id)
    assert "另一方" in refused.value.message()
    duty.acknowledge(desk, desk.actor("chenjing"), handover_id)
    row = duty.handover_page(desk, desk.actor("zhaolei")).rows[0]
    assert (row.outgoing, row.incoming) == ("赵磊", "陈静")


def test_the_chief_stands_in_for_a_missing_side_with_a_reason(desk, clock):
    chief = desk.actor("zhaolei")
    _roster(desk, night=None)
    clock.set(_at(23, 17, 0))
    handover_id = duty.hand_over(desk, desk.actor("liuyang"))
    duty.acknowledge(desk, desk.actor("liuyang"), handover_id)
    with pytest.raises(ValidationFailed):  # no night roster: the chief may stand in, with why
        duty.acknowledge(desk, chief, handover_id)
    duty.acknowledge(desk, chief, handover_id, reason="夜班人员临时病假")
    detail = duty.handover_detail(desk, chief, handover_id)
    assert detail.row.incoming == "赵磊"
    assert detail.timeline[-1].payload == {"side": "incoming", "stand_in": True,
                                           "reason": "夜班人员临时病假"}


def test_the_sheet_lists_what_awaits_the_next_shift(desk, clock):
    from dutydesk.domain.lifecycle import Action, CaseState
    from tests.services.helpers import do, new_case_in

    _roster(desk)
    officer = desk.actor("liuyang")
    clock.set(_at(23, 9, 0))
    extension = new_case_in(desk, CaseState.IN_PROGRESS)
    do(desk, extension, Action.REQUEST_EXTENSION)
    police.receive_transfer(desk, officer, TransferDraft(
        "H7", dt.datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ), "楼下噪音"))
    signed = police.receive_transfer(desk, officer, TransferDraft(
        "H8", dt.datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ), "占道经营"))
    police.sign(desk, officer, signed)
    clock.set(_at(23, 17, 0))
    handover_id = duty.hand_over(desk, officer, notes="北渠桥下的垃圾明早再看一次")
    sheet = duty.handover_detail(desk, officer, handover_id).sheet
    assert [item[0] for item in sheet["extensions"]["items"]] == [extension]
    assert sheet["transfers"]["count"] == 1 and "H7" in sheet["transfers"]["items"][0][1]
    assert sheet["to_divert"]["count"] == 1 and "H8" in sheet["to_divert"]["items"][0][1]
    assert sheet["notes"] == "北渠桥下的垃圾明早再看一次"
    for section in ("awaiting_chief", "late_report_in"):
        assert sheet[section] == {"count": 0, "items": []}
