"""Search on PostgreSQL: `pg_trgm`'s GIN index on the cases' search text, where SQLite has its
FTS5 trigram table — the queue's own `LIKE '%…%'` may read it (the planner chooses it for a
rare term; benchmarks/queue_bench.py measures it at a million cases)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from dutydesk.store.engine import Database

pytestmark = pytest.mark.postgresql


def test_the_search_text_has_a_trigram_index_the_queues_like_can_read(pg_configured):
    from tests import postgres

    postgres.restore(pg_configured)
    db = Database.open(pg_configured)
    try:
        with db.read() as session:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_indexscan = off"))  # a bitmap, or nothing
            # Chinese is read as word characters (a UTF-8 locale: README), three to a trigram
            assert session.execute(text("SELECT show_trgm('楼上漏水')")).scalar() != []
            plan = "\n".join(session.execute(text(
                "EXPLAIN SELECT id FROM case_ WHERE search_text LIKE :term ESCAPE '\\'"),
                {"term": "%楼上漏水%"}).scalars())
    finally:
        db.dispose()
    assert "Bitmap Index Scan on ix_case_search_trgm" in plan, plan
