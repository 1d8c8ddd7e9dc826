"""Schema 9: claims."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CHANGES: list[str] = []


def upgrade() -> None:
    steps.new_tables(9)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 9)
