"""Many officers on one file: N processes for a while, each reading pages and cases and writing
— new reports, and 督办 on a shared pool of cases read just before (so that officers collide) —
as the desk's services do over SSH. Prints writes per second, write latency p50/p99, conflicts
(stale writes refused, as designed), errors (anything else: a locked database, a traceback) and
lost updates (successful writes the file does not hold at the end). Target: 0 lost, 0 errors.

    python benchmarks/soak_bench.py [--procs 20] [--seconds 120] [--cases 100000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MARK = "浸泡测试"  # the new reports' summaries start with it: counted at the end
POOL = 40  # cases every process urges: the collisions


def _worker(args: tuple) -> dict:
    path, seconds, seed, pool = args
    from dutydesk.clock import SystemClock
    from dutydesk.errors import StaleWrite
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.cases import ActionInput, CaseDraft, create_case, perform
    from dutydesk.services.context import Desk
    from dutydesk.services.queue import QueueFilter, View, case_detail, queue_page
    from dutydesk.store.engine import Database

    rng = random.Random(seed)
    db = Database.open(path, upgrade=True)
    desk = Desk(db, SystemClock())
    officer = desk.actor("liuyang")
    result = {"reads": 0, "created": 0, "urged": 0, "conflicts": 0, "errors": [],
              "write_seconds": []}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        roll = rng.random()
        try:
            if roll < 0.5:
                queue_page(desk, officer, QueueFilter(view=View.ALL))
                case_detail(desk, officer, rng.choice(pool))
                result["reads"] += 1
            elif roll < 0.75:
                case_id = rng.choice(pool)
                version = case_detail(desk, officer, case_id).version  # read, then act on it
                started = time.perf_counter()
                try:
                    perform(desk, officer, case_id, Action.URGE, ActionInput(note="浸泡"),
                            expected_version=version)
                    result["urged"] += 1
                except StaleWrite:
                    result["conflicts"] += 1  # someone urged it first: refused, as designed
                result["write_seconds"].append(time.perf_counter() - started)
            else:
                started = time.perf_counter()
                create_case(desk, officer, CaseDraft(
                    channel="phone", summary=f"{MARK}{seed}-{rng.random():.6f}",
                    node_code="CJW-02", category_code="canal"))
                result["write_seconds"].append(time.perf_counter() - started)
                result["created"] += 1
        except Exception as exc:  # noqa: BLE001 - every other failure is a finding
            result["errors"].append(f"{type(exc).__name__}: {exc}")
    db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--procs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    from generate import data_path, generate

    source = data_path(args.cases)
    if not source.exists():
        generate(args.cases, source)
    path = Path(tempfile.mkdtemp()) / "soak.db"
    shutil.copyfile(source, path)
    from dutydesk.store.engine import Database

    # the schema brought up to date once, before the crowd
    Database.open(path, upgrade=True).dispose()
    raw = sqlite3.connect(path)
    pool = [r[0] for r in raw.execute(
        "SELECT id FROM case_ WHERE state IN ('dispatched', 'in_progress') AND community_id = "
        "(SELECT id FROM node WHERE code = 'CJW') ORDER BY id DESC LIMIT ?", (POOL,))]
    urges_before = raw.execute(f"SELECT sum(urge_count) FROM case_ WHERE id IN "
                               f"({','.join(map(str, pool))})").fetchone()[0]
    events_before = raw.execute("SELECT max(id) FROM event").fetchone()[0]
    raw.close()
    print(f"== {args.procs} processes × {args.seconds:.0f} s on {args.cases:,} cases "
          f"({len(pool)} shared cases to urge)")
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.procs) as workers:
        results = workers.map(_worker, [(path, args.seconds, seed, pool)
                                        for seed in range(args.procs)])
    elapsed = time.perf_counter() - started
    raw = sqlite3.connect(path)
    created = raw.execute("SELECT count(*) FROM case_ WHERE summary LIKE ?",
                          (MARK + "%",)).fetchone()[0]
    urges = raw.execute(f"SELECT sum(urge_count) FROM case_ WHERE id IN "
                        f"({','.join(map(str, pool))})").fetchone()[0] - urges_before
    events = raw.execute("SELECT max(id) FROM event").fetchone()[0] - events_before
    raw.close()
    writes = sorted(s for r in results for s in r["write_seconds"])
    ok_created = sum(r["created"] for r in results)
    ok_urged = sum(r["urged"] for r in results)
    errors = [e for r in results for e in r["errors"]]
    lost = (ok_created - created) + (ok_urged - urges)
    print(f"  reads              {sum(r['reads'] for r in results):>8,}")
    done = ok_created + ok_urged
    print(f"  writes             {done:>8,}  ({done / elapsed:.1f} per second; "
          f"{ok_created:,} new reports, {ok_urged:,} 督办)")
    print(f"  write latency      p50 {_pct(writes, 0.5):7.1f} ms   p99 {_pct(writes, 0.99):7.1f} ms"
          f"   max {writes[-1] * 1000 if writes else 0:7.1f} ms")
    conflicts = sum(r["conflicts"] for r in results)
    print(f"  conflicts          {conflicts:>8,}  (stale 督办 refused)")
    print(f"  errors             {len(errors):>8,}")
    for error in sorted(set(errors))[:5]:
        print(f"      {error[:150]}")
    print(f"  lost updates       {lost:>8,}  (the file holds {created:,} reports and {urges:,} "
          f"督办; {events:,} events for {ok_created + ok_urged:,} writes)")


def _pct(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))] * 1000


if __name__ == "__main__":
    main()
