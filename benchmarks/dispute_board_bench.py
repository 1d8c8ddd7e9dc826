"""The three-colour board at 1M cases with 100k dispute records: its reads, screen open, and
key-to-repaint for cursor, page and lane moves, with peak memory.

    python benchmarks/dispute_board_bench.py [--cases 1000000] [--disputes 100000]

The desk is built once into benchmarks/data: generate.py's cases, then records, parties and
calls-in bulk-inserted for that many cases of dispute categories (about one in ten of them
open, as on a desk that has run for years).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def build(cases: int, disputes: int) -> Path:
    from generate import derived

    def fill(path: Path) -> None:
        raw = sqlite3.connect(path)
        with raw:
            raw.execute(DISPUTES, (disputes,))
            raw.execute(PARTIES)
            raw.execute(WHISTLES)
        raw.close()

    return derived(f"disputes-{cases}-{disputes}", cases, fill)


DISPUTES = """
    INSERT INTO dispute (case_id, type, colour, factors, people, amount_fen, mediator,
                         court, created_at, updated_at, version)
    SELECT c.id,
           CASE c.id % 4 WHEN 0 THEN 'family' WHEN 1 THEN 'neighbour'
                         WHEN 2 THEN 'property' ELSE 'labour' END,
           CASE WHEN c.id % 10 < 2 THEN 'red' WHEN c.id % 10 < 5 THEN 'yellow' ELSE 'blue' END,
           '[]', 2 + c.id % 7, (c.id % 1000) * 10000,
           CASE c.id % 3 WHEN 0 THEN '法律援助工作站' WHEN 1 THEN '心理咨询团队' ELSE '' END,
           '', c.created_at, c.updated_at, 1
    FROM case_ c JOIN category g ON g.id = c.category_id
    WHERE g.is_dispute ORDER BY c.id LIMIT ?"""
PARTIES = """
    INSERT INTO dispute_party (case_id, role, name, phone, id_number)
    SELECT case_id, 'applicant', '张桂兰', '', '' FROM dispute
    UNION ALL SELECT case_id, 'respondent', '李明', '', '' FROM dispute"""
WHISTLES = """
    INSERT INTO whistle (case_id, unit_id, reason, called_at, due_at, response)
    SELECT case_id, 1, '请到场', created_at, created_at, '' FROM dispute WHERE case_id % 50 = 0"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--disputes", type=int, default=100_000)
    args = parser.parse_args()
    from generate import NOW
    from ui_timing import print_queries, print_ui

    from dutydesk.clock import SimulatedClock
    from dutydesk.services import dispute_board
    from dutydesk.services.context import Desk
    from dutydesk.services.dispute_board import Lane
    from dutydesk.store.engine import Database

    db = Database.open(build(args.cases, args.disputes), upgrade=True)
    desk = Desk(db, SimulatedClock(NOW))
    chief = desk.actor("zhaolei")
    community = desk.actor("huangxia")
    with db.reader.connect() as c:
        recorded = c.exec_driver_sql("SELECT count(*) FROM dispute").scalar()
    print(f"== {args.cases:,} cases, {recorded:,} dispute records")
    first = dispute_board.lane_page(desk, chief, Lane.RED).rows
    queries = {f"{lane.value}, first page": (lambda lane=lane: dispute_board.lane_page(
        desk, chief, lane)) for lane in Lane}
    queries.update({
        "red, a later page": lambda: dispute_board.lane_page(desk, chief, Lane.RED,
                                                             after=first[-1].cursor),
        "red, one community": lambda: dispute_board.lane_page(desk, community, Lane.RED),
        "yellow, filtered by type": lambda: dispute_board.lane_page(
            desk, chief, Lane.YELLOW, dispute_board.BoardFilter(type="labour")),
        "lane counts": lambda: dispute_board.lane_counts(desk, chief),
        "a dispute's detail": lambda: dispute_board.dispute_detail(desk, chief, first[0].id),
    })
    print_queries(queries)
    print_ui(asyncio.run(_measure_ui(desk)))
    db.dispose()
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


async def _measure_ui(desk) -> dict:
    from ui_timing import desk_app, ms, open_board

    from dutydesk.tui.screens.disputes import DisputeLane, DisputeScreen
    from dutydesk.tui.widgets import DetailPane

    app, timer = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        opened = await open_board(pilot, timer, "f4", lambda: (
            isinstance(app.screen, DisputeScreen) and app.screen.current_lane
            and app.screen.current_lane.paged_table.rows_shown))
        board = app.screen
        lane = board.current_lane
        timer.watch(lane, lane.paged_table, board.query_one(DetailPane))
        await timer.quiet()
        down = [await timer.press("down", timer.moved) for _ in range(60)]
        page = []
        while len(page) < 30 and lane.has_after:  # a small desk's lane may end sooner
            page.append(await timer.press("pagedown", timer.paged))
        lanes = list(board.query(DisputeLane))
        moves = []
        for i in range(30):
            key = "right" if (i // 2) % 2 == 0 else "left"
            index = lanes.index(board.current_lane) + (1 if key == "right" else -1)
            target = lanes[max(0, min(len(lanes) - 1, index))]
            timer.follow(target, target.paged_table)
            moves.append(await timer.press(key, lambda before, target=target: (
                board.current_lane is target)))
    return {"open the board (F4)": opened, "cursor down": ms(down),
            "page down": ms(page) if page else {"p50": 0.0, "p95": 0.0},
            "lane change (← →)": ms(moves)}


if __name__ == "__main__":
    main()
