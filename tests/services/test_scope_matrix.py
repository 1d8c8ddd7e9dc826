"""Every role × every read and write service, over a desk with several communities and units:
allowed or refused, enforced in the services; a refusal writes nothing but its own event."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest

from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import Action, CaseState
from dutydesk.domain.statistics import parse_period
from dutydesk.errors import DutyDeskError, PermissionDenied
from dutydesk.services import disputes, duty, officers, police, privacy, revisits, statistics
from dutydesk.services.cases import ActionInput, create_case, perform
from dutydesk.services.context import Desk
from dutydesk.services.dispute_board import dispute_detail
from dutydesk.services.disputes import DisputeDraft, PartyDraft
from dutydesk.services.police import TransferDraft
from dutydesk.services.police_export import export_feedback
from dutydesk.services.queue import QueueFilter, View, case_detail, queue_page
from dutydesk.services.revisit_calendar import revisit_detail
from dutydesk.store.engine import Database
from dutydesk.store.models import Revisit
from tests.services.helpers import FULL_PATH, new_case_in, standard_draft

pytestmark = pytest.mark.both_engines

# Who is who: the case in 曹家湾 (CJW-02) is led by 区水务局 (wangbo) with 区城管执法局 (lihua) as
# co-unit; zhoujp is another community's, qiuzj a unit with nothing to do with it.
ROLES = {"chief": "zhaolei", "officer": "liuyang", "community": "huangxia",
         "other_community": "zhoujp", "lead_unit": "wangbo", "co_unit": "lihua",
         "other_unit": "qiuzj", "admin": "admin"}
DESK = {"chief", "officer"}
PLACE = DESK | {"community"}
ON_CASE = PLACE | {"lead_unit", "co_unit"}

ALLOWED = {
    # reads
    "case_detail": ON_CASE,
    "dispute_detail": PLACE,
    "revisit_detail": PLACE,
    "transfer_detail": DESK,
    "handover_page": DESK,
    "report": PLACE | {"other_community"},  # each community its own place
    "report_on_cjw": PLACE,
    "export_110_feedback": DESK,
    # writes
    "urge": DESK,
    "create_case": PLACE,
    "regrade": PLACE,
    "record_revisit": {"officer"},  # the chief closed it and the community verified it
    "sign": DESK,
    "hand_over": DESK,
    "reveal_phone": ON_CASE,
}
WRITES = {"urge", "create_case", "regrade", "record_revisit", "sign", "hand_over",
          "reveal_phone"}
VISIBLE_IN_QUEUE = ON_CASE


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, configured_template):
    """The desk with one case of each kind in CJW, built once; each role works on a copy."""
    from dutydesk.clock import SimulatedClock
    from tests.conftest import T0

    path = tmp_path_factory.mktemp("matrix") / "desk.db"
    shutil.copyfile(configured_template, path)
    db = Database.open(path)
    desk = Desk(db, SimulatedClock(T0))
    officers.add_officer(desk, desk.actor("admin"), "qiuzj", "邱志军", "unit", "ZSQ", "ZJJ")
    ids = {"case": new_case_in(desk, CaseState.IN_PROGRESS, FULL_PATH[:4])}
    ids["dispute"] = create_case(desk, desk.actor("liuyang"), standard_draft(
        summary="邻居装修渗水", category_code="neighbour_dispute"))
    disputes.record(desk, desk.actor("liuyang"), ids["dispute"], DisputeDraft(
        type="neighbour", parties=[PartyDraft("applicant", "张桂兰", "", "")], factors=[],
        people="2", amount=""))
    closed = new_case_in(desk, CaseState.CLOSED, FULL_PATH)
    with desk.db.read() as s:
        ids["revisit"] = s.exec(Revisit.__table__.select().where(
            Revisit.case_id == closed)).first().id
    ids["transfer"] = police.receive_transfer(desk, desk.actor("liuyang"), TransferDraft(
        number="J900", called_at=dt.datetime(2026, 11, 23, 9, 40, tzinfo=LOCAL_TZ),
        summary="楼上噪音", phone="13908571111"))
    db.dispose()
    return path, ids


def _operations(desk: Desk, ids: dict, out) -> dict:
    week = parse_period("2026-W48")
    return {
        "case_detail": lambda a: case_detail(desk, a, ids["case"]),
        "dispute_detail": lambda a: dispute_detail(desk, a, ids["dispute"]),
        "revisit_detail": lambda a: revisit_detail(desk, a, ids["revisit"]),
        "transfer_detail": lambda a: police.transfer_detail(desk, a, ids["transfer"]),
        "handover_page": lambda a: duty.handover_page(desk, a),
        "report": lambda a: statistics.report(desk, a, week),
        "report_on_cjw": lambda a: statistics.report(desk, a, week, "CJW"),
        "export_110_feedback": lambda a: export_feedback(desk, a, None, out / f"{a.login}.csv"),
        "urge": lambda a: perform(desk, a, ids["case"], Action.URGE, ActionInput(note="督办")),
        "create_case": lambda a: create_case(desk, a, standard_draft(summary="矩阵新报")),
        "regrade": lambda a: disputes.regrade(desk, a, ids["dispute"], ["violence"]),
        "record_revisit": lambda a: revisits.record_revisit(desk, a, ids["revisit"], "phone",
                                                            "reached", "satisfied"),
        "sign": lambda a: police.sign(desk, a, ids["transfer"]),
        "hand_over": lambda a: duty.hand_over(desk, a),
        "reveal_phone": lambda a: privacy.reveal_phone(desk, a, ids["case"], "核实身份"),
    }


def _fingerprint(path) -> dict:
    """Every table's rows (the event log apart): what a refused write must leave as it was."""
    raw = sqlite3.connect(path)
    tables = [r[0] for r in raw.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'event'")]
    found = {table: raw.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall()
             for table in tables}
    raw.close()
    return found


def _events(path) -> list[tuple]:
    raw = sqlite3.connect(path)
    rows = raw.execute("SELECT actor_id, case_id, subject, action, payload FROM event "
                       "ORDER BY id").fetchall()
    raw.close()
    return rows


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_service_for_every_role(role, prepared, tmp_path, clock):
    source, ids = prepared
    path = tmp_path / "desk.db"
    shutil.copyfile(source, path)
    db = Database.open(path)
    desk = Desk(db, clock)
    actor = desk.actor(ROLES[role])
    try:
        seen = [r.id for r in queue_page(desk, actor, QueueFilter(view=View.ALL)).rows] \
            if actor.role.value != "admin" else []
        assert (ids["case"] in seen) == (role in VISIBLE_IN_QUEUE)
        for name, operation in _operations(desk, ids, tmp_path).items():
            before_rows, before_events = _fingerprint(path), _events(path)
            try:
                operation(actor)
            except PermissionDenied:
                refused = True
            except DutyDeskError:
                refused = False  # past the permission check: refused for another reason
            else:
                refused = False
            assert refused == (role not in ALLOWED[name]), f"{role} {name}"
            if refused:
                after = _events(path)
                assert _fingerprint(path) == before_rows, f"{role} {name} wrote"
                assert after[:-1] == before_events and after[-1][3] == "refused", name
                assert after[-1][:3] == (actor.id, None, after[-1][2])  # in no timeline
                assert after[-1][2].startswith("refused:"), after[-1]
                assert f'"use_case": "{operation_name(name)}"' in after[-1][4]
    finally:
        db.dispose()


def operation_name(name: str) -> str:
    """The use-case behind each operation of the matrix, as its refusal event names it."""
    return {"report_on_cjw": "report", "urge": "perform", "sign": "sign",
            "export_110_feedback": "export_feedback"}.get(name, name)
