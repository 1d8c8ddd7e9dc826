"""Schema 3: the 110 import link."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHANGES: list[str] = [
    "ALTER TABLE police_transfer ADD COLUMN import_event_id INTEGER",
]


def upgrade() -> None:
    steps.new_tables(3)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 3)
