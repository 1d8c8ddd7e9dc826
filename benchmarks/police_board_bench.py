"""The 110 board's reads with 100k transfers on a desk of 100k cases, and how soon a transfer
written by another process reaches an open session (the change feed).

    python benchmarks/police_board_bench.py [--transfers 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
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
db = Database.open(sys.argv[1])
desk = Desk(db, SystemClock())
receive_transfer(desk, desk.actor("chenjing"), TransferDraft(
    number=sys.argv[2], called_at=dt.datetime(2026, 11, 24, 21, 5, tzinfo=LOCAL_TZ),
    summary="楼下烧烤油烟扰民"))
print(repr(__import__("time").time()))
"""


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transfers", type=int, default=100_000)
    args = parser.parse_args()
    from generate import data_path, generate
    from police_import_bench import write_rows

    from dutydesk.clock import SystemClock
    from dutydesk.domain.police import Section
    from dutydesk.services import police
    from dutydesk.services.context import Desk
    from dutydesk.services.police_import import import_file
    from dutydesk.store.engine import Database

    cases = data_path(100_000)
    if not cases.exists():
        generate(100_000, cases)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "desk.db"
        shutil.copyfile(cases, path)
        export = Path(folder) / "export.csv"
        write_rows(export, args.transfers)
        db = Database.open(path)
        desk = Desk(db, SystemClock())
        officer = desk.actor("liuyang")
        import_file(desk, officer, export)
        print(f"== 100,000 cases, {args.transfers:,} transfers")
        first = police.transfer_page(desk, officer, Section.WAITING).rows
        middle = police.transfer_page(desk, officer, Section.WAITING,
                                      limit=500).rows[-1].cursor
        for name, fn in {
            "waiting, first page": lambda: police.transfer_page(desk, officer, Section.WAITING),
            "waiting, a later page": lambda: police.transfer_page(desk, officer, Section.WAITING,
                                                                 after=middle),
            "in hand, first page": lambda: police.transfer_page(desk, officer, Section.IN_HAND),
            "section counts": lambda: police.section_counts(desk, officer),
            "today's figures": lambda: police.police_figures(
                desk, first[0].created_at.date(), first[0].created_at.date()),
            "a transfer's detail": lambda: police.transfer_detail(desk, officer, first[0].id),
        }.items():
            fn()
            samples = []
            for _ in range(20):
                started = time.perf_counter()
                fn()
                samples.append(time.perf_counter() - started)
            print(f"  query  {name:<28} {_ms(samples)}")
        print(f"  arrival (another process → this session sees it)  "
              f"{_ms(asyncio.run(_arrivals(desk, path)))}")
        db.dispose()


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
