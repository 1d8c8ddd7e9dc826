"""The queue's keyset pages, views, filters, search and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dutydesk.domain.deadlines import LOCAL_TZ, DeadlineState
from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.errors import PermissionDenied
from dutydesk.services.cases import create_case
from dutydesk.services.queue import QueueFilter, View, case_detail, queue_count, queue_page
from tests.services.helpers import new_case_in, standard_draft

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def _walk(desk, actor, f, limit):
    page = queue_page(desk, actor, f, limit=limit)
    seen = [r.id for r in page.rows]
    pages = [page]
    while page.has_after:
        page = queue_page(desk, actor, f, after=page.rows[-1].cursor, limit=limit)
        seen += [r.id for r in page.rows]
        pages.append(page)
    return seen, pages


@pytest.mark.parametrize("limit", [1, 3, 7, 50])
def test_keyset_pages_cover_every_row_once_newest_first(demo_desk, limit):
    actor = demo_desk.actor("zhaolei")
    f = QueueFilter(view=View.ALL)
    seen, pages = _walk(demo_desk, actor, f, limit)
    assert len(seen) == len(set(seen)) == queue_count(demo_desk, actor, f)
    rows = [r for p in pages for r in p.rows]
    assert [r.cursor for r in rows] == sorted((r.cursor for r in rows),
                                              key=lambda c: (c.created_at, c.id), reverse=True)


@pytest.mark.parametrize("login", ["zhaolei", "liuyang", "chenjing"])
@pytest.mark.parametrize("view", list(View))
def test_a_rows_rank_is_how_many_rows_of_the_view_lie_above_it(demo_desk, login, view):
    """The position a list shows for a page it reloaded (newer rows may have come above it)."""
    actor = demo_desk.actor(login)
    f = QueueFilter(view=view)
    seen, pages = _walk(demo_desk, actor, f, 3)
    for page in pages:
        if page.rows:
            assert queue_count(demo_desk, actor, f, above=page.rows[0].cursor) == \
                seen.index(page.rows[0].id)


def test_paging_back_returns_the_previous_page(demo_desk):
    actor = demo_desk.actor("zhaolei")
    f = QueueFilter(view=View.ALL)
    first = queue_page(demo_desk, actor, f, limit=5)
    second = queue_page(demo_desk, actor, f, after=first.rows[-1].cursor, limit=5)
    back = queue_page(demo_desk, actor, f, before=second.rows[0].cursor, limit=5)
    assert [r.id for r in back.rows] == [r.id for r in first.rows]
    assert not back.has_before and second.has_before


def test_rows_with_equal_times_are_neither_lost_nor_repeated(desk):
    actor = desk.actor("liuyang")
    ids = {create_case(desk, actor, standard_draft(summary=f"同时 {i}")) for i in range(9)}
    seen, _ = _walk(desk, actor, QueueFilter(view=View.ALL), 2)
    assert set(seen) == ids and len(seen) == 9


def test_mine_follows_the_lifecycle_table(demo_desk):
    for login, states in {
        "liuyang": {"new", "accepted", "filed"},
        "zhaolei": {"new", "accepted", "filed", "verified", "in_progress"},  # + extensions
        "wangbo": {"dispatched", "in_progress"},
        "huangxia": {"replied"},
    }.items():
        actor = demo_desk.actor(login)
        rows = queue_page(demo_desk, actor, QueueFilter(view=View.MINE), limit=200).rows
        assert {r.state for r in rows} <= states, login


def test_extension_requests_wait_in_the_duty_chiefs_queue(demo_desk):
    rows = queue_page(demo_desk, demo_desk.actor("zhaolei"), QueueFilter(view=View.MINE),
                      limit=200).rows
    pending = [r for r in rows if r.extension_pending]
    assert pending and all(r.state == "in_progress" for r in pending)


def test_overdue_view_shows_only_late_open_cases(demo_desk):
    actor = demo_desk.actor("zhaolei")
    rows = queue_page(demo_desk, actor, QueueFilter(view=View.OVERDUE), limit=200).rows
    assert rows
    assert all(r.deadline is not None and r.deadline.state is DeadlineState.OVERDUE
               for r in rows)


def test_channel_state_and_node_filters(demo_desk):
    actor = demo_desk.actor("zhaolei")
    rows = queue_page(demo_desk, actor, QueueFilter(view=View.ALL, channel="police_110"),
                      limit=200).rows
    assert rows and {r.channel for r in rows} == {"police_110"}
    rows = queue_page(demo_desk, actor, QueueFilter(view=View.ALL, state="closed"), limit=200).rows
    assert rows and {r.state for r in rows} == {"closed"}
    community = next(c for c in __import__("dutydesk.services.queue", fromlist=["x"])
                     .reference_choices(demo_desk, demo_desk.actor("zhaolei"))["nodes"] if c.code == "CJW")
    rows = queue_page(demo_desk, actor, QueueFilter(view=View.ALL, node_id=community.id,
                                                    node_kind="community"), limit=200).rows
    assert rows and all("曹家湾" in r.node for r in rows)


@pytest.mark.parametrize("query,expected", [
    ("北渠", "北渠"),
    ("htp", "黄土坡街道"),       # pinyin initials of a place
    ("yjg", "窨井盖"),           # every reading of a polyphone (窨: xūn / yìn)
    ("cjw", "曹家湾"),
    ("HXia", None),              # case-insensitive, matched in initials or text
])
def test_search_finds_chinese_text_and_pinyin_initials(demo_desk, query, expected):
    actor = demo_desk.actor("zhaolei")
    rows = queue_page(demo_desk, actor, QueueFilter(view=View.ALL, search=query), limit=200).rows
    if expected is None:
        return
    assert rows
    assert all(expected in (r.summary + r.node) or expected in case_detail(
        demo_desk, actor, r.id).address for r in rows)


def test_search_treats_percent_and_underscore_literally(desk):
    actor = desk.actor("liuyang")
    literal = create_case(desk, actor, standard_draft(summary="编号 a_b%c"))
    create_case(desk, actor, standard_draft(summary="编号 axbyc"))
    for query in ("a_b", "b%c"):
        rows = queue_page(desk, actor, QueueFilter(view=View.ALL, search=query), limit=5).rows
        assert [r.id for r in rows] == [literal]


def test_scope_limits_what_each_role_sees(demo_desk):
    f = QueueFilter(view=View.ALL)
    everything = queue_count(demo_desk, demo_desk.actor("zhaolei"), f)
    cjw = queue_page(demo_desk, demo_desk.actor("huangxia"), f, limit=200).rows
    assert 0 < len(cjw) < everything and all("曹家湾" in r.node for r in cjw)
    slj = queue_page(demo_desk, demo_desk.actor("wangbo"), f, limit=200).rows
    assert slj and {r.category for r in slj} == {"河湖沟渠保洁"}


def test_detail_refuses_out_of_scope_and_lists_permitted_actions(desk):
    case_id = new_case_in(desk, CaseState.REPLIED)
    with pytest.raises(PermissionDenied):
        case_detail(desk, desk.actor("zhoujp"), case_id)
    detail = case_detail(desk, desk.actor("huangxia"), case_id)
    assert {a.action for a in detail.actions} == {Action.VERIFY, Action.VERIFY_FAIL}
    assert [e.action for e in detail.timeline][-1] == "reply"
    assert detail.reporter_phone_masked == "139****1234"


def test_deadline_states_move_from_on_time_to_due_soon_to_overdue(desk, clock):
    case_id = new_case_in(desk, CaseState.IN_PROGRESS)
    actor = desk.actor("zhaolei")
    assert case_detail(desk, actor, case_id).deadline.state is DeadlineState.ON_TIME
    # canal: 1 working day from Monday 10:00, due Tuesday 17:30: 12.5 working hours in all,
    # 80 % of them used at Tuesday 15:00.
    clock.set(dt.datetime(2026, 11, 24, 14, 50, tzinfo=LOCAL_TZ))
    assert case_detail(desk, actor, case_id).deadline.state is DeadlineState.ON_TIME
    clock.set(dt.datetime(2026, 11, 24, 15, 10, tzinfo=LOCAL_TZ))
    assert case_detail(desk, actor, case_id).deadline.state is DeadlineState.DUE_SOON
    clock.set(dt.datetime(2026, 11, 24, 17, 31, tzinfo=LOCAL_TZ))
    assert case_detail(desk, actor, case_id).deadline.state is DeadlineState.OVERDUE


@pytest.mark.parametrize("query", ["htp", "cjw", "北渠", "垃圾", "img_0637", "康乐南路", "zzz", "a b"])
def test_trigram_search_finds_exactly_what_a_scan_finds(demo_desk, monkeypatch, query):
    from dutydesk.store import search

    actor = demo_desk.actor("zhaolei")
    f = QueueFilter(view=View.ALL, search=query)
    indexed = [r.id for r in queue_page(demo_desk, actor, f, limit=200).rows]
    monkeypatch.setattr(search, "rare_matches", lambda session, term: None)
    scanned = [r.id for r in queue_page(demo_desk, actor, f, limit=200).rows]
    assert indexed == scanned


def test_the_search_index_follows_changes_to_a_case(desk):
    from dutydesk.services.cases import ActionInput, perform

    case_id = new_case_in(desk, CaseState.NEW)  # in 曹家湾北渠网格
    actor = desk.actor("liuyang")
    found = lambda q: [r.id for r in queue_page(desk, actor, QueueFilter(view=View.ALL, search=q),
                                                 limit=10).rows]
    assert found("cjwbqwg") == [case_id]
    perform(desk, actor, case_id, Action.ACCEPT,
            ActionInput(category_code="canal", node_code="KLNL-01"))  # 康乐南路第一网格
    assert found("cjwbqwg") == []
    assert found("klnldywg") == [case_id]


def test_merge_offers_likely_duplicates_and_shows_on_the_survivors_timeline(desk):
    from dutydesk.domain.lifecycle import Action, CaseState
    from dutydesk.services.cases import create_case
    from dutydesk.services.queue import case_detail
    from tests.services.helpers import do, new_case_in, standard_draft

    officer = desk.actor("liuyang")
    survivor = create_case(desk, officer, standard_draft(summary="北渠桥下有垃圾堆积"))
    create_case(desk, officer, standard_draft(summary="路灯不亮"))
    elsewhere = create_case(desk, officer, standard_draft(summary="北渠桥下有垃圾堆积",
                                                          node_code="KLNL-01"))
    duplicate = new_case_in(desk, CaseState.NEW)  # "北渠附近出现少量垃圾", in CJW-02
    offered = [c.id for c in case_detail(desk, officer, duplicate).merge_candidates]
    assert offered[0] == survivor and elsewhere not in offered
    do(desk, duplicate, Action.MERGE, merge_into=survivor)
    timeline = case_detail(desk, officer, survivor).timeline
    assert [(e.action, e.merged_from) for e in timeline] == [("create", None),
                                                             ("merge", duplicate)]


def test_header_counts_today_new_and_overdue_within_reach(desk, clock):
    import datetime as dt

    from dutydesk.domain.lifecycle import CaseState
    from dutydesk.services.queue import desk_counts
    from tests.services.helpers import new_case_in

    new_case_in(desk, CaseState.NEW)
    new_case_in(desk, CaseState.NEW)
    late = new_case_in(desk, CaseState.IN_PROGRESS)
    counts = desk_counts(desk, desk.actor("zhaolei"))
    assert (counts.today, counts.new, counts.overdue) == (3, 2, 0)
    clock.set(clock.now() + dt.timedelta(days=3))
    counts = desk_counts(desk, desk.actor("zhaolei"))
    assert (counts.today, counts.new, counts.overdue) == (0, 2, 1)
    assert desk_counts(desk, desk.actor("zhoujp")).new == 0  # another community's staff
    assert late


def test_merge_offers_the_most_alike_first_by_words_and_category(desk):
    """A noise report's first suggestion is the other noise report — not 道路油污 (a match
    letter by letter put it first)."""
    from dutydesk.services.cases import create_case
    from dutydesk.services.queue import case_detail
    from tests.services.helpers import standard_draft

    officer = desk.actor("liuyang")
    create_case(desk, officer, standard_draft(summary="道路油污，行人车辆易滑倒",
                                              category_code="road_dirty"))
    dance = create_case(desk, officer, standard_draft(
        summary="110转办：广场舞音响声音过大，周边居民投诉", category_code="noise"))
    create_case(desk, officer, standard_draft(summary="小区内违规搭建雨棚占用消防通道",
                                              category_code="illegal_building"))
    building = create_case(desk, officer, standard_draft(
        summary="楼上住户深夜装修噪音，已持续三晚，老人无法休息", category_code=""))
    assert case_detail(desk, officer, building).merge_candidates[0].id == dance


@given(st.text(max_size=40), st.text(max_size=40))
def test_likeness_is_a_symmetric_share(a, b):
    from dutydesk.domain.text import likeness

    assert 0.0 <= likeness(a, b) == likeness(b, a) <= 1.0
    assert likeness(a, a) in (0.0, 1.0)  # 1 unless it has no two-character word at all
