"""Safe operations at scale, on a copy of the generated desk (benchmarks/data/cases-N.db):
chaining an older file's log on upgrade, `audit verify` over the whole chain, a write's latency
with the chain (create_case, p50/p95), and `backup` (time and size) while nothing else runs.

    python benchmarks/audit_bench.py [--cases 1000000]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    from generate import data_path, generate

    from dutydesk.clock import SystemClock
    from dutydesk.services import audit
    from dutydesk.services.cases import CaseDraft, create_case
    from dutydesk.services.context import Desk
    from dutydesk.store.backup import backup
    from dutydesk.store.engine import Database

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    args = parser.parse_args()
    source = data_path(args.cases)
    if not source.exists():
        generate(args.cases, source)
    with tempfile.TemporaryDirectory(dir=HERE / "data") as folder:
        path = Path(folder) / "desk.db"
        shutil.copyfile(source, path)
        with sqlite3.connect(path) as raw:
            events = raw.execute("SELECT count(*) FROM event").fetchone()[0]
            version = raw.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                                  ).fetchone()[0]
        print(f"{args.cases:,} cases, {events:,} events (schema {version})")
        started = time.perf_counter()
        db = Database.open(path, upgrade=True)  # an older file: its log is chained here
        print(f"open (upgrade and chain if older): {time.perf_counter() - started:7.2f} s")
        desk = Desk(db, SystemClock())
        started = time.perf_counter()
        found = audit.verify(desk)
        print(f"audit verify: {time.perf_counter() - started:7.2f} s "
              f"({found.events:,} events, {'intact' if found.broken is None else 'BROKEN'})")
        officer = desk.actor("liuyang")
        times = []
        for n in range(200):
            started = time.perf_counter()
            create_case(desk, officer, CaseDraft(channel="phone", summary=f"压测来电{n}",
                                                 node_code="CJW-02"))
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"create_case with the chain: p50 {statistics.median(times):.1f} ms, "
              f"p95 {times[int(len(times) * 0.95)]:.1f} ms (200 writes)")
        db.dispose()
        started = time.perf_counter()
        copied = backup(path, Path(folder) / "backup.db")
        print(f"backup: {time.perf_counter() - started:7.2f} s, {copied.size / 1e6:,.0f} MB, "
              f"{copied.events:,} events")


if __name__ == "__main__":
    main()
