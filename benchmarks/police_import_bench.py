"""Importing the 110 system's export: rows per second and peak memory for CSV and XLSX files
of 10k and 100k rows, into a fresh desk database. Flat memory shows as the same peak at both
sizes (CSV and JSON lines are read as they are written; calamine holds an XLSX sheet whole).

    python benchmarks/police_import_bench.py [--rows 10000 100000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADERS = ["警情编号", "接警时间", "报警人", "联系电话", "发生地址", "管辖派出所", "警情类别", "简要警情"]
PLACES = ["康乐南路58号", "曹家湾北渠边", "建设中路文明巷6号", "建设东路12号", "建兴社区垃圾中转点"]
KINDS = [("噪音扰民", "楼上装修噪音持续到深夜"), ("邻里纠纷", "邻居堆放杂物堵塞通道发生口角"),
         ("挪车", "车辆堵住小区出口，联系不上车主"), ("市政设施", "路灯倒伏挡住人行道")]


def write_rows(path: Path, rows: int) -> None:
    rng = random.Random(7)
    start = dt.datetime(2026, 11, 1)
    records = []
    for i in range(rows):
        kind, summary = rng.choice(KINDS)
        records.append([f"B{i:08d}", (start + dt.timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S"),
                        "某先生", f"139085{i % 100000:05d}", rng.choice(PLACES), "黄土坡派出所",
                        kind, summary])
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADERS)
            writer.writerows(records)
    else:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, HEADERS)
        for index, record in enumerate(records, start=1):
            sheet.write_row(index, 0, record)
        book.close()


def measure(path: Path) -> None:
    from dutydesk.clock import SystemClock
    from dutydesk.scenario.demo import build_desk
    from dutydesk.services.context import Desk
    from dutydesk.services.police_import import import_file
    from dutydesk.store.engine import Database

    db_path = path.with_name(path.name + ".db")
    build_desk(db_path, SystemClock())
    db = Database.open(db_path, upgrade=True)
    desk = Desk(db, SystemClock())
    started = time.perf_counter()
    result = import_file(desk, desk.actor("liuyang"), path)
    elapsed = time.perf_counter() - started
    db.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {path.suffix[1:]:<5} {result.added:>7} rows  {elapsed:6.2f} s  "
          f"{result.added / elapsed:8.0f} rows/s  peak RSS {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            for suffix in (".csv", ".xlsx"):
                path = Path(folder) / f"export-{rows}{suffix}"
                write_rows(path, rows)
                # Each file in a fresh process, so that its peak memory is its own.
                subprocess.run([sys.executable, __file__, "--measure", str(path)], check=True)


if __name__ == "__main__":
    main()
