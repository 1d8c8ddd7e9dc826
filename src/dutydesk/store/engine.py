"""SQLite done properly: WAL, FULL sync, foreign keys, and write transactions begun IMMEDIATE.

Two engines share one file: the writer emits BEGIN IMMEDIATE so a read-modify-write from
several processes serialises instead of losing updates; the reader emits a plain BEGIN so
readers never queue behind writers (WAL gives them a snapshot).

A file is looked at through a read-only connection before anything is written to it (not even
the WAL pragma): an empty file, a foreign SQLite file or a newer schema is refused untouched.
Every storage failure leaves here as a `StorageError`: one sentence for the officer, with no
SQL and no parameters (they hold reporters' names and phones).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel

from dutydesk.errors import SchemaError, StorageError
from dutydesk.store import models, search
from dutydesk.store.inuse import SharedUse

BUSY_TIMEOUT_MS = 15_000
# The query planner's statistics (sqlite_stat1, `Database.keep_statistics`): read once the
# desk has this many cases, again when they have doubled or the schema changed; ANALYZE reads
# at most STATISTICS_ROWS rows an index (~50 ms at a million cases).
STATISTICS_FROM = 500
STATISTICS_ROWS = 1000

# SQLite's primary result codes (the name before any "_EXTENDED" part) -> the officer's sentence.
_STORAGE_KEYS = {
    "SQLITE_READONLY": "error.storage.read_only",
    "SQLITE_PERM": "error.storage.read_only",
    "SQLITE_AUTH": "error.storage.read_only",
    "SQLITE_BUSY": "error.storage.locked",
    "SQLITE_LOCKED": "error.storage.locked",
    "SQLITE_FULL": "error.storage.full",
    "SQLITE_CORRUPT": "error.storage.corrupt",
    "SQLITE_NOTADB": "error.storage.corrupt",
    "SQLITE_IOERR": "error.storage.io",
    "SQLITE_CANTOPEN": "error.storage.cant_open",
}


def is_url(target: object) -> bool:
    """A PostgreSQL URL (the server engine), rather than a SQLite file's path."""
    return str(target).startswith(("postgresql:", "postgresql+"))


def storage_error(exc: BaseException) -> StorageError:
    """The sentence for a failed database call, chosen by SQLite's result code."""
    original = getattr(exc, "orig", exc)
    name = getattr(original, "sqlite_errorname", "") or ""
    primary = "_".join(name.split("_")[:2])
    return StorageError(_STORAGE_KEYS.get(primary, "error.storage.other"), code=name or "?")


def connector(path: Path, read_only: bool):
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    return lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)


def _make_engine(path: Path, begin_sql: str, *, read_only: bool = False,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Engine:
    engine = create_engine("sqlite://", creator=connector(path, read_only),
                           poolclass=QueuePool, pool_size=4, max_overflow=4)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        if not read_only:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql(begin_sql)

    return engine


def _inspect(path: Path) -> str | None:
    """The schema version of an existing file, read without writing a byte; refuses what is
    not a dutydesk database. Alembic's revision and meta's mirror of it (what a dutydesk from
    before Alembic reads) should agree; where they do not, the newer counts (a file is never
    taken for older than it may be)."""
    if path.stat().st_size == 0:
        raise SchemaError("error.empty_file", path=str(path))
    try:
        connection = connector(path, read_only=True)()
    except sqlite3.Error as exc:
        raise storage_error(exc) from None
    try:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            raise SchemaError("error.not_dutydesk", path=str(path))
        found = [row[0] for row in connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'")]
        if "alembic_version" in tables:
            found += [row[0] for row in connection.execute(
                "SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_NOTADB":
            raise SchemaError("error.not_dutydesk", path=str(path)) from None
        raise storage_error(exc) from None
    finally:
        connection.close()
    if not all(isinstance(v, str) and v.isdigit() for v in found):
        return None
    return str(max(int(v) for v in found)) if found else None


def schema_version(path: Path | str) -> int:
    """The schema version of an existing dutydesk database, read without writing a byte; a
    missing file, anything else, or a newer schema than this program knows is refused."""
    if is_url(path):
        from dutydesk.store import postgres

        return postgres.schema_version(str(path))
    if not path.exists():
        raise SchemaError("error.no_database", path=str(path))
    if path.is_dir():
        raise SchemaError("error.not_dutydesk", path=str(path))
    version = _inspect(path)
    if version is None or not version.isdigit():
        raise SchemaError("error.not_dutydesk", path=str(path))
    if int(version) > models.SCHEMA_VERSION:
        raise SchemaError("error.newer_schema", path=str(path), found=int(version),
                          known=models.SCHEMA_VERSION)
    return int(version)


def peek_meta(path: Path, key: str) -> str | None:
    """A meta value of an existing dutydesk database of any known version, read without
    writing a byte (is it a demo, a training run?)."""
    schema_version(path)
    try:
        connection = connector(path, read_only=True)()
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise storage_error(exc) from None
    return row[0] if row else None


def _writable(path: Path) -> bool:
    # WAL needs to create its -wal and -shm files beside the database.
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


# Told before an older file is brought up to date (the CLI prints a line: a file of a million
# cases takes some seconds); None: nobody is told.
on_upgrade: Callable[[Path, int, int], None] | None = None


class Storage:
    """What a desk's database does alike on every engine: short read snapshots, `meta`, the
    change feed's cursor. An engine gives its `reader`, `writer` and `failed` (its errors as
    the officer's sentence)."""

    reader: Engine
    failed: Callable[[BaseException], StorageError]

    def read(self) -> AbstractContextManager[Session]:
        """A short read snapshot; never keep one open while a person looks at a screen."""
        return transaction(self.reader, self.failed)

    def meta(self, key: str) -> str | None:
        with self.read() as session:
            row = session.get(models.Meta, key)
            return row.value if row else None

    def _create_schema(self) -> None:
        """A new database made whole from the models, with what the engine adds (SQLite's
        search index, PostgreSQL's feed trigger: `_install`), at Alembic's head."""
        from dutydesk.store import migrations

        try:
            SQLModel.metadata.create_all(self.writer)
        except DBAPIError as exc:
            raise self.failed(exc) from None
        with self.write() as session:
            search.install(session.connection())
            self._install(session)
            session.add(models.Meta(key="schema_version", value=str(models.SCHEMA_VERSION)))
            migrations.stamp_head(session.connection())

    def _install(self, session: Session) -> None:
        """What this engine adds to a new database beside the models' tables."""

    def keep_statistics(self) -> None:
        """Keep the query planner's statistics current (PostgreSQL's autovacuum does it for a
        server; SQLite's file, `Database`, is kept by the sweep)."""

    def last_event_id(self) -> int:
        """The change feed's cursor: a cheap read of the primary key's maximum."""
        try:
            with self.reader.connect() as connection:
                return connection.execute(
                    text("SELECT coalesce(max(id), 0) FROM event")).scalar_one()
        except DBAPIError as exc:
            raise self.failed(exc) from None


class Database(Storage):
    """One database file: a write engine and a read engine (none for writing when read-only)."""

    failed = staticmethod(storage_error)

    def __init__(self, path: Path, *, read_only: bool = False,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.in_use = SharedUse(self.path)  # tells a rebuild that this session has it open
        self.writer = None if read_only else _make_engine(
            self.path, "BEGIN IMMEDIATE", busy_timeout_ms=busy_timeout_ms)
        self.reader = _make_engine(self.path, "BEGIN", read_only=read_only,
                                   busy_timeout_ms=busy_timeout_ms)
        self._watch: sqlite3.Connection | None = None  # the change feed's own connection

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False, upgrade: bool = False,
             busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Database:
        """Open an existing dutydesk database, or create a new one at a free path. A file of
        an older schema is refused unless `upgrade` (`dutydesk upgrade`): the operator decides
        when it changes, after a backup, with nobody working on it. A `postgresql://` URL
        opens PostgreSQL instead (store/postgres.py), with the same interface."""
        if is_url(path):
            from dutydesk.store.postgres import PostgresDatabase

            return PostgresDatabase.open(str(path), create=create, upgrade=upgrade)
        path = Path(path).expanduser()
        if create:
            if path.exists():
                raise SchemaError("error.exists", path=str(path))
            if not path.parent.is_dir():
                raise SchemaError("error.no_folder", path=str(path.parent))
            database = cls(path, busy_timeout_ms=busy_timeout_ms)
            database._create_schema()
            return database
        version = schema_version(path)
        if version < models.SCHEMA_VERSION and not upgrade:
            raise SchemaError("error.older_schema", path=str(path), found=version,
                              known=models.SCHEMA_VERSION)
        writable = _writable(path)
        if version < models.SCHEMA_VERSION and not writable:
            raise SchemaError("error.older_schema_read_only", path=str(path), found=version)
        database = cls(path, read_only=not writable, busy_timeout_ms=busy_timeout_ms)
        if version < models.SCHEMA_VERSION:
            if on_upgrade is not None:  # a big file takes a while: say so first
                on_upgrade(path, version, models.SCHEMA_VERSION)
            database._migrate(version)
        return database

    def _migrate(self, version: int) -> None:
        """Bring an older schema up to date in one transaction (Alembic's revisions from the
        file's own: store/migrations); a session of a newer program may have done it
        meanwhile, so the version is read again under the lock. The new indexes' statistics
        are read after."""
        from dutydesk.store import migrations

        with self.write() as session:
            connection = session.connection()
            current = migrations.revision_in(connection) or \
                int(session.get(models.Meta, "schema_version").value)
            if current < models.SCHEMA_VERSION:
                migrations.upgrade(connection, current)
        self.keep_statistics()

    def keep_statistics(self) -> None:
        """The query planner's statistics, read (bounded ANALYZE) once the desk has a few hundred
        cases and again when they have doubled or the schema changed. SQLite reads none by
        itself: a desk grown to a million cases without them had the duty chief's 待我处理
        page in 63 ms and its count in 412 ms (1.4 and 8.6 ms with them); an upgrade's new
        indexes without them, beside old ones with, were passed over (16 ms for 1). Checked
        by a read first: with nothing to do, no write lock."""
        if self.writer is None:
            return
        with self.read() as session:
            if not _statistics_stale(session.connection()):
                return
        with self.write() as session:
            connection = session.connection()
            if cases := _statistics_stale(connection):  # again under the lock
                connection.exec_driver_sql(f"PRAGMA analysis_limit={STATISTICS_ROWS}")
                connection.exec_driver_sql("ANALYZE")
                session.merge(models.Meta(key="statistics", value=json.dumps(
                    {"cases": cases, "schema": models.SCHEMA_VERSION})))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE); commits on success, rolls back on error.
        Writers — every session's threads and every process — take turns at a lock beside
        the file first: SQLite's own busy wait is not a queue, and under a dozen writers and a
        long import some waited past its timeout and were refused as busy."""
        if self.writer is None:
            raise StorageError("error.storage.read_only")
        with _write_turn(self.path):
            with transaction(self.writer) as session:
                yield session

    def data_version(self) -> int:
        """SQLite's counter of commits made by other connections (microseconds to read): the
        change feed polls it often and reads the event log only when it moves. Always on the
        same connection, outside any transaction, as the counter is per connection."""
        try:
            if self._watch is None:
                self._watch = connector(self.path, read_only=True)()
            return self._watch.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error as exc:
            raise storage_error(exc) from None

    def dispose(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
        if self.writer is not None:
            self.writer.dispose()
        self.reader.dispose()
        self.in_use.release()


def _statistics_stale(connection) -> int:
    """The number of cases (their highest number) when the statistics should be read again,
    else 0: past STATISTICS_FROM, none read yet, the cases doubled since, or another schema."""
    cases = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM case_").scalar()
    if cases < STATISTICS_FROM:
        return 0
    read = connection.exec_driver_sql(
        "SELECT value FROM meta WHERE key = 'statistics'").scalar()
    if read is None:
        return cases
    read = json.loads(read)
    stale = read.get("schema") != models.SCHEMA_VERSION or cases >= 2 * read.get("cases", 0)
    return cases if stale else 0


WRITE_WAIT_SECONDS = 300  # a write waits this long for its turn before it is refused as busy


_turns = threading.local()  # the write turns this thread holds, by file


@contextmanager
def _write_turn(path: Path) -> Iterator[None]:
    """Hold the desk's write lock (`<file>-writelock`, flock) for one transaction. A thread
    that holds it already (a refusal logged while its own write is open) goes on: the turn is
    its own."""
    held = getattr(_turns, "paths", None)
    if held is None:
        held = _turns.paths = set()
    if path in held:
        yield
        return
    try:
        lock = os.open(path.with_name(path.name + "-writelock"),
                       os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        yield  # a folder we cannot write a lock file in: SQLite's busy wait alone
        return
    try:
        deadline = time.monotonic() + WRITE_WAIT_SECONDS
        pause = 0.001
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError("error.storage.locked", code="writelock") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        held.add(path)
        try:
            yield
        finally:
            held.discard(path)
    finally:
        os.close(lock)  # releases the turn


@contextmanager
def transaction(engine: Engine, failed: Callable[[BaseException], StorageError] = storage_error
                ) -> Iterator[Session]:
    """A session in one transaction; a failure leaves as the officer's sentence."""
    try:
        with Session(engine, expire_on_commit=False) as session:
            with session.begin():
                yield session
    except DBAPIError as exc:
        raise failed(exc) from None


def default_path() -> Path | str:
    env = os.environ.get("DUTYDESK_DB")
    if env:
        return env if is_url(env) else Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("dutydesk")) / "dutydesk.db"
