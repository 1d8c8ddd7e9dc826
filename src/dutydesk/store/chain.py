"""The event log's hash chain: each event carries SHA-256 over the canonical JSON of its own
fields and the hash of the event before it. An event changed, removed or slipped in behind the
app's back no longer matches, and every link after it is suspect: `dutydesk audit verify`
finds the first. (The last event's hash, written down elsewhere, also shows a log cut short.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from typing import Any

GENESIS = "0" * 64  # what the first event is chained to
COLUMNS = ("id", "at", "actor_id", "case_id", "subject", "action", "on_behalf_of", "payload")
_PAGE = 10_000


def canonical_at(value: dt.datetime | str) -> str:
    """A moment as the chain spells it: UTC to the microsecond (from an aware datetime, or
    the column's text as SQLite keeps it, naive UTC)."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":  # SQLite's own text
            return f"{value[:10]}T{value[11:]}Z"
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def link(previous: str, row: dict[str, Any]) -> str:
    """The hash of one event (its COLUMNS in `row`) chained to `previous`. The payload is
    hashed as the text stored, so the chain never depends on how JSON is re-read."""
    record = {name: row[name] for name in COLUMNS}
    record["at"] = canonical_at(row["at"])
    record["previous"] = previous
    return hashlib.sha256(_canonical(record).encode("utf-8")).hexdigest()


_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def rechain(raw: sqlite3.Connection) -> int:
    """Every event's hash computed in id order, inside the caller's transaction: an older
    file's log chained on upgrade, or a generated one. Returns how many were chained."""
    previous, after, done = GENESIS, 0, 0
    select = f"SELECT {', '.join(COLUMNS)} FROM event WHERE id > ? ORDER BY id LIMIT {_PAGE}"
    while rows := raw.execute(select, (after,)).fetchall():
        hashes = []
        for values in rows:
            previous = link(previous, dict(zip(COLUMNS, values)))
            hashes.append((previous, values[0]))
        raw.executemany("UPDATE event SET hash = ? WHERE id = ?", hashes)
        after, done = rows[-1][0], done + len(rows)
    return done
