"""Schema 1: the first schema."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CHANGES: list[str] = []


def upgrade() -> None:
    steps.new_tables(1)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 1)
