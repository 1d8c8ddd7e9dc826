"""Text from people is hostile: control characters never stored, limits refused with a message
(never cut), scope side doors closed, and the clock read under the write lock."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.domain.text import clean_text, printable
from dutydesk.errors import PermissionDenied, StaleWrite, ValidationFailed
from dutydesk.services.cases import ActionInput, create_case, perform
from dutydesk.services.queue import QueueFilter, View, queue_page
from dutydesk.store.models import Case, Event, Officer
from tests.services.helpers import case_row, do, event_count, new_case_in, standard_draft

pytestmark = pytest.mark.both_engines

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x00\x9b31m\u202e"


def test_control_characters_are_stripped_before_storing(desk):
    officer = desk.actor("liuyang")
    case_id = create_case(desk, officer, standard_draft(
        summary=f"井盖{ESCAPES}丢失", reporter_name=f"张{ESCAPES}三", address=f"北渠\t{ESCAPES}桥"))
    case = case_row(desk, case_id)
    assert case.summary == "井盖[2J]0;pwned]52;c;ZXZpbA==31m丢失"
    assert case.reporter_name == "张[2J]0;pwned]52;c;ZXZpbA==31m三"
    for text in (case.summary, case.reporter_name, case.address, case.search_text):
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text), text
    do(desk, case_id, Action.REJECT, reason=f"重复\x1b[31m{ESCAPES}")
    with desk.db.read() as s:
        payload = s.exec(select(Event.payload).where(Event.case_id == case_id)
                         .order_by(Event.id.desc())).first()
    assert "\\u001b" not in payload and "\x1b" not in payload


def test_printable_shows_controls_as_pictures():
    assert printable("a\x1b[2Jb") == "a␛[2Jb"
    assert printable("line\nnext") == "line⏎next"
    assert printable("line\nnext", multiline=True) == "line\nnext"
    assert printable("\x9b\u202e") == "��"
    assert printable("普通文本") == "普通文本"


@given(st.text(max_size=200))
def test_cleaned_text_never_holds_a_control_character(raw):
    for multiline in (False, True):
        cleaned = clean_text(raw, multiline=multiline)
        assert not any(ord(c) < 32 and c != "\n" for c in cleaned)
        assert not any(0x7F <= ord(c) <= 0x9F for c in cleaned)
        assert multiline or "\n" not in cleaned
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in printable(cleaned))


@pytest.mark.parametrize("field,limit", [("summary", 500), ("address", 200),
                                         ("reporter_name", 50)])
def test_an_over_long_field_is_refused_whole_not_cut(desk, field, limit):
    before = event_count(desk)
    with pytest.raises(ValidationFailed) as refused:
        create_case(desk, desk.actor("liuyang"), standard_draft(**{field: "长" * (limit + 1)}))
    assert str(limit) in refused.value.fields[field]
    assert str(limit + 1) in refused.value.fields[field]  # how long it was, too
    assert event_count(desk) == before
    create_case(desk, desk.actor("liuyang"), standard_draft(**{field: "长" * limit}))


def test_a_megabyte_address_is_refused_without_taking_the_write_lock(desk, monkeypatch):
    def no_lock():
        raise AssertionError("the write lock was taken for a refused input")

    monkeypatch.setattr(desk.db, "write", no_lock)
    with pytest.raises(ValidationFailed):
        create_case(desk, desk.actor("liuyang"), standard_draft(address="路" * 1_000_000))
    with pytest.raises(ValidationFailed):
        perform(desk, desk.actor("liuyang"), 1, Action.REJECT, ActionInput(reason="x" * 10**6))


def test_a_huge_phone_is_refused_and_echoed_short(desk):
    with pytest.raises(ValidationFailed) as refused:
        create_case(desk, desk.actor("liuyang"), standard_draft(reporter_phone="[/]" * 10_000))
    assert len(refused.value.fields["reporter_phone"]) < 120


def test_foreign_phone_numbers_are_valid(desk):
    case_id = create_case(desk, desk.actor("liuyang"),
                          standard_draft(reporter_phone="+852 6123 4567"))
    assert case_row(desk, case_id).reporter_phone == "+85261234567"


def test_search_caps_the_term(desk):
    actor = desk.actor("zhaolei")
    with pytest.raises(ValidationFailed):
        queue_page(desk, actor, QueueFilter(view=View.ALL, search="噪" * 101))
    queue_page(desk, actor, QueueFilter(view=View.ALL, search="噪" * 100))


def test_search_by_summary_initials_case_number_and_phone_tail(desk):
    officer = desk.actor("liuyang")
    noisy = create_case(desk, officer, standard_draft(summary="夜间噪音扰民",
                                                     reporter_phone="13908575678"))
    create_case(desk, officer, standard_draft(summary="其他事项", reporter_phone="13908571111"))

    def found(term):
        page = queue_page(desk, desk.actor("zhaolei"), QueueFilter(view=View.ALL, search=term))
        return {r.id for r in page.rows}

    assert noisy in found("zy")
    assert found("5678") == {noisy}
    assert found(str(noisy)) >= {noisy}
    assert "13908575678" not in case_row(desk, noisy).search_text  # only the last four


def test_events_are_in_the_order_of_their_times(desk, clock):
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft())
    do(desk, case_id, Action.ACCEPT)
    with desk.db.read() as s:
        events = s.exec(select(Event).order_by(Event.id)).all()
    assert [e.at for e in events] == sorted(e.at for e in events)


# -- scope side doors ---------------------------------------------------------------------------

def test_accept_cannot_move_a_case_out_of_the_officers_reach(desk):
    case_id = new_case_in(desk, CaseState.NEW)
    before = event_count(desk)
    with pytest.raises(PermissionDenied):
        do(desk, case_id, Action.ACCEPT, node_code="ZSQ")  # the district: above the street
    assert case_row(desk, case_id).state == CaseState.NEW.value
    assert event_count(desk) == before


def _case_outside_the_street(desk) -> int:
    with desk.db.write() as s:
        template = s.get(Case, new_case_in(desk, CaseState.NEW))
        other = Case(**{k: v for k, v in template.model_dump().items()
                        if k not in ("id", "version")})
        other.street_id, other.community_id, other.node_id = None, None, 1
        s.add(other)
        s.flush()
        return other.id


def test_merge_cannot_target_a_case_the_officer_cannot_see(desk):
    hidden = _case_outside_the_street(desk)
    case_id = new_case_in(desk, CaseState.NEW)
    with pytest.raises(ValidationFailed):
        do(desk, case_id, Action.MERGE, merge_into=hidden)


@pytest.mark.parametrize("target", [2**70, 10**5000, 0, -3], ids=["2**70", "10**5000", "0", "-3"])
def test_merge_into_an_impossible_number_is_a_field_error(desk, target):
    case_id = new_case_in(desk, CaseState.NEW)
    with pytest.raises(ValidationFailed) as refused:
        do(desk, case_id, Action.MERGE, merge_into=target)
    assert "merge_into" in refused.value.fields
    assert len(refused.value.fields["merge_into"]) < 200


def test_a_deactivated_officer_cannot_act_from_an_open_session(desk):
    case_id = new_case_in(desk, CaseState.NEW)
    officer = desk.actor("liuyang")  # resolved at start-up, as a session does
    with desk.db.write() as s:
        s.exec(select(Officer).where(Officer.login == "liuyang")).one().active = False
    before = event_count(desk)
    with pytest.raises(PermissionDenied):
        create_case(desk, officer, standard_draft())
    with pytest.raises(PermissionDenied):
        perform(desk, officer, case_id, Action.REJECT, ActionInput(reason="x"))
    assert event_count(desk) == before


def test_admin_has_no_case_work(desk):
    new_case_in(desk, CaseState.NEW)
    admin = desk.actor("admin")
    assert queue_page(desk, admin, QueueFilter(view=View.ALL)).rows == []


def test_a_stale_acknowledge_after_a_return_says_what_changed(desk):
    case_id = new_case_in(desk, CaseState.DISPATCHED)
    version = case_row(desk, case_id).version
    do(desk, case_id, Action.RETURN)  # the unit's colleague returns it meanwhile
    with pytest.raises(StaleWrite):
        perform(desk, desk.actor("wangbo"), case_id, Action.ACKNOWLEDGE, ActionInput(),
                expected_version=version)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=600)
       | st.sampled_from(["[/]", "[/图片]", "[link=http://x]点我[/link]", "[bold red]红[/]",
                          "[@click=app.quit]退出[/]", ESCAPES]))
def test_arbitrary_text_through_create_action_and_search(desk, text):
    officer = desk.actor("liuyang")
    try:
        case_id = create_case(desk, officer, standard_draft(summary=text or "空",
                                                           reporter_name=text[:50]))
    except ValidationFailed:
        return
    try:
        do(desk, case_id, Action.REJECT, reason=text or "x")
    except ValidationFailed:
        pass
    try:
        queue_page(desk, desk.actor("zhaolei"), QueueFilter(view=View.ALL, search=text))
    except ValidationFailed:
        assert len(text) > 100


def test_huge_input_is_refused_in_bounded_memory(desk):
    import tracemalloc

    megabyte = "噪" * 1_000_000
    tracemalloc.start()
    try:
        for _ in range(3):
            with pytest.raises(ValidationFailed):
                create_case(desk, desk.actor("liuyang"), standard_draft(address=megabyte,
                                                                       summary=megabyte))
            with pytest.raises(ValidationFailed):
                queue_page(desk, desk.actor("zhaolei"), QueueFilter(view=View.ALL,
                                                                    search=megabyte))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 1024 * 1024  # a few copies of the input at most, never its pinyin
