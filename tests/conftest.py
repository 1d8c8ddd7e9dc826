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
def desk(db_path, clock):
    db = Database.open(db_path)
    yield Desk(db, clock)
    db.dispose()


@pytest.fixture
def demo_path(tmp_path, demo_template) -> Path:
    return _copy(demo_template, tmp_path / "demo.db")


@pytest.fixture
def demo_desk(demo_path, clock):
    db = Database.open(demo_path)
    yield Desk(db, clock)
    db.dispose()
