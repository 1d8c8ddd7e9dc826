"""Disputes: grading by the checklist and its overrides, the red downgrade rule, parties with
validated phones and ID numbers, mediation sessions, outcomes and the 司法确认 window, 吹哨
and 报到, a family dispute's stages — each step one event, a refused one none."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.disputes import (
    DEFAULT_CHECKLIST, BadAmount, Colour, format_amount, parse_amount,
    suggest_colour,
)
from dutydesk.errors import PermissionDenied, ValidationFailed
from dutydesk.services import disputes
from dutydesk.services.cases import create_case
from dutydesk.services.disputes import DisputeDraft, MediationDraft, PartyDraft
from dutydesk.store.models import Dispute, DisputeParty, Event, Officer, Whistle
from tests.services.helpers import event_count, standard_draft

pytestmark = pytest.mark.both_engines

GOOD_ID = "11010519491231002X"  # a valid check digit and birth date


@pytest.fixture
def case_id(desk) -> int:
    return create_case(desk, desk.actor("liuyang"), standard_draft(
        summary="邻居装修渗水，协商未果", category_code="neighbour_dispute"))


def _draft(**changes) -> DisputeDraft:
    values = dict(type="neighbour", parties=[
        PartyDraft("applicant", "张桂兰", "13908571234", GOOD_ID),
        PartyDraft("respondent", "李明", "", "")], factors=[], people="2", amount="3,500.50")
    values.update(changes)
    return DisputeDraft(**values)


def _dispute(desk, case_id) -> Dispute:
    with desk.db.read() as s:
        return s.get(Dispute, case_id)


def _last_event(desk) -> Event:
    with desk.db.read() as s:
        return s.exec(select(Event).order_by(Event.id.desc())).first()


@pytest.mark.parametrize("factor", DEFAULT_CHECKLIST, ids=lambda f: f.code)
def test_each_checked_factor_suggests_its_colour(desk, case_id, factor):
    disputes.record(desk, desk.actor("liuyang"), case_id, _draft(factors=[factor.code]))
    assert _dispute(desk, case_id).colour == factor.colour.value


def test_no_factor_is_blue_and_red_outranks_yellow():
    assert suggest_colour([], DEFAULT_CHECKLIST) is Colour.BLUE
    assert suggest_colour(["large_sum", "group"], DEFAULT_CHECKLIST) is Colour.RED
    assert suggest_colour(["flare_ups"], DEFAULT_CHECKLIST) is Colour.YELLOW


def test_the_record_holds_parties_people_and_an_exact_amount(desk, case_id):
    before = event_count(desk)
    disputes.record(desk, desk.actor("liuyang"), case_id, _draft())
    assert event_count(desk) == before + 1
    dispute = _dispute(desk, case_id)
    assert (dispute.type, dispute.colour, dispute.people, dispute.amount_fen) == (
        "neighbour", "blue", 2, 350050)
    with desk.db.read() as s:
        parties = s.exec(select(DisputeParty).order_by(DisputeParty.id)).all()
    assert [(p.role, p.name, p.phone, p.id_number) for p in parties] == [
        ("applicant", "张桂兰", "+8613908571234", GOOD_ID), ("respondent", "李明", "", "")]
    event = _last_event(desk)
    assert event.action == "record" and json.loads(event.payload)["suggested"] == "blue"


@pytest.mark.parametrize("party,field", [
    (PartyDraft("applicant", "张三", "", "110105194912310021"), "party.0.id_number"),  # check digit
    (PartyDraft("applicant", "张三", "", "110105194913310025"), "party.0.id_number"),  # month 13
    (PartyDraft("applicant", "张三", "12345", ""), "party.0.phone"),
    (PartyDraft("applicant", "", "13908571234", ""), "party.0.name"),
    (PartyDraft("respondent", "李四", "", ""), "parties"),  # no applicant
])
def test_bad_parties_are_refused_by_field_and_nothing_written(desk, case_id, party, field):
    before = event_count(desk)
    with pytest.raises(ValidationFailed) as refused:
        disputes.record(desk, desk.actor("liuyang"), case_id, _draft(parties=[party]))
    assert field in refused.value.fields
    assert event_count(desk) == before and _dispute(desk, case_id) is None


def test_overriding_the_suggestion_needs_a_reason_kept_in_the_event(desk, case_id):
    officer = desk.actor("liuyang")
    with pytest.raises(ValidationFailed) as refused:
        disputes.record(desk, officer, case_id, _draft(colour="yellow"))
    assert "reason" in refused.value.fields
    disputes.record(desk, officer, case_id, _draft(colour="yellow", reason="双方情绪激动"))
    payload = json.loads(_last_event(desk).payload)
    assert (payload["colour"], payload["suggested"], payload["reason"]) == (
        "yellow", "blue", "双方情绪激动")


def test_a_red_dispute_is_lowered_only_by_the_duty_chief(desk, case_id):
    officer, chief = desk.actor("liuyang"), desk.actor("zhaolei")
    disputes.record(desk, officer, case_id, _draft(factors=["violence"]))
    assert _dispute(desk, case_id).colour == "red"
    before = event_count(desk)
    with pytest.raises(PermissionDenied):
        disputes.regrade(desk, officer, case_id, [], reason="已平息")
    assert event_count(desk) == before and _dispute(desk, case_id).colour == "red"
    disputes.regrade(desk, chief, case_id, [], reason="双方已和解，威胁解除")
    assert _dispute(desk, case_id).colour == "blue"
    payload = json.loads(_last_event(desk).payload)
    assert (payload["from_colour"], payload["colour"]) == ("red", "blue")
    disputes.regrade(desk, officer, case_id, ["flare_ups"])  # raising needs no chief
    assert _dispute(desk, case_id).colour == "yellow"
    history = [json.loads(e.payload) for e in _events(desk, case_id, ("record", "regrade"))]
    assert [h["colour"] for h in history] == ["red", "blue", "yellow"]


def _events(desk, case_id, actions) -> list[Event]:
    with desk.db.read() as s:
        return s.exec(select(Event).where(Event.case_id == case_id,
                                          Event.action.in_(actions)).order_by(Event.id)).all()


def test_only_dispute_cases_get_a_record_and_units_do_not_record(desk):
    officer = desk.actor("liuyang")
    rubbish = create_case(desk, officer, standard_draft())
    with pytest.raises(ValidationFailed):
        disputes.record(desk, officer, rubbish, _draft())
    case_id = create_case(desk, officer, standard_draft(category_code="family_dispute"))
    with pytest.raises(PermissionDenied):
        disputes.record(desk, desk.actor("wangbo"), case_id, _draft(type="family"))
    with pytest.raises(PermissionDenied):  # another community's staff
        disputes.record(desk, desk.actor("zhoujp"), case_id, _draft(type="family"))


def test_a_mediation_session_is_kept_and_names_the_mediator(desk, case_id, clock):
    officer = desk.actor("liuyang")
    disputes.record(desk, officer, case_id, _draft())
    today = clock.now().astimezone(LOCAL_TZ).date()
    with pytest.raises(ValidationFailed) as refused:
        disputes.record_mediation(desk, officer, case_id, MediationDraft(
            today + dt.timedelta(days=1), "曹家湾社区调解室", "on_site", "agreed"))
    assert "held_on" in refused.value.fields
    disputes.record_mediation(desk, officer, case_id, MediationDraft(
        today, "曹家湾社区调解室", "on_site", "partial", "双方及楼栋长", "约定下周复谈"))
    assert _dispute(desk, case_id).mediator == "曹家湾社区调解室"
    assert _last_event(desk).action == "mediate"


def test_an_agreement_opens_the_confirmation_window_and_confirmation_ends_it(desk, case_id,
                                                                          clock):
    officer = desk.actor("liuyang")
    disputes.record(desk, officer, case_id, _draft())
    today = clock.now().astimezone(LOCAL_TZ).date()
    disputes.record_outcome(desk, officer, case_id, "mediated", agreement_on=today)
    assert _dispute(desk, case_id).confirm_due_on == today + dt.timedelta(days=30)
    with pytest.raises(ValidationFailed) as refused:
        disputes.record_outcome(desk, officer, case_id, "court_confirmed")
    assert {"court", "court_on"} <= set(refused.value.fields)
    disputes.record_outcome(desk, officer, case_id, "court_confirmed", court="钟山区人民法院",
                            court_on=today, applied_on=today)
    dispute = _dispute(desk, case_id)
    assert (dispute.outcome, dispute.confirm_due_on, dispute.court) == (
        "court_confirmed", None, "钟山区人民法院")
    with pytest.raises(ValidationFailed):  # ended: no further outcome, no mediation
        disputes.record_outcome(desk, officer, case_id, "failed")


def test_departments_called_in_must_report_by_their_deadline(desk, case_id, clock):
    officer = desk.actor("liuyang")
    disputes.record(desk, officer, case_id, _draft())
    with pytest.raises(ValidationFailed):
        disputes.whistle(desk, officer, case_id, ["SWJ"], "")
    disputes.whistle(desk, officer, case_id, ["SWJ", "ZJJ"], "渗水涉及管网与房屋质量")
    with pytest.raises(ValidationFailed) as refused:
        disputes.whistle(desk, officer, case_id, ["SWJ"], "再次吹哨")
    assert "区水务局" in refused.value.fields["units"]
    with desk.db.read() as s:
        calls = s.exec(select(Whistle).order_by(Whistle.id)).all()
    assert len(calls) == 2 and calls[0].due_at > clock.now()
    with pytest.raises(PermissionDenied):  # 区城管执法局's liaison for 区水务局
        disputes.report_in(desk, desk.actor("lihua"), case_id, "SWJ", "已到场")
    clock.advance(dt.timedelta(days=7))
    disputes.report_in(desk, desk.actor("wangbo"), case_id, "SWJ", "已到场勘查管网")
    assert json.loads(_last_event(desk).payload)["late"] is True
    disputes.report_in(desk, officer, case_id, "ZJJ", "电话报到：已安排鉴定")  # the desk, for it
    with desk.db.read() as s:
        assert all(c.reported_at is not None for c in s.exec(select(Whistle)))


def test_a_family_dispute_moves_through_its_stages_by_the_work_done(desk, clock):
    """推送 at 建档, 化解 with a mediation, 关注 once resolved, 回访 with the plan's first
    revisit — no free switch, and never back."""
    from dutydesk.domain.disputes import DISPUTE_STEPS, DisputeAction
    from dutydesk.services import revisits
    from dutydesk.store.models import Revisit

    assert DisputeAction.STAGE not in {step.action for step in DISPUTE_STEPS}
    officer = desk.actor("liuyang")
    case_id = create_case(desk, officer, standard_draft(category_code="family_dispute"))
    disputes.record(desk, officer, case_id, _draft(type="family"))
    stages = [_dispute(desk, case_id).stage]
    today = clock.now().astimezone(LOCAL_TZ).date()
    disputes.record_mediation(desk, officer, case_id, MediationDraft(
        today, "心理咨询团队", "on_site", "agreed"))
    stages.append(_dispute(desk, case_id).stage)
    disputes.record_outcome(desk, officer, case_id, "mediated", agreement_on=today)
    stages.append(_dispute(desk, case_id).stage)
    assert json.loads(_last_event(desk).payload)["stage"] == "watching"
    with desk.db.read() as s:
        revisit = s.exec(select(Revisit).where(Revisit.case_id == case_id)).one()
    revisits.record_revisit(desk, officer, revisit.id, "phone", "stable")
    stages.append(_dispute(desk, case_id).stage)
    assert stages == ["pushed", "resolving", "watching", "revisiting"]
    disputes.record(desk, officer, case_id, _draft(type="family"))  # an amendment: not back
    assert _dispute(desk, case_id).stage == "revisiting"


def test_a_stale_record_is_refused(desk, case_id):
    from dutydesk.errors import StaleWrite

    officer = desk.actor("liuyang")
    disputes.record(desk, officer, case_id, _draft())
    seen = _dispute(desk, case_id).version
    disputes.regrade(desk, desk.actor("zhaolei"), case_id, ["flare_ups"])
    with pytest.raises(StaleWrite):
        disputes.regrade(desk, officer, case_id, ["group"], expected_version=seen)


@given(st.text(max_size=30))
def test_any_amount_text_is_parsed_exactly_or_refused(raw):
    try:
        fen = parse_amount(raw)
    except BadAmount:
        return
    if fen is not None:
        assert fen >= 0 and parse_amount(format_amount(fen)) == fen


@given(st.integers(0, 10**13))
def test_amounts_round_trip_through_their_display(fen):
    assert parse_amount(format_amount(fen)) == fen


def test_masks_keep_the_configured_ends_and_a_fixed_line_its_zero():
    """DOMAIN: ID first 1 and last 2 by default, phone 3+****+4; configurable; a fixed line is
    shown as dialled at home (0858…, not 858…)."""
    from dutydesk.domain.personal import Masks, mask_id_number, mask_phone, normalise_phone

    assert mask_id_number(GOOD_ID) == "1" + "*" * 15 + "2X"
    assert mask_id_number(GOOD_ID, Masks(id_head=6, id_tail=4)) == "110105********002X"
    assert mask_phone(normalise_phone("13908571234")) == "139****1234"
    fixed = normalise_phone("0858-8221234")
    assert mask_phone(fixed) == "085****1234"
    assert mask_phone(fixed, Masks(phone_head=4, phone_tail=2)) == "0858*****34"


def test_the_masks_come_from_the_settings(tmp_path):
    import shutil

    from dutydesk.errors import DutyDeskError
    from dutydesk.config.reading import read_configuration
    from dutydesk.scenario.demo import seed_dir

    folder = tmp_path / "seed"
    shutil.copytree(seed_dir(), folder)
    settings = folder / "settings.toml"
    settings.write_text(settings.read_text("utf-8").replace("id_mask = [1, 2]",
                                                            "id_mask = [6, 4]"), "utf-8")
    assert read_configuration(folder, demo=False).settings.masks.id_head == 6
    settings.write_text(settings.read_text("utf-8").replace("id_mask = [6, 4]",
                                                            "id_mask = [6]"), "utf-8")
    with pytest.raises(DutyDeskError, match="id_mask"):
        read_configuration(folder, demo=False)


def test_the_table_has_one_key_per_step():
    from dutydesk.domain.disputes import DISPUTE_STEPS

    keys = [step.key for step in DISPUTE_STEPS]
    assert len(keys) == len(set(keys)) == len({step.action for step in DISPUTE_STEPS})


@pytest.mark.parametrize("login", ["liuyang", "zhaolei", "huangxia", "wangbo"])
def test_random_steps_keep_the_rules(desk, case_id, login):
    """Whatever the order of steps and who tries them: a step writes one event or none, and a
    red dispute only leaves red by the duty chief's hand."""
    import random

    from dutydesk.errors import DutyDeskError

    rng = random.Random(login)
    disputes.record(desk, desk.actor("liuyang"), case_id, _draft(factors=["violence"]))
    today = dt.date(2026, 11, 23)
    tries = [
        lambda a: disputes.regrade(desk, a, case_id, rng.choice([[], ["group"], ["flare_ups"]]),
                                   reason=rng.choice(["", "理由"])),
        lambda a: disputes.record_mediation(desk, a, case_id, MediationDraft(
            today, "调解室", "phone", rng.choice(["agreed", "none"]))),
        lambda a: disputes.record_outcome(desk, a, case_id, rng.choice(
            ["mediated", "failed", "withdrawn"]), agreement_on=today),
        lambda a: disputes.whistle(desk, a, case_id, ["SWJ"], "请到场"),
        lambda a: disputes.report_in(desk, a, case_id, "SWJ", "已到场"),
    ]
    for _ in range(25):
        actor = desk.actor(rng.choice([login, "liuyang", "zhaolei"]))
        before_events, before = event_count(desk), _dispute(desk, case_id).colour
        try:
            rng.choice(tries)(actor)
        except DutyDeskError:
            assert event_count(desk) == before_events
            continue
        assert event_count(desk) == before_events + 1
        after = _dispute(desk, case_id).colour
        if before == "red" and after != "red":
            assert actor.login == "zhaolei"


def test_amending_the_record_keeps_phones_and_ids_left_empty(desk, case_id):
    officer = desk.actor("liuyang")
    disputes.record(desk, officer, case_id, _draft())
    disputes.record(desk, officer, case_id, _draft(parties=[
        PartyDraft("applicant", "张桂兰"), PartyDraft("respondent", "李明", "13908579999")]))
    with desk.db.read() as s:
        parties = s.exec(select(DisputeParty).order_by(DisputeParty.id)).all()
    assert [(p.name, p.phone, p.id_number) for p in parties] == [
        ("张桂兰", "+8613908571234", GOOD_ID), ("李明", "+8613908579999", "")]


# -- issue 15: facts are factors; only the chief grades below the checklist --------------------

def test_recorded_facts_are_factors_ticked_or_not(desk, case_id):
    disputes.record(desk, desk.actor("liuyang"), case_id,
                    _draft(people="30", amount="450,000", factors=[]))
    dispute = _dispute(desk, case_id)
    assert dispute.colour == "red"  # 30 people: 群体性
    assert set(json.loads(dispute.factors)) == {"group", "large_sum"}


@pytest.mark.parametrize("people,amount,colour", [
    ("4", "100,000", "blue"),  # under five people; the sum itself is not over the line
    ("5", "", "red"),
    ("2", "100,000.01", "yellow"),
])
def test_the_thresholds_of_the_facts(desk, case_id, people, amount, colour):
    disputes.record(desk, desk.actor("liuyang"), case_id, _draft(people=people, amount=amount))
    assert _dispute(desk, case_id).colour == colour


def test_only_the_chief_grades_below_the_checklist(desk, case_id):
    before = event_count(desk)
    for login in ("huangxia", "liuyang"):  # community staff and an officer: violence + group
        with pytest.raises(PermissionDenied) as refused:
            disputes.record(desk, desk.actor(login), case_id,
                            _draft(factors=["violence", "group"], colour="blue", reason="看似平静"))
        assert "值班长" in refused.value.message()
    assert event_count(desk) == before and _dispute(desk, case_id) is None
    disputes.record(desk, desk.actor("liuyang"), case_id, _draft(factors=["flare_ups"]))
    with pytest.raises(PermissionDenied):  # a violent yellow regraded blue by an officer
        disputes.regrade(desk, desk.actor("liuyang"), case_id, ["flare_ups"], colour="blue",
                         reason="已经好转")
    with pytest.raises(ValidationFailed):  # the chief may, with a reason
        disputes.regrade(desk, desk.actor("zhaolei"), case_id, ["flare_ups"], colour="blue")
    disputes.regrade(desk, desk.actor("zhaolei"), case_id, ["flare_ups"], colour="blue",
                     reason="三个月未再发作")
    assert _dispute(desk, case_id).colour == "blue"
    disputes.regrade(desk, desk.actor("liuyang"), case_id, [], colour="red",
                     reason="当事人扬言报复")  # raising: anyone, with a reason
    assert _dispute(desk, case_id).colour == "red"


def test_the_demos_group_dispute_is_the_chiefs_decision(demo_desk):
    with demo_desk.db.read() as s:
        rows = s.exec(select(Dispute, Event).join(Event, Event.case_id == Dispute.case_id)
                      .where(Dispute.people >= 5, Event.action.in_(("record", "regrade")))).all()
    assert rows
    for dispute, event in rows:
        payload = json.loads(event.payload)
        colour = Colour(payload["colour"])
        if colour.rank < Colour(payload["suggested"]).rank:
            with demo_desk.db.read() as s:
                assert s.get(Officer, event.actor_id).role == "duty_chief" and payload["reason"]


def test_whistle_on_any_hard_case_not_only_disputes(desk):
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(
        summary="小区楼顶违法加建，多部门职责交叉", category_code="illegal_building"))
    disputes.whistle(desk, desk.actor("liuyang"), case_id, ["ZJJ", "CGJ"], "需住建、城管联合到场")
    with desk.db.read() as s:
        called = s.exec(select(Whistle).where(Whistle.case_id == case_id)).all()
    assert len(called) == 2
    disputes.report_in(desk, desk.actor("liuyang"), case_id, "ZJJ", "已到场核实")
    with pytest.raises(ValidationFailed):  # the dispute's own steps stay the disputes'
        disputes.record(desk, desk.actor("liuyang"), case_id, _draft())


def test_confirmation_lateness_is_judged_on_the_application_and_skips_holidays(desk, case_id,
                                                                             clock):
    """An agreement of 1 September: thirty days end on 1 October, a holiday, so the window
    runs to the first working day after it; an application within it is on time even when the
    court decides later."""
    officer = desk.actor("liuyang")
    disputes.record(desk, officer, case_id, _draft())
    disputes.record_outcome(desk, officer, case_id, "mediated",
                            agreement_on=dt.date(2026, 9, 1))
    due = _dispute(desk, case_id).confirm_due_on
    calendar = desk.rules.calendar
    assert due > dt.date(2026, 10, 1) and calendar.is_working(due)
    assert not any(calendar.is_working(dt.date(2026, 10, 1) + dt.timedelta(days=n))
                   for n in range((due - dt.date(2026, 10, 1)).days))
    with pytest.raises(ValidationFailed) as refused:  # the application day is required
        disputes.record_outcome(desk, officer, case_id, "court_confirmed", court="钟山区人民法院",
                                court_on=due + dt.timedelta(days=3))
    assert "applied_on" in refused.value.fields
    disputes.record_outcome(desk, officer, case_id, "court_confirmed", court="钟山区人民法院",
                            applied_on=due, court_on=due + dt.timedelta(days=3))
    payload = json.loads(_last_event(desk).payload)
    assert (payload["applied_on"], payload["late"]) == (due.isoformat(), False)
    assert _dispute(desk, case_id).applied_on == due
