"""Who an officer is: `serve --officer` for SSH sessions (the environment cannot change it), the
operating system account by uid for local runs (not LOGNAME), and the authorized_keys lines
that force `serve` for each officer's key."""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path

import pytest

from dutydesk import cli, ssh_keys
from dutydesk.errors import DutyDeskError
from dutydesk.services.officers import list_officers


@pytest.fixture
def opened(monkeypatch):
    """Who the desk would open as (the app is not run)."""
    seen = []

    def run(self):
        seen.append(self.actor.login)

    monkeypatch.setattr("dutydesk.tui.app.DutyDeskApp.run", run)
    return seen


def test_serve_acts_as_the_officer_whatever_the_environment_says(db_path, opened, monkeypatch):
    monkeypatch.setattr(cli, "_has_terminal", lambda: True)  # as under ssh -t
    monkeypatch.setenv("LOGNAME", "zhaolei")
    monkeypatch.setenv("USER", "zhaolei")
    assert cli.main(["serve", "--officer", "liuyang", "--db", str(db_path)]) == 0
    assert opened == ["liuyang"]


def test_serve_without_a_terminal_runs_nothing(db_path, opened, capsys):
    assert cli.main(["serve", "--officer", "liuyang", "--db", str(db_path)]) == 1
    assert "ssh -t" in capsys.readouterr().err and opened == []


def test_a_desk_started_without_a_terminal_runs_nothing(demo_path, opened, capsys):
    """From a script or a cron job: Textual would read end of input forever, at most of a
    CPU. One sentence instead."""
    assert cli.main(["--db", str(demo_path), "--as", "liuyang"]) == 1
    assert "ssh -t" in capsys.readouterr().err and opened == []


def test_serve_refuses_an_unknown_officer_and_as(db_path, opened, capsys):
    assert cli.main(["serve", "--officer", "nobody", "--db", str(db_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nobody" in err
    assert cli.main(["serve", "--officer", "liuyang", "--as", "zhaolei",
                     "--db", str(db_path)]) == 1
    assert opened == []


def test_a_local_run_is_the_account_by_uid_not_logname(db_path, opened, monkeypatch, capsys):
    monkeypatch.setenv("LOGNAME", "zhaolei")
    monkeypatch.setenv("USER", "zhaolei")
    account = cli.local_login()
    assert account != "zhaolei" or os.getuid() != 0
    assert cli.main(["--db", str(db_path)]) == 1  # this machine's account is no officer
    assert account in capsys.readouterr().err and opened == []


def _key(seed: int) -> str:
    body = struct.pack(">I", 11) + b"ssh-ed25519" + struct.pack(">I", 32) + bytes([seed]) * 32
    return f"ssh-ed25519 {base64.b64encode(body).decode()} officer@laptop"


def test_keys_are_validated_and_given_to_one_officer_only(tmp_path):
    keys = tmp_path / "authorized_keys"
    keys.write_text("ssh-ed25519 AAAA-somebody-elses-line kept\n", "utf-8")
    key = ssh_keys.parse_key(_key(1))
    ssh_keys.add_key(keys, "liuyang", key, "/opt/dutydesk/bin/dutydesk", tmp_path / "d.db")
    ssh_keys.add_key(keys, "liuyang", key, "/opt/dutydesk/bin/dutydesk", tmp_path / "d.db")
    lines = keys.read_text("utf-8").splitlines()
    assert lines[0] == "ssh-ed25519 AAAA-somebody-elses-line kept"  # not ours: untouched
    assert len(lines) == 2 and lines[1].startswith(
        'command="/opt/dutydesk/bin/dutydesk serve --officer liuyang --db ')
    assert ',restrict,pty ssh-ed25519 ' in lines[1]
    assert oct(keys.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(DutyDeskError) as taken:
        ssh_keys.add_key(keys, "chenjing", key, "/opt/dutydesk/bin/dutydesk", None)
    assert "liuyang" in taken.value.message()
    for bad in ("ssh-ed25519", "ssh-dss AAAAB3NzaC1kc3M= x", "ssh-ed25519 !!!notbase64!!!",
                "ssh-rsa " + _key(2).split()[1]):  # the blob names another type
        with pytest.raises(DutyDeskError):
            ssh_keys.parse_key(bad)
    assert ssh_keys.remove_keys(keys, "liuyang") == 1
    assert keys.read_text("utf-8").splitlines() == ["ssh-ed25519 AAAA-somebody-elses-line kept"]


def test_officers_commands_add_keys_and_deactivate(db_path, tmp_path, capsys):
    keys = tmp_path / "ak"
    pub = tmp_path / "liuyang.pub"
    pub.write_text(_key(3) + "\n", "utf-8")
    base = ["--db", str(db_path), "--as", "admin", "--authorized-keys", str(keys)]
    assert cli.main(["officers", "add-key", "liuyang", str(pub), *base]) == 0
    assert "serve --officer liuyang" in keys.read_text("utf-8")
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key", "utf-8")
    assert cli.main(["officers", "add-key", "liuyang", str(bad), *base]) == 1
    assert cli.main(["officers", "add-key", "chenjing", str(pub), *base]) == 1  # taken
    assert cli.main(["officers", "add", "sunli", "--name", "孙丽", "--role", "officer",
                     "--node", "HTP", "--db", str(db_path), "--as", "admin"]) == 0
    assert cli.main(["officers", "deactivate", "liuyang", *base]) == 0
    assert "serve --officer liuyang" not in keys.read_text("utf-8")  # the key goes too
    capsys.readouterr()
    assert cli.main(["officers", "list", *base]) == 0
    listing = capsys.readouterr().out
    assert "sunli" in listing and "孙丽" in listing
    from dutydesk.clock import SystemClock
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database

    db = Database.open(db_path)
    try:
        rows = {r.login: r for r in list_officers(Desk(db, SystemClock()))}
    finally:
        db.dispose()
    assert rows["liuyang"].active is False and rows["sunli"].role == "officer"
    assert cli.main(["officers", "add", "x", "--name", "X", "--role", "officer",
                     "--node", "HTP", "--db", str(db_path), "--as", "liuyang"]) == 1


def test_a_line_break_in_a_path_never_splits_a_key_line(tmp_path):
    """A newline in --db (or the program's path) made a second line: another key with no
    forced command — a shell through sshd. Refused, and the file is not touched."""
    keys = tmp_path / "authorized_keys"
    evil = "/srv/desk.db\nssh-ed25519 " + _key(9).split()[1] + " attacker"
    for program, db in (("/usr/bin/dutydesk", Path(evil)), ("/usr/bin/dutydesk\rx", None),
                        ("/usr/bin/dutydesk\u2028x", None)):
        with pytest.raises(DutyDeskError):
            ssh_keys.add_key(keys, "liuyang", ssh_keys.parse_key(_key(1)), program, db)
    assert not keys.exists()
    ssh_keys.add_key(keys, "liuyang", ssh_keys.parse_key(_key(1)), "/usr/bin/dutydesk",
                     Path("/srv/desk.db"))
    [line] = keys.read_text("utf-8").splitlines()
    assert line.startswith('command="') and ",restrict,pty ssh-ed25519 " in line


def test_parallel_add_key_processes_keep_every_key(tmp_path, db_path):
    """16 processes adding 16 keys at once: all 16 are there (they kept 9–13 before)."""
    import subprocess
    import sys

    keys = tmp_path / "authorized_keys"
    # Each process imports ssh_keys alone (30 ms; this module would bring pytest and the
    # services: a second each).
    script = ("import sys; from pathlib import Path; from dutydesk import ssh_keys\n"
              "ssh_keys.add_key(Path(sys.argv[1]), 'liuyang', ssh_keys.parse_key(sys.argv[2]),"
              " '/usr/bin/dutydesk', None)\n")
    workers = [subprocess.Popen([sys.executable, "-c", script, str(keys), _key(n)])
               for n in range(10, 26)]
    assert [w.wait(timeout=120) for w in workers] == [0] * 16
    _, entries = ssh_keys.read_entries(keys)
    assert sorted(e.key.material for e in entries) == sorted(
        ssh_keys.parse_key(_key(n)).material for n in range(10, 26))


def test_a_symlinked_authorized_keys_is_followed_not_replaced(tmp_path):
    real = tmp_path / "real_keys"
    real.write_text("ssh-ed25519 AAAA-somebody-elses-line kept\n", "utf-8")
    link = tmp_path / "authorized_keys"
    link.symlink_to(real)
    ssh_keys.add_key(link, "liuyang", ssh_keys.parse_key(_key(2)), "/usr/bin/dutydesk", None)
    assert link.is_symlink() and link.resolve() == real
    assert "serve --officer liuyang" in real.read_text("utf-8")
    assert "kept" in real.read_text("utf-8")
