"""Schema 2: contacts, the 110 transfers and the unit's own steps."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHANGES: list[str] = [
    "ALTER TABLE unit ADD COLUMN round_the_clock BOOLEAN NOT NULL DEFAULT 0",
    "ALTER TABLE case_ ADD COLUMN ack_unit VARCHAR",
    "ALTER TABLE case_unit ADD COLUMN acknowledged_at DATETIME",
    "ALTER TABLE case_unit ADD COLUMN replied_at DATETIME",
    "CREATE INDEX ix_case_merged_into ON case_ (merged_into_id)",
    "ALTER TABLE node ADD COLUMN aliases VARCHAR NOT NULL DEFAULT '[]'",
    "CREATE INDEX ix_event_subject ON event (subject, id)",
]


def upgrade() -> None:
    steps.new_tables(2)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 2)
