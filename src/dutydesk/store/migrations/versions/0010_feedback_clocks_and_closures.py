"""Schema 10: 110's feedback clocks, the unit's own deadline, closures, first due days."""

from __future__ import annotations

from alembic import op

from dutydesk.store.migrations import steps
from dutydesk.store import search

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CHANGES: list[str] = [
    "ALTER TABLE police_transfer ADD COLUMN contacted_at DATETIME",
    "ALTER TABLE police_transfer ADD COLUMN result_at DATETIME",
    "UPDATE police_transfer SET result_at = (SELECT min(at) FROM event WHERE event.case_id = "
    "police_transfer.case_id AND action IN ('reply', 'resolve', 'close')) WHERE state IN "
    "('diverted', 'fed_back')",
    "ALTER TABLE revisit ADD COLUMN first_due_on DATE",
    "CREATE INDEX ix_revisit_first_due ON revisit (first_due_on, status, done_at)",
    "UPDATE revisit SET first_due_on = coalesce((SELECT json_extract(payload, '$.from_day') "
    "FROM event WHERE event.case_id = revisit.case_id AND action = 'reschedule' AND "
    "json_extract(payload, '$.revisit') = revisit.id ORDER BY event.id LIMIT 1), due_on)",
    "ALTER TABLE case_ ADD COLUMN unit_due_at DATETIME",
    "ALTER TABLE case_ ADD COLUMN unit_replied_at DATETIME",
    "UPDATE case_ SET unit_due_at = due_at WHERE state IN ('dispatched', 'in_progress')",
    "UPDATE case_ SET unit_due_at = (SELECT CASE WHEN instr(d, '.') THEN d ELSE d || '.000000' "
    "END FROM (SELECT replace(substr(v, 1, length(v) - 6), 'T', ' ') AS d FROM (SELECT "
    "json_extract(payload, CASE WHEN action IN ('dispatch', 'verify_fail') THEN '$.due_at' ELSE"
    " '$.to' END) AS v FROM event WHERE event.case_id = case_.id AND action IN ('dispatch', "
    "'verify_fail', 'approve_extension', 'expedite') ORDER BY event.id DESC LIMIT 1) WHERE v IS"
    " NOT NULL)), unit_replied_at = (SELECT max(at) FROM event WHERE event.case_id = case_.id "
    "AND action IN ('reply', 'return_')) WHERE dispatched_at IS NOT NULL AND state NOT IN "
    "('dispatched', 'in_progress')",
    "CREATE INDEX ix_case_unit_open ON case_ (unit_due_at) WHERE unit_replied_at IS NULL AND "
    "unit_due_at IS NOT NULL",
    "CREATE INDEX ix_case_unit_replied ON case_ (unit_replied_at, unit_due_at, street_id, "
    "community_id, node_id, lead_unit_id)",
    "CREATE INDEX ix_case_unit_parts ON case_unit (unit_id, case_id) WHERE lead = 0",
    "ALTER TABLE dispute ADD COLUMN applied_on DATE",
]

BACKFILLS: list[str] = [
    "DELETE FROM case_closure",
    "INSERT INTO case_closure (case_id, closed_at, reopened_at, on_time) "
    "SELECT e.case_id, e.at, (SELECT min(r.at) FROM event r WHERE r.case_id = e.case_id "
    "AND r.action = 'reopen' AND r.id > e.id), json_extract(e.payload, '$.on_time') "
    "FROM event e WHERE e.action IN ('close', 'resolve') AND e.case_id IS NOT NULL",
]


def upgrade() -> None:
    steps.new_tables(10)
    steps.change(CHANGES)
    steps.change(BACKFILLS)
    search.respell(op.get_bind())  # every reading of a polyphone


def downgrade() -> None:
    steps.undo(CHANGES, 10)
