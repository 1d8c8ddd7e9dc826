"""Substring search over cases' search text, made fast on SQLite by an FTS5 trigram index.

A LIKE scan walks the queue's index until it has a page of matches: instant for common terms,
a full scan (about 1 s at 1M cases) for rare ones. The trigram index answers rare terms at
once but would have to list every row of a common one. So a term of three or more characters
first asks the index for a bounded number of matches: if there are fewer, those ids are the
filter; otherwise the term is common and the LIKE scan is the fast path. Other databases (and
shorter terms) use LIKE alone.
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlmodel import Session

RARE_LIMIT = 2000  # more matches than this: a common term, left to the LIKE scan
MIN_TERM = 3  # a trigram index needs three characters

_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS case_search USING fts5("
    "search_text, content='case_', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS case_search_insert AFTER INSERT ON case_ BEGIN "
    "INSERT INTO case_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS case_search_delete AFTER DELETE ON case_ BEGIN "
    "INSERT INTO case_search(case_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS case_search_update AFTER UPDATE OF search_text ON case_ BEGIN "
    "INSERT INTO case_search(case_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO case_search(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def install(connection: Connection) -> None:
    """Create the index and the triggers that keep it in step with case_ (SQLite only)."""
    if connection.dialect.name != "sqlite":
        return
    for statement in _DDL:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql("INSERT INTO case_search(case_search) VALUES ('rebuild')")


def rare_matches(session: Session, term: str) -> list[int] | None:
    """The ids of cases whose search text contains `term`, if there are few; else None."""
    if len(term) < MIN_TERM or session.get_bind().dialect.name != "sqlite":
        return None
    quoted = '"' + term.replace('"', '""') + '"'
    ids = list(session.connection().execute(
        text("SELECT rowid FROM case_search WHERE case_search MATCH :q LIMIT :n"),
        {"q": quoted, "n": RARE_LIMIT + 1}).scalars())
    return ids if len(ids) <= RARE_LIMIT else None


def respell(connection: Connection, batch: int = 5000) -> None:
    """Every case's search text spelled again by today's rule (a newer rule reads polyphones
    every way): part of an upgrade's transaction; the triggers keep the index in step."""
    from dutydesk.domain.text import placed_search_text, search_text

    last = 0
    while True:
        rows = connection.exec_driver_sql(
            "SELECT case_.id, summary, address, reporter_name, reporter_phone, node.name "
            "FROM case_ LEFT JOIN node ON node.id = case_.node_id WHERE case_.id > ? "
            "ORDER BY case_.id LIMIT ?", (last, batch)).all()
        if not rows:
            return
        connection.exec_driver_sql(
            "UPDATE case_ SET search_text = ? WHERE id = ?",
            [(placed_search_text(search_text(r[1], r[2], r[3], r[4]), r[5]) if r[5]
              else search_text(r[1], r[2], r[3], r[4]), r[0]) for r in rows])
        last = rows[-1][0]
