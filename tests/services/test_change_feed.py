"""The change feed: a commit that writes events is heard by every other session of the desk
(SQLite: PRAGMA data_version; PostgreSQL: LISTEN/NOTIFY from the event table), and a session
that only reads is never told of a change."""

from __future__ import annotations

import time

import pytest

from dutydesk.services.cases import create_case
from dutydesk.store.engine import Database
from tests.services.helpers import standard_draft

pytestmark = pytest.mark.both_engines  # the services hold on SQLite and PostgreSQL


def _heard(other: Database, before: int, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if other.data_version() != before:
            return True
        time.sleep(0.01)
    return False


def test_a_write_in_one_session_is_heard_in_another(desk):
    other = Database.open(desk.db.path)
    try:
        before = other.data_version()
        assert not _heard(other, before, seconds=0.3)  # nothing written: nothing heard
        case_id = create_case(desk, desk.actor("liuyang"), standard_draft())
        assert _heard(other, before)
        assert other.last_event_id() >= case_id  # and the log has it to read
    finally:
        other.dispose()
