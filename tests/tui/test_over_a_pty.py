"""The real program on a real pseudo-terminal, with keys written in one burst as an SSH packet
delivers them: each key must land where it was meant."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

import pytest
from sqlmodel import select as sql_select

from dutydesk.clock import SystemClock
from dutydesk.services.cases import create_case
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database
from dutydesk.store.models import Event
from tests.services.helpers import standard_draft

MARK = "PTYBURST7"


class Terminal:
    def __init__(self, argv: list[str], columns: int = 100, rows: int = 30) -> None:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the desk, as an officer's login shell would start it
            os.environ.update(TERM="xterm-256color", COLORTERM="truecolor")
            os.execv(sys.executable, [sys.executable, *argv])
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.output = b""

    def read_until(self, needle: bytes, seconds: float = 30) -> bool:
        deadline = time.monotonic() + seconds
        while needle not in self.output and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    break
        return needle in self.output

    def drain(self, seconds: float) -> None:
        self.read_until(b"\x00never\x00", seconds)

    def write(self, data: str) -> None:
        os.write(self.fd, data.encode())  # one write: the keys arrive together

    def alive(self) -> bool:
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:  # reaped elsewhere: ask the kernel instead
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return False
            return True

    def close(self) -> None:
        if self.alive():
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the SSH server")
def test_a_burst_of_keys_over_a_pty_lands_where_meant(demo_path):
    db = Database.open(demo_path)
    desk = Desk(db, SystemClock())
    case_id = create_case(desk, desk.actor("liuyang"), standard_draft(summary=MARK))
    terminal = Terminal(["-m", "dutydesk.cli", "--db", str(demo_path), "--as", "zhaolei"])
    try:
        assert terminal.read_until(MARK.encode()), "the queue never showed the new case"
        terminal.drain(1.0)  # its detail pane is read in a worker
        # `/q` types q into the search box rather than quitting; Esc leaves the box.
        terminal.write("/q")
        terminal.drain(1.5)
        assert terminal.alive(), terminal.output[-2000:]
        terminal.write("\x1b")
        terminal.drain(1.0)
        # x (不予受理) + a reason + Ctrl+S, all in one packet.
        terminal.write("x重复来电，已合并处理\x13")
        for _ in range(100):
            with db.read() as s:
                reasons = s.exec(sql_select(Event.payload).where(
                    Event.case_id == case_id, Event.action == "reject")).all()
            if reasons:
                break
            time.sleep(0.1)
        assert reasons and "重复来电，已合并处理" in reasons[0]
        # q asks first; n answers no; Ctrl+Q quits at once.
        terminal.write("qn")
        terminal.drain(1.0)
        assert terminal.alive()
        terminal.write("\x11")
        for _ in range(100):
            if not terminal.alive():
                break
            time.sleep(0.1)
        assert not terminal.alive()
    finally:
        terminal.close()
        db.dispose()


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the SSH server")
def test_keys_through_a_picker_in_one_burst_are_saved(demo_path):
    """n, a summary, Tab to 所属网格, Enter Down Enter, Ctrl+S: one packet, one saved case
    placed where the keys chose (Textual's Select lost Down and Enter to its overlay)."""
    from dutydesk.services.queue import reference_choices
    from dutydesk.store.models import Case, Node

    db = Database.open(demo_path)
    desk = Desk(db, SystemClock())
    first_place = reference_choices(desk, desk.actor("zhaolei"))["nodes"][0].code
    terminal = Terminal(["-m", "dutydesk.cli", "--db", str(demo_path), "--as", "zhaolei"])
    try:
        assert terminal.read_until("受理".encode()), terminal.output[-2000:]
        terminal.drain(1.5)
        terminal.write(f"n{MARK}\t\t\t\t\r\x1b[B\r\x13")
        placed = None
        for _ in range(100):
            with db.read() as s:
                placed = s.exec(sql_select(Node.code).join(Case, Case.node_id == Node.id)
                                .where(Case.summary == MARK)).first()
            if placed:
                break
            time.sleep(0.1)
        assert placed == first_place, terminal.output[-2000:]
    finally:
        terminal.close()
        db.dispose()


SYNC_QUERY, SYNC_REPLY = b"\x1b[?2026$p", b"\x1b[?2026;2$y"
SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the SSH server")
def test_the_first_frame_drawn_is_the_whole_board(demo_path):
    """The terminal's first frame (Textual draws each between synchronized-output marks, once
    the terminal says it has them) already holds the whole queue: its bars, the search field,
    the rows, the counts and the detail pane with its rule — not a part of it to be finished
    by the frames after."""
    import pyte

    terminal = Terminal(["-m", "dutydesk.cli", "--db", str(demo_path), "--as", "zhaolei"],
                        columns=100, rows=30)
    try:
        assert terminal.read_until(SYNC_QUERY), terminal.output[-2000:]
        os.write(terminal.fd, SYNC_REPLY)
        assert terminal.read_until(SYNC_END), terminal.output[-2000:]
        screen = pyte.Screen(100, 30)
        pyte.ByteStream(screen).feed(terminal.output[:terminal.output.index(SYNC_END)])
        drawn = "\n".join(screen.display)
        for seen in ("受理队列", "待我处理", "搜索摘要", "共 ", "今日受理", "工单 ", "────"):
            assert seen in drawn, drawn
        assert sum(1 for line in screen.display if "待受理" in line) >= 3, drawn  # the rows
    finally:
        terminal.close()


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as on the SSH server")
def test_a_desk_whose_terminal_went_away_ends(demo_path):
    """Started without a controlling terminal (a supervisor, setsid), a desk gets no SIGHUP
    when its terminal closes: it saw end of input over and over (Textual's reader spun at
    70-80% of a CPU, for good). It ends within seconds."""
    import subprocess

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "dutydesk.cli", "--db", str(demo_path), "--as", "zhaolei"],
        stdin=slave, stdout=slave, stderr=slave, start_new_session=True, close_fds=True,
        env=dict(os.environ, TERM="xterm-256color"))
    os.close(slave)
    try:
        output, deadline = b"", time.monotonic() + 30
        while "受理队列".encode() not in output and time.monotonic() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                output += os.read(master, 65536)
        assert "受理队列".encode() in output, output[-2000:]
        os.close(master)
        master = None
        process.wait(timeout=15)  # (TimeoutExpired: still running)
    finally:
        if master is not None:
            os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
