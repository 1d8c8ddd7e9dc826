"""The change feed's arrival latency on both engines: one session commits a new case, another
(polling its feed every 10 ms, as often as a person could notice) hears it; p50/p95 over 100
writes, from the moment the write is asked for (its transaction included) to the moment it
is heard. Target: p95 under 250 ms. The desk's
own screens poll every 100 ms, which adds up to that much.

    python benchmarks/feed_bench.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _measure(target) -> list[float]:
    from dutydesk.clock import SystemClock
    from dutydesk.services.cases import create_case
    from dutydesk.services.context import Desk
    from dutydesk.store.engine import Database
    from tests.services.helpers import standard_draft

    writer, listener = Database.open(target), Database.open(target)
    desk = Desk(writer, SystemClock())
    officer = desk.actor("liuyang")
    latencies = []
    try:
        for _ in range(100):
            before = listener.data_version()
            started = time.perf_counter()
            create_case(desk, officer, standard_draft(summary="延迟测量"))
            while listener.data_version() == before:
                time.sleep(0.01)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        writer.dispose()
        listener.dispose()
    return sorted(latencies)


def main() -> None:
    from dutydesk.clock import SystemClock
    from dutydesk.scenario.demo import build_desk
    from tests import postgres

    with tempfile.TemporaryDirectory() as folder:
        path = build_desk(Path(folder) / "desk.db", SystemClock())
        _report("SQLite (PRAGMA data_version)", _measure(path))
    server = postgres.server()
    url = postgres.fresh_database(next(server))
    build_desk(url, SystemClock())
    _report("PostgreSQL (LISTEN/NOTIFY)", _measure(url))
    server.close()


def _report(engine: str, latencies: list[float]) -> None:
    print(f"{engine:32} p50 {statistics.median(latencies):6.1f} ms   "
          f"p95 {latencies[int(len(latencies) * 0.95)]:6.1f} ms   (100 writes)")


if __name__ == "__main__":
    main()
