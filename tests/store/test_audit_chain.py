"""The event log's hash chain: every event the services write is linked to the one before;
an event changed, removed or slipped in behind the app's back is found by `audit verify`,
which names the first broken link; an older file's log is chained when it is upgraded."""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from hypothesis import given
from hypothesis import strategies as st

from dutydesk.cli import main as dutydesk
from dutydesk.domain.lifecycle import Action
from dutydesk.services import audit
from dutydesk.services.audit import Broken
from dutydesk.services.cases import ActionInput, create_case, perform
from dutydesk.store.engine import Database, is_url
from tests.services.helpers import standard_draft


def _some_work(desk) -> list[int]:
    officer = desk.actor("liuyang")
    ids = [create_case(desk, officer, standard_draft(summary=f"第{n}件：路灯不亮"))
           for n in range(3)]
    for case_id in ids:
        perform(desk, officer, case_id, Action.ACCEPT,
                ActionInput(category_code="canal", node_code="CJW-02"))
    return ids


def _event_ids(db_path) -> list[int]:
    with sqlite3.connect(db_path) as raw:
        return [row[0] for row in raw.execute("SELECT id FROM event ORDER BY id")]


def _logged(desk) -> list[int]:
    with desk.db.read() as session:
        return list(session.execute(text("SELECT id FROM event ORDER BY id")).scalars())


@contextmanager
def _behind_the_apps_back(target):
    """A connection of its own to the desk's database (a file or a URL), not the app's."""
    engine = create_engine(target if is_url(target) else f"sqlite:///{target}")
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.mark.both_engines
def test_the_services_chain_every_event_and_verify_finds_it_intact(desk):
    _some_work(desk)
    found = audit.verify(desk)
    assert found.broken is None and found.events == len(_logged(desk)) >= 6
    assert len(found.head) == 64


@pytest.mark.parametrize("tamper,why", [
    ("UPDATE event SET payload = '{\"category\": \"改过\"}' WHERE id = :middle", Broken.CHANGED),
    ("UPDATE event SET at = '2020-01-01 00:00:00.000000' WHERE id = :middle", Broken.CHANGED),
    ("UPDATE event SET actor_id = 1 WHERE id = :middle", Broken.CHANGED),
    ("DELETE FROM event WHERE id = :middle", Broken.REMOVED),
    ("UPDATE event SET hash = NULL WHERE id = :middle", Broken.UNCHAINED),
], ids=["payload", "time", "actor", "removed", "hash-cleared"])
@pytest.mark.both_engines
def test_an_event_edited_behind_the_apps_back_is_the_first_broken_link(desk, desk_target,
                                                                       tamper, why):
    _some_work(desk)
    ids = _logged(desk)
    middle = ids[len(ids) // 2]
    with _behind_the_apps_back(desk_target) as raw:
        raw.execute(text(tamper), {"middle": middle})
    found = audit.verify(desk)
    assert found.broken is not None and found.broken.why is why
    # the edited event itself, or (removed) the one after the gap
    assert found.broken.event_id == (middle + 1 if why is Broken.REMOVED else middle)
    assert found.events == ids.index(middle)


@pytest.mark.both_engines
def test_a_forged_hash_does_not_mend_the_chain(desk, desk_target):
    """Rewriting an event and recomputing its own hash still breaks the next link."""
    from dutydesk.store import chain

    _some_work(desk)
    ids = _logged(desk)
    middle = ids[len(ids) // 2]
    with _behind_the_apps_back(desk_target) as raw:
        raw.execute(text("UPDATE event SET payload = '{}' WHERE id = :id"), {"id": middle})
        previous = raw.execute(text("SELECT hash FROM event WHERE id = :id"),
                               {"id": middle - 1}).scalar()
        row = raw.execute(text(f"SELECT {', '.join(chain.COLUMNS)} FROM event WHERE id = :id"),
                          {"id": middle}).one()
        raw.execute(text("UPDATE event SET hash = :hash WHERE id = :id"),
                    {"hash": chain.link(previous, dict(zip(chain.COLUMNS, row))), "id": middle})
    found = audit.verify(desk)
    assert found.broken is not None and found.broken.event_id == middle + 1


def test_an_older_file_is_chained_when_it_is_upgraded(desk, db_path):
    from tests.store.test_engine import _undo_migrations_after

    _some_work(desk)
    desk.db.dispose()
    with sqlite3.connect(db_path) as raw:
        _undo_migrations_after(raw, 10)  # no hash column: a version-10 file
    desk.db = Database.open(db_path, upgrade=True)
    found = audit.verify(desk)
    assert found.broken is None and found.events == len(_event_ids(db_path))
    create_case(desk, desk.actor("liuyang"), standard_draft())  # and goes on from its head
    assert audit.verify(desk).broken is None


def test_audit_verify_on_the_command_line(desk, db_path, capsys):
    _some_work(desk)
    assert dutydesk(["audit", "verify", "--db", str(db_path)]) == 0
    assert "审计日志完好" in capsys.readouterr().out
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE event SET subject = 'case:999' WHERE id = 3")
    assert dutydesk(["audit", "verify", "--db", str(db_path), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "broken at event #3" in out and "not what was written" in out


@given(st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(9999, 1, 1),
                    timezones=st.just(dt.UTC)))
def test_a_moment_is_spelled_the_same_from_the_column_text_or_the_datetime(moment):
    """The chain reads SQLite's stored text on verify and an aware datetime on append: the
    two spellings of one moment must agree, or every link would break."""
    from sqlalchemy.dialects import sqlite

    from dutydesk.store import chain

    stored = sqlite.DATETIME().bind_processor(sqlite.dialect())(moment.replace(tzinfo=None))
    assert chain.canonical_at(stored) == chain.canonical_at(moment)


def test_the_whole_demo_verifies(demo_desk):
    """Every use-case the demo replays (reports through every step, a 110 import, disputes,
    revisits, the sweep, handover) leaves a chain that verifies: no service changes an event
    after it was linked."""
    found = audit.verify(demo_desk)
    assert found.broken is None, found.broken
