"""SQLite done properly: pragmas, refusal of unknown schemas, and no lost updates across
processes."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from dutydesk.errors import SchemaError
from dutydesk.store.engine import Database
from dutydesk.store.models import SCHEMA_VERSION


def test_pragmas_are_set_on_every_connection(db_path):
    db = Database.open(db_path)
    for engine in (db.writer, db.reader):
        with engine.connect() as c:
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert c.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert c.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert c.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    db.dispose()


def test_a_newer_schema_is_refused_and_left_untouched(db_path):
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                    (str(SCHEMA_VERSION + 1),))
    before = db_path.read_bytes()
    with pytest.raises(SchemaError) as refused:
        Database.open(db_path)
    assert str(SCHEMA_VERSION + 1) in refused.value.message()
    assert db_path.read_bytes() == before


def test_a_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x)")
    with pytest.raises(SchemaError):
        Database.open(path)


def test_a_missing_database_is_refused_unless_created(tmp_path):
    with pytest.raises(SchemaError):
        Database.open(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def test_naive_datetimes_are_refused(desk):
    import datetime as dt

    from tests.services.helpers import new_case_in
    from dutydesk.domain.lifecycle import CaseState
    from dutydesk.store.models import Case

    case_id = new_case_in(desk, CaseState.NEW)
    with pytest.raises(StatementError, match="naive datetime"):
        with desk.db.write() as s:
            case = s.get(Case, case_id)
            case.updated_at = dt.datetime(2026, 1, 1)
            s.add(case)


def _urge_many(path: str, times: int) -> None:
    from dutydesk.clock import SystemClock
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.cases import ActionInput, perform
    from dutydesk.services.context import Desk

    db = Database.open(path)
    desk = Desk(db, SystemClock())
    actor = desk.actor("liuyang")
    for _ in range(times):
        perform(desk, actor, 1, Action.URGE, ActionInput())
    db.dispose()


@pytest.mark.both_engines
def test_concurrent_read_modify_write_from_processes_loses_nothing(desk, desk_target):
    """Three processes urge one case 40 times each: every urge counted, one event each, and
    the event log's chain whole (each appended in its turn)."""
    from tests.services.helpers import case_row, event_count, new_case_in
    from dutydesk.domain.lifecycle import CaseState
    from dutydesk.services import audit

    case_id = new_case_in(desk, CaseState.DISPATCHED)  # 督办 urges whoever must act next
    assert case_id == 1
    before = event_count(desk)
    workers, each = 3, 40
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_urge_many, args=(str(desk_target), each))
                 for _ in range(workers)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
        assert p.exitcode == 0
    assert case_row(desk, case_id).urge_count == workers * each
    assert event_count(desk) == before + workers * each
    assert audit.verify(desk).broken is None


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("值班记录\n" * 100, "utf-8")
    with pytest.raises(SchemaError):
        Database.open(path)


def _undo_migrations_after(raw: sqlite3.Connection, version: int) -> None:
    """Take a current file back to `version`'s shape (Alembic's downgrade, on this very
    connection and in its transaction), made to look as a file of that version did before
    Alembic: its version in `meta` only."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from dutydesk.store import migrations

    engine = create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)
    with engine.connect() as connection:
        migrations.downgrade(connection, version)  # (meta says `version` too)
        connection.exec_driver_sql("DROP TABLE alembic_version")
        connection.commit()


def test_an_older_schema_is_upgraded_in_place_on_open(db_path):
    with sqlite3.connect(db_path) as raw:  # make it a version-1 file
        _undo_migrations_after(raw, 1)  # the tables new in version 2 go too
    with pytest.raises(SchemaError, match="dutydesk upgrade"):
        Database.open(db_path)  # refused, untouched, until the operator upgrades it
    db = Database.open(db_path, upgrade=True)
    try:
        assert db.meta("schema_version") == str(SCHEMA_VERSION)
        with db.reader.connect() as c:
            columns = {row[1] for row in c.exec_driver_sql("PRAGMA table_info(case_unit)")}
        assert {"acknowledged_at", "replied_at"} <= columns
        with db.reader.connect() as c:
            tables = {row[0] for row in c.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"contact", "police_transfer"} <= tables
    finally:
        db.dispose()


def test_a_version_2_file_gains_the_transfer_import_link(db_path):
    with sqlite3.connect(db_path) as raw:
        _undo_migrations_after(raw, 2)
    db = Database.open(db_path, upgrade=True)
    try:
        with db.reader.connect() as c:
            columns = {row[1] for row in c.exec_driver_sql("PRAGMA table_info(police_transfer)")}
        assert "import_event_id" in columns
        assert db.meta("schema_version") == str(SCHEMA_VERSION)
    finally:
        db.dispose()


def test_an_upgrade_spells_old_search_text_by_every_reading(desk, db_path):
    """A case written under the old rule (one reading of 窨: xjg) is found by yjg once the
    file is upgraded."""
    from dutydesk.services.cases import create_case
    from dutydesk.services.queue import QueueFilter, View, queue_page
    from tests.services.helpers import standard_draft

    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(summary="路边窨井盖缺失"))
    desk.db.dispose()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE case_ SET search_text = '路边窨井盖缺失 lbxjgqs' WHERE id = ?",
                    (case_id,))
        _undo_migrations_after(raw, 9)
    desk.db = Database.open(db_path, upgrade=True)
    found = queue_page(desk, desk.actor("zhaolei"), QueueFilter(view=View.ALL, search="yjg"))
    assert [r.id for r in found.rows] == [case_id]


def test_the_planner_statistics_are_read_with_cases_and_again_when_they_double(desk,
                                                                                 monkeypatch):
    """SQLite reads no statistics by itself (a million-case desk without them gave the chief a
    63 ms page and a 412 ms count): the sweep reads them once the desk has cases, then only
    when they have doubled or the schema changed — not every minute."""
    import json

    from dutydesk.services.cases import create_case
    from dutydesk.services.sweep import sweep
    from dutydesk.store import engine
    from tests.services.helpers import standard_draft

    monkeypatch.setattr(engine, "STATISTICS_FROM", 12)
    actor = desk.actor("liuyang")

    def add(count: int) -> None:
        for _ in range(count):
            create_case(desk, actor, standard_draft())

    def read_for() -> set[str]:
        with sqlite3.connect(desk.db.path) as raw:
            if not raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'") \
                    .fetchone():
                return set()
            return {idx for (idx,) in raw.execute(
                "SELECT idx FROM sqlite_stat1 WHERE tbl = 'case_'")}

    add(11)
    sweep(desk)
    assert read_for() == set()  # too few to matter
    add(1)
    sweep(desk)
    assert "ix_case_created" in read_for() and "ix_case_open_street_work" in read_for()
    assert json.loads(desk.db.meta("statistics")) == {"cases": 12, "schema": SCHEMA_VERSION}
    with sqlite3.connect(desk.db.path) as raw:  # a mark: gone until they are read again
        raw.execute("DELETE FROM sqlite_stat1 WHERE idx = 'ix_case_created'")
    add(11)
    sweep(desk)
    assert "ix_case_created" not in read_for()  # 23 cases: not doubled, not read again
    add(1)
    sweep(desk)
    assert "ix_case_created" in read_for()
    with desk.db.write() as session:  # read at an older schema (before an upgrade)
        session.exec(text("UPDATE meta SET value = :v WHERE key = 'statistics'"),
                     params={"v": json.dumps({"cases": 24, "schema": SCHEMA_VERSION - 1})})
    desk.db.keep_statistics()
    assert json.loads(desk.db.meta("statistics"))["schema"] == SCHEMA_VERSION
