"""The desk as an officer's terminal sees it, beside a bare 50-row Textual DataTable app in the
same run: start to a complete first frame, cursor-down to a complete frame (and how many frames
each key took), and the import time of the app against `import textual.app, sqlmodel`.

A start is timed twice: to the frame after which the screen (read back by a terminal emulator,
pyte) no longer changes — the first frame that is whole — and to the last frame written before
a second of quiet (a whole frame may be repainted unchanged after it).

    python benchmarks/pty_bench.py [--cases 1000000] [--keys 60] [--size 120x40]

Both programs run in a real pseudo-terminal. The harness answers Textual's query for
synchronized output, so every frame arrives between ESC[?2026h and ESC[?2026l: a key's frames
are counted, and its latency is the time from writing the key to the end of its last frame.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"
SYNC_QUERY, SYNC_REPLY = b"\x1b[?2026$p", b"\x1b[?2026;2$y"
DOWN = b"\x1b[B"

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable

class Bare(App):
    def compose(self):
        yield DataTable()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.cursor_type = "row"
        table.add_columns("编号", "时间", "类别", "事项", "状态")
        for n in range(50):
            table.add_row(str(n), "11-23 10:00", "市容环境", f"道路油污，行人易滑倒 {n}", "待受理")
        table.focus()

Bare().run()
"""


class Terminal:
    """A program on a pseudo-terminal of a given size, read as bytes with their arrival
    times."""

    def __init__(self, argv: list[str], columns: int, lines: int, env: dict) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                        env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.received = b""

    def read_until_quiet(self, quiet: float, limit: float) -> list[tuple[float, bytes]]:
        """Chunks (arrival time, bytes) until nothing came for `quiet` seconds."""
        chunks: list[tuple[float, bytes]] = []
        give_up = time.perf_counter() + limit
        while time.perf_counter() < give_up:
            ready, _, _ = select.select([self.master], [], [], quiet)
            if not ready:
                break
            try:
                data = os.read(self.master, 65536)
            except OSError:
                break
            now = time.perf_counter()
            if SYNC_QUERY in data:
                os.write(self.master, SYNC_REPLY)
            chunks.append((now, data))
        return chunks

    def key(self, data: bytes, quiet: float = 0.25) -> tuple[float, int]:
        """Write a key; (seconds to the end of its last frame, frames it took)."""
        sent = time.perf_counter()
        os.write(self.master, data)
        chunks = self.read_until_quiet(quiet, 5.0)
        stream = b"".join(c for _, c in chunks)
        ended = max((at for at, c in chunks if SYNC_END in c), default=sent)
        return ended - sent, stream.count(SYNC_START)

    def close(self) -> None:
        try:
            os.write(self.master, b"\x11")  # Ctrl+Q
            self.process.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def start(argv: list[str], size: tuple[int, int],
          ready: bytes) -> tuple[Terminal, float, float, int]:
    """A started program, the seconds to the frame that made its screen whole (what it shows
    then changes no more: counts and details that come later are part of it), the seconds
    to its last frame before a second of quiet, and the bytes it wrote until then (what a
    start costs over SSH)."""
    import pyte

    env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", LANG="C.UTF-8")
    env.pop("NO_COLOR", None)
    terminal = Terminal(argv, *size, env)
    chunks = terminal.read_until_quiet(1.0, 60.0)
    while ready not in b"".join(c for _, c in chunks):
        more = terminal.read_until_quiet(1.0, 60.0)
        if not more:
            terminal.close()
            raise SystemExit(f"never drew {ready!r}: {argv}")
        chunks += more
    screen = pyte.Screen(*size)
    stream = pyte.ByteStream(screen)
    whole_at, shown = chunks[-1][0], None
    for at, chunk in chunks:
        stream.feed(chunk)
        if SYNC_END in chunk and screen.display != shown:
            shown, whole_at = list(screen.display), at
    return (terminal, whole_at - terminal.started, chunks[-1][0] - terminal.started,
            sum(len(c) for _, c in chunks))


def run(argv: list[str], size: tuple[int, int], keys: int, starts: int, ready: bytes) -> dict:
    """`starts` starts (the median is kept); the last one then takes `keys` cursor-downs."""
    times, last_frames, written = [], [], []
    for attempt in range(starts):
        terminal, seconds, last_frame, start_bytes = start(argv, size, ready)
        times.append(seconds)
        last_frames.append(last_frame)
        written.append(start_bytes)
        if attempt < starts - 1:
            terminal.close()
    try:
        for _ in range(3):
            terminal.key(DOWN)  # warm-up
        latencies, frames = [], []
        for _ in range(keys):
            latency, count = terminal.key(DOWN)
            latencies.append(latency)
            frames.append(count)
        return {"start": statistics.median(times), "last_frame": statistics.median(last_frames),
                "start_bytes": statistics.median(written), "latencies": latencies,
                "frames": frames}
    finally:
        terminal.close()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def import_time(statement: str, runs: int = 7) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    samples = [float(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                    text=True, check=True).stdout) for _ in range(runs)]
    return min(samples)  # noise only ever adds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--login", default="chenjing")
    args = parser.parse_args()
    columns, lines = (int(n) for n in args.size.split("x"))

    from generate import data_path, generate

    # An installed package has its bytecode (pip compiles it at install); an editable checkout
    # has it once first run, unless PYTHONDONTWRITEBYTECODE is set (as on the build machines):
    # compile it, or every start here would compile dutydesk from source while Textual,
    # SQLAlchemy and the bare app load theirs.
    import compileall
    import dutydesk

    compileall.compile_dir(Path(dutydesk.__file__).parent, quiet=1)

    database = data_path(args.cases)
    if not database.exists():
        generate(args.cases, database)
    # A copy per run: the desk writes (its sweep) and must not change the shared data.
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "desk.db"
        subprocess.run(["cp", str(database), str(copy)], check=True)
        desk_cli = Path(sys.executable).with_name("dutydesk")
        # The cards a desk that has been running has written already: otherwise the first
        # session's sweep writes thousands of them while the keys are being timed.
        subprocess.run([str(desk_cli), "--db", str(copy), "sweep"], check=True,
                       capture_output=True)
        bare_script = Path(folder) / "bare.py"
        bare_script.write_text(BARE_APP, encoding="utf-8")
        results = {
            "bare DataTable": run([sys.executable, str(bare_script)], (columns, lines),
                                  args.keys, args.starts, "道路油污".encode()),
            "dutydesk queue": run([str(desk_cli), "--db", str(copy), "--as", args.login],
                                  (columns, lines), args.keys, args.starts, "受理队列".encode()),
        }
    print(f"pty {columns}x{lines}, {args.cases:,} cases: start median of {args.starts}, "
          f"{args.keys} cursor-down keys")
    for name, r in results.items():
        lat = [x * 1000 for x in r["latencies"]]
        print(f"  {name:<16} start {r['start'] * 1000:7.0f} ms (last frame "
              f"{r['last_frame'] * 1000:.0f} ms, {r['start_bytes'] / 1024:.0f} KB)   cursor p50 "
              f"{statistics.median(lat):6.1f} ms  p95 {percentile(lat, 0.95):6.1f} ms   "
              f"frames per key {statistics.mean(r['frames']):.2f} "
              f"(max {max(r['frames'])})")
        slow = sorted(zip(lat, r["frames"], range(len(lat))), reverse=True)[:5]
        print(f"  {'':<16} slowest: "
              + ", ".join(f"key {i}: {ms:.0f} ms, {n} frames" for ms, n, i in slow))
    bare, desk = results["bare DataTable"], results["dutydesk queue"]
    print(f"  ratio            start {desk['start'] / bare['start']:.2f}x (last frame "
          f"{desk['last_frame'] / bare['last_frame']:.2f}x)   cursor p95 "
          f"{percentile(desk['latencies'], 0.95) / percentile(bare['latencies'], 0.95):.2f}x")
    base = import_time("import textual.app, sqlmodel")
    app = import_time("import dutydesk.tui.app")
    print(f"  import           textual.app+sqlmodel {base * 1000:.0f} ms   dutydesk.tui.app "
          f"{app * 1000:.0f} ms   ratio {app / base:.2f}x")


if __name__ == "__main__":
    main()
