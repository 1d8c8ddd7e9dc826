"""The 110 desk's steps, timers and refusals, and the import of the 110 system's export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.police import TRANSFER_TRANSITIONS, TransferState, danger_terms
from dutydesk.errors import InvalidTransition, PermissionDenied, StaleWrite, ValidationFailed
from dutydesk.scenario.demo import seed_dir
from dutydesk.services import police
from dutydesk.services.police import TransferDraft
from dutydesk.services.police_import import ImportRefused, import_file
from dutydesk.store.models import Case, Event, PoliceTransfer
from tests.services.helpers import event_count

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL

SAMPLES = seed_dir() / "samples"


def _draft(number="J001", summary="楼上装修噪音持续到深夜", **changes) -> TransferDraft:
    values = dict(number=number, called_at=dt.datetime(2026, 11, 23, 9, 40, tzinfo=LOCAL_TZ),
                  summary=summary, caller="刘先生", phone="13908571111",
                  address="康乐南路58号", station="黄土坡派出所", category_110="噪音扰民")
    values.update(changes)
    return TransferDraft(**values)


def _result(desk, case_id) -> None:
    """The case diverted from a call gets its result (直接办结): 110 may now be told."""
    from dutydesk.domain.lifecycle import Action
    from tests.services.helpers import do

    do(desk, case_id, Action.RESOLVE)


def _transfer(desk, transfer_id) -> PoliceTransfer:
    with desk.db.read() as s:
        return s.get(PoliceTransfer, transfer_id)


def test_the_table_has_one_row_and_key_per_step():
    keys = [tr.key for tr in TRANSFER_TRANSITIONS]
    assert len(keys) == len(set(keys)) == len({tr.action for tr in TRANSFER_TRANSITIONS})


def test_sign_divert_and_feed_back_with_their_timers(desk, clock):
    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft())
    received = _transfer(desk, transfer_id)
    assert received.state == TransferState.WAITING.value
    assert received.sign_due_at == clock.now() + dt.timedelta(minutes=10)
    clock.advance(dt.timedelta(minutes=12))
    police.sign(desk, officer, transfer_id)
    with desk.db.read() as s:
        signed = json.loads(s.exec(select(Event.payload).where(Event.action == "sign")).one())
    assert signed["late"] is True  # 12 minutes: past the 10-minute limit
    routing = police.transfer_detail(desk, officer, transfer_id).routing
    assert (routing.node_code, routing.category_code) == ("KLNL", "noise")
    assert routing.unit_codes and set(routing.unit_codes) <= {"CGJ", "PCS"}
    before = event_count(desk)
    case_id = police.divert(desk, officer, transfer_id, "KLNL-01", "noise")
    assert event_count(desk) == before + 1
    with desk.db.read() as s:
        case = s.get(Case, case_id)
        event = s.exec(select(Event).order_by(Event.id.desc())).first()
    assert (case.channel, case.state, case.summary) == ("police_110", "accepted",
                                                         "楼上装修噪音持续到深夜")
    assert event.case_id == case_id and event.action == "divert"  # the case's timeline starts
    diverted = _transfer(desk, transfer_id)
    assert diverted.feedback_due_at is None  # no result yet: only the first contact's clock
    assert police.transfer_detail(desk, officer, transfer_id).row.deadline.due_at \
        == clock.now() + dt.timedelta(hours=1)
    clock.advance(dt.timedelta(hours=3))
    _result(desk, case_id)
    assert _transfer(desk, transfer_id).feedback_due_at == clock.now() + dt.timedelta(hours=24)
    police.feedback(desk, officer, transfer_id, "已协调装修方停工，居民满意")
    assert _transfer(desk, transfer_id).state == TransferState.FED_BACK.value


def test_joint_handling_chosen_at_divert_is_offered_at_dispatch(desk):
    """分流 records the lead and co-units; 立案 stays the duty chief's; 派单 offers them until
    the case is dispatched."""
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.queue import case_detail
    from tests.services.helpers import do

    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft())
    police.sign(desk, officer, transfer_id)
    case_id = police.divert(desk, officer, transfer_id, "KLNL-01", "noise",
                            lead_unit_code="CGJ", co_unit_codes=["PCS", "WYGS", "PCS"])
    with desk.db.read() as s:
        payload = json.loads(s.exec(select(Event.payload).where(Event.action == "divert")).one())
    assert payload["routing"] == {"lead": "CGJ", "co": ["PCS", "WYGS"]}
    assert payload["lead_unit"] == "区城管执法局"
    assert case_detail(desk, officer, case_id).planned_units is None  # 立案 first
    do(desk, case_id, Action.FILE)
    assert case_detail(desk, officer, case_id).planned_units == ("CGJ", ["PCS", "WYGS"])
    do(desk, case_id, Action.DISPATCH, lead_unit_code="CGJ", co_unit_codes=["PCS"])
    assert case_detail(desk, officer, case_id).planned_units is None


@pytest.mark.parametrize("lead,co,field", [
    ("", ["PCS"], "lead_unit"),  # co-units need a lead
    ("CGJ", ["CGJ"], "co_units"),  # the lead is not its own co-unit
    ("NOPE", [], "lead_unit"),
])
def test_bad_joint_handling_is_refused_and_writes_nothing(desk, lead, co, field):
    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft())
    police.sign(desk, officer, transfer_id)
    before = event_count(desk)
    with pytest.raises(ValidationFailed) as refused:
        police.divert(desk, officer, transfer_id, "KLNL-01", "noise", lead_unit_code=lead,
                      co_unit_codes=co)
    assert field in refused.value.fields
    assert event_count(desk) == before
    assert _transfer(desk, transfer_id).state == "signed"


def test_a_diverted_case_names_the_110_steps_on_its_timeline(desk):
    from dutydesk.services.queue import case_detail
    from dutydesk.tui.widgets._case_detail import timeline_lines

    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft())
    police.sign(desk, officer, transfer_id)
    case_id = police.divert(desk, officer, transfer_id, "KLNL-01", "noise")
    police.contact(desk, officer, transfer_id, "已告知报警人由社区处理")
    _result(desk, case_id)
    police.feedback(desk, officer, transfer_id, "已处理")
    text = "\n".join(line.plain for line in timeline_lines(
        case_detail(desk, officer, case_id).timeline))
    assert "分流" in text and "联系报警人" in text and "反馈110" in text and "⟨" not in text


def test_sending_back_needs_a_reason_and_ends_it(desk):
    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft())
    before = event_count(desk)
    with pytest.raises(ValidationFailed):
        police.send_back(desk, officer, transfer_id, "  ")
    assert event_count(desk) == before
    police.send_back(desk, officer, transfer_id, "涉及人身伤害，属警务")
    returned = _transfer(desk, transfer_id)
    assert (returned.state, returned.return_reason) == ("returned", "涉及人身伤害，属警务")
    with pytest.raises(InvalidTransition):
        police.sign(desk, officer, transfer_id)


def test_a_dangerous_summary_needs_confirmation_and_a_reason_both_recorded(desk):
    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft(summary="夫妻争吵，女方称要跳楼"))
    assert json.loads(_transfer(desk, transfer_id).danger) == ["跳楼"]
    police.sign(desk, officer, transfer_id)
    with pytest.raises(ValidationFailed):
        police.divert(desk, officer, transfer_id, "KLNL-01", "family_dispute")
    with pytest.raises(ValidationFailed):
        police.divert(desk, officer, transfer_id, "KLNL-01", "family_dispute",
                      confirm_danger=True)
    police.divert(desk, officer, transfer_id, "KLNL-01", "family_dispute",
                  confirm_danger=True, reason="民警已到场处置完毕，转社区调解")
    with desk.db.read() as s:
        payload = json.loads(s.exec(select(Event.payload).where(Event.action == "divert")).one())
    assert payload["danger"] == ["跳楼"] and payload["confirmed"] is True
    assert payload["reason"] == "民警已到场处置完毕，转社区调解"


def test_only_the_desk_works_transfers_and_stale_steps_are_refused(desk):
    transfer_id = police.receive_transfer(desk, desk.actor("liuyang"), _draft())
    for login in ("wangbo", "huangxia", "admin"):
        with pytest.raises(PermissionDenied):
            police.sign(desk, desk.actor(login), transfer_id)
    seen = _transfer(desk, transfer_id).version
    police.sign(desk, desk.actor("chenjing"), transfer_id)
    with pytest.raises(StaleWrite) as refused:
        police.send_back(desk, desk.actor("liuyang"), transfer_id, "x", expected_version=seen)
    assert "陈静" in refused.value.message()


def test_a_duplicate_number_is_refused_when_entered_by_hand(desk):
    police.receive_transfer(desk, desk.actor("liuyang"), _draft())
    with pytest.raises(ValidationFailed):
        police.receive_transfer(desk, desk.actor("liuyang"), _draft())


def test_danger_terms_in_list_order():
    assert danger_terms("持刀打人，有人流血", ("打人", "持刀", "血")) == ["打人", "持刀", "血"]
    assert danger_terms("噪音扰民", ("打人",)) == []
    assert danger_terms("两人持刀对峙", ("持刀", "刀", "血")) == ["持刀"]  # 刀 is inside 持刀


# -- import -----------------------------------------------------------------------------------

def _count(desk) -> int:
    with desk.db.read() as s:
        return s.exec(select(func.count()).select_from(PoliceTransfer)).one()


@pytest.mark.parametrize("sample", ["110-export.csv", "110-export-gb18030.csv",
                                    "110-export.jsonl", "110-export.xlsx"])
def test_the_samples_import_and_reimport_adds_nothing(desk, sample):
    officer = desk.actor("liuyang")
    first = import_file(desk, officer, SAMPLES / sample)
    assert first.added >= 2 and first.already_present == 0
    again = import_file(desk, officer, SAMPLES / sample)
    assert (again.added, again.already_present) == (0, first.added)
    assert _count(desk) == first.added


def test_a_utf8_bom_csv_and_an_xlsx_with_date_cells(desk, tmp_path):
    import xlsxwriter

    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff".encode() + (SAMPLES / "110-export.csv").read_bytes())
    assert import_file(desk, desk.actor("liuyang"), bom).added == 3
    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for column, header in enumerate(["简要警情", "其他", "警情编号", "接警时间", "联系电话"]):
        sheet.write(0, column, header)
    sheet.write(1, 0, "小区门口有人违停")
    sheet.write(1, 2, "X9001")
    sheet.write_datetime(1, 3, dt.datetime(2026, 11, 24, 21, 5), dates)
    sheet.write_number(1, 4, 13908576666)  # a phone typed as a number
    sheet.write(2, 0, "楼道灯坏了")
    sheet.write(2, 2, "X9002")
    sheet.write(2, 3, "2026/11/24 22:10")
    book.close()
    assert import_file(desk, desk.actor("liuyang"), path).added == 2
    with desk.db.read() as s:
        first = s.exec(select(PoliceTransfer).where(PoliceTransfer.number == "X9001")).one()
    assert first.called_at.astimezone(LOCAL_TZ) == dt.datetime(2026, 11, 24, 21, 5,
                                                               tzinfo=LOCAL_TZ)
    assert first.phone == "+8613908576666"


def test_a_bad_file_is_refused_whole_with_every_line_column_and_reason(desk, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "警情编号,接警时间,简要警情,联系电话\n"
        "A1,2026-11-24 21:05:00,好的一条,\n"
        "A2,昨天晚上,时间坏了,\n"
        ",2026-11-24 21:06:00,没有编号,\n"
        "A1,2026-11-24 21:07:00,编号重复,\n"
        "A5,2026-11-24 21:08:00,电话过长,%s\n" % ("1" * 60), "utf-8")  # kept as given: not so
    before = (_count(desk), event_count(desk))
    with pytest.raises(ImportRefused) as refused:
        import_file(desk, desk.actor("liuyang"), path)
    text = refused.value.message()
    for expected in ("第 3 行「接警时间」", "第 4 行「警情编号」", "第 5 行「警情编号」",
                     "第 6 行「联系电话」"):
        assert expected in text, text
    assert "第 2 行「" not in text  # the good row
    assert (_count(desk), event_count(desk)) == before


def test_an_imported_transfer_shows_its_arrival_on_its_timeline(desk):
    officer = desk.actor("liuyang")
    import_file(desk, officer, SAMPLES / "110-export.csv")
    with desk.db.read() as s:
        first = s.exec(select(PoliceTransfer).order_by(PoliceTransfer.id)).first()
    police.sign(desk, officer, first.id)
    timeline = police.transfer_detail(desk, officer, first.id).timeline
    assert [e.action for e in timeline] == ["import_110", "sign"]
    assert timeline[0].payload["source"] == "110-export.csv"


def test_a_file_changed_between_the_check_and_the_write_writes_nothing(desk, tmp_path,
                                                                     monkeypatch):
    from dutydesk.services import police_import

    path = tmp_path / "moving.csv"
    path.write_text("警情编号,接警时间,简要警情\nM1,2026-11-24 21:05,好\nM2,坏时间,坏\n", "utf-8")
    monkeypatch.setattr(police_import, "check_file", lambda desk, path: 2)  # "it was fine"
    before = (_count(desk), event_count(desk))
    with pytest.raises(ImportRefused) as refused:
        import_file(desk, desk.actor("liuyang"), path)
    assert "改动" in refused.value.message()
    assert (_count(desk), event_count(desk)) == before


@pytest.mark.parametrize("content,expected", [
    (b"", "没有警情"),
    ("报警人,地址\n张三,某地\n".encode(), "缺少列「警情编号」"),
    (b"{not json}\n", "第 1 行"),
])
def test_unusable_files_are_refused_with_a_sentence(desk, tmp_path, content, expected):
    path = tmp_path / ("f.jsonl" if content.startswith(b"{") else "f.csv")
    path.write_bytes(content)
    with pytest.raises(ImportRefused) as refused:
        import_file(desk, desk.actor("liuyang"), path)
    assert expected in refused.value.message()


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".jsonl", ".xlsx"]))
def test_arbitrary_bytes_never_crash_and_never_write(desk, tmp_path_factory, data, suffix):
    path: Path = tmp_path_factory.mktemp("fuzz") / f"in{suffix}"
    path.write_bytes(data)
    before = (_count(desk), event_count(desk))
    try:
        import_file(desk, desk.actor("liuyang"), path)
    except ImportRefused:
        assert (_count(desk), event_count(desk)) == before
    else:  # only a file of valid rows may be written
        assert _count(desk) >= before[0]


def test_figures_count_in_sql_and_share_needs_the_period_total(desk, clock):
    officer = desk.actor("liuyang")
    today = clock.now().astimezone(LOCAL_TZ).date()
    ids = [police.receive_transfer(desk, officer, _draft(number=f"F{i}")) for i in range(4)]
    police.sign(desk, officer, ids[0])
    _result(desk, police.divert(desk, officer, ids[0], "KLNL-01", "noise"))
    police.feedback(desk, officer, ids[0], "已处理")
    clock.advance(dt.timedelta(minutes=30))  # late for the next sign-for
    police.sign(desk, officer, ids[1])
    police.send_back(desk, officer, ids[2], "属警务")
    figures = police.police_figures(desk, today, today)
    assert (figures.received, figures.diverted, figures.returned) == (4, 1, 1)
    assert (figures.signed, figures.signed_on_time) == (2, 1)
    assert (figures.fed_back, figures.fed_back_on_time) == (1, 1)
    assert figures.share is None  # no total recorded: no share, never a made-up one
    police.record_call_total(desk, officer, today, today, 16)
    assert police.police_figures(desk, today, today).share == 1 / 16  # 分流 ÷ all calls
    with pytest.raises(ValidationFailed):
        police.record_call_total(desk, officer, today, today - dt.timedelta(days=1), 5)


def test_feedback_is_drafted_from_the_case_and_exported(desk, clock, tmp_path):
    import csv

    from python_calamine import CalamineWorkbook

    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.police_export import export_feedback
    from tests.services.helpers import do

    officer = desk.actor("liuyang")
    since = clock.now()
    transfer_id = police.receive_transfer(desk, officer, _draft())
    police.sign(desk, officer, transfer_id)
    case_id = police.divert(desk, officer, transfer_id, "CJW-02", "canal")
    for action in (Action.FILE, Action.DISPATCH, Action.ACKNOWLEDGE, Action.REPLY):
        do(desk, case_id, action)
    text = police.draft_feedback(desk, transfer_id)
    assert f"工单 {case_id}" in text and "已处理" in text  # the unit's 回告 result
    police.feedback(desk, officer, transfer_id, text)
    for name in ("out.csv", "out.jsonl", "out.xlsx"):
        assert export_feedback(desk, desk.actor("liuyang"), since, tmp_path / name) == 1
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "警情编号" and rows[1][0] == "J001" and rows[1][4] == text
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel's BOM
    line = json.loads((tmp_path / "out.jsonl").read_text("utf-8"))
    assert line["警情编号"] == "J001" and line["是否按时反馈"] == "是"
    sheet = CalamineWorkbook.from_path(str(tmp_path / "out.xlsx")).get_sheet_by_index(0)
    assert sheet.to_python()[1][0] == "J001"


def test_one_transfer_exports_alone_and_the_share_uses_the_latest_period(desk, clock,
                                                                         tmp_path):
    from dutydesk.services.police_export import export_feedback

    officer = desk.actor("liuyang")
    ids = []
    for number in ("E1", "E2"):
        ids.append(police.receive_transfer(desk, officer, _draft(number=number)))
        police.sign(desk, officer, ids[-1])
        _result(desk, police.divert(desk, officer, ids[-1], "KLNL-01", "noise"))
        police.feedback(desk, officer, ids[-1], f"{number} 已处理")
    assert export_feedback(desk, desk.actor("liuyang"), None, tmp_path / "one.jsonl", ids[1]) == 1
    assert json.loads((tmp_path / "one.jsonl").read_text("utf-8"))["警情编号"] == "E2"
    assert police.latest_period(desk) is None
    today = clock.now().astimezone(LOCAL_TZ).date()
    police.record_call_total(desk, officer, today - dt.timedelta(days=40),
                             today - dt.timedelta(days=10), 100)
    police.record_call_total(desk, officer, today.replace(day=1), today, 8)
    period = police.latest_period(desk)
    assert period == (today.replace(day=1), today)
    assert police.police_figures(desk, *period).share == 0.25  # two diverted of eight


def test_the_board_sections_page_and_count(desk, clock):
    from dutydesk.domain.lifecycle import Action
    from dutydesk.domain.police import Section
    from tests.services.helpers import do

    officer = desk.actor("liuyang")
    ids = []
    for i in range(5):
        ids.append(police.receive_transfer(desk, officer, _draft(number=f"S{i}")))
        clock.advance(dt.timedelta(minutes=1))
    police.sign(desk, officer, ids[0])
    police.sign(desk, officer, ids[1])
    case_id = police.divert(desk, officer, ids[1], "CJW-02", "canal")
    police.send_back(desk, officer, ids[2], "属警务")
    counts = police.section_counts(desk, officer)
    assert counts == {Section.WAITING: 2, Section.TO_DIVERT: 1, Section.IN_HAND: 1,
                      Section.FEEDBACK_DUE: 0, Section.DONE: 1}
    waiting = police.transfer_page(desk, officer, Section.WAITING, limit=1)
    assert [r.id for r in waiting.rows] == [ids[4]] and waiting.has_after
    older = police.transfer_page(desk, officer, Section.WAITING, after=waiting.rows[0].cursor)
    assert [r.id for r in older.rows] == [ids[3]]
    do(desk, case_id, Action.FILE)
    do(desk, case_id, Action.DISPATCH)
    do(desk, case_id, Action.ACKNOWLEDGE)
    do(desk, case_id, Action.REPLY)
    do(desk, case_id, Action.VERIFY)
    do(desk, case_id, Action.CLOSE)
    due = police.transfer_page(desk, officer, Section.FEEDBACK_DUE)
    assert [(r.id, r.case_state) for r in due.rows] == [(ids[1], "closed")]
    detail = police.transfer_detail(desk, officer, ids[1])
    assert "办结" in detail.draft_feedback
    assert [tr.action.value for tr in detail.actions] == ["contact", "feedback"]
    assert [e.action for e in detail.timeline] == ["receive_110", "sign", "divert"]
    with pytest.raises(PermissionDenied):
        police.transfer_page(desk, desk.actor("wangbo"), Section.WAITING)


def test_a_section_of_two_states_pages_in_one_order_both_ways(desk, clock):
    """已反馈 and 已退回 merge into one newest-first list; transfers received at the same
    moment (one import) are ordered by id."""
    from dutydesk.domain.police import Section

    officer = desk.actor("liuyang")
    ids = []
    for i in range(7):
        ids.append(police.receive_transfer(desk, officer, _draft(number=f"D{i}")))
        if i % 3:
            clock.advance(dt.timedelta(minutes=1))  # some share a moment
    for i, transfer_id in enumerate(ids):
        if i % 2:
            police.send_back(desk, officer, transfer_id, "属警务")
        else:
            police.sign(desk, officer, transfer_id)
            _result(desk, police.divert(desk, officer, transfer_id, "KLNL-01", "noise"))
            police.feedback(desk, officer, transfer_id, "已处理")
    pages, page = [], police.transfer_page(desk, officer, Section.DONE, limit=2)
    pages.append(page)
    while page.has_after:
        page = police.transfer_page(desk, officer, Section.DONE, limit=2,
                                    after=page.rows[-1].cursor)
        pages.append(page)
    forward = [r.id for p in pages for r in p.rows]
    assert forward == sorted(ids, key=lambda i: (_transfer(desk, i).created_at, i),
                             reverse=True)
    for p in pages:  # a page's place: how many of the section lie above its first row
        assert police.transfers_above(desk, officer, Section.DONE, p.rows[0].cursor) == \
            forward.index(p.rows[0].id)
    back = police.transfer_page(desk, officer, Section.DONE, limit=2,
                                before=pages[-1].rows[0].cursor)
    assert [r.id for r in back.rows] == [r.id for r in pages[-2].rows]


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(list(TRANSFER_TRANSITIONS)),
                                st.integers(0, 600)), max_size=15))
def test_any_sequence_of_steps_follows_the_table(desk, clock, steps):
    from dutydesk.domain.police import TransferAction
    from dutydesk.errors import DutyDeskError

    officer = desk.actor("liuyang")
    base = _count(desk)
    ids = [police.receive_transfer(desk, officer, _draft(number=f"H{base}-{i}"))
           for i in range(3)]
    expected = {i: TransferState.WAITING for i in ids}
    events = event_count(desk)
    run = {
        TransferAction.SIGN: lambda i: police.sign(desk, officer, i),
        # (the diverted case gets its result at once: feedback's own guard is tested apart)
        TransferAction.DIVERT: lambda i: _result(
            desk, police.divert(desk, officer, i, "KLNL-01", "noise")),
        TransferAction.SEND_BACK: lambda i: police.send_back(desk, officer, i, "属警务"),
        TransferAction.CONTACT: lambda i: police.contact(desk, officer, i, "告知进展"),
        TransferAction.FEEDBACK: lambda i: police.feedback(desk, officer, i, "已处理"),
    }
    for index, transition, minutes in steps:
        clock.advance(dt.timedelta(minutes=minutes))
        transfer_id = ids[index]
        try:
            run[transition.action](transfer_id)
        except DutyDeskError:
            assert expected[transfer_id] not in transition.sources
            continue
        assert expected[transfer_id] in transition.sources
        expected[transfer_id] = transition.target
        events += 2 if transition.action is TransferAction.DIVERT else 1  # and its 直接办结
    for transfer_id, state in expected.items():
        assert _transfer(desk, transfer_id).state == state.value
    assert event_count(desk) == events


# -- issue 15: 110 rules ---------------------------------------------------------------------

def test_figures_count_by_the_time_of_the_call_and_the_share_is_of_diverted(desk, clock):
    """Ten calls made at 23:50 on 11-30 and imported at 08:40 on 12-01 are November's."""
    officer = desk.actor("liuyang")
    clock.set(dt.datetime(2026, 12, 1, 8, 40, tzinfo=LOCAL_TZ))
    called = dt.datetime(2026, 11, 30, 23, 50, tzinfo=LOCAL_TZ)
    ids = [police.receive_transfer(desk, officer, _draft(number=f"N{i}", called_at=called))
           for i in range(10)]
    for transfer_id in ids[:6]:
        police.sign(desk, officer, transfer_id)
        police.divert(desk, officer, transfer_id, "KLNL-01", "noise")
    police.send_back(desk, officer, ids[6], "属警务")
    police.record_call_total(desk, officer, dt.date(2026, 11, 1), dt.date(2026, 11, 30), 100)
    november = police.police_figures(desk, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert (november.received, november.diverted, november.returned) == (10, 6, 1)
    assert november.share == 0.06  # 分流 ÷ all calls: the one sent back is not in it
    december = police.police_figures(desk, dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert december.received == 0


def test_the_board_shows_when_the_public_called(desk, clock):
    from dutydesk.domain.police import Section

    officer = desk.actor("liuyang")
    clock.set(dt.datetime(2026, 11, 23, 13, 10, tzinfo=LOCAL_TZ))
    called = dt.datetime(2026, 11, 23, 12, 0, tzinfo=LOCAL_TZ)
    transfer_id = police.receive_transfer(desk, officer, _draft(called_at=called))
    row = police.transfer_page(desk, officer, Section.WAITING).rows[0]
    assert (row.called_at, row.created_at) == (called, clock.now())
    assert police.transfer_detail(desk, officer, transfer_id).row.called_at == called


def test_the_feedback_export_lists_every_decided_transfer(desk, clock, tmp_path):
    import csv

    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.police_export import export_feedback
    from tests.services.helpers import do

    officer = desk.actor("liuyang")
    since = clock.now()
    returned = police.receive_transfer(desk, officer, _draft(number="R1", summary="扬言轻生"))
    police.send_back(desk, officer, returned, "有轻生风险，属警务")
    diverted = police.receive_transfer(desk, officer, _draft(number="D1"))
    police.sign(desk, officer, diverted)
    case_id = police.divert(desk, officer, diverted, "CJW-02", "canal")
    for action in (Action.FILE, Action.DISPATCH, Action.ACKNOWLEDGE, Action.REPLY):
        do(desk, case_id, action)
    police.feedback(desk, officer, diverted, "已清理")
    police.receive_transfer(desk, officer, _draft(number="W1"))  # not decided: not listed
    assert export_feedback(desk, officer, since, tmp_path / "out.csv") == 2
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, *body = rows
    by_number = {row[0]: dict(zip(header, row)) for row in body}
    assert by_number["R1"]["处置方式"] == "退回110"
    assert by_number["R1"]["处置结果"] == "有轻生风险，属警务"
    assert by_number["D1"]["处置方式"] == "分流"
    assert by_number["D1"]["承办单位"] == "区水务局"
    assert by_number["D1"]["处置结果"] == "已清理"


DANGER = [
    "邻居扬言要喝农药", "男子在阳台要上吊", "女子割腕后被家人发现", "他说要杀了邻居全家",
    "楼道里燃气泄漏味道很重", "有人落水在河边呼救", "八岁孩子走失两小时", "老人被困电梯",
    "丈夫持刀威胁妻子", "两伙人在烧烤摊打架", "醉汉殴打路人", "有人扬言跳楼讨薪",
    "年轻人在桥上准备跳河", "厨房起火冒烟", "仓库着火", "出租屋煤气味刺鼻",
    "男子吞药后昏迷", "妻子长期遭受家暴", "有人持械聚集", "工地发生爆炸",
    "小孩在水库溺水", "母亲称女儿失踪", "有人抢劫小卖部", "前夫砸门闯入",
    "讨债人员掐脖子", "劳资纠纷工人扬言同归于尽", "被刀砍伤流血不止", "女儿说不想活了要轻生",
    "邻居天然气泄漏", "男子持枪在小区游荡", "他拿刀追着邻居", "有人服毒自杀",
]
NOT_DANGER = [
    "老人血压高需要帮助联系家属", "刀削面馆油烟扰民", "物业砍树未经业主同意", "小孩玩水枪弄湿路人",
    "宠物狗走失请求帮助寻找", "楼上打架子鼓太吵", "商铺火灾隐患请求检查", "楼下烧烤噪音扰民",
    "路灯不亮", "井盖缺失", "小区停车位被占", "广场舞音响太大", "楼顶漏水", "垃圾清运不及时",
    "装修噪音持续到深夜", "物业费纠纷", "工资拖欠三个月", "网购退货被拒",
    "邻居在楼道堆放杂物", "下水道堵塞", "流浪狗扰民", "违规搭建彩钢瓦",
    "饭店排污进河道", "共享单车乱停", "商户占道经营", "树枝遮挡信号灯",
    "献血车停在人行道上", "电焊枪火花溅到车上", "猫走失三天", "邻居借菜刀不还",
    "小区水压不足", "砍价不成发生口角",
]


def test_danger_words_are_phrases_not_characters(desk):
    rules = desk.settings.police
    assert len(DANGER) >= 30 and len(NOT_DANGER) >= 30
    missed = [s for s in DANGER
              if not danger_terms(s, rules.danger_terms, rules.danger_exclusions)]
    raised = {s: danger_terms(s, rules.danger_terms, rules.danger_exclusions)
              for s in NOT_DANGER}
    assert missed == []
    assert {s: found for s, found in raised.items() if found} == {}


@pytest.mark.parametrize("given", ["139****1111", "8221234", "13908571111 13908572222"])
def test_an_unverifiable_caller_number_is_kept_as_given_and_marked(desk, tmp_path, given):
    path = tmp_path / "night.csv"
    path.write_text("警情编号,接警时间,简要警情,联系电话\n"
                    f"U1,2026-11-23 09:00,楼下噪音,{given}\n"
                    "U2,2026-11-23 09:05,路灯不亮,13908573333\n", encoding="utf-8")
    import_file(desk, desk.actor("liuyang"), path)
    with desk.db.read() as s:
        kept = s.exec(select(PoliceTransfer).where(PoliceTransfer.number == "U1")).one()
    assert kept.phone == given
    detail = police.transfer_detail(desk, desk.actor("liuyang"), kept.id)
    assert detail.phone_masked.endswith("（未核验）") and detail.phone_masked[:-6] != given
    from dutydesk.services.privacy import reveal_caller
    assert reveal_caller(desk, desk.actor("liuyang"), kept.id, "回电核实") == given + "（未核验）"


def test_a_column_named_twice_refuses_the_file(desk, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("警情编号,接警时间,简要警情,简要警情\nT1,2026-11-23 09:00,噪音,路灯\n",
                    encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        import_file(desk, desk.actor("liuyang"), path)
    assert "简要警情" in refused.value.message() and "两次" in refused.value.message()
    lines = tmp_path / "twice.jsonl"
    lines.write_text('{"警情编号": "T2", "接警时间": "2026-11-23 09:00", "简要警情": "噪音", '
                     '"简要警情": "路灯"}\n', encoding="utf-8")
    with pytest.raises(ImportRefused):
        import_file(desk, desk.actor("liuyang"), lines)
    assert _count(desk) == 0


def test_a_call_signed_for_but_not_decided_has_a_timer(desk, clock):
    from dutydesk.domain.deadlines import DeadlineState

    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft())
    police.sign(desk, officer, transfer_id)
    deadline = police.transfer_detail(desk, officer, transfer_id).row.deadline
    assert deadline.kind == "decide" and deadline.due_at == clock.now() + dt.timedelta(minutes=30)
    clock.advance(dt.timedelta(minutes=31))
    assert police.transfer_detail(desk, officer, transfer_id).row.deadline.state \
        is DeadlineState.OVERDUE


def test_two_feedback_clocks_contact_from_divert_result_from_the_result(desk, clock):
    """A unit finishing on time in three days leaves the transfer on time: the 24 hours run
    from the result; before it only interim contact is possible, and feedback finishes it."""
    from dutydesk.domain.deadlines import DeadlineState
    from dutydesk.domain.lifecycle import Action
    from tests.services.helpers import do

    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft())
    police.sign(desk, officer, transfer_id)
    case_id = police.divert(desk, officer, transfer_id, "CJW-02", "canal")
    deadline = police.transfer_detail(desk, officer, transfer_id).row.deadline
    assert (deadline.kind, deadline.due_at) == ("contact", clock.now() + dt.timedelta(hours=1))
    clock.advance(dt.timedelta(minutes=40))
    police.contact(desk, officer, transfer_id, "已告知报警人由区水务局处理")
    assert police.transfer_detail(desk, officer, transfer_id).row.deadline is None
    with pytest.raises(ValidationFailed) as refused:  # only 受理: no result to feed back
        police.feedback(desk, officer, transfer_id, "目前已受理")
    assert "尚无处置结果" in refused.value.message()
    assert [a.action.value for a in
            police.transfer_detail(desk, officer, transfer_id).actions] == ["contact"]
    for action in (Action.FILE, Action.DISPATCH, Action.ACKNOWLEDGE):
        do(desk, case_id, action)
    clock.advance(dt.timedelta(days=3))
    police.contact(desk, officer, transfer_id, "单位正在处理")  # an interim note, any time
    do(desk, case_id, Action.REPLY)  # the result is known now
    deadline = police.transfer_detail(desk, officer, transfer_id).row.deadline
    assert deadline.kind == "feedback" and deadline.state is DeadlineState.ON_TIME
    assert deadline.due_at == clock.now() + dt.timedelta(hours=24)
    assert "已处理" in police.draft_feedback(desk, transfer_id)
    police.feedback(desk, officer, transfer_id, police.draft_feedback(desk, transfer_id))
    fed_back = _transfer(desk, transfer_id)
    assert fed_back.state == TransferState.FED_BACK.value and fed_back.contacted_at is not None
    with desk.db.read() as s:
        contacts = s.exec(select(Event.payload).where(Event.action == "contact")
                          .order_by(Event.id)).all()
    assert [json.loads(p)["first"] for p in contacts] == [True, False]


@pytest.mark.parametrize("category_110,summary,expected", [
    ("消费纠纷", "商户拒绝退还预付卡余额", {"SCJGJ"}),
    ("劳资纠纷", "工地拖欠三名工人工资", {"RSJ", "SFS"}),
    ("噪音扰民", "楼上装修噪音持续到深夜", {"CGJ"}),
    ("非警务求助", "独居老人求助", {"MZJ"}),
])
def test_routing_defaults_a_centre_would_expect(desk, category_110, summary, expected):
    """消费纠纷 → 市场监管局 (12315), 劳资 → 人社局 (劳动监察); a call diverted away from the
    police never suggests 派出所."""
    officer = desk.actor("liuyang")
    transfer_id = police.receive_transfer(desk, officer, _draft(
        summary=summary, category_110=category_110, address="康乐南路58号"))
    police.sign(desk, officer, transfer_id)
    routing = police.transfer_detail(desk, officer, transfer_id).routing
    assert set(routing.unit_codes) == expected


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_feedback_file_holds_no_live_formula_and_masks_numbers(desk, clock, tmp_path,
                                                                   suffix):
    """An imported 警情编号 or a typed reason starting `=`, `+`, `-`, `@` is text in the
    spreadsheet, never a formula or a link; a phone written into the text is masked."""
    import csv

    from dutydesk.services.police_export import export_feedback

    officer = desk.actor("liuyang")
    since = clock.now()
    hostile = {"=HYPERLINK(\"http://x\",\"y\")": "=cmd|' /C calc'!A0",
               "+J2": "@SUM(1+1) 请回电 13908579999", "-J3": "-2+3 身份证 520201198001010012"}
    for number, reason in hostile.items():
        transfer = police.receive_transfer(desk, officer, _draft(number=number))
        police.send_back(desk, officer, transfer, reason)
    out = tmp_path / f"out{suffix}"
    assert export_feedback(desk, officer, since, out) == 3
    if suffix == ".csv":
        with open(out, encoding="utf-8-sig", newline="") as f:
            cells = [cell for row in list(csv.reader(f))[1:] for cell in row]
    else:
        import openpyxl

        sheet = openpyxl.load_workbook(out).active
        cells = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
        assert all(c.data_type != "f" and c.hyperlink is None
                   for row in sheet.iter_rows() for c in row)
    texts = [str(c) for c in cells if c not in (None, "")]
    if suffix == ".csv":
        assert not any(c.startswith(("=", "+", "-", "@")) for c in texts)
    assert not any("13908579999" in c or "520201198001010012" in c for c in texts)
    assert any("139****9999" in c for c in texts)


def test_a_hostile_json_lines_file_is_refused_by_line(desk, tmp_path):
    """A 5,000-digit number, 100,000 nested brackets and a list where text belongs are each
    refused with their line — no traceback, nothing stored as a Python repr."""
    import json

    good = json.dumps(dict(zip(
        ("警情编号", "接警时间", "报警人", "联系电话", "发生地址", "管辖派出所", "警情类别", "简要警情"),
        ("J9", "2026-11-23 09:40", "刘先生", "13908571111", "康乐南路58号", "黄土坡派出所",
         "噪音扰民", "楼上装修噪音"))), ensure_ascii=False)
    lines = [good, good.replace('"J9"', "1" * 5000), "[" * 20_000,
             good.replace('"J9"', '"J10"').replace('"楼上装修噪音"', '["a", "b"]'),
             "[" * 100_000]
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    before = _count(desk)
    with pytest.raises(ImportRefused) as refused:
        import_file(desk, desk.actor("liuyang"), path)
    problems = refused.value.problems
    assert [p.split("「")[0] for p in problems] == ["第 2 行", "第 3 行", "第 4 行", "第 5 行"]
    assert "ValueError" in problems[0] and "RecursionError" in problems[1]
    assert "「简要警情」应为文字" in problems[2] and "64 KB" in problems[3]
    assert _count(desk) == before


BOMB_CHECK = """
import resource, sys, time
from pathlib import Path
from dutydesk.clock import SystemClock
from dutydesk.services.context import Desk
from dutydesk.services.police_import import ImportRefused, import_file
from dutydesk.store.engine import Database
desk = Desk(Database.open(sys.argv[1]), SystemClock())
started = time.monotonic()
try:
    import_file(desk, desk.actor("liuyang"), Path(sys.argv[2]))
    print("IMPORTED")
except ImportRefused as exc:
    print("REFUSED", exc.message().splitlines()[1])
# The peak of this process's own memory: VmHWM belongs to the program exec'd (ru_maxrss is
# kept across exec, so it would report the forking test worker's size).
status = Path("/proc/self/status")
peak = next((int(line.split()[1]) for line in status.read_text().splitlines()
             if line.startswith("VmHWM:")), None) if status.exists() else None
print(time.monotonic() - started,
      (peak or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) // 1024)
"""


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_at_once(db_path, tmp_path):
    """A few MB on disk, 200 MB unpacked: refused from the zip's directory, in under 5 s and
    300 MB of memory (it took 117 s and 2.56 GB)."""
    import subprocess
    import sys
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<worksheet><dimension ref="A1:A1"/><sheetData>')
            for _ in range(200_000_000 // len(row)):
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
    assert bomb.stat().st_size < 5_000_000
    said = subprocess.run([sys.executable, "-c", BOMB_CHECK, str(db_path), str(bomb)],
                          capture_output=True, text=True, timeout=60).stdout.split("\n")
    assert said[0].startswith("REFUSED") and "150 MB" in said[0]
    seconds, megabytes = said[1].split()
    assert float(seconds) < 5 and int(megabytes) < 300
