"""The 110 board at 1M cases with 100k transfers in every section: its reads, screen open and
key-to-repaint times, peak memory, and how soon a transfer written by another process reaches
an open session (the change feed).

    python benchmarks/police_board_bench.py [--cases 1000000] [--transfers 100000]

The desk is built once into benchmarks/data (cases from generate.py, transfers imported from a
generated export, then spread over the sections by a bulk update) and reused.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

ARRIVAL = """
import sys, datetime as dt
from dutydesk.clock import SystemClock
from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.services.context import Desk
from dutydesk.services.police import TransferDraft, receive_transfer
from dutydesk.store.engine import Database
db = Database.open(sys.argv[1], upgrade=True)
desk = Desk(db, SystemClock())
receive_transfer(desk, desk.actor("chenjing"), TransferDraft(
    number=sys.argv[2], called_at=dt.datetime(2026, 11, 24, 21, 5, tzinfo=LOCAL_TZ),
    summary="楼下烧烤油烟扰民"))
print(repr(__import__("time").time()))
"""


def build(cases: int, transfers: int) -> Path:
    """A copy of the generated case database with `transfers` imported and spread: 40 % 待签收,
    20 % 待分流, 20 % 分流 (linked to existing cases, open or finished), 10 % 退回, 10 % 已反馈."""
    from generate import derived
    from police_import_bench import write_rows

    from dutydesk.clock import SystemClock
    from dutydesk.services.context import Desk
    from dutydesk.services.police_import import import_file
    from dutydesk.store.engine import Database

    def fill(path: Path) -> None:
        export = path.with_name(f"export-{transfers}.csv")
        write_rows(export, transfers)
        db = Database.open(path, upgrade=True)
        desk = Desk(db, SystemClock())
        import_file(desk, desk.actor("liuyang"), export)
        db.dispose()
        export.unlink()
        raw = sqlite3.connect(path)
        with raw:
            raw.execute(SPREAD)
        raw.close()

    return derived(f"police-{cases}-{transfers}", cases, fill)


SPREAD = """
    UPDATE police_transfer SET
      state = CASE WHEN id % 10 < 4 THEN 'waiting' WHEN id % 10 < 6 THEN 'signed'
                   WHEN id % 10 < 8 THEN 'diverted' WHEN id % 10 = 8 THEN 'returned'
                   ELSE 'fed_back' END,
      signed_at = CASE WHEN id % 10 >= 4 THEN created_at END,
      diverted_at = CASE WHEN id % 10 IN (6, 7, 9) THEN created_at END,
      feedback_due_at = CASE WHEN id % 10 IN (6, 7, 9) THEN created_at END,
      fed_back_at = CASE WHEN id % 10 = 9 THEN created_at END,
      case_id = CASE WHEN id % 10 IN (6, 7, 9)
                     THEN (id * 7919) % (SELECT max(id) FROM case_) + 1 END"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--transfers", type=int, default=100_000)
    args = parser.parse_args()
    from ui_timing import line, ms, print_queries, print_ui

    from dutydesk.clock import SystemClock
    from dutydesk.domain.police import Section
    from dutydesk.services import police
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database

    data = build(args.cases, args.transfers)
    with tempfile.TemporaryDirectory() as folder:  # the arrivals write: work on a copy
        path = Path(folder) / "desk.db"
        shutil.copyfile(data, path)
        db = Database.open(path, upgrade=True)
        desk = Desk(db, SystemClock())
        officer = desk.actor("liuyang")
        print(f"== {args.cases:,} cases, {args.transfers:,} transfers")
        first = police.transfer_page(desk, officer, Section.WAITING).rows
        middle = police.transfer_page(desk, officer, Section.WAITING,
                                      limit=500).rows[-1].cursor
        day = first[0].created_at.date()
        print_queries({
            "waiting, first page": lambda: police.transfer_page(desk, officer, Section.WAITING),
            "waiting, a later page": lambda: police.transfer_page(desk, officer, Section.WAITING,
                                                                 after=middle),
            "in hand, first page": lambda: police.transfer_page(desk, officer, Section.IN_HAND),
            "feedback due, first page": lambda: police.transfer_page(desk, officer,
                                                                     Section.FEEDBACK_DUE),
            "section counts": lambda: police.section_counts(desk, officer),
            "a day's figures": lambda: police.police_figures(desk, day, day),
            "a transfer's detail": lambda: police.transfer_detail(desk, officer, first[0].id),
        })
        print_ui(asyncio.run(_measure_ui(desk)))
        print(line("arrival (another process → seen)", ms(asyncio.run(_arrivals(desk, path)))))
        db.dispose()
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


async def _measure_ui(desk) -> dict:
    from ui_timing import desk_app, ms, open_board

    from dutydesk.domain.police import Section
    from dutydesk.tui.screens.police import PoliceScreen
    from dutydesk.tui.widgets import DetailPane, PagedTable

    app, timer = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        opened = await open_board(pilot, timer, "f3", lambda: (
            isinstance(app.screen, PoliceScreen)
            and app.screen.query_one(PagedTable).rows_shown))
        screen = app.screen
        table = screen.query_one(PagedTable)
        timer.watch(screen, table, screen.query_one(DetailPane))
        await timer.quiet()
        down = [await timer.press("down", timer.moved) for _ in range(60)]
        page = [await timer.press("pagedown", timer.paged) for _ in range(30)]
        sections = []
        for i in range(30):
            key = "12345"[i % 5]
            sections.append(await timer.press(key, lambda before, k=key: (
                screen.section is list(Section)[int(k) - 1]
                and table.rows_shown is not before[1])))
            await timer.quiet()
    return {"open the 110 board (F3)": opened, "cursor down": ms(down),
            "page down": ms(page), "section change (1–5)": ms(sections)}


async def _arrivals(desk, path: Path) -> list[float]:
    from dutydesk.services.queue import reference_choices
    from dutydesk.tui.app import DutyDeskApp

    actor = desk.actor("zhaolei")
    app = DutyDeskApp(desk, actor, reference_choices(desk, actor))  # the default interval
    latencies = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f3")
        while app.last_transfer_id is None:
            await asyncio.sleep(0.01)
        for n in range(10):
            seen = app.last_transfer_id
            # The writer runs beside the app (not blocking its event loop); the time is taken
            # when the app notices, and compared with the moment the writer committed.
            writer = await asyncio.create_subprocess_exec(
                sys.executable, "-c", ARRIVAL, str(path), f"ARR-{n}",
                stdout=asyncio.subprocess.PIPE)
            while app.last_transfer_id == seen:
                await asyncio.sleep(0.002)
            noticed = time.time()
            out, _ = await writer.communicate()
            latencies.append(noticed - float(out.decode().strip()))
    return latencies


if __name__ == "__main__":
    main()
