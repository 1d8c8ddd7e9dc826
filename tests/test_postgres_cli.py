"""A desk on PostgreSQL from the command line: `--db postgresql://…` (the URL kept as typed)
makes one, refuses to make it twice, and the operator's commands run on it."""

from __future__ import annotations

import pytest

from dutydesk.cli import main
from dutydesk.store.postgres import libpq_url

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
        pg_url, pg_server, capsys, tmp_path, monkeypatch):
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
    capsys.readouterr()
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "report weekly --format md")  # over SSH
    assert main(["serve", "--officer", "zhaolei", "--db", pg_url]) == 0
    assert capsys.readouterr().out == week.read_text("utf-8")
    monkeypatch.delenv("SSH_ORIGINAL_COMMAND")
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
    with psycopg.connect(libpq_url(foreign), autocommit=True) as connection:
        connection.execute("CREATE TABLE payroll (id int)")
    assert main(["demo", "--no-ui", "--db", foreign]) == 1
    assert "不是 dutydesk 数据库" in capsys.readouterr().err
    with psycopg.connect(libpq_url(foreign), autocommit=True) as connection:
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


def test_reports_read_from_a_streaming_replica(tmp_path, capsys):
    """A hot standby of the desk's server (pg_basebackup, streaming): `--report-db` counts the
    report there. Its replay paused, a case the desk takes meanwhile is in the desk's own
    report and not in the replica's; resumed, the two agree again."""
    import psycopg
    from sqlalchemy import make_url

    from dutydesk.clock import SimulatedClock
    from dutydesk.config.reading import read_configuration
    from dutydesk.scenario.demo import seed_dir
    from dutydesk.services.cases import create_case
    from dutydesk.services.context import Desk
    from dutydesk.services.setup import install_configuration
    from dutydesk.store.engine import Database
    from tests import postgres
    from tests.conftest import T0
    from tests.services.helpers import standard_draft

    primary_server = postgres.server()
    primary = postgres.fresh_database(next(primary_server))
    db = Database.open(primary, create=True)
    install_configuration(db, SimulatedClock(T0), read_configuration(seed_dir(), demo=True))
    desk = Desk(db, SimulatedClock(T0))
    for n in range(3):
        create_case(desk, desk.actor("liuyang"), standard_draft(summary=f"第{n}件"))
    db.dispose()
    standby_server = postgres.standby(primary)
    try:
        replica = make_url(next(standby_server)).set(
            database=make_url(primary).database).render_as_string(hide_password=False)
        postgres.caught_up(primary, replica)

        def monthly(name: str, *extra: str) -> bytes:
            out = tmp_path / f"{name}.csv"
            assert main(["report", "monthly", "--period", "2026-11", "--format", "csv",
                         "--output", str(out), "--db", primary, "--as", "zhaolei",
                         *extra]) == 0
            return out.read_bytes()

        assert monthly("replica", "--report-db", replica) == monthly("primary")
        with psycopg.connect(libpq_url(replica), autocommit=True) as connection:
            connection.execute("SELECT pg_wal_replay_pause()")
            db = Database.open(primary)
            desk = Desk(db, SimulatedClock(T0))
            create_case(desk, desk.actor("liuyang"), standard_draft(summary="副本暂停时登记"))
            db.dispose()
            behind = monthly("behind", "--report-db", replica)
            assert behind != monthly("primary-now")
            assert behind == (tmp_path / "replica.csv").read_bytes()
            connection.execute("SELECT pg_wal_replay_resume()")
        postgres.caught_up(primary, replica)
        assert monthly("again", "--report-db", replica) == monthly("primary-again")
    finally:
        standby_server.close()
        primary_server.close()


def test_a_new_postgresql_desk_has_the_open_work_indexes_partial(pg_url):
    """The models mark them partial on both engines (store/postgres.py gives PostgreSQL the
    clause): a new desk's are partial, as an upgraded desk gets them from revisions 0012 and
    0013."""
    import psycopg

    from dutydesk.store.models import PARTIAL_ON_BOTH, Case

    partial = {index.name for index in Case.__table__.indexes
               if index.info.get(PARTIAL_ON_BOTH)}
    assert len(partial) == 4
    assert main(["init", "--db", pg_url]) == 0
    with psycopg.connect(libpq_url(pg_url)) as connection:
        made = dict(connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_case_open_%'"))
    for name in partial:
        assert "WHERE" in made[name] and "'verified'" in made[name], made[name]


def test_an_older_postgresql_desk_is_refused_until_upgraded_in_place(pg_url, capsys):
    """A desk made at schema 11 (the first PostgreSQL desks): every command refuses it
    untouched and names `upgrade`; `upgrade` is refused while another session has it open,
    then runs revisions 0012 and 0013 in place (their indexes are there after, the ones they
    replace gone) and says so; once."""
    import psycopg

    from dutydesk.store import migrations
    from dutydesk.store.engine import Database
    from dutydesk.store.postgres import PostgresDatabase

    assert main(["init", "--db", pg_url]) == 0
    db = Database.open(pg_url)
    with db.write() as session:
        migrations.downgrade(session.connection(), 11)  # as the version before made it
    db.dispose()

    def indexed() -> bool:
        with psycopg.connect(libpq_url(pg_url)) as connection:
            names = {row[0] for row in connection.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_case_open_street%'")}
        return names == {"ix_case_open_street_created", "ix_case_open_street_work"}

    assert not indexed()
    capsys.readouterr()
    assert main(["sweep", "--db", pg_url]) == 1
    assert "upgrade" in capsys.readouterr().err
    session = PostgresDatabase(pg_url)  # another session (of the older version) has it open
    assert main(["upgrade", "--db", pg_url]) == 1
    assert "正被其他会话使用" in capsys.readouterr().err and not indexed()
    session.dispose()
    assert main(["upgrade", "--db", pg_url]) == 0
    assert "从结构版本 11 升级到 13" in capsys.readouterr().out and indexed()
    assert main(["sweep", "--db", pg_url]) == 0
    assert main(["upgrade", "--db", pg_url]) == 0
    assert "已是最新（结构版本 13）" in capsys.readouterr().out
