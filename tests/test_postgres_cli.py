"""A desk on PostgreSQL from the command line: `--db postgresql://…` (the URL kept as typed)
makes one, refuses to make it twice, and the operator's commands run on it."""

from __future__ import annotations

import pytest

from dutydesk.cli import main

pytestmark = pytest.mark.postgresql


def test_a_desk_on_postgresql_from_the_command_line(pg_url, capsys):
    assert main(["init", "--db", pg_url]) == 0
    assert "t_" in capsys.readouterr().out
    assert main(["init", "--db", pg_url]) == 1  # it holds a desk: never made again
    assert "已存在" in capsys.readouterr().err
    assert main(["sweep", "--db", pg_url]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--db", pg_url]) == 0
    assert "审计日志完好" in capsys.readouterr().out
    assert main(["upgrade", "--db", pg_url]) == 0


def test_a_demo_on_postgresql_is_rebuilt_in_place_never_over_a_desk_or_a_session(
        pg_url, pg_server, capsys, tmp_path):
    """`dutydesk demo --db URL` builds the demo in the database; again, it is made new —
    refused while a session has it open, and a session is refused while it is rebuilt; a
    working desk or a foreign database is never replaced."""
    import psycopg
    from sqlmodel import func, select

    from dutydesk.errors import SchemaError
    from dutydesk.scenario.demo import seed_dir
    from dutydesk.store.engine import Database
    from dutydesk.store.models import Case
    from dutydesk.store.postgres import PostgresDatabase
    from tests import postgres

    assert main(["demo", "--no-ui", "--db", pg_url]) == 0
    session = Database.open(pg_url)
    with session.read() as s:
        first = s.exec(select(func.count()).select_from(Case)).one()
    assert first > 20
    assert main(["demo", "--no-ui", "--db", pg_url]) == 1
    assert "正被其他会话使用" in capsys.readouterr().err
    session.dispose()

    rebuilding = PostgresDatabase(pg_url, sole=True)
    with pytest.raises(SchemaError) as refused:
        Database.open(pg_url)
    assert "正在重建" in refused.value.message()
    rebuilding.dispose()

    assert main(["demo", "--no-ui", "--db", pg_url]) == 0
    assert main(["audit", "verify", "--db", pg_url]) == 0  # a new log, chained from its start
    sample = seed_dir() / "samples" / "110-export-gb18030.csv"
    assert main(["import-110", str(sample), "--db", pg_url, "--as", "liuyang"]) == 0
    assert "已存在" in capsys.readouterr().out  # the demo took the samples in
    week = tmp_path / "week.md"
    assert main(["report", "weekly", "--output", str(week), "--db", pg_url, "--as",
                 "zhaolei"]) == 0
    assert week.read_text("utf-8").startswith("# 黄土坡街道 工作统计")
    session = Database.open(pg_url)
    with session.read() as s:
        assert s.exec(select(func.count()).select_from(Case)).one() == first and s.get(Case, first) is not None
    session.dispose()

    desk = postgres.fresh_database(pg_server)
    assert main(["init", "--db", desk]) == 0
    capsys.readouterr()
    assert main(["demo", "--no-ui", "--db", desk]) == 1
    assert "不是演示库" in capsys.readouterr().err
    assert main(["sweep", "--db", desk]) == 0  # still the desk it was

    foreign = postgres.fresh_database(pg_server)
    with psycopg.connect(postgres._plain(foreign), autocommit=True) as connection:
        connection.execute("CREATE TABLE payroll (id int)")
    assert main(["demo", "--no-ui", "--db", foreign]) == 1
    assert "不是 dutydesk 数据库" in capsys.readouterr().err
    with psycopg.connect(postgres._plain(foreign), autocommit=True) as connection:
        assert connection.execute("SELECT count(*) FROM payroll").fetchone() == (0,)


def test_the_same_demo_on_both_engines_gives_the_same_reports_byte_for_byte(
        pg_url, demo_path, tmp_path):
    """The demo built from the same seed at the same moment on SQLite and on PostgreSQL: its
    monthly and weekly reports, counted by the same services, are the same CSV bytes."""
    import datetime as dt

    from dutydesk.clock import SimulatedClock
    from dutydesk.domain.deadlines import LOCAL_TZ
    from dutydesk.domain.statistics import parse_period
    from dutydesk.reports.writers import write_report
    from dutydesk.scenario.demo import build_demo
    from dutydesk.services.context import Desk
    from dutydesk.services.statistics import report
    from dutydesk.store.engine import Database
    from tests.conftest import T0

    build_demo(pg_url, SimulatedClock(T0))  # demo_path: built at T0 the same way
    later = SimulatedClock(dt.datetime(2026, 12, 8, 9, 0, tzinfo=LOCAL_TZ))
    written = {}
    for name, target in (("sqlite", demo_path), ("postgresql", pg_url)):
        db = Database.open(target)
        desk = Desk(db, later)
        for period in ("2026-11", "2026-W48"):
            result = report(desk, desk.actor("zhaolei"), parse_period(period))
            written[name, period] = write_report(
                result, tmp_path / f"{name}-{period}.csv", "csv").read_bytes()
        db.dispose()
    for period in ("2026-11", "2026-W48"):
        assert written["sqlite", period] == written["postgresql", period]
    assert written["sqlite", "2026-11"].count(b"\n") > 10
