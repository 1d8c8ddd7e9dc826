"""Shared fixtures: throwaway real SQLite files built from seed/, and a simulated clock."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from dutydesk.clock import SimulatedClock
from dutydesk.domain.deadlines import LOCAL_TZ
from dutydesk.i18n import set_language
from dutydesk.config.reading import read_configuration
from dutydesk.scenario.demo import build_demo, seed_dir
from dutydesk.services.context import Desk
from dutydesk.services.setup import install_configuration
from dutydesk.store.engine import Database

# A property's examples are cheap unless it says otherwise (deadline=None on the slow ones); a
# loaded machine (CI, -n 8) may still take a few times the default 200 ms over one.
settings.register_profile("dutydesk", deadline=dt.timedelta(seconds=2))
settings.load_profile("dutydesk")

# Monday 2026-11-23 10:00 in Shanghai: a working day with working days on either side.
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def _exports_in_the_test_folder(tmp_path, monkeypatch):
    # A bare export name goes to the exports folder: the test's, never the home folder's.
    monkeypatch.setenv("DUTYDESK_EXPORTS", str(tmp_path / "exports"))


@pytest.fixture(autouse=True)
def _chinese_by_default():
    set_language("zh_CN")
    yield
    set_language("zh_CN")


@pytest.fixture(scope="session")
def configured_template(tmp_path_factory) -> Path:
    """A database holding the seed configuration and no cases, built once per session."""
    path = tmp_path_factory.mktemp("template") / "configured.db"
    db = Database.open(path, create=True)
    install_configuration(db, SimulatedClock(T0), read_configuration(seed_dir(), demo=True))
    db.dispose()
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.db"
    build_demo(path, SimulatedClock(T0))
    return path


def _copy(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(T0)


@pytest.fixture
def db_path(tmp_path, configured_template) -> Path:
    return _copy(configured_template, tmp_path / "desk.db")


@pytest.fixture
def engine(request) -> str:
    """The engine `desk` is on: SQLite, unless the module runs on both (`both_engines`)."""
    return getattr(request, "param", "sqlite")


def pytest_generate_tests(metafunc):
    """A module marked `both_engines` runs each of its `desk` tests on SQLite, then on
    PostgreSQL."""
    if metafunc.definition.get_closest_marker("both_engines") and \
            "desk" in metafunc.fixturenames:
        metafunc.parametrize("engine", ["sqlite", pytest.param(
            "postgresql", marks=pytest.mark.postgresql)], indirect=True)


@pytest.fixture
def desk(request, engine, clock):
    """The configured desk (no cases): a copy of the SQLite template, or the worker's
    PostgreSQL database restored to its configured state."""
    if engine == "sqlite":
        db = Database.open(request.getfixturevalue("db_path"))
    elif request.node.get_closest_marker("sqlite_only"):
        pytest.skip(request.node.get_closest_marker("sqlite_only").args[0])
    else:
        from tests import postgres

        postgres.restore(request.getfixturevalue("pg_configured"))
        yield Desk(request.getfixturevalue("pg_opened"), clock)
        return
    yield Desk(db, clock)
    db.dispose()


@pytest.fixture(scope="session")
def pg_opened(pg_configured):
    """The worker's PostgreSQL desk database, opened once: its connections are kept from
    test to test (a new server connection costs a few milliseconds), the data restored."""
    db = Database.open(pg_configured)
    yield db
    db.dispose()


@pytest.fixture
def desk_target(request, engine, desk) -> Path | str:
    """Where `desk` is, for another process to open: its file, or its PostgreSQL URL."""
    return request.getfixturevalue("db_path" if engine == "sqlite" else "pg_configured")


@pytest.fixture
def demo_path(tmp_path, demo_template) -> Path:
    return _copy(demo_template, tmp_path / "demo.db")


@pytest.fixture
def demo_desk(demo_path, clock):
    db = Database.open(demo_path)
    yield Desk(db, clock)
    db.dispose()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the session (tests/postgres.py), or a visible skip."""
    from tests import postgres

    yield from postgres.server()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A new, empty PostgreSQL database of its own for one test."""
    from tests import postgres

    return postgres.fresh_database(pg_server)


@pytest.fixture(scope="session")
def pg_configured(pg_server) -> str:
    """A PostgreSQL database holding the seed configuration and no cases, kept as it is: the
    database every PostgreSQL desk test of this worker works on, restored before each."""
    from tests import postgres

    url = postgres.fresh_database(pg_server)
    db = Database.open(url, create=True)
    install_configuration(db, SimulatedClock(T0), read_configuration(seed_dir(), demo=True))
    db.dispose()
    postgres.keep_as_it_is(url)
    return url
