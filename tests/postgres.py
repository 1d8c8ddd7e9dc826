"""A throw-away PostgreSQL server for the tests: Debian's `postgresql` package, `initdb` into a
temporary folder (as the package's `postgres` user when the tests run as root: initdb refuses
root), listening on 127.0.0.1 and a free port, stopped and removed when the session ends. A
machine without it skips the PostgreSQL tests, visibly (`-rs`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dutydesk.store.postgres import libpq_url

USER = "dutydesk"


def _programs() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    return found[-1].parent if found else None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="dutydesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


def _programs_or_skip() -> Path:
    programs = _programs()
    if programs is None:
        pytest.skip("PostgreSQL is not installed (Debian's postgresql package): "
                    "its tests are skipped")
    return programs


def _run_server(programs: Path, folder: Path) -> Iterator[str]:
    """Start the cluster in `folder`/data on a free port; its URL until the generator ends."""
    data, port = folder / "data", _free_port()
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    subprocess.run(_as_owner([str(programs / "pg_ctl"), "-D", str(data), "-l",
                              str(folder / "log"), "-o", options, "-w", "start"]),
                   check=True, capture_output=True)
    try:
        # Through its Unix socket (it listens on 127.0.0.1 too): a third faster a query.
        yield f"postgresql+psycopg://{USER}@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(_as_owner([str(programs / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                  "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def server() -> Iterator[str]:
    """The server's URL (its `postgres` database), for as long as the generator runs."""
    programs = _programs_or_skip()
    folder = _folder()
    subprocess.run(_as_owner([str(programs / "initdb"), "-D", str(folder / "data"), "-U", USER,
                              "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    yield from _run_server(programs, folder)


def standby(primary: str) -> Iterator[str]:
    """A streaming replica of the server at `primary` (pg_basebackup -R: a hot standby
    following its WAL), as a server URL, for as long as the generator runs."""
    from sqlalchemy import make_url

    programs = _programs_or_skip()
    folder, given = _folder(), make_url(primary)
    subprocess.run(_as_owner([str(programs / "pg_basebackup"), "-D", str(folder / "data"),
                              "-R", "-X", "stream", "--no-sync", "-c", "fast", "-U", USER,
                              "-h", given.query["host"], "-p", given.query["port"]]),
                   check=True, capture_output=True)
    yield from _run_server(programs, folder)


def caught_up(primary: str, replica: str, seconds: float = 10) -> None:
    """Wait until the replica holds every event the desk on the primary has logged. (Read from
    the event log itself: an LSN compared does not say it — with synchronous_commit off, as
    these servers run, a commit's record may not be written out when the commit returns, and
    the replica was once "caught up" without it under load; the insert position can lie past
    the last record.)"""
    import time

    import psycopg

    newest = "SELECT coalesce(max(id), 0) FROM event"
    with psycopg.connect(libpq_url(primary), autocommit=True) as connection:
        logged = connection.execute(newest).fetchone()[0]
    with psycopg.connect(libpq_url(replica), autocommit=True) as connection:
        for _ in range(int(seconds / 0.02)):
            if connection.execute(newest).fetchone()[0] >= logged:
                return
            time.sleep(0.02)
    raise AssertionError("the replica did not catch up")


def fresh_database(url: str, template: bool = False) -> str:
    """A new database on the server of `url`: empty, or (`template`) a copy of `url`'s."""
    import psycopg
    from sqlalchemy import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    given = make_url(url)
    copy = f' TEMPLATE "{given.database}"' if template else ""
    with psycopg.connect(libpq_url(given.set(database="postgres")),
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    return given.set(database=name).render_as_string(hide_password=False)


_RESTORE: dict[str, str] = {}  # each kept database's restoring script


def keep_as_it_is(url: str) -> None:
    """Keep a copy of every table of the database at `url` (schema `kept`), for `restore`."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        tables = _tables(connection)
        connection.execute("CREATE SCHEMA kept")
        for table in tables:
            connection.execute(f'CREATE TABLE kept."{table}" AS TABLE public."{table}"')
        sequences = connection.execute(
            "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), "
            "column_name) FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_default LIKE 'nextval%'").fetchall()
    _RESTORE[url] = "; ".join([
        "SET session_replication_role = replica",  # no foreign key checks while refilling
        *(f'DELETE FROM public."{t}"' for t in tables),  # (TRUNCATE: 4× slower, small)
        *(f'INSERT INTO public."{t}" SELECT * FROM kept."{t}"' for t in tables),
        *(f"SELECT setval('{sequence}', coalesce((SELECT max(\"{column}\") FROM "
          f'public."{table}"), 0) + 1, false)' for table, column, sequence in sequences)])


def restore(url: str) -> None:
    """The database at `url` as `keep_as_it_is` found it, in one round trip (milliseconds,
    where a new database takes a third of a second): every table emptied and refilled, its
    sequences set past the rows kept."""
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute(_RESTORE[url])


def _tables(connection) -> list[str]:
    return [row[0] for row in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
