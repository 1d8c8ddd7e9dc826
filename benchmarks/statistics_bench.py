"""The statistics at 1M cases (about 8M events): the monthly report, a year's report, one
community's year, the report written as XLSX, and the screen opening on a year — with peak
memory and the query plans of the largest counts.

    python benchmarks/statistics_bench.py [--cases 1000000]

The cases come from generate.py (benchmarks/data; about nine years of history, 3 % returned
once, 2 % failing a check once), with the milestone columns the services stamp.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    from generate import NOW, data_path, generate
    from ui_timing import print_queries, print_ui

    from dutydesk.clock import SimulatedClock
    from dutydesk.domain.statistics import PeriodKind, containing, last_complete
    from dutydesk.reports.writers import write_report
    from dutydesk.services.context import Desk
    from dutydesk.services.statistics import report
    from dutydesk.store.engine import Database

    path = data_path(args.cases)
    if not path.exists():
        print(f"generating {args.cases:,} cases …", file=sys.stderr)
        generate(args.cases, path)
    db = Database.open(path, upgrade=True)
    desk = Desk(db, SimulatedClock(NOW))
    chief, community = desk.actor("zhaolei"), desk.actor("huangxia")
    with db.reader.connect() as c:
        events = c.exec_driver_sql("SELECT max(id) FROM event").scalar()
    today = NOW.date()
    month = last_complete(PeriodKind.MONTH, today)
    year = containing(PeriodKind.YEAR, today)
    last_year = year.previous()
    sample = report(desk, chief, month)
    print(f"== {args.cases:,} cases, {events:,} events; {month.label}: received "
          f"{sample.headline.received:,}, dispatched {sample.headline.dispatched:,}, "
          f"closed {sample.headline.closed:,}")
    print(f"   {last_year.label}: received {report(desk, chief, last_year).headline.received:,}")
    out = Path(tempfile.mkdtemp()) / "report.xlsx"
    print_queries({
        f"monthly report {month.label}": lambda: report(desk, chief, month),
        f"year's report {year.label} (to date)": lambda: report(desk, chief, year),
        f"year's report {last_year.label}": lambda: report(desk, chief, last_year),
        f"one community's year {last_year.label}": lambda: report(desk, community, last_year),
        "monthly report written as XLSX": lambda: write_report(report(desk, chief, month), out),
    }, runs=5)
    _plans(db, last_year)
    print_ui(asyncio.run(_measure_ui(desk)))
    db.dispose()
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def _plans(db, period) -> None:
    """How SQLite reads the largest counts: from the covering indexes, not the table."""
    start, end = (b.strftime("%Y-%m-%d %H:%M:%S") for b in period.utc_bounds())
    queries = {
        "received": f"SELECT count(*) FROM case_ WHERE created_at >= '{start}' "
                    f"AND created_at < '{end}'",
        "dispatched": f"SELECT count(*) FROM case_ WHERE dispatched_at >= '{start}' "
                      f"AND dispatched_at < '{end}'",
        "closed": f"SELECT count(*) FROM case_ WHERE closed_at >= '{start}' AND closed_at < "
                  f"'{end}' AND dispatched_at IS NOT NULL",
    }
    with db.reader.connect() as c:
        for name, sql in queries.items():
            plan = " / ".join(row[3] for row in c.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            print(f"  plan   {name:<12} {plan}")


async def _measure_ui(desk) -> dict:
    from ui_timing import desk_app, open_board

    from dutydesk.tui.screens.stats import StatsScreen

    app, timer = desk_app(desk)
    figures = {}
    async with app.run_test(size=(80, 24)) as pilot:
        figures["open F7 (this month) to drawn"] = await open_board(
            pilot, timer, "f7", lambda: isinstance(app.screen, StatsScreen)
            and app.screen.report is not None)
        screen = app.screen
        for key, name in (("y", "y: the year"), ("left_square_bracket", "[: last year")):
            from textual import events

            before = screen.report
            gaps = []
            started = last = time.perf_counter()
            app._driver.send_message(events.Key(key, None))  # as a terminal delivers it
            while screen.report is before:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last)  # how long the UI loop was away: a stall shows here
                last = now
            figures[f"{name} to drawn"] = round((time.perf_counter() - started) * 1000, 1)
            figures[f"{name}: longest UI loop gap"] = round(max(gaps) * 1000, 1)
    return figures


if __name__ == "__main__":
    main()
