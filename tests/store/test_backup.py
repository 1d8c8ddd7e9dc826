"""Backup and restore: a consistent copy while another process keeps writing, never over an
existing file or through a link; a restore that never replaces a database unasked, never one
in use, and keeps what it replaced."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys

import pytest

from dutydesk.cli import main as dutydesk
from dutydesk.clock import SystemClock
from dutydesk.errors import SchemaError
from dutydesk.services import audit
from dutydesk.services.cases import create_case
from dutydesk.services.context import Desk
from dutydesk.store.backup import backup, restore
from dutydesk.store.engine import Database
from tests.services.helpers import standard_draft

NOW = dt.datetime(2026, 12, 2, 21, 30)

WRITER = """
import sys
from dutydesk.clock import SystemClock
from dutydesk.services.cases import create_case
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database
from tests.services.helpers import standard_draft
db = Database.open(sys.argv[1])
desk = Desk(db, SystemClock())
officer = desk.actor("liuyang")
while True:  # until it is stopped: each case's id once it is committed
    print(create_case(desk, officer, standard_draft(summary="持续写入中的工单")), flush=True)
"""


def _consistent(path) -> int:
    """The copy's chain verifies and every case has its one creation event: its case count."""
    db = Database.open(path)
    try:
        assert audit.verify(Desk(db, SystemClock())).broken is None
        with db.read() as session:
            connection = session.connection()
            cases = connection.exec_driver_sql("SELECT count(*) FROM case_").scalar()
            created = connection.exec_driver_sql(
                "SELECT count(*) FROM event WHERE action = 'create'").scalar()
        assert cases == created
        return cases
    finally:
        db.dispose()


def test_a_backup_taken_while_another_process_writes_is_consistent(db_path, tmp_path):
    """Three backups while a writer commits case after case: each copy is whole (its chain
    verifies, every case has its one event) and each holds more than the one before."""
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        counts, newest = [], 0
        for n in range(3):
            committed = 0
            while committed <= newest:  # a case committed since the last copy was taken
                committed = int(writer.stdout.readline())
            copied = backup(db_path, tmp_path / f"copy-{n}.db")
            assert copied.events > 0 and copied.size > 0
            assert os.stat(copied.path).st_mode & 0o777 == 0o600
            with sqlite3.connect(copied.path) as raw:  # one self-contained file
                assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
                newest = raw.execute("SELECT max(id) FROM case_").fetchone()[0]
            assert newest >= committed
            counts.append(_consistent(copied.path))
    finally:
        writer.kill()
        writer.wait(timeout=60)
    assert counts[0] < counts[1] < counts[2]


def test_a_backup_never_overwrites_a_file_or_follows_a_link(desk, db_path, tmp_path):
    earlier = tmp_path / "earlier.db"
    earlier.write_text("昨天的备份", "utf-8")
    with pytest.raises(SchemaError, match="已存在"):
        backup(db_path, earlier)
    assert earlier.read_text("utf-8") == "昨天的备份"
    victim = tmp_path / "victim.txt"
    victim.write_text("别的文件", "utf-8")
    link = tmp_path / "link.db"
    link.symlink_to(victim)
    with pytest.raises(SchemaError):
        backup(db_path, link)
    dangling = tmp_path / "dangling.db"
    dangling.symlink_to(tmp_path / "nowhere.db")
    with pytest.raises(SchemaError):
        backup(db_path, dangling)
    assert victim.read_text("utf-8") == "别的文件" and not (tmp_path / "nowhere.db").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_only_a_desk_is_backed_up(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as raw:
        raw.execute("CREATE TABLE t (x)")
    with pytest.raises(SchemaError):
        backup(other, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()


def test_restore_replaces_only_when_asked_never_in_use_and_keeps_the_old(desk, db_path,
                                                                          tmp_path):
    officer = desk.actor("liuyang")
    create_case(desk, officer, standard_draft(summary="备份之前的工单"))
    saved = backup(db_path, tmp_path / "saved.db")
    later = create_case(desk, officer, standard_draft(summary="备份之后的工单"))

    with pytest.raises(SchemaError, match="--force"):
        restore(saved.path, db_path, NOW)
    with pytest.raises(SchemaError, match="正被其他会话使用"):  # this session has it open
        restore(saved.path, db_path, NOW, force=True)
    desk.db.dispose()

    done = restore(saved.path, db_path, NOW, force=True)
    assert done.kept == db_path.with_name("desk.db.before-restore-20261202-213000")
    assert _consistent(db_path) == 1  # the case from before the backup only
    db = Database.open(done.kept)  # what was replaced is all there, the later case too
    try:
        with db.read() as session:
            summaries = session.connection().exec_driver_sql(
                "SELECT summary FROM case_ WHERE id = ?", (later,)).scalar()
        assert summaries == "备份之后的工单"
    finally:
        db.dispose()
    desk.db = Database.open(db_path)  # the fixture closes it


def test_backup_and_restore_on_the_command_line(desk, db_path, tmp_path, capsys):
    create_case(desk, desk.actor("liuyang"), standard_draft())
    copy = tmp_path / "nightly.db"
    assert dutydesk(["backup", "--db", str(db_path), "--output", str(copy)]) == 0
    assert "已备份到" in capsys.readouterr().out
    assert dutydesk(["backup", "--db", str(db_path), "--output", str(copy)]) == 1
    assert "已存在" in capsys.readouterr().err
    fresh = tmp_path / "elsewhere.db"
    assert dutydesk(["restore", str(copy), "--db", str(fresh)]) == 0
    assert _consistent(fresh) == 1
