"""Seed files: the demo builds from them, and a bad one is refused with file, entry and key."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from sqlmodel import func, select

from dutydesk.clock import SimulatedClock
from dutydesk.domain.lifecycle import CaseState
from dutydesk.errors import SchemaError, SeedError
from dutydesk.scenario.demo import build_demo, seed_dir
from dutydesk.store.engine import Database
from dutydesk.store.models import Case, Event
from tests.conftest import T0


def test_the_demo_has_reports_in_every_state(demo_desk):
    with demo_desk.db.read() as s:
        states = Counter(s.exec(select(Case.state)).all())
    assert set(states) == {st.value for st in CaseState}
    assert sum(states.values()) >= 24


def test_the_demo_replays_a_grid_report_worked_within_a_day(demo_desk):
    with demo_desk.db.read() as s:
        case = s.exec(select(Case).where(Case.summary.like("北渠附近出现少量垃圾%"))).one()
        events = s.exec(select(Event).where(Event.case_id == case.id).order_by(Event.id)).all()
    times = [e.at.astimezone(T0.tzinfo).strftime("%H:%M") for e in events]
    actions = [e.action for e in events]
    assert case.state == "closed"
    assert actions == ["create", "accept", "file", "dispatch", "acknowledge", "reply", "verify",
                       "close"]
    assert times == ["07:12", "08:35", "08:41", "08:47", "09:05", "11:20", "15:05", "16:30"]


def test_every_demo_row_has_an_event_history(demo_desk):
    with demo_desk.db.read() as s:
        without = s.exec(select(func.count()).select_from(Case).where(
            ~Case.id.in_(select(Event.case_id).where(Event.action == "create")))).one()
    assert without == 0


@pytest.fixture
def seed_copy(tmp_path):
    folder = tmp_path / "seed"
    shutil.copytree(seed_dir(), folder)
    return folder


@pytest.mark.parametrize("file,old,new,expected", [
    ("org.toml", 'kind = "grid"\nparent = "KLNL"', 'kind = "grid"\nparent = "KLNL"\ncolour = "red"',
     ["org.toml", "node[", ".colour", "未知的键"]),
    ("org.toml", 'code = "JX-02"\nname = "建兴第二网格"\n', 'code = "JX-02"\n',
     ["org.toml", "node[", ".name", "缺少"]),
    ("units.toml", 'node = "JSZL"', 'node = "NOWHERE"', ["units.toml", "unit[", ".node", "NOWHERE"]),
    ("cases.toml", 'node = "KLNL-01"', 'node = "KLNL-99"', ["cases.toml", "case[", "KLNL-99"]),
    ("cases.toml", 'at = "D-3 07:12"', 'at = "three days ago"', ["cases.toml", "case[1].at"]),
    ("categories.toml", 'unit = "working_hours"', 'unit = "fortnights"', ["categories.toml", "limit"]),
    ("officers.toml", 'role = "officer"', 'role = "boss"', ["officers.toml", "role", "boss"]),
    ("settings.toml", "due_soon_fraction = 0.8", "due_soon_fraction = 1.5", ["settings.toml"]),
    ("cases.toml", '{ at = "D-3 16:30", by = "zhaolei", do = "close" }',
     '{ at = "D-3 16:30", by = "zhaolei", do = "explode" }', ["case[1].steps[7].do", "explode"]),
    ("disputes.toml", 'case = "wages"', 'case = "nowhere"', ["disputes.toml", "dispute[1].case"]),
    ("disputes.toml", 'at = "D-1 09:30"', 'at = "D-9 09:30"', ["dispute[1].at", "早于"]),
    ("disputes.toml", 'factors = ["group", "large_sum"]', 'factors = ["moon"]',
     ["dispute[1]", "moon"]),
    ("disputes.toml", 'id_number = "520201198001010012"', 'id_number = "520201198001010013"',
     ["dispute[1]", "身份证号"]),
    ("settings.toml", 'colour = "yellow"\n', 'colour = "purple"\n', ["settings.toml", "disputes"]),
])
def test_a_bad_seed_file_is_refused_with_where_and_what(tmp_path, seed_copy, file, old, new, expected):
    path = seed_copy / file
    text = path.read_text("utf-8")
    assert old in text, "the test's edit must apply"
    path.write_text(text.replace(old, new, 1), "utf-8")
    target = tmp_path / "demo.db"
    with pytest.raises(SeedError) as refused:
        build_demo(target, SimulatedClock(T0), seed_copy)
    for part in expected:
        assert part in refused.value.message()
    assert not target.exists()


def test_a_step_the_services_refuse_fails_the_build_and_leaves_nothing(tmp_path, seed_copy):
    path = seed_copy / "cases.toml"
    text = path.read_text("utf-8").replace(
        '{ at = "D-3 08:41", by = "zhaolei", do = "file" }',
        '{ at = "D-3 08:41", by = "liuyang", do = "file" }', 1)
    path.write_text(text, "utf-8")
    with pytest.raises(SeedError) as refused:
        build_demo(tmp_path / "demo.db", SimulatedClock(T0), seed_copy)
    assert "立案" in refused.value.message()
    assert list(tmp_path.glob("demo.db*")) == []


def test_demo_never_overwrites_a_real_database(tmp_path, db_path):
    # db_path holds configuration with is_demo = true; mark a copy as a real desk.
    real = Database.open(db_path)
    with real.write() as s:
        from dutydesk.store.models import Meta

        meta = s.get(Meta, "settings")
        meta.value = meta.value.replace('"is_demo": true', '"is_demo": false')
        s.add(meta)
    real.dispose()
    with pytest.raises(SchemaError):
        build_demo(db_path, SimulatedClock(T0))


def test_rebuilding_a_demo_replaces_it(tmp_path):
    target = tmp_path / "demo.db"
    build_demo(target, SimulatedClock(T0))
    build_demo(target, SimulatedClock(T0))
    db = Database.open(target)
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Event).where(
            Event.action == "configure")).one() == 1
    db.dispose()
