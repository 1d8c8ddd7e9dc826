"""A writer killed with SIGKILL at random moments, again and again: after each, the file is
whole (`integrity_check`), every step a writer saw committed is there with exactly one event,
no step is there without its event, and the event log's chain verifies."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import sqlite3
import time

from dutydesk.clock import SystemClock
from dutydesk.services import audit
from dutydesk.services.context import Desk
from dutydesk.store.engine import Database

KILLS = 50


def _write_until_killed(path: str, log: str) -> None:
    """Cases taken in and accepted, each id written to `log` once its step committed."""
    from dutydesk.domain.lifecycle import Action
    from dutydesk.services.cases import ActionInput, create_case, perform
    from tests.services.helpers import standard_draft

    db = Database.open(path)
    desk = Desk(db, SystemClock())
    officer = desk.actor("liuyang")
    out = os.open(log, os.O_WRONLY | os.O_APPEND)
    while True:
        case_id = create_case(desk, officer, standard_draft(summary="断电测试"))
        os.write(out, f"create {case_id}\n".encode())
        perform(desk, officer, case_id, Action.ACCEPT,
                ActionInput(category_code="canal", node_code="CJW-02"))
        os.write(out, f"accept {case_id}\n".encode())


def _committed(log) -> set[tuple[str, int]]:
    lines = log.read_text().split("\n")[:-1]  # a line cut by the kill has no newline
    return {(action, int(number)) for action, number in (line.split() for line in lines)}


def test_a_writer_killed_at_random_moments_leaves_a_whole_file(db_path, tmp_path):
    context = multiprocessing.get_context("forkserver")
    # Each writer starts from a server that has imported what it needs (pypinyin's tables
    # alone take 0.3 s), so the kills fall among writes rather than imports.
    context.set_forkserver_preload(["dutydesk.services.cases", "tests.services.helpers",
                                    "pypinyin"])
    rng = random.Random(20261202)
    log = tmp_path / "committed.log"
    log.touch()
    for _ in range(KILLS):
        written = log.stat().st_size
        writer = context.Process(target=_write_until_killed, args=(str(db_path), str(log)))
        writer.start()
        deadline = time.monotonic() + 60
        while log.stat().st_size == written and time.monotonic() < deadline:
            time.sleep(0.002)  # until it has started writing, however busy the machine …
        time.sleep(rng.uniform(0, 0.05))  # … then at a random moment among its writes
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        assert writer.exitcode == -signal.SIGKILL
        with sqlite3.connect(db_path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            steps = raw.execute("SELECT action, case_id, count(*) FROM event WHERE action IN "
                                "('create', 'accept') GROUP BY action, case_id").fetchall()
            states = dict(raw.execute("SELECT id, state FROM case_").fetchall())
        assert all(count == 1 for _, _, count in steps)  # never twice
        seen = {(action, case_id) for action, case_id, _ in steps}
        assert _committed(log) <= seen  # every committed step is there
        assert {("create", case_id) for case_id in states} == {s for s in seen
                                                              if s[0] == "create"}
        assert {case_id for case_id, state in states.items() if state == "accepted"} == \
            {case_id for action, case_id in seen if action == "accept"}
        db = Database.open(db_path)
        try:
            assert audit.verify(Desk(db, SystemClock())).broken is None
        finally:
            db.dispose()
    assert len(_committed(log)) >= KILLS  # every writer was killed while writing
