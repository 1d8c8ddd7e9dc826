"""The command line: exit codes, and one clear line on stderr for a user's mistake."""

from __future__ import annotations

import subprocess
import sys

from dutydesk.cli import main


def test_demo_no_ui_builds_a_database(tmp_path, capsys):
    target = tmp_path / "d.db"
    assert main(["demo", "--db", str(target), "--no-ui"]) == 0
    assert target.exists()


def test_missing_database_is_one_line_not_a_traceback(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.db")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dutydesk demo" in err and "Traceback" not in err


def test_bad_language_is_refused(tmp_path, capsys):
    assert main(["--lang", "fr", "--db", str(tmp_path / "x.db")]) == 1
    assert "fr" in capsys.readouterr().err


def test_as_is_refused_on_a_real_database(tmp_path, db_path, capsys):
    import sqlite3

    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE meta SET value = replace(value, '\"is_demo\": true', "
                    "'\"is_demo\": false') WHERE key = 'settings'")
    assert main(["--db", str(db_path), "--as", "zhaolei", "--lang", "en"]) == 1
    assert "--as" in capsys.readouterr().err


def test_unknown_login_is_refused(db_path, capsys, monkeypatch):
    monkeypatch.setenv("USER", "stranger")
    monkeypatch.setenv("LOGNAME", "stranger")
    from dutydesk.cli import local_login

    assert main(["--db", str(db_path), "--lang", "en"]) == 1
    assert local_login() in capsys.readouterr().err  # the account by uid, not the variables


def test_the_console_script_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "dutydesk", "demo", "--no-ui", "--db",
                             str(tmp_path / "d.db")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_calendar_command_enters_a_year(db_path, tmp_path, capsys):
    calendar = tmp_path / "2027.toml"
    from dutydesk.domain.workcalendar import statutory_holidays

    days = ", ".join(f'"{d.isoformat()}"' for d in sorted(statutory_holidays(2027)))
    calendar.write_text(f'[[year]]\nyear = 2027\nholidays = [{days}]\nworkdays = []\n', "utf-8")
    assert main(["calendar", str(calendar), "--db", str(db_path), "--as", "admin"]) == 0
    assert "2027" in capsys.readouterr().out


def test_calendar_command_refuses_a_bad_file(db_path, tmp_path, capsys):
    calendar = tmp_path / "bad.toml"
    calendar.write_text('[[year]]\nyear = 2027\nholidays = ["2026-01-01"]\nworkdays = []\n', "utf-8")
    assert main(["calendar", str(calendar), "--db", str(db_path), "--as", "admin"]) == 1
    assert "bad.toml" in capsys.readouterr().err


def test_the_database_comes_from_the_environment(db_path, monkeypatch, capsys):
    monkeypatch.setenv("DUTYDESK_DB", str(db_path.parent / "elsewhere.db"))
    assert main(["--lang", "en"]) == 1
    assert "elsewhere.db" in capsys.readouterr().err


def test_init_creates_an_empty_real_desk_and_never_replaces_one(tmp_path, capsys, monkeypatch):
    from dutydesk.clock import SystemClock
    from dutydesk.services.context import Desk
    from dutydesk.services.queue import QueueFilter, View, queue_count
    from dutydesk.store.engine import Database

    target = tmp_path / "desk.db"
    assert main(["init", "--db", str(target)]) == 0
    db = Database.open(target)
    desk = Desk(db, SystemClock())
    assert not desk.settings.is_demo
    assert queue_count(desk, desk.actor("zhaolei"), QueueFilter(view=View.ALL)) == 0
    db.dispose()
    assert main(["init", "--db", str(target)]) == 1
    assert "desk.db" in capsys.readouterr().err
    # A real desk refuses --as.
    assert main(["--db", str(target), "--as", "zhaolei"]) == 1


def test_options_before_the_sub_command_are_kept(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "first.db"
    assert main(["--db", str(target), "--lang", "en", "demo", "--no-ui"]) == 0
    assert target.exists()


def test_an_empty_as_is_refused(demo_path, capsys):
    assert main(["--db", str(demo_path), "--as", " "]) == 1
    assert "--as" in capsys.readouterr().err


def test_init_does_not_create_missing_folders(tmp_path, capsys):
    assert main(["init", "--db", str(tmp_path / "no" / "such" / "desk.db")]) == 1
    assert not (tmp_path / "no").exists()
    assert capsys.readouterr().err.count("\n") == 1


def test_import_110_adds_the_sample_and_refuses_a_bad_file(db_path, tmp_path, capsys):
    from dutydesk.scenario.demo import seed_dir

    sample = seed_dir() / "samples" / "110-export.csv"
    assert main(["import-110", str(sample), "--db", str(db_path), "--as", "liuyang"]) == 0
    assert "新增 3 条" in capsys.readouterr().out
    assert main(["import-110", str(sample), "--db", str(db_path), "--as", "liuyang"]) == 0
    assert "新增 0 条，已存在 3 条" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("警情编号,接警时间,简要警情\nB1,明天,坏时间\n", "utf-8")
    assert main(["import-110", str(bad), "--db", str(db_path), "--as", "liuyang"]) == 1
    err = capsys.readouterr().err
    assert "第 2 行「接警时间」" in err and "Traceback" not in err


def test_export_110_feedback_and_total_110(db_path, tmp_path, capsys):
    out = tmp_path / "fb.csv"
    assert main(["export-110-feedback", "--since", "2026-11-01", "--output", str(out),
                 "--db", str(db_path), "--as", "liuyang"]) == 0
    assert out.read_text("utf-8-sig").startswith("警情编号")
    assert main(["export-110-feedback", "--since", "昨天", "--output", str(out),
                 "--db", str(db_path), "--as", "liuyang"]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["total-110", "--from", "2026-11-01", "--to", "2026-11-30", "--total", "7000",
                 "--db", str(db_path), "--as", "liuyang"]) == 0


def test_report_writes_the_chosen_period_and_refuses_bad_options(demo_path, tmp_path, capsys):
    out = tmp_path / "week.md"
    assert main(["report", "weekly", "--period", "2026-W48", "--output", str(out),
                 "--db", str(demo_path), "--as", "zhaolei"]) == 0
    assert out.read_text("utf-8").startswith("# 黄土坡街道 工作统计 2026-W48")
    assert main(["report", "monthly", "--period", "2026-11", "--node", "CJW", "--format", "csv",
                 "--output", str(tmp_path / "cjw"), "--db", str(demo_path), "--as",
                 "huangxia"]) == 0
    assert (tmp_path / "cjw").read_bytes().startswith("\ufeff曹家湾社区".encode())
    capsys.readouterr()
    for options, words in ((["weekly", "--period", "2026-11"], "2026-11"),
                           (["monthly", "--period", "2026-13"], "2026-13"),
                           (["monthly", "--node", "HTP"], "辖区"),
                           (["monthly", "--output", str(tmp_path / "r.pdf")], "pdf")):
        login = "huangxia" if "--node" in options else "zhaolei"
        assert main(["report", *options, "--db", str(demo_path), "--as", login]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err
    assert sorted(p.name for p in tmp_path.iterdir() if "demo" not in p.name) == ["cjw", "week.md"]


def test_report_defaults_to_the_last_complete_month(demo_path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report", "monthly", "--db", str(demo_path), "--as", "zhaolei"]) == 0
    assert not list(tmp_path.glob("report-*"))  # not the folder it was started in
    [written] = (tmp_path / "exports").glob("report-*.xlsx")  # $DUTYDESK_EXPORTS
    said = capsys.readouterr().out
    assert written.name.startswith("report-20") and "已导出" in said and str(written) in said


def test_an_older_file_is_refused_until_upgrade_is_run(demo_path, tmp_path, capsys):
    """A command on an older file changes nothing and names what to run; `upgrade` says what
    it does before it does it, refuses while a session has the file open, and runs once."""
    import fcntl
    import sqlite3

    from dutydesk.store.models import SCHEMA_VERSION
    from tests.store.test_engine import _undo_migrations_after

    raw = sqlite3.connect(demo_path)
    _undo_migrations_after(raw, 7)
    raw.commit()
    raw.close()
    before = demo_path.read_bytes()
    weekly = ["report", "weekly", "--period", "2026-W48", "--output", str(tmp_path / "w.md"),
              "--db", str(demo_path), "--as", "zhaolei"]
    assert main(weekly) == 1
    err = capsys.readouterr().err
    assert f"dutydesk upgrade --db {demo_path}" in err and "dutydesk backup" in err
    assert demo_path.read_bytes() == before and not (tmp_path / "w.md").exists()

    with open(demo_path, "rb") as held:  # a session of an older dutydesk has it open
        fcntl.flock(held, fcntl.LOCK_SH)
        assert main(["upgrade", "--db", str(demo_path)]) == 1
        assert "正被其他会话使用" in capsys.readouterr().err
    assert main(["upgrade", "--db", str(demo_path)]) == 0
    captured = capsys.readouterr()
    assert f"版本 7 → {SCHEMA_VERSION}" in captured.err and captured.err.count("\n") == 1
    assert f"从结构版本 7 升级到 {SCHEMA_VERSION}" in captured.out
    assert main(["upgrade", "--db", str(demo_path)]) == 0
    assert "已是最新" in capsys.readouterr().out
    assert main(weekly) == 0


def test_a_bad_option_is_quoted_back_safe_and_short(demo_path, capsys):
    """What was typed comes back in the message without its escape sequences, and cut."""
    for value in ("2026\x1b[31mRED", "9" * 5000):
        assert main(["report", "monthly", "--period", value, "--db", str(demo_path),
                     "--as", "zhaolei"]) == 1
        err = capsys.readouterr().err
        assert "\x1b" not in err and err.count("\n") == 1 and len(err) < 400
    assert main(["report", "monthly", "--node", "\x1b]0;pwned\x07", "--db", str(demo_path),
                 "--as", "zhaolei"]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "␛" in err


def test_revisits_name_the_wrong_officer_or_community_and_refuse_out_of_scope(demo_path,
                                                                              tmp_path, capsys):
    base = ["--db", str(demo_path), "--as", "huangxia"]  # 曹家湾社区's liaison
    out = str(tmp_path / "r.ics")
    assert main(["revisits", "--ics", out, "--officer", "nobody", *base]) == 1
    assert "没有登录名为 nobody 的人员" in capsys.readouterr().err
    assert main(["revisits", "--ics", out, "--community", "NOPE", *base]) == 1
    assert "没有代码为 NOPE 的社区" in capsys.readouterr().err
    assert main(["revisits", "--ics", out, "--community", "JSZL", *base]) == 1  # another's
    assert "不在您的辖区范围内" in capsys.readouterr().err
    assert not (tmp_path / "r.ics").exists()


def test_a_recorded_110_total_is_replaced_only_when_asked(db_path, capsys):
    base = ["--from", "2026-11-01", "--to", "2026-11-30", "--db", str(db_path), "--as", "liuyang"]
    assert main(["total-110", "--total", "7000", *base]) == 0
    assert main(["total-110", "--total", "7000", *base]) == 0  # the same figure again: fine
    capsys.readouterr()
    assert main(["total-110", "--total", "0", *base]) == 1
    said = capsys.readouterr().err
    assert "7000" in said and "--replace" in said
    assert main(["total-110", "--total", "0", "--replace", *base]) == 0


def test_officers_commands_say_what_they_did_and_are_the_admins(demo_path, tmp_path, capsys):
    from tests.test_identity import _key

    keys = tmp_path / "ak"
    pub = tmp_path / "k.pub"
    pub.write_text(_key(5) + "\n", "utf-8")
    admin = ["--db", str(demo_path), "--as", "admin"]
    assert main(["officers", "add", "sunli", "--name", "孙丽", "--role", "officer",
                 "--node", "HTP", *admin]) == 0
    assert capsys.readouterr().out.strip() == "已添加 sunli：孙丽，值班员，黄土坡街道"
    # On a demo the key file is never the running account's own by default.
    assert main(["officers", "add-key", "sunli", str(pub), *admin]) == 1
    assert "--authorized-keys" in capsys.readouterr().err
    assert main(["officers", "add-key", "sunli", str(pub), "--authorized-keys", str(keys),
                 *admin]) == 0
    said = capsys.readouterr().out
    assert "sunli" in said and str(keys) in said
    assert main(["officers", "list", "--db", str(demo_path), "--as", "liuyang"]) == 1
    assert "无权" in capsys.readouterr().err


def test_commands_find_the_demo_when_it_is_the_only_desk(tmp_path, monkeypatch, capsys):
    """`dutydesk demo` makes demo.db in the user data directory; a second terminal's command
    without --db finds it there (no dutydesk.db beside it)."""
    monkeypatch.delenv("DUTYDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert main(["demo", "--no-ui"]) == 0
    assert (tmp_path / "dutydesk" / "demo.db").exists()
    capsys.readouterr()
    assert main(["revisits", "--ics", str(tmp_path / "r.ics"), "--as", "zhaolei"]) == 0
    assert (tmp_path / "r.ics").exists()


def test_export_110_feedback_to_a_folder_or_nowhere_is_one_line(db_path, tmp_path, capsys):
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    for target in (folder, tmp_path / "missing" / "fb.csv", "/proc/x/fb.csv"):
        assert main(["export-110-feedback", "--since", "2026-11-01", "--output", str(target),
                     "--db", str(db_path), "--as", "liuyang"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err and "无法写入" in err


def test_a_quoted_value_stays_on_its_line(demo_path, tmp_path, capsys):
    """A LOGIN with a line break forged extra lines in cron logs: it is quoted on one line."""
    assert main(["--db", str(demo_path), "--as", "nobody\nFAKE: all good", "revisits",
                 "--ics", str(tmp_path / "r.ics")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "⏎" in err


def test_the_forced_command_runs_only_the_allowed_exports(demo_path, tmp_path, monkeypatch,
                                                          capsysbinary):
    """SSH_ORIGINAL_COMMAND: one of the read-only exports, for the key's officer, to standard
    output — byte for byte the local export; anything else is one line, nothing run."""
    monkeypatch.setenv("SSH_ORIGINAL_COMMAND", "report monthly --period 2026-11 --format csv")
    assert main(["serve", "--officer", "zhaolei", "--db", str(demo_path)]) == 0
    fetched = capsysbinary.readouterr().out
    local = tmp_path / "local.csv"
    assert main(["report", "monthly", "--period", "2026-11", "--output", str(local),
                 "--db", str(demo_path), "--as", "zhaolei"]) == 0
    assert fetched == local.read_bytes()
    capsysbinary.readouterr()
    for hostile in ("cat /etc/passwd", "report monthly --db /etc/x",
                    "report monthly --output /tmp/x", "report monthly; id",
                    "revisits --ics --officer liuyang", "export-110-feedback --since '2026"):
        monkeypatch.setenv("SSH_ORIGINAL_COMMAND", hostile)
        assert main(["serve", "--officer", "zhaolei", "--db", str(demo_path)]) == 1
        said = capsysbinary.readouterr()
        assert said.out == b"" and said.err.count(b"\n") == 1 and b"report" in said.err
    from sqlmodel import select

    from dutydesk.store.engine import Database
    from dutydesk.store.models import Event

    db = Database.open(demo_path)
    with db.read() as s:
        [export] = s.exec(select(Event).where(Event.action == "export")).all()
    db.dispose()
    assert "report monthly 2026-11 csv" in export.payload  # who took what: an event


def test_an_export_to_a_terminal_asks_for_ssh_minus_t(demo_desk):
    """`ssh -t … report …`: the bytes would land on a terminal (mangled); one sentence says
    to use -T and save the output."""
    import io

    import pytest

    from dutydesk import over_ssh
    from dutydesk.errors import DutyDeskError

    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with pytest.raises(DutyDeskError) as refused:
        over_ssh.run(demo_desk, demo_desk.actor("liuyang"), over_ssh.parse("revisits --ics"),
                     screen)
    assert "ssh -T" in refused.value.message() and screen.getvalue() == b""


def test_statistics_read_from_the_replica_named_by_report_db(demo_path, tmp_path, monkeypatch,
                                                             capsys):
    """`--report-db` (or $DUTYDESK_REPORT_DB): the report is counted from that copy, never
    from the desk's own database — a case the desk took after the copy was made is not in it,
    and the copy gives what the desk gave when the copy was made."""
    from dutydesk.clock import SimulatedClock
    from dutydesk.services.cases import create_case
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database
    from tests.conftest import T0
    from tests.services.helpers import standard_draft

    replica = tmp_path / "replica.db"
    assert main(["backup", "--db", str(demo_path), "--output", str(replica)]) == 0
    monthly = ["report", "monthly", "--period", "2026-11", "--format", "csv", "--db",
               str(demo_path), "--as", "zhaolei", "--output"]
    assert main([*monthly, str(tmp_path / "then.csv")]) == 0
    db = Database.open(demo_path)
    desk = Desk(db, SimulatedClock(T0))
    create_case(desk, desk.actor("liuyang"), standard_draft(summary="复制之后登记的"))
    db.dispose()
    assert main([*monthly, str(tmp_path / "now.csv")]) == 0
    assert main([*monthly, str(tmp_path / "replica.csv"), "--report-db", str(replica)]) == 0
    monkeypatch.setenv("DUTYDESK_REPORT_DB", str(replica))
    assert main([*monthly, str(tmp_path / "env.csv")]) == 0
    then, now = (tmp_path / "then.csv").read_bytes(), (tmp_path / "now.csv").read_bytes()
    assert then != now  # the new case counts on the desk's own database
    assert (tmp_path / "replica.csv").read_bytes() == then
    assert (tmp_path / "env.csv").read_bytes() == then


def test_backup_and_restore_name_postgresqls_own_tools_for_a_server(tmp_path, capsys):
    url = "postgresql://dutydesk@db.centre/desk"
    for command in (["backup", "--db", url, "--output", str(tmp_path / "b.db")],
                    ["restore", str(tmp_path / "b.db"), "--db", url]):
        assert main(command) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "pg_dump" in err and "pg_restore" in err
    assert list(tmp_path.iterdir()) == []
