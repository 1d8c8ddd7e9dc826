"""The revisit calendar with 1M revisits on record (on 1M cases): a month's counts, the day,
overdue and chief lists, screen open, and key-to-repaint for moving a day, turning a month and
opening a day's agenda, with peak memory.

    python benchmarks/revisit_calendar_bench.py [--cases 1000000] [--revisits 1000000]

The revisits are bulk-inserted once into a copy of generate.py's cases (benchmarks/data):
spread over two years around the benchmark's day, about 3 % still due.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def build(cases: int, revisits: int) -> Path:
    from generate import NOW, derived

    def fill(path: Path) -> None:
        today = NOW.date().isoformat()
        raw = sqlite3.connect(path)
        with raw:
            raw.execute(REVISITS, (revisits, today, today))
        raw.close()

    return derived(f"revisits-{cases}-{revisits}", cases, fill)


REVISITS = """
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO revisit (case_id, kind, period, due_on, status, created_at, needs_chief,
                         method, result, satisfaction, notes, version)
    SELECT 1 + (i * 7919) % (SELECT max(id) FROM case_),
           CASE WHEN i % 3 = 0 THEN 'satisfaction' ELSE 'dispute' END,
           CASE WHEN i % 3 = 0 THEN NULL
                ELSE CASE i % 4 WHEN 0 THEN 'high' WHEN 1 THEN 'medium'
                                WHEN 2 THEN 'low' ELSE 'normal' END END,
           date(?, ((i % 730) - 600) || ' days'),
           CASE WHEN i % 33 = 0 THEN 'due' ELSE 'done' END,
           datetime(?, ((i % 730) - 610) || ' days'),
           i % 997 = 0, '', '', '', '', 1
    FROM n"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--revisits", type=int, default=1_000_000)
    args = parser.parse_args()
    from generate import NOW
    from ui_timing import print_queries, print_ui

    from dutydesk.clock import SimulatedClock
    from dutydesk.services import revisit_calendar as cal
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database

    db = Database.open(build(args.cases, args.revisits), upgrade=True)
    desk = Desk(db, SimulatedClock(NOW))
    chief = desk.actor("zhaolei")
    community = desk.actor("huangxia")
    with db.reader.connect() as c:
        total = c.exec_driver_sql("SELECT count(*) FROM revisit").scalar()
        due = c.exec_driver_sql("SELECT count(*) FROM revisit WHERE status = 'due'").scalar()
    print(f"== {args.cases:,} cases, {total:,} revisits on record ({due:,} still due)")
    today = NOW.date()
    print_queries({
        "month counts (this month)": lambda: cal.month_counts(desk, chief, today.year,
                                                              today.month),
        "month counts, one community": lambda: cal.month_counts(desk, community, today.year,
                                                                today.month),
        "a day's agenda, first page": lambda: cal.revisit_page(
            desk, chief, cal.RevisitList(cal.ListKind.DAY, today)),
        "overdue, first page": lambda: cal.revisit_page(
            desk, chief, cal.RevisitList(cal.ListKind.OVERDUE)),
        "for the chief, first page": lambda: cal.revisit_page(
            desk, chief, cal.RevisitList(cal.ListKind.CHIEF)),
    })
    print_ui(asyncio.run(_measure_ui(desk)))
    db.dispose()
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


async def _measure_ui(desk) -> dict:
    from ui_timing import desk_app, ms, open_board

    from dutydesk.tui.screens.revisits import RevisitScreen
    from dutydesk.tui.widgets import DetailPane

    app, timer = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        opened = await open_board(pilot, timer, "f5", lambda: (
            isinstance(app.screen, RevisitScreen) and app.screen.shown_month))
        board = app.screen
        effects: list[float] = []  # when the grid or the list's detail was last drawn
        for owner, name in ((board, "_draw"), (board.query_one(DetailPane), "show")):
            original = getattr(owner, name)

            def wrapped(*args, original=original):
                original(*args)
                effects.append(time.perf_counter())

            setattr(owner, name, wrapped)

        async def press(key: str, done) -> float:
            """From the key to the first repaint after its effect was drawn."""
            from textual import events

            sent = time.perf_counter()
            app._driver.send_message(events.Key(key, None))
            deadline = sent + 10
            while not (done() and effects and effects[-1] >= sent):
                await asyncio.sleep(0.0005)
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{key}: no effect within 10 s")
            effect = effects[-1]
            while not timer.repaints or timer.repaints[-1] < effect:
                await asyncio.sleep(0.0005)
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{key}: no repaint within 10 s")
            return next(r for r in timer.repaints if r >= effect) - sent

        days = []
        for i in range(40):
            key = "right" if i % 2 == 0 else "left"
            before = board.day
            days.append(await press(key, lambda before=before: board.day != before))
        months = []
        for i in range(20):
            key = "pagedown" if i % 2 == 0 else "pageup"
            before = board.day
            months.append(await press(key, lambda before=before: (
                board.day.month != before.month
                and board.shown_month == (board.day.year, board.day.month))))
            await timer.quiet()
        agenda = []
        for _ in range(21):  # the first opening warms the caches: it is not counted
            agenda.append(await press("enter", lambda: board.listing is not None
                                      and not board.page_loading and board.detail is not None))
            await timer.quiet()
            await pilot.press("escape")
            await timer.quiet()
    return {"open the calendar (F5)": opened, "day move (← →)": ms(days),
            "month turn (PgDn/PgUp)": ms(months), "open a day's agenda (Enter)": ms(agenda[1:])}


if __name__ == "__main__":
    main()
