"""Queue benchmarks at 10k, 100k and 1M cases: page queries, screen open, key-to-repaint, memory.

    python benchmarks/queue_bench.py                   # all sizes (generates missing data)
    python benchmarks/queue_bench.py --sizes 10000     # one size

Each size is measured in a fresh process so that its peak memory (ru_maxrss) is its own.
Figures are printed, not asserted: speed is tracked in notes, not in timed tests.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RUNS = 25


def _time(fn, runs: int = RUNS) -> dict[str, float]:
    fn()  # warm the page cache and the statement cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    from ui_timing import ms

    return ms(samples)


def measure(path: Path | str) -> dict:
    from generate import NOW
    from sqlalchemy import text

    from dutydesk.clock import SimulatedClock
    from dutydesk.services.context import Desk
    from dutydesk.services.queue import (
        Cursor, QueueFilter, View, case_detail, desk_counts, queue_count, queue_page,
    )
    from dutydesk.store.engine import Database

    db = Database.open(path, upgrade=True)
    desk = Desk(db, SimulatedClock(NOW))
    actor = desk.actor("zhaolei")  # duty chief of the street: sees every generated case
    unit = desk.actor("wangbo")  # a unit liaison: about 1 in 11 dispatched cases
    community = desk.actor("huangxia")  # one community's staff
    with db.reader.connect() as c:
        total = c.execute(text("SELECT count(*) FROM case_")).scalar()
        mid = c.execute(text("SELECT created_at, id FROM case_ ORDER BY created_at DESC, "
                             "id DESC LIMIT 1 OFFSET :n"), {"n": total // 2}).one()
    from dutydesk.store.types import UTCDateTime

    newest = queue_page(desk, actor, QueueFilter(view=View.ALL), limit=1).rows[0].id
    moment = mid[0] if isinstance(mid[0], dt.datetime) else dt.datetime.fromisoformat(mid[0])
    middle = Cursor(UTCDateTime().process_result_value(moment, None), mid[1])
    third = queue_page(desk, actor, QueueFilter(view=View.ALL), limit=100).rows[-1].cursor
    queries = {
        "all, first page": lambda: queue_page(desk, actor, QueueFilter(view=View.ALL)),
        "all, page at the middle": lambda: queue_page(desk, actor, QueueFilter(view=View.ALL),
                                                      after=middle),
        "mine, first page": lambda: queue_page(desk, actor, QueueFilter(view=View.MINE)),
        "overdue, first page": lambda: queue_page(desk, actor, QueueFilter(view=View.OVERDUE)),
        "channel 110, first page": lambda: queue_page(
            desk, actor, QueueFilter(view=View.ALL, channel="police_110")),
        "search 'jsdl' (pinyin)": lambda: queue_page(
            desk, actor, QueueFilter(view=View.ALL, search="jsdl")),
        "search 'htp' (no match)": lambda: queue_page(
            desk, actor, QueueFilter(view=View.ALL, search="htp")),
        "search 'jsdl46' (rare)": lambda: queue_page(
            desk, actor, QueueFilter(view=View.ALL, search="建设东路46号")),
        "search '道路油污' (common)": lambda: queue_page(
            desk, actor, QueueFilter(view=View.ALL, search="道路油污")),
        "search '路灯' (2 chars)": lambda: queue_page(
            desk, actor, QueueFilter(view=View.ALL, search="路灯")),
        "unit liaison, mine": lambda: queue_page(desk, unit, QueueFilter(view=View.MINE)),
        "unit liaison, all": lambda: queue_page(desk, unit, QueueFilter(view=View.ALL)),
        "community, all": lambda: queue_page(desk, community, QueueFilter(view=View.ALL)),
        "count mine": lambda: queue_count(desk, actor, QueueFilter(view=View.MINE)),
        "count all": lambda: queue_count(desk, actor, QueueFilter(view=View.ALL)),
        # A page read again after a change shows its place: the rows above its first.
        "place of the 3rd page (all)": lambda: queue_count(
            desk, actor, QueueFilter(view=View.ALL), above=third),
        "place of the page at the middle (all)": lambda: queue_count(
            desk, actor, QueueFilter(view=View.ALL), above=middle),
        "header counts (today/new/overdue)": lambda: desk_counts(desk, actor),
        "detail of a new case": lambda: case_detail(desk, actor, newest),
    }
    results = {"cases": total, "queries_ms": {name: _time(fn) for name, fn in queries.items()}}
    results["ui_ms"] = asyncio.run(_measure_ui(desk, actor))
    db.dispose()
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


async def _measure_ui(desk, actor) -> dict:
    from ui_timing import KeyTimer, ms

    from dutydesk.services.queue import reference_choices
    from dutydesk.tui.app import DutyDeskApp
    from dutydesk.tui.widgets import CaseDetailView, CaseTable

    app = DutyDeskApp(desk, actor, reference_choices(desk, actor), feed_interval=0)
    timer = KeyTimer(app)
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        while not (app.screen.query(CaseTable) and app.screen.query_one(CaseTable).rows_shown):
            await asyncio.sleep(0.001)
        opened = time.perf_counter() - started
        screen = app.screen
        table = screen.query_one(CaseTable)
        timer.watch(screen, table, screen.query_one(CaseDetailView))
        await pilot.press("3")
        await timer.quiet()
        down = [await timer.press("down", timer.moved) for _ in range(60)]
        await pilot.press("1")
        await timer.quiet()
        await pilot.press("3")
        await timer.quiet()
        page = [await timer.press("pagedown", timer.paged) for _ in range(30)]
        views = []
        for i in range(30):
            key = "123"[i % 3]
            views.append(await timer.press(key, lambda before, k=key: screen.filter.view.value ==
                                           ("mine", "overdue", "all")[int(k) - 1]
                                           and table.rows_shown is not before[1]))
            await timer.quiet()
    return {
        "open queue screen": round(opened * 1000, 1),
        "cursor down": ms(down),
        "page down": ms(page),
        "filter change (views 1/2/3)": ms(views),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="dutydesk queue benchmarks")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    from generate import data_path, generate

    report = {}
    for size in args.sizes:
        path = data_path(size)
        if not path.exists():
            print(f"generating {size} cases …", file=sys.stderr)
            generate(size, path)
        out = subprocess.run([sys.executable, __file__, "--measure", str(path)],
                             capture_output=True, text=True)
        if out.returncode:
            sys.exit(f"measuring {size} failed:\n{out.stderr}")
        report[size] = json.loads(out.stdout.strip().splitlines()[-1])
        _print(size, report[size])
    if len(report) > 1:
        small, large = min(report), max(report)
        ratio = (report[large]["queries_ms"]["all, first page"]["p50"]
                 / max(report[small]["queries_ms"]["all, first page"]["p50"], 1e-6))
        print(f"\nfirst-page time at {large:,} ÷ at {small:,}: {ratio:.2f}×")


def _print(size: int, r: dict) -> None:
    print(f"\n== {r['cases']:,} cases  (peak RSS {r['peak_rss_mb']} MB)")
    for name, v in r["queries_ms"].items():
        print(f"  query  {name:<28} p50 {v['p50']:>8.2f} ms   p95 {v['p95']:>8.2f} ms")
    for name, v in r["ui_ms"].items():
        if isinstance(v, dict):
            print(f"  ui     {name:<28} p50 {v['p50']:>8.2f} ms   p95 {v['p95']:>8.2f} ms")
        else:
            print(f"  ui     {name:<28} {v:>8.1f} ms")


if __name__ == "__main__":
    main()
