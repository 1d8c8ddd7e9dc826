"""Schema 8: the milestones the statistics count."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHANGES: list[str] = [
    "ALTER TABLE case_ ADD COLUMN filed_at DATETIME",
    "ALTER TABLE case_ ADD COLUMN dispatched_at DATETIME",
    "ALTER TABLE case_ ADD COLUMN closed_on_time BOOLEAN",
    "UPDATE case_ SET filed_at = (SELECT min(at) FROM event WHERE case_id = case_.id AND action"
    " = 'file'), dispatched_at = (SELECT min(at) FROM event WHERE case_id = case_.id AND action"
    " = 'dispatch'), closed_on_time = CASE WHEN state = 'closed' THEN (SELECT "
    "json_extract(payload, '$.on_time') FROM event WHERE case_id = case_.id AND action = "
    "'close' ORDER BY id DESC LIMIT 1) END",
    "CREATE INDEX ix_case_stat_filed ON case_ (filed_at, street_id, community_id, node_id)",
    "CREATE INDEX ix_case_stat_dispatched ON case_ (dispatched_at, street_id, community_id, "
    "node_id, lead_unit_id)",
    "CREATE INDEX ix_case_stat_closed ON case_ (closed_at, street_id, community_id, node_id, "
    "lead_unit_id, closed_on_time, dispatched_at)",
    "CREATE INDEX ix_event_stat_steps ON event (action, at, case_id) WHERE action IN "
    "('return_', 'verify_fail', 'reopen')",
    "CREATE INDEX ix_dispute_created ON dispute (created_at, case_id)",
]


def upgrade() -> None:
    steps.new_tables(8)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 8)
