"""PostgreSQL, the server engine (`--db postgresql://…`, psycopg 3): the same interface as the
SQLite file (store/engine.py), and here is where it differs.

- Writes take turns as on SQLite: each write transaction first takes one transaction-scoped
  advisory lock, so a read-modify-write never loses an update and the event log's hash chain
  is appended one event at a time.
- Reads are REPEATABLE READ, read-only: one snapshot each, like a WAL reader.
- "In use" is a session-level advisory lock held while the database is open, where SQLite has
  its flock: shared by every session, exclusive for a rebuild (`dutydesk demo`), which is
  refused while any session has it, as a session is while a rebuild runs.
- Search has `pg_trgm`'s GIN index on the cases' search text, where SQLite has its FTS5
  trigram table: the planner reads it for a rare term's `LIKE '%…%'` by itself.
- The change feed is LISTEN/NOTIFY: a trigger on the event table notifies at every commit that
  wrote events, and a session hears it on a connection of its own without asking the server
  anything (SQLite: `PRAGMA data_version`).
- A new database is made whole from the models and stamped with Alembic's head.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

from dutydesk.errors import SchemaError, StorageError
from dutydesk.store import models
from dutydesk.store.engine import Storage, transaction

WRITE_TURN = 0x64757479_0001  # the advisory lock every write transaction holds
CHANNEL = "dutydesk_events"  # what the event table's trigger notifies at each commit
_NOTIFY = (
    "CREATE FUNCTION dutydesk_event_notify() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$",
    "CREATE TRIGGER event_notify AFTER INSERT ON event FOR EACH STATEMENT "
    "EXECUTE FUNCTION dutydesk_event_notify()",
)
SEARCH_INDEX = "CREATE INDEX ix_case_search_trgm ON case_ USING gin (search_text gin_trgm_ops)"
_SEARCH = ("CREATE EXTENSION IF NOT EXISTS pg_trgm",  # trusted: the database's owner may
           SEARCH_INDEX)
IN_USE = 0x64757479_0002  # held shared by every open session


_turns = threading.local()

def _partial_on_postgresql() -> None:
    """The indexes the models mark partial on both engines take SQLite's clause here too."""
    for table in SQLModel.metadata.tables.values():
        for index in table.indexes:
            if index.info.get(models.PARTIAL_ON_BOTH):
                index.dialect_kwargs["postgresql_where"] = index.dialect_options["sqlite"]["where"]


_partial_on_postgresql()
  # the databases whose write turn this thread holds


# SQLSTATE classes -> the officer's sentence (as store/engine.py does for SQLite's codes)
_STORAGE_KEYS = {"08": "error.storage.cant_open", "53": "error.storage.full",
                 "40": "error.storage.locked", "55": "error.storage.locked",
                 "25": "error.storage.read_only", "42": "error.storage.other",
                 "XX": "error.storage.corrupt"}


def storage_error(exc: BaseException) -> StorageError:
    state = getattr(getattr(exc, "orig", exc), "sqlstate", "") or ""
    return StorageError(_STORAGE_KEYS.get(state[:2], "error.storage.other"), code=state or "?")


def engine_url(url: str | URL) -> URL:
    """The URL as SQLAlchemy takes it: psycopg 3 as the driver unless one is named."""
    url = make_url(url)
    return url if "+" in url.drivername else url.set(drivername="postgresql+psycopg")


def libpq_url(url: str | URL) -> str:
    """The URL as libpq (psycopg itself) takes it: no driver, the password kept."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def schema_version(url: str) -> int:
    """The schema version of the desk at `url`, read without changing it (refused as
    `PostgresDatabase.open` refuses)."""
    database = PostgresDatabase(url)
    try:
        return database._desk_version()
    finally:
        database.dispose()


class PostgresDatabase(Storage):
    """One PostgreSQL database: a write engine and a read-only one."""

    failed = staticmethod(storage_error)

    def __init__(self, url: str, *, sole: bool = False) -> None:
        self.url = engine_url(url)
        self.path = self.url.render_as_string(hide_password=True)  # what messages name
        self.read_only = False
        self._listening = None  # the change feed's connection (opened when first asked)
        self._heard = 0
        try:
            self.writer = create_engine(self.url, pool_size=4, max_overflow=4,
                                        pool_pre_ping=True)
            self.reader = self.writer.execution_options(isolation_level="REPEATABLE READ",
                                                        postgresql_readonly=True)
            self._in_use = self.writer.connect().execution_options(
                isolation_level="AUTOCOMMIT")
            taken = self._in_use.execute(text(
                "SELECT pg_try_advisory_lock(:k)" if sole
                else "SELECT pg_try_advisory_lock_shared(:k)"), {"k": IN_USE}).scalar()
        except DBAPIError as exc:
            raise storage_error(exc) from None
        if not taken:
            self.dispose()
            raise SchemaError("error.in_use" if sole else "error.rebuilding", path=self.path)

    @classmethod
    def open(cls, url: str, *, create: bool = False, upgrade: bool = False) -> PostgresDatabase:
        database = cls(url)
        try:
            if create:
                if database._version() is not None:
                    raise SchemaError("error.exists", path=database.path)
                database._create_schema()
            elif (version := database._desk_version()) < models.SCHEMA_VERSION:
                if not upgrade:  # the operator decides when, after pg_dump, nobody working
                    raise SchemaError("error.older_schema", path=database.path, found=version,
                                      known=models.SCHEMA_VERSION)
                database._migrate(version)
        except BaseException:
            database.dispose()
            raise
        return database

    def _migrate(self, version: int) -> None:
        """Alembic's revisions from `version` to the head, in one transaction, while no other
        session has the database open: this session's in-use lock taken exclusively for the
        while (a session's own shared lock never stands in its way)."""
        from dutydesk.store import engine, migrations

        if not self._in_use.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                    {"k": IN_USE}).scalar():
            raise SchemaError("error.in_use", path=self.path)
        try:
            if engine.on_upgrade is not None:
                engine.on_upgrade(self.path, version, models.SCHEMA_VERSION)
            with self.write() as session:
                migrations.upgrade(session.connection(), version)
        finally:
            self._in_use.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": IN_USE})

    def _desk_version(self) -> int:
        """The schema version of the desk in this database; refused when it holds none, or
        one newer than this program knows."""
        version = self._version()
        if version is None:
            raise SchemaError("error.not_dutydesk", path=self.path)
        if version > models.SCHEMA_VERSION:
            raise SchemaError("error.newer_schema", path=self.path, found=version,
                              known=models.SCHEMA_VERSION)
        return version

    def _version(self) -> int | None:
        try:
            with self.writer.connect() as connection:
                if not connection.dialect.has_table(connection, "meta"):
                    return None
                found = connection.execute(text(
                    "SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
        except DBAPIError as exc:
            raise storage_error(exc) from None
        return int(found) if found and found.isdigit() else None

    @classmethod
    def rebuild(cls, url: str, may_replace: Callable[[PostgresDatabase], None],
                fill: Callable[[PostgresDatabase], None]) -> str:
        """The database at `url` made new and filled (a demo, a training run), in place and
        held as the build's alone: refused while any session has it open (a session that
        tries meanwhile is told it is being rebuilt), or when it holds tables not dutydesk's;
        `may_replace` refuses a desk that must be kept (it raises). A fill that fails leaves
        it empty, never half built."""
        database = cls(url, sole=True)
        try:
            if database._version() is not None:
                may_replace(database)
            elif database._tables():
                raise SchemaError("error.not_dutydesk", path=database.path)
            database.empty()
            database._create_schema()
            try:
                fill(database)
            except BaseException:
                database.empty()
                raise
        finally:
            database.dispose()
        return url

    def _tables(self) -> list[str]:
        with self.writer.connect() as connection:
            return connection.dialect.get_table_names(connection)

    def empty(self) -> None:
        """Every table of dutydesk's dropped (a rebuild, or one that failed half way)."""
        try:
            with self.writer.begin() as connection:
                SQLModel.metadata.drop_all(connection)
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
                connection.execute(text("DROP FUNCTION IF EXISTS dutydesk_event_notify()"))
        except DBAPIError as exc:
            raise storage_error(exc) from None

    def _install(self, session: Session) -> None:
        for statement in (*_NOTIFY, *_SEARCH):  # the change feed's trigger, search's index
            session.execute(text(statement))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction, taking its turn (the advisory lock) first. A thread that
        has the turn already (a refusal logged while its own write is open) goes on, as on
        SQLite: the turn is its own."""
        held = getattr(_turns, "databases", None)
        if held is None:
            held = _turns.databases = set()
        with transaction(self.writer, storage_error) as session:
            if id(self) in held:
                yield session
                return
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_TURN})
            held.add(id(self))
            try:
                yield session
            finally:
                held.discard(id(self))

    def data_version(self) -> int:
        """A counter of the commits that wrote events, heard as notifications on this
        session's listening connection: no query is sent (the feed asks ten times a second)."""
        import psycopg

        try:
            if self._listening is None:
                self._listening = psycopg.connect(libpq_url(self.url), autocommit=True)
                self._listening.execute(f"LISTEN {CHANNEL}")
            for _ in self._listening.notifies(timeout=0):
                self._heard += 1
        except psycopg.Error as exc:
            raise storage_error(exc) from None
        return self._heard

    def dispose(self) -> None:
        if getattr(self, "_listening", None) is not None:
            self._listening.close()
            self._listening = None
        if getattr(self, "_in_use", None) is not None:
            self._in_use.close()  # drops the session-level lock
            self._in_use = None
        self.writer.dispose()
