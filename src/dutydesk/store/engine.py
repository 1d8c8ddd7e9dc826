"""SQLite done properly: WAL, FULL sync, foreign keys, and write transactions begun IMMEDIATE.

Two engines share one file: the writer emits BEGIN IMMEDIATE so a read-modify-write from
several processes serialises instead of losing updates; the reader emits a plain BEGIN so
readers never queue behind writers (WAL gives them a snapshot).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, SQLModel

from dutydesk.errors import SchemaError
from dutydesk.store import models, search

BUSY_TIMEOUT_MS = 15_000


def _make_engine(path: Path, begin_sql: str) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "isolation_level": None},
        pool_size=4,
        max_overflow=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql(begin_sql)

    return engine


class Database:
    """One database file: a write engine, a read engine and a feed connection."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.writer = _make_engine(self.path, "BEGIN IMMEDIATE")
        self.reader = _make_engine(self.path, "BEGIN")

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False) -> Database:
        """Open an existing database (or create one); refuse one of an unknown newer schema."""
        path = Path(path).expanduser()
        if not path.exists():
            if not create:
                raise SchemaError("error.no_database", path=str(path))
            path.parent.mkdir(parents=True, exist_ok=True)
        database = cls(path)
        database._check_or_create_schema()
        return database

    def _check_or_create_schema(self) -> None:
        try:
            with self.writer.connect() as connection:
                tables = set(inspect(connection).get_table_names())
        except DatabaseError:  # not an SQLite file at all
            raise SchemaError("error.not_dutydesk", path=str(self.path)) from None
        if not tables:
            SQLModel.metadata.create_all(self.writer)
            with self.write() as session:
                search.install(session.connection())
                session.add(models.Meta(key="schema_version", value=str(models.SCHEMA_VERSION)))
            return
        if "meta" not in tables:
            raise SchemaError("error.not_dutydesk", path=str(self.path))
        version = self.meta("schema_version")
        if version is None or not version.isdigit():
            raise SchemaError("error.not_dutydesk", path=str(self.path))
        if int(version) > models.SCHEMA_VERSION:
            raise SchemaError("error.newer_schema", path=str(self.path), found=version,
                              known=models.SCHEMA_VERSION)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE); commits on success, rolls back on error."""
        with Session(self.writer, expire_on_commit=False) as session:
            with session.begin():
                yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short read snapshot; never keep one open while a person looks at a screen."""
        with Session(self.reader, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def meta(self, key: str) -> str | None:
        with self.read() as session:
            row = session.get(models.Meta, key)
            return row.value if row else None

    def last_event_id(self) -> int:
        """The change feed's cursor: a cheap read of the primary key's maximum."""
        with self.reader.connect() as connection:
            return connection.execute(text("SELECT coalesce(max(id), 0) FROM event")).scalar_one()

    def dispose(self) -> None:
        self.writer.dispose()
        self.reader.dispose()


def default_path() -> Path:
    env = os.environ.get("DUTYDESK_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("dutydesk")) / "dutydesk.db"
