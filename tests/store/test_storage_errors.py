"""A storage failure is one sentence for the officer: no SQL, no personal data, nothing written,
and a file that is not a desk is refused before a byte of it changes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from sqlmodel import func, select

from dutydesk.clock import SimulatedClock
from dutydesk.errors import SchemaError, StorageError
from dutydesk.i18n import t
from dutydesk.scenario.demo import build_demo
from dutydesk.services.cases import create_case
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database
from dutydesk.store.models import Case
from tests.conftest import T0
from tests.services.helpers import event_count, standard_draft

SECRET_PHONE = "13908579999"


def _create(desk):
    return create_case(desk, desk.actor("liuyang"),
                       standard_draft(reporter_name="保密人", reporter_phone=SECRET_PHONE))


def _assert_clean_sentence(error: StorageError, key: str):
    text = error.message()
    assert error.key == key, error.key
    assert "INSERT" not in text and "SELECT" not in text and SECRET_PHONE not in text
    assert "保密人" not in text and "\n" not in text


def test_a_write_refused_by_sqlite_as_read_only_is_a_sentence(desk):
    from sqlalchemy import event

    # query_only makes SQLite answer every write as it answers for a read-only file.
    @event.listens_for(desk.db.writer, "connect")
    def _read_only(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = ON")

    desk.db.writer.dispose()
    before = event_count(desk)
    with pytest.raises(StorageError) as refused:
        _create(desk)
    _assert_clean_sentence(refused.value, "error.storage.read_only")
    assert refused.value.message() == t("error.storage.read_only")
    assert event_count(desk) == before


def test_a_read_only_file_opens_read_only(db_path, clock, monkeypatch):
    from dutydesk.store import engine

    # (As root, file modes do not stop writes; what the check answers for an officer is faked.)
    monkeypatch.setattr(engine, "_writable", lambda path: False)
    db = Database.open(db_path)
    try:
        desk = Desk(db, clock)
        assert db.read_only and desk.actor("liuyang").name == "刘洋"  # reads work
        with pytest.raises(StorageError) as refused:
            _create(desk)
        assert refused.value.key == "error.storage.read_only"
    finally:
        db.dispose()


def test_a_full_disk_is_named(desk):
    from sqlalchemy import event

    with desk.db.reader.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(desk.db.writer, "connect")
    def _full(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    desk.db.writer.dispose()
    with pytest.raises(StorageError) as refused:
        for _ in range(200):  # until the file would have to grow
            _create(desk)
    _assert_clean_sentence(refused.value, "error.storage.full")


def test_a_locked_database_is_named(db_path, clock):
    db = Database.open(db_path, busy_timeout_ms=50)
    desk = Desk(db, clock)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError) as refused:
            _create(desk)
        _assert_clean_sentence(refused.value, "error.storage.locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        db.dispose()


def test_a_corrupt_page_is_named(db_path, clock):
    size = db_path.stat().st_size
    with open(db_path, "r+b") as f:  # wipe every page but the header page
        f.seek(4096)
        f.write(b"\xa5" * (size - 4096))
    with pytest.raises((StorageError, SchemaError)) as refused:
        db = Database.open(db_path)
        try:
            Desk(db, clock).actor("liuyang")
        finally:
            db.dispose()
    assert refused.value.key in ("error.storage.corrupt", "error.not_dutydesk")
    assert "Traceback" not in refused.value.message()


def test_an_empty_file_is_not_made_a_desk(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(SchemaError) as refused:
        Database.open(path)
    assert refused.value.key == "error.empty_file"
    assert path.read_bytes() == b"" and not (tmp_path / "empty.db-wal").exists()


def test_a_foreign_sqlite_file_is_left_byte_for_byte_and_not_made_wal(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE t (x)")
    before = path.read_bytes()
    with pytest.raises(SchemaError):
        Database.open(path)
    assert path.read_bytes() == before
    assert not (tmp_path / "other.db-wal").exists()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_rebuilding_a_demo_that_a_session_has_open_is_refused(demo_path):
    session = Database.open(demo_path)  # an officer's session, in this process
    before = demo_path.read_bytes()
    try:
        with pytest.raises(SchemaError) as refused:
            build_demo(demo_path, SimulatedClock(T0))
        assert refused.value.key == "error.in_use"
        assert demo_path.read_bytes() == before
    finally:
        session.dispose()
    build_demo(demo_path, SimulatedClock(T0))  # nobody has it open: rebuilt


def test_rebuilding_is_refused_while_another_process_has_it_open(demo_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom dutydesk.store.engine import Database\n"
         "db = Database.open(sys.argv[1]); print('open', flush=True); time.sleep(30)",
         str(demo_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result = subprocess.run([sys.executable, "-m", "dutydesk.cli", "demo", "--no-ui", "--db",
                                 str(demo_path)], capture_output=True, text=True)
        assert result.returncode == 1 and result.stderr.count("\n") == 2  # path line + refusal
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


HEAVY = """
import sys
from dutydesk.store.engine import Database
db = Database.open(sys.argv[1], busy_timeout_ms=200)
with db.write() as session:
    session.connection()  # BEGIN IMMEDIATE: SQLite's write lock is held from here
    print("holding", flush=True)
    sys.stdin.readline()  # an import's long transaction, until the test lets go
db.dispose()
"""

WRITER = """
import sys
from dutydesk.clock import SystemClock
from dutydesk.errors import StorageError
from dutydesk.services.cases import create_case
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database
from tests.services.helpers import standard_draft
db = Database.open(sys.argv[1], busy_timeout_ms=200)
desk = Desk(db, SystemClock())
print("ready", flush=True)
sys.stdin.readline()
busy = 0
for n in range(5):
    try:
        create_case(desk, desk.actor("liuyang"), standard_draft(summary=f"排队{sys.argv[2]}-{n}"))
    except StorageError:
        busy += 1
print(busy, flush=True)
db.dispose()
"""


def test_twelve_writers_and_a_long_transaction_take_turns_and_none_is_refused(db_path):
    """Writers queue for their turn instead of giving up when SQLite's busy wait runs out:
    12 writers, 5 reports each, while another holds a write for 2 s (ten times their busy
    timeout): no refusal, all 60 written."""
    import time

    heavy = subprocess.Popen([sys.executable, "-c", HEAVY, str(db_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert heavy.stdout.readline().strip() == "holding"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(n)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for n in range(12)]
    assert [w.stdout.readline().strip() for w in writers] == ["ready"] * 12
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    time.sleep(2)
    heavy.communicate("release\n", timeout=60)
    refused = [int(w.communicate(timeout=120)[0].strip()) for w in writers]
    assert heavy.returncode == 0
    assert refused == [0] * 12
    db = Database.open(db_path)
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Case)
                      .where(Case.summary.startswith("排队"))).one() == 60
    db.dispose()
