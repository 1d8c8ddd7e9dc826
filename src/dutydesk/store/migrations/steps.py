"""What a revision does, said once: the tables its version added, made as that version made
them (schemas/vNN.sql), and its changes to what was there before — a column added once, an
index made once, data filled in from the log. Undone in reverse for a downgrade."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import op
from sqlalchemy import Connection, inspect

SCHEMAS = Path(__file__).parent / "schemas"
_CREATE = re.compile(r"^CREATE (?:VIRTUAL )?TABLE (\w+)")
_INDEX = re.compile(r"^CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+) ON (\w+)")
_TRIGGER = re.compile(r"^CREATE TRIGGER (?:IF NOT EXISTS )?(\w+) .*? ON (\w+) ")
_ADD = re.compile(r"^ALTER TABLE (\w+) ADD COLUMN (\w+)")


def _statements(version: int) -> list[str]:
    """A fresh file of `version`, one statement a line (tables, then the search index, the
    indexes and the triggers)."""
    text = (SCHEMAS / f"v{version:02d}.sql").read_text("utf-8")
    return [line.removesuffix(";") for line in text.splitlines()
            if line and not line.startswith("--")]


def _names(statement: str) -> tuple[str, str]:
    """(what it makes, the table it belongs to)."""
    if created := _CREATE.match(statement):
        return created.group(1), created.group(1)
    made = _INDEX.match(statement) or _TRIGGER.match(statement)
    if made is None:
        raise ValueError(statement[:60])
    return made.group(1), made.group(2)


def _tables(version: int) -> set[str]:
    return {m.group(1) for s in _statements(version) if (m := _CREATE.match(s))} \
        if version >= 1 else set()


def _existing(bind: Connection) -> set[str]:
    """The names of the tables, indexes and triggers the database has."""
    if bind.dialect.name == "sqlite":
        return set(bind.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
    found = inspect(bind)  # PostgreSQL (its desks begin at 0011)
    tables = found.get_table_names()
    return {*tables, *(index["name"] for table in tables for index in found.get_indexes(table))}


def new_tables(version: int) -> None:
    """The tables `version` added (every table, for the first), with their indexes and
    triggers, as that version made them — those the file does not have already."""
    bind = op.get_bind()
    before, have = _tables(version - 1), _existing(bind)
    for statement in _statements(version):
        name, table = _names(statement)
        if table not in before and name not in have:
            bind.exec_driver_sql(statement)


def change(changes: list[str]) -> None:
    """A version's changes to the tables there before it: each column added and each index
    made only where it is not yet (a file may have had them early), every other statement
    run as it is."""
    bind = op.get_bind()
    have = _existing(bind)
    for statement in changes:
        added, index = _ADD.match(statement), _INDEX.match(statement)
        if added and added.group(2) in _columns(bind, added.group(1)):
            continue
        if index and index.group(1) in have:
            continue
        bind.exec_driver_sql(statement)


def undo(changes: list[str], version: int | None = None) -> None:
    """A downgrade: the changes' columns and indexes dropped, newest first, then the tables
    `version` added (their data is gone)."""
    bind = op.get_bind()
    for statement in reversed(changes):
        if added := _ADD.match(statement):
            bind.exec_driver_sql(f"ALTER TABLE {added.group(1)} DROP COLUMN {added.group(2)}")
        elif index := _INDEX.match(statement):
            bind.exec_driver_sql(f"DROP INDEX IF EXISTS {index.group(1)}")
    if version is not None:
        for table in sorted(_tables(version) - _tables(version - 1)):
            bind.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


def replace_indexes(changes: list[str], replaced: dict[str, str]) -> None:
    """The changes' indexes made, then the ones they replace (name -> `ON table (…) …`)
    dropped."""
    change(changes)
    for name in replaced:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def restore_indexes(changes: list[str], replaced: dict[str, str]) -> None:
    """A downgrade of `replace_indexes`: the replaced indexes made again, the changes undone."""
    for name, made in replaced.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} {made}")
    undo(changes)


def _columns(bind: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(bind).get_columns(table)}
