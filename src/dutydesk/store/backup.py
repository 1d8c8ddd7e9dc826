"""Backup and restore of a desk's SQLite file.

A backup is SQLite's online backup API copying one read snapshot in a single step (officers
keep working: in WAL mode a reader never blocks a writer, and a step-wise copy would restart
on every write), written as one self-contained file (rollback journal, mode 600), checked
with `integrity_check`, and never over an existing file or through a link.

A restore copies a checked backup into a database's place only while no session has it open.
An existing database is replaced only when asked, and is first kept beside it (its WAL folded
in), so a restore over the wrong file loses nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from dutydesk.errors import SchemaError, StorageError
from dutydesk.files import atomic_output, exclusive_output
from dutydesk.store.engine import BUSY_TIMEOUT_MS, connector, schema_version, storage_error
from dutydesk.store.inuse import sole_use


@dataclass(frozen=True)
class Copied:
    path: Path
    size: int  # bytes
    events: int  # in the event log


@dataclass(frozen=True)
class Restored:
    path: Path
    kept: Path | None  # the database it replaced, kept aside


def backup(source: Path, output: Path) -> Copied:
    """A consistent copy of the desk at `source` in the new file `output`."""
    source, output = Path(source).expanduser(), Path(output).expanduser().absolute()
    schema_version(source)  # a dutydesk database, or refused untouched
    if output.exists() or output.is_symlink():
        raise SchemaError("backup.error.exists", path=str(output))
    if not output.parent.is_dir():
        raise SchemaError("error.no_folder", path=str(output.parent))
    try:
        with exclusive_output(output) as partial:
            events = _copy(source, partial, read_only=not os.access(source, os.W_OK))
    except FileExistsError:
        raise SchemaError("backup.error.exists", path=str(output)) from None
    except OSError as exc:
        raise StorageError("error.storage.io", code=exc.strerror or "?") from None
    return Copied(output, output.stat().st_size, events)


def restore(backup_file: Path, target: Path, now: dt.datetime, *,
            force: bool = False) -> Restored:
    """The backup put in `target`'s place (replacing a database there only when `force`,
    kept aside under a name with `now`, local time)."""
    backup_file, target = Path(backup_file).expanduser(), Path(target).expanduser().absolute()
    schema_version(backup_file)
    _check(backup_file)
    if not target.exists():
        if not target.parent.is_dir():
            raise SchemaError("error.no_folder", path=str(target.parent))
        try:
            with exclusive_output(target) as partial:
                _copy(backup_file, partial, read_only=True)
        except FileExistsError:
            raise SchemaError("restore.error.exists", path=str(target)) from None
        return Restored(target, None)
    if not force:
        raise SchemaError("restore.error.exists", path=str(target))
    schema_version(target)  # what is replaced must be a desk too: never any other file
    with sole_use(target):  # refused at once while a session has it open
        kept = target.with_name(f"{target.name}.before-restore-"
                                f"{now:%Y%m%d-%H%M%S}")
        _fold_wal(target)
        try:
            os.link(target, kept)  # kept aside first, never over anything
        except FileExistsError:
            raise SchemaError("backup.error.exists", path=str(kept)) from None
        with atomic_output(target) as partial:
            _copy(backup_file, partial, read_only=True)
            for suffix in ("-wal", "-shm"):  # the old file's, which would be read as the new's
                Path(str(target) + suffix).unlink(missing_ok=True)
    return Restored(target, kept)


def _copy(source: Path, target: Path, *, read_only: bool) -> int:
    """`source` copied into the (empty) file `target` by the backup API; its event count."""
    try:
        src = connector(source, read_only=read_only)()
        dst = sqlite3.connect(target, isolation_level=None)
        try:
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            src.backup(dst)  # every page in one step: one snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StorageError("error.storage.corrupt", code="integrity_check")
            events = dst.execute("SELECT count(*) FROM event").fetchone()[0]
        finally:
            dst.close()
            src.close()
    except sqlite3.Error as exc:
        raise storage_error(exc) from None
    os.chmod(target, 0o600)  # it holds reporters' names and phones
    return events


def _check(path: Path) -> None:
    try:
        connection = connector(path, read_only=True)()
        try:
            found = connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise storage_error(exc) from None
    if found != "ok":
        raise StorageError("error.storage.corrupt", code="integrity_check")


def _fold_wal(path: Path) -> None:
    """Whatever the database's WAL still holds written into the file itself (a session that
    ended without its checkpoint leaves committed work there)."""
    try:
        connection = connector(path, read_only=False)()
        try:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise storage_error(exc) from None
