"""End to end over a real OpenSSH server on 127.0.0.1: sshd (Debian's package, which .ci/run
installs; without it the test is skipped, and says so) on a free port with its own host key,
config and authorized_keys written by `dutydesk officers add-key`. Two officers log in with
`ssh -tt` under tmux; one signs for a 110 call and the other's board shows it; a key of no
officer is refused with one line; an officer cannot run any other command."""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dutydesk.cli import main as dutydesk

SSHD = "/usr/sbin/sshd"


def _sshd() -> str:
    if not Path(SSHD).exists():  # .ci/run installs it (Debian's openssh-server)
        pytest.skip("no sshd: install Debian's openssh-server (as .ci/run does)")
    return SSHD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                   check=True)


@pytest.fixture
def server(tmp_path, demo_path):
    if not shutil.which("tmux") or not shutil.which("ssh"):
        pytest.skip("tmux and the ssh client are needed")
    sshd = _sshd()
    user = getpass.getuser() if os.geteuid() != 0 else "root"
    port = _free_port()
    _keygen(tmp_path / "host_key")
    keys = tmp_path / "authorized_keys"
    for login in ("liuyang", "chenjing", "huangxia"):
        _keygen(tmp_path / login)
        assert dutydesk(["officers", "add-key", login, str(tmp_path / f"{login}.pub"),
                         "--authorized-keys", str(keys), "--db", str(demo_path),
                         "--as", "admin"]) == 0
    _keygen(tmp_path / "ghost")  # a key whose line names no officer
    program = str(Path(sys.executable).parent / "dutydesk")
    ghost = (tmp_path / "ghost.pub").read_text().strip()
    with keys.open("a") as f:
        f.write(f'command="{program} serve --officer ghost --db {demo_path}",restrict,pty '
                f"{ghost}\n")
    lines = keys.read_text()
    # add-key names the running program: here that is pytest, so point the lines at the
    # installed console script, as a deployment's `dutydesk officers add-key` would.
    keys.write_text(lines.replace(str(Path(sys.argv[0]).resolve()), program))
    config = tmp_path / "sshd_config"
    config.write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {tmp_path / "host_key"}
PidFile {tmp_path / "sshd.pid"}
AuthorizedKeysFile {keys}
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowUsers {user}
AcceptEnv LANG COLORTERM
""")
    Path("/run/sshd").mkdir(exist_ok=True) if os.geteuid() == 0 else None
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(config)],
                               stderr=subprocess.PIPE, text=True)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.skip(f"sshd did not start: {process.stderr.read()[-300:]}")
    yield {"port": port, "user": user, "dir": tmp_path}
    process.terminate()
    process.wait(timeout=10)


def _ssh(server, login: str, *extra: str) -> list[str]:
    return ["ssh", "-i", str(server["dir"] / login), "-p", str(server["port"]),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", *extra,
            f"{server['user']}@127.0.0.1"]


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def _screen(session: str) -> str:
    return _tmux("capture-pane", "-p", "-t", session)


def _wait(session: str, text: str, seconds: float = 20) -> str:
    deadline = time.time() + seconds
    screen = ""
    while time.time() < deadline:
        screen = _screen(session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never shown in {session}:\n{screen}")


def test_two_officers_over_ssh_see_each_others_work(server):
    port = server["port"]  # in the session names: tests on other workers have their own
    a, b = f"ssh-a-{port}", f"ssh-b-{port}"
    try:
        for session, login in ((a, "liuyang"), (b, "chenjing")):
            command = " ".join(_ssh(server, login, "-tt"))
            _tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                  f"{command}; sleep 30")
        _wait(a, "刘洋")  # each is who their key says
        _wait(b, "陈静")
        for session in (a, b):
            _tmux("send-keys", "-t", session, "F3")
        _wait(b, "1 待签收 8")
        _wait(a, "1 待签收 8")
        _tmux("send-keys", "-t", a, "k", "C-s")  # A signs for the highlighted call
        _wait(b, "2 待分流 1")  # B's board shows it, from the other session
    finally:
        for session in (a, b):
            _tmux("kill-session", "-t", session)


def test_a_key_of_no_officer_is_refused_with_one_line(server):
    result = subprocess.run(_ssh(server, "ghost", "-tt"), capture_output=True, text=True,
                            timeout=60)
    out = (result.stdout + result.stderr).strip()
    assert "ghost" in out and result.returncode != 0
    assert "Traceback" not in out


def test_an_officer_cannot_run_another_command(server):
    result = subprocess.run([*_ssh(server, "liuyang", "-T"), "cat /etc/passwd; id"],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert "root:x:0" not in result.stdout and "uid=" not in result.stdout
    assert "ssh -t" in result.stderr and result.returncode != 0  # one line, and out


def _fetch(server, login: str, command: str) -> subprocess.CompletedProcess:
    return subprocess.run([*_ssh(server, login, "-T"), command], capture_output=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def test_an_office_fetches_its_files_through_its_key(server, demo_path, tmp_path):
    """A report, an .ics and a 110 feedback file arrive on standard output byte for byte as a
    local export writes them; anything else, or another community's report, is refused."""
    exports = {
        "report monthly --period 2026-11 --format csv":
            ["report", "monthly", "--period", "2026-11", "--output", "{out}.csv"],
        "revisits --ics": ["revisits", "--ics", "{out}"],
        "export-110-feedback --since 2026-11-01 --format csv":
            ["export-110-feedback", "--since", "2026-11-01", "--output", "{out}.csv"],
    }
    for remote, local in exports.items():
        fetched = _fetch(server, "liuyang", remote)
        assert fetched.returncode == 0, fetched.stderr
        out = tmp_path / f"local-{len(local)}"
        args = [a.format(out=out) for a in local]
        assert dutydesk([*args, "--db", str(demo_path), "--as", "liuyang"]) == 0
        written = Path(args[-1])
        assert fetched.stdout == written.read_bytes() and fetched.stdout, remote
    for hostile in ("cat /etc/passwd", "report monthly --db /etc/x",
                    "report monthly --output /tmp/x"):
        refused = _fetch(server, "liuyang", hostile)
        assert refused.returncode != 0 and refused.stdout == b""
        assert refused.stderr.decode().count("\n") == 1
    other = _fetch(server, "huangxia", "report monthly --period 2026-11 --node JSZL --format csv")
    assert other.returncode != 0 and other.stdout == b"" and "辖区" in other.stderr.decode()
    own = _fetch(server, "huangxia", "report monthly --period 2026-11 --format csv")
    assert own.returncode == 0 and "曹家湾社区".encode() in own.stdout
