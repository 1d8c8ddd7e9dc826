"""A file of every released schema version upgrades to exactly the schema a new file has —
the same tables, columns, indexes and triggers — and the first version's demo, with its cases
and log, upgrades to a desk that works. (store/migrations/schemas/vNN.sql: a fresh file of each
version, as that version's own code made it; schemas/v01-demo.db: the first version's
`dutydesk demo`.)"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from dutydesk.cli import main as dutydesk
from dutydesk.store.engine import Database
from dutydesk.store.migrations.steps import SCHEMAS
from dutydesk.store.models import SCHEMA_VERSION

DEMO_V1 = Path(__file__).parent / "schemas" / "v01-demo.db"


def _shape(path: Path) -> tuple[dict, set]:
    """Tables (the search index's own among them, not its shadow tables) with their columns
    (name, type, not null, primary key), and the indexes and triggers."""
    with sqlite3.connect(path) as raw:
        tables = [name for (name,) in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'case^_search^_%' ESCAPE '^' AND name NOT LIKE 'sqlite^_%' "
            "ESCAPE '^'")]
        columns = {table: sorted((row[1], row[2].upper(), row[3], row[5]) for row in
                                 raw.execute(f"PRAGMA table_info({table})"))
                   for table in tables}
        indexes = {(name, table) for name, table in raw.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND sql IS NOT NULL")}
    return columns, indexes


@pytest.fixture(scope="module")
def head_shape(tmp_path_factory):
    path = tmp_path_factory.mktemp("head") / "new.db"
    Database.open(path, create=True).dispose()
    return _shape(path)


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_a_file_of_every_version_upgrades_to_the_schema_of_a_new_one(tmp_path, version,
                                                                     head_shape):
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as raw:
        raw.executescript((SCHEMAS / f"v{version:02d}.sql").read_text("utf-8"))
        raw.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (version,))
    assert dutydesk(["upgrade", "--db", str(old)]) == 0
    columns, indexes = _shape(old)
    head_columns, head_indexes = head_shape
    assert set(columns) == set(head_columns)
    assert {t: c for t, c in columns.items() if c != head_columns[t]} == {}
    assert indexes == head_indexes


def test_the_first_versions_demo_upgrades_to_a_working_desk(tmp_path, capsys):
    from dutydesk.clock import SystemClock
    from dutydesk.services import audit
    from dutydesk.services.cases import create_case
    from dutydesk.services.context import Desk
    from dutydesk.services.queue import QueueFilter, View, case_detail, queue_page
    from tests.services.helpers import standard_draft

    path = shutil.copyfile(DEMO_V1, tmp_path / "desk.db")
    with sqlite3.connect(path) as raw:
        cases = raw.execute("SELECT count(*) FROM case_").fetchone()[0]
        events = raw.execute("SELECT count(*) FROM event").fetchone()[0]
    assert (cases, events) == (25, 98)
    assert dutydesk(["upgrade", "--db", str(path)]) == 0
    assert f"从结构版本 1 升级到 {SCHEMA_VERSION}" in capsys.readouterr().out
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    db = Database.open(path)
    try:
        desk = Desk(db, SystemClock())
        chief = desk.actor("zhaolei")
        page = queue_page(desk, chief, QueueFilter(view=View.ALL), limit=100)
        assert len(page.rows) == cases
        assert all(case_detail(desk, chief, row.id).timeline for row in page.rows[:5])
        found = audit.verify(desk)
        assert found.broken is None and found.events >= events
        create_case(desk, desk.actor("liuyang"), standard_draft())
        assert audit.verify(desk).broken is None
    finally:
        db.dispose()


def test_alembic_from_nothing_makes_what_the_models_make(tmp_path, head_shape):
    """Every revision from an empty file (0001 makes the first schema) ends where a new
    file begins."""
    from sqlalchemy import create_engine

    from dutydesk.store import migrations

    path = tmp_path / "empty.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        migrations.upgrade_from_nothing(connection)
    engine.dispose()
    columns, indexes = _shape(path)
    assert (columns, indexes) == head_shape


def test_a_file_alembic_took_back_goes_forward_again(desk, db_path, head_shape):
    """Downgraded by Alembic (its revision kept, not only meta's version), then upgraded."""
    from sqlalchemy import create_engine

    from dutydesk.store import migrations

    desk.db.dispose()
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as connection:
        migrations.downgrade(connection, 5)
    engine.dispose()
    with pytest.raises(Exception, match="dutydesk upgrade"):
        Database.open(db_path)
    assert dutydesk(["upgrade", "--db", str(db_path)]) == 0
    assert _shape(db_path) == head_shape
    desk.db = Database.open(db_path)
