"""认领: working a case claims it; another officer's live claim refuses their step (and the
refusal is logged); claims lapse when idle; the chief's steps are not held up, and the chief
may take a claim over with a reason, which tells its holder."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.services import claims
from dutydesk.services.cases import ActionInput, perform
from dutydesk.services.claims import ClaimHeld
from dutydesk.services.notices import notices_since
from dutydesk.store.models import Claim, Event
from tests.services.helpers import event_count, new_case_in, refusal_count

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def _urge(desk, login, case_id):
    return perform(desk, desk.actor(login), case_id, Action.URGE, ActionInput(note="督办"))


def _holder(desk, case_id):
    with desk.db.read() as s:
        row = s.get(Claim, f"case:{case_id}")
        return row.officer_id if row else None


def test_working_a_case_claims_it_and_holds_off_other_officers(desk, clock):
    case_id = new_case_in(desk, CaseState.DISPATCHED)  # liuyang worked it: it is hers
    assert _holder(desk, case_id) == desk.actor("liuyang").id
    before, refusals = event_count(desk), refusal_count(desk)
    with pytest.raises(ClaimHeld) as held:
        _urge(desk, "chenjing", case_id)
    assert "刘洋" in held.value.message() and event_count(desk) == before
    assert refusal_count(desk) == refusals + 1  # the attempt is on record
    _urge(desk, "zhaolei", case_id)  # the chief decides: never held up
    assert _holder(desk, case_id) == desk.actor("liuyang").id  # nor taking it by acting
    clock.advance(dt.timedelta(minutes=29))
    with pytest.raises(ClaimHeld):
        claims.claim(desk, desk.actor("chenjing"), f"case:{case_id}")
    clock.advance(dt.timedelta(minutes=31))  # left idle past the configured 30 minutes
    _urge(desk, "chenjing", case_id)
    assert _holder(desk, case_id) == desk.actor("chenjing").id


def test_claim_release_and_keep_alive(desk, clock):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    claims.release(desk, desk.actor("liuyang"), f"case:{case_id}")
    assert _holder(desk, case_id) is None
    with pytest.raises(ValidationFailed):
        claims.release(desk, desk.actor("liuyang"), f"case:{case_id}")  # none of hers
    claims.claim(desk, desk.actor("chenjing"), f"case:{case_id}")
    for _ in range(3):  # working it keeps it alive past the idle time from the claim
        clock.advance(dt.timedelta(minutes=20))
        _urge(desk, "chenjing", case_id)
    with pytest.raises(ClaimHeld):
        _urge(desk, "liuyang", case_id)
    for login in ("huangxia", "wangbo"):  # only the desk claims
        with pytest.raises(PermissionDenied):
            claims.claim(desk, desk.actor(login), f"case:{case_id}")


def test_a_units_own_steps_are_not_held_up(desk):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    perform(desk, desk.actor("wangbo"), case_id, Action.ACKNOWLEDGE, ActionInput())


def test_the_chief_takes_a_claim_over_with_a_reason_and_its_holder_is_told(desk, clock):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    chief, officer = desk.actor("zhaolei"), desk.actor("liuyang")
    with desk.db.read() as s:
        last = s.exec(select(Event.id).order_by(Event.id.desc())).first()
    with pytest.raises(ValidationFailed):
        claims.take_over(desk, chief, f"case:{case_id}", " ")
    with pytest.raises(PermissionDenied):
        claims.take_over(desk, desk.actor("chenjing"), f"case:{case_id}", "我来")
    claims.take_over(desk, chief, f"case:{case_id}", "刘洋下班，由值班长跟进")
    assert _holder(desk, case_id) == chief.id
    [notice] = notices_since(desk, officer, last)
    assert f"#{case_id}" in notice.text and "赵磊" in notice.text
    assert notices_since(desk, desk.actor("chenjing"), last) == []
    with pytest.raises(ClaimHeld):
        _urge(desk, "liuyang", case_id)
    with pytest.raises(ValidationFailed):
        claims.take_over(desk, chief, f"case:{case_id}", "再次")  # already the chief's


def test_the_detail_says_who_holds_it(desk, clock):
    from dutydesk.services.queue import case_detail

    case_id = new_case_in(desk, CaseState.DISPATCHED)
    detail = case_detail(desk, desk.actor("chenjing"), case_id)
    assert detail.hold is not None and detail.hold.officer_name == "刘洋"
    clock.advance(dt.timedelta(hours=1))
    assert case_detail(desk, desk.actor("chenjing"), case_id).hold is None  # lapsed


def test_a_110_call_is_claimed_by_working_it_and_taken_over_by_its_number(desk):
    import datetime as dt

    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.services import police

    transfer_id = police.receive_transfer(desk, desk.actor("liuyang"), police.TransferDraft(
        number="J321", called_at=dt.datetime(2026, 11, 23, 9, 0, tzinfo=LOCAL_TZ),
        summary="噪音", phone="13908571111"))
    with desk.db.read() as s:
        last = s.exec(select(Event.id).order_by(Event.id.desc())).first()
    police.sign(desk, desk.actor("liuyang"), transfer_id)
    with pytest.raises(ClaimHeld):
        police.send_back(desk, desk.actor("chenjing"), transfer_id, "非本辖区")
    detail = police.transfer_detail(desk, desk.actor("chenjing"), transfer_id)
    assert detail.hold.officer_name == "刘洋"
    claims.take_over(desk, desk.actor("zhaolei"), f"transfer:{transfer_id}", "紧急，值班长处理")
    [notice] = notices_since(desk, desk.actor("liuyang"), last)
    assert "J321" in notice.text and "赵磊" in notice.text
    with desk.db.read() as s:
        steps = [e.action for e in s.exec(select(Event).where(
            Event.subject == f"transfer:{transfer_id}").order_by(Event.id))]
    assert steps == ["receive_110", "sign", "take_over"]  # in the call's own timeline
