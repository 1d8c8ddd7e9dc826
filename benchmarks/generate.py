"""Generate a large desk database: N cases with their events, for the queue benchmarks.

    python benchmarks/generate.py 100000 [--out benchmarks/data/cases-100000.db]
    python benchmarks/generate.py 1000000 --out postgresql://…/bench   # COPY, made new

Rows are bulk-inserted in one transaction (a data generator, not a use-case), with the same
columns and the same derived values (search text, deadlines, community and street) that the
services write. About 90 % of cases are finished, as on a desk that has run for years.
"""

from __future__ import annotations

import argparse
import json
import datetime as dt
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path


from dutydesk.clock import SimulatedClock
from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.domain.lifecycle import Channel
from dutydesk.domain.text import pinyin_initials
from dutydesk.config.reading import read_configuration
from dutydesk.scenario.demo import seed_dir
from dutydesk.services.setup import install_configuration
from dutydesk.store import chain
from dutydesk.store.engine import Database, is_url

DATA = Path(__file__).resolve().parent / "data"
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=LOCAL_TZ).astimezone(dt.timezone.utc)
SUMMARIES = ["道路油污，行人易滑倒", "垃圾满溢堆放至路面", "楼上装修噪音扰民", "路灯不亮", "窨井盖缺失",
             "物业擅自提高停车费", "邻居漏水协商未果", "拖欠工资", "违规搭建彩钢棚", "飞线充电"]
NAMES = ["张桂兰", "李明", "王女士", "赵某", "陈先生", "刘芳", "周强", "吴德海", "孙阿姨", "马先生"]
STREETS = ["康乐南路", "建设中路", "建兴路", "建设东路", "曹家湾", "文明巷", "德南路"]
OPEN_MIX = [("new", 2), ("accepted", 1), ("filed", 1), ("dispatched", 2), ("in_progress", 3),
            ("replied", 1)]
EVENTS_BY_STATE = {"new": ["create"], "accepted": ["create", "accept"],
                   "filed": ["create", "accept", "file"],
                   "dispatched": ["create", "accept", "file", "dispatch"],
                   "in_progress": ["create", "accept", "file", "dispatch", "acknowledge"],
                   "replied": ["create", "accept", "file", "dispatch", "acknowledge", "reply"],
                   "closed": ["create", "accept", "file", "dispatch", "acknowledge", "reply",
                              "verify", "close"]}


def generate(count: int, out: Path | str, seed: int = 7) -> Path | str:
    """`count` cases with their events into a new SQLite file, or (a postgresql:// URL) into
    that PostgreSQL database, made new (COPY)."""
    if is_url(out):
        return _generate_postgres(count, str(out), seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    db = Database.open(out, create=True)
    install_configuration(db, SimulatedClock(NOW), read_configuration(seed_dir(), demo=True))
    db.dispose()

    raw = sqlite3.connect(out, isolation_level=None)
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("PRAGMA synchronous = OFF")  # generator only: the desk itself runs FULL
    raw.execute("BEGIN")
    for cases, events in _batches(count, seed, lambda sql: raw.execute(sql).fetchall()):
        _flush(raw, cases, events)
    # What the services keep beside the milestones: each closing (case_closure) and the unit's
    # own clock — replied an hour before the deadline when closed on time, a day after it when
    # late.
    raw.execute(CLOSURES)
    raw.execute("UPDATE case_ SET unit_due_at = due_at, unit_replied_at = CASE "
                "WHEN state IN ('replied', 'closed') AND coalesce(closed_on_time, 1) "
                "THEN strftime('%Y-%m-%d %H:%M:%f000', due_at, '-1 hour') "
                "WHEN state IN ('replied', 'closed') "
                "THEN strftime('%Y-%m-%d %H:%M:%f000', due_at, '+1 day') END "
                "WHERE dispatched_at IS NOT NULL")
    chained = time.perf_counter()
    chain.rechain(raw)  # the log as the services would have written it: each event linked
    print(f"  chained in {time.perf_counter() - chained:6.1f} s", file=sys.stderr)
    raw.execute("COMMIT")
    raw.execute("ANALYZE")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return out


CASE_COLUMNS = ("id, channel, state, category_id, node_id, community_id, street_id, summary, "
                "address, reporter_name, reporter_phone, search_text, created_at, updated_at, "
                "closed_at, ack_due_at, due_start_at, due_at, due_unit, lead_unit_id, version, "
                "filed_at, dispatched_at, closed_on_time, level, redo_count, urge_count, "
                "due_provisional")
CASE_CONSTANTS = ("grid", 0, 0, False)  # level, redo_count, urge_count, due_provisional
CLOSURES = ("INSERT INTO case_closure (case_id, closed_at, on_time) "
            "SELECT id, closed_at, closed_on_time FROM case_ WHERE state = 'closed'")


def _batches(count: int, seed: int, query) -> Iterator[tuple[list, list]]:
    """The generated cases and their events, 20,000 cases at a time; `query(sql)` reads the
    configuration (the same SQL on both engines, in id order: the same seed makes the same
    desk on either)."""
    rng = random.Random(seed)
    grids = query("SELECT id, name, community_id, street_id FROM node WHERE kind = 'grid' "
                  "ORDER BY id")
    categories = [r[0] for r in query("SELECT id FROM category ORDER BY id")]
    units = [r[0] for r in query("SELECT id FROM unit ORDER BY id")]
    unit_names = dict(query("SELECT id, name FROM unit"))
    officers = [r[0] for r in query("SELECT id FROM officer WHERE role IN "
                                    "('officer', 'duty_chief') ORDER BY id")]
    texts: dict[str, str] = {}  # pinyin is costly: each name and place is converted once
    channels = [c.value for c in Channel]
    open_states = [s for s, w in OPEN_MIX for _ in range(w)]
    span = dt.timedelta(days=max(30, count // 300))  # older desks hold more history
    case_rows, event_rows = [], []
    started = time.perf_counter()
    for case_id in range(1, count + 1):
        age = span * (1 - case_id / count) + dt.timedelta(minutes=rng.randint(0, 59))
        created = NOW - age
        is_open = age < dt.timedelta(days=20) and rng.random() < 0.6 or rng.random() < 0.02
        state = rng.choice(open_states) if is_open else "closed"
        grid = rng.choice(grids)
        summary = rng.choice(SUMMARIES)
        reporter = rng.choice(NAMES)
        address = f"{rng.choice(STREETS)}{rng.randint(1, 99)}号"
        initials = " ".join(_initials(texts, part) for part in (reporter, address, grid[1]))
        search_text = f"{summary} {address} {reporter} {grid[1]} {initials}".lower()
        dispatched = state in ("dispatched", "in_progress", "replied", "closed")
        filed = dispatched or state == "filed"
        due_start = created + dt.timedelta(hours=1) if dispatched else None
        due = due_start + dt.timedelta(days=rng.choice([1, 3, 5, 15])) if dispatched else None
        case_rows.append((
            case_id, rng.choice(channels), state, rng.choice(categories), grid[0], grid[2],
            grid[3], summary, address, reporter, "+8613800138000", search_text,
            _ts(created), _ts(created + dt.timedelta(hours=2)),
            _ts(created + dt.timedelta(days=2)) if state == "closed" else None,
            _ts(due_start + dt.timedelta(hours=2)) if dispatched else None,
            _ts(due_start), _ts(due), "working_days" if dispatched else None,
            rng.choice(units) if dispatched else None, len(EVENTS_BY_STATE[state]) + 1,
            # The milestones the statistics count, at the events' own times (10 min a step).
            _ts(created + dt.timedelta(minutes=20)) if filed else None,
            _ts(created + dt.timedelta(minutes=30)) if dispatched else None,
            (rng.random() < 0.92) if state == "closed" else None,
        ))
        actions = list(EVENTS_BY_STATE[state])
        if dispatched and rng.random() < 0.03:  # a 退单 before the unit signed for it
            actions[4:4] = ["return_", "dispatch"]
        if state == "closed" and rng.random() < 0.02:  # a 核查不通过, replied again
            actions[-2:-2] = ["verify_fail", "reply"]
        returned_by = json.dumps({"unit": unit_names[case_rows[-1][19]]}, ensure_ascii=False) \
            if dispatched else "{}"
        for step, action in enumerate(actions):
            event_rows.append((_ts(created + dt.timedelta(minutes=10 * step)), rng.choice(officers),
                               case_id, f"case:{case_id}", action,
                               returned_by if action == "return_" else "{}"))
        if len(case_rows) >= 20_000 or case_id == count:
            yield case_rows, event_rows
            case_rows, event_rows = [], []
            print(f"  {case_id:>9} cases  {time.perf_counter() - started:6.1f} s", file=sys.stderr)


def _generate_postgres(count: int, url: str, seed: int) -> str:
    """The same rows into PostgreSQL by COPY, each event linked into the chain as it is
    written (ids given, as `append_event` gives them); the database is made new first (any
    dutydesk database there is replaced: point it at a benchmark's own)."""
    import psycopg

    from dutydesk.store.postgres import SEARCH_INDEX, PostgresDatabase, libpq_url

    PostgresDatabase.rebuild(url, lambda db: None, lambda db: install_configuration(
        db, SimulatedClock(NOW), read_configuration(seed_dir(), demo=True)))
    with psycopg.connect(libpq_url(url)) as connection:
        query = lambda sql: connection.execute(sql).fetchall()  # noqa: E731
        last_id, previous = query("SELECT id, hash FROM event ORDER BY id DESC LIMIT 1")[0]
        connection.execute("DROP INDEX ix_case_search_trgm")  # made once after, not per row
        for cases, events in _batches(count, seed, query):
            with connection.cursor().copy(f"COPY case_ ({CASE_COLUMNS}) FROM STDIN") as copy:
                for row in cases:
                    copy.write_row((*row, *CASE_CONSTANTS))
            with connection.cursor().copy(
                    "COPY event (id, at, actor_id, case_id, subject, action, payload, hash) "
                    "FROM STDIN") as copy:
                for at, actor, case_id, subject, action, payload in events:
                    last_id += 1
                    previous = chain.link(previous, {
                        "id": last_id, "at": at, "actor_id": actor, "case_id": case_id,
                        "subject": subject, "action": action, "on_behalf_of": None,
                        "payload": payload})
                    copy.write_row((last_id, at, actor, case_id, subject, action, payload,
                                    previous))
            with connection.cursor().copy(
                    "COPY case_unit (case_id, unit_id, lead, created_at) FROM STDIN") as copy:
                for c in cases:
                    if c[19] is not None:
                        copy.write_row((c[0], c[19], True, c[12]))
        connection.execute(CLOSURES)
        connection.execute(SEARCH_INDEX)
        connection.execute(
            "UPDATE case_ SET unit_due_at = due_at, unit_replied_at = CASE "
            "WHEN state IN ('replied', 'closed') AND coalesce(closed_on_time, true) "
            "THEN due_at - interval '1 hour' WHEN state IN ('replied', 'closed') "
            "THEN due_at + interval '1 day' END WHERE dispatched_at IS NOT NULL")
        for table in ("case_", "event"):  # the next ids after the ones given
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT max(id) FROM {table}))")
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
    return url


def _initials(cache: dict[str, str], text: str) -> str:
    if text not in cache:
        cache[text] = pinyin_initials(text)
    return cache[text]


def _ts(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if moment else None


def _flush(raw: sqlite3.Connection, cases: list, events: list) -> None:
    raw.executemany(f"INSERT INTO case_ ({CASE_COLUMNS}) VALUES ({', '.join('?' * 28)})",
                    [(*row, *CASE_CONSTANTS) for row in cases])
    raw.executemany("INSERT INTO event (at, actor_id, case_id, subject, action, payload) "
                    "VALUES (?,?,?,?,?,?)", events)
    raw.executemany("INSERT INTO case_unit (case_id, unit_id, lead, created_at) "
                    "VALUES (?, ?, 1, ?)", [(c[0], c[19], c[12]) for c in cases if c[19] is not None])


def data_path(count: int) -> Path:
    return DATA / f"cases-{count}.db"


def derived(name: str, cases: int, fill) -> Path:
    """benchmarks/data/<name>.db: a copy of the generated cases (made first if missing), its
    schema brought up to date, then `fill(path, sqlite3 connection)` — built once, reused."""
    import shutil
    import sqlite3

    out = DATA / f"{name}.db"
    if out.exists():
        return out
    source = data_path(cases)
    if not source.exists():
        print(f"generating {cases:,} cases …", file=sys.stderr)
        generate(cases, source)
    partial = out.with_name(out.name + ".part")
    shutil.copyfile(source, partial)
    Database.open(partial, upgrade=True).dispose()  # the schema brought up to date
    fill(partial)
    raw = sqlite3.connect(partial)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all in the file before the rename
    raw.close()
    partial.rename(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--out", type=lambda given: given if is_url(given) else Path(given))
    args = parser.parse_args()
    started = time.perf_counter()
    path = generate(args.count, args.out or data_path(args.count))
    print(f"{path}: {args.count} cases in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
