"""SQLite and PostgreSQL side by side on the same generated desk (1M cases, about 8M events):
the queue's first page, cursor down to a repainted row and detail (key → repaint), search
(rare, common, pinyin), the monthly report, and a write's arrival at another session.

    python benchmarks/engines_bench.py [--cases 1000000]

SQLite reads benchmarks/data (generate.py, made if missing). PostgreSQL is a throw-away
server started here (the tests' own set-up: Debian's package, fsync off — a server tuned for
durability writes slower, reads the same), or the one named by $DUTYDESK_BENCH_PG, in a
database `bench_<cases>` filled by COPY (kept there, and reused when it holds that many
cases). Each engine is measured in a process of its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SHOWN = {  # what is printed, from queue_bench's figures: (section, name)
    "first page (all)": ("queries_ms", "all, first page"),
    "first page (mine)": ("queries_ms", "mine, first page"),
    "search rare (建设东路46号)": ("queries_ms", "search 'jsdl46' (rare)"),
    "search common (道路油污)": ("queries_ms", "search '道路油污' (common)"),
    "search pinyin (jsdl)": ("queries_ms", "search 'jsdl' (pinyin)"),
    "search 2 chars (路灯)": ("queries_ms", "search '路灯' (2 chars)"),
    "case detail": ("queries_ms", "detail of a new case"),
    "key → repaint (cursor down)": ("ui_ms", "cursor down"),
    "key → repaint (page down)": ("ui_ms", "page down"),
}


def measure(target: str) -> dict:
    import queue_bench
    from feed_bench import _measure as arrivals
    from generate import NOW

    from dutydesk.clock import SimulatedClock
    from dutydesk.domain.statistics import PeriodKind, last_complete
    from dutydesk.services.context import Desk
    from dutydesk.services.statistics import report
    from dutydesk.store.engine import Database

    result = queue_bench.measure(target)
    db = Database.open(target)
    desk = Desk(db, SimulatedClock(NOW))
    month = last_complete(PeriodKind.MONTH, NOW.date())
    samples = []
    for _ in range(4):  # the first warms the cache
        started = time.perf_counter()
        report(desk, desk.actor("zhaolei"), month)
        samples.append((time.perf_counter() - started) * 1000)
    db.dispose()
    result["monthly report ms"] = round(min(samples[1:]), 1)
    latencies = _arrivals_on_a_copy(target, arrivals)
    result["arrival ms"] = {"p50": round(latencies[len(latencies) // 2], 1),
                            "p95": round(latencies[int(len(latencies) * 0.95)], 1)}
    return result


def _arrivals_on_a_copy(target: str, arrivals) -> list[float]:
    """The arrival latency writes 100 cases: on a copy of a SQLite file (the generated data
    is shared by every benchmark), on PostgreSQL in the benchmark's own database."""
    import shutil
    import tempfile

    from dutydesk.store.engine import is_url

    if is_url(target):
        return arrivals(target)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "desk.db"
        shutil.copyfile(target, copy)
        return arrivals(str(copy))


def _postgres_target(server_url: str, cases: int) -> str:
    import pg_server
    import psycopg
    from generate import generate

    from dutydesk.store.postgres import libpq_url

    url = pg_server.database(server_url, f"bench_{cases}")
    with psycopg.connect(libpq_url(url)) as connection:
        made = connection.execute("SELECT to_regclass('case_')").fetchone()[0] is not None
        held = made and connection.execute("SELECT count(*) FROM case_ WHERE id <= %s",
                                           (cases,)).fetchone()[0]
    if held != cases:
        started = time.perf_counter()
        print(f"PostgreSQL: generating {cases:,} cases by COPY …", file=sys.stderr)
        generate(cases, url)
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return url


def _run(target: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", target],
                         capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"measuring {target} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    import pg_server
    from generate import data_path, generate

    path = data_path(args.cases)
    if not path.exists():
        print(f"SQLite: generating {args.cases:,} cases …", file=sys.stderr)
        generate(args.cases, path)
    figures = {"SQLite": _run(str(path))}
    with pg_server.server() as server:
        figures["PostgreSQL"] = _run(_postgres_target(server, args.cases))
    _print(args.cases, figures)


def _pad(text: str, width: int = 34) -> str:
    from rich.cells import cell_len  # Chinese takes two columns

    return text + " " * max(0, width - cell_len(text))


def _print(cases: int, figures: dict[str, dict]) -> None:
    engines = list(figures)
    print(f"\n== {cases:,} cases: p50 / p95 in ms")
    print(f"  {'':34}" + "".join(f"{e:>22}" for e in engines))
    for label, (section, name) in SHOWN.items():
        cells = [figures[e][section][name] for e in engines]
        print(f"  {_pad(label)}" + "".join(f"{c['p50']:>10.1f} / {c['p95']:>7.1f}" for c in cells))
    print(f"  {'open the queue screen':34}" + "".join(
        f"{figures[e]['ui_ms']['open queue screen']:>20.0f}  " for e in engines))
    print(f"  {'monthly report (best of 3)':34}" + "".join(
        f"{figures[e]['monthly report ms']:>20.0f}  " for e in engines))
    print(f"  {'arrival at another session':34}" + "".join(
        f"{figures[e]['arrival ms']['p50']:>10.1f} / {figures[e]['arrival ms']['p95']:>7.1f}"
        for e in engines))
    for e in engines:
        print(f"  peak memory, {e}: {figures[e]['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
