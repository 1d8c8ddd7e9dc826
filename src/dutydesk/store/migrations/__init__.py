"""Schema migrations with Alembic: one revision per schema version, its id the version's
number (0001 … 0013). A new file is made whole from the models and stamped with the head; an
older one is brought up by `dutydesk upgrade` from the revision it is at — a file from before
Alembic (it says its version only in `meta`) is stamped with that version first. `meta`'s
`schema_version` keeps mirroring the revision, so an older dutydesk still refuses a newer file.

The released files were SQLite's, so revisions 0001 … 0011 are: each creates the tables its
version added, as that version's own code made them (schemas/vNN.sql, dumped from a fresh file
of each version), then changes what was there before (steps.py). PostgreSQL desks began at 0011:
every revision after it speaks both engines' SQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, text

FOLDER = Path(__file__).parent


def revision_of(version: int) -> str:
    return f"{version:04d}"


def _config(connection: Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.attributes["connection"] = connection
    return config


def revision_in(connection: Connection) -> int | None:
    """The version Alembic has the file at, or None for a file from before Alembic."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return int(found) if found else None


def stamp_head(connection: Connection) -> None:
    """A new file, made whole from the models: at the head."""
    from alembic import command

    command.stamp(_config(connection), "head")


def upgrade(connection: Connection, version: int) -> None:
    """From `version` to the head, in the caller's transaction."""
    from alembic import command

    config = _config(connection)
    if revision_in(connection) is None:
        command.stamp(config, revision_of(version))
    command.upgrade(config, "head")
    _mirror(connection)


def upgrade_from_nothing(connection: Connection) -> None:
    """Every revision on an empty file (0001 makes the first schema): the tests' proof that
    the revisions end where a new file begins."""
    from alembic import command

    command.upgrade(_config(connection), "head")
    connection.execute(text("INSERT INTO meta (key, value) VALUES ('schema_version', '')"))
    _mirror(connection)


def downgrade(connection: Connection, version: int) -> None:
    """Back to `version`'s schema (columns, indexes and tables it did not have are dropped;
    the data they held is gone): for tests of older files."""
    from alembic import command

    command.downgrade(_config(connection), revision_of(version))
    _mirror(connection)


def _mirror(connection: Connection) -> None:
    """meta's schema_version says what Alembic's revision says (a dutydesk from before
    Alembic reads it to refuse a newer file)."""
    connection.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
                       {"v": str(revision_in(connection))})
