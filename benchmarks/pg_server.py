"""A throw-away PostgreSQL server for the benchmarks (the tests' own: tests/postgres.py), or the
one named by $DUTYDESK_BENCH_PG (a server URL whose user may create databases)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@contextmanager
def server() -> Iterator[str]:
    given = os.environ.get("DUTYDESK_BENCH_PG")
    if given:
        yield given
        return
    from tests import postgres

    running = postgres.server()
    try:
        yield next(running)
    finally:
        running.close()  # stops the server and removes its folder


def database(server_url: str, name: str) -> str:
    """The URL of database `name` on the server, created if missing (kept between runs of a
    server named by $DUTYDESK_BENCH_PG)."""
    import psycopg
    from sqlalchemy import make_url

    from dutydesk.store.postgres import libpq_url

    url = make_url(server_url)
    with psycopg.connect(libpq_url(url.set(database="postgres")), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)
