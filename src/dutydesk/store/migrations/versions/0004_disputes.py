"""Schema 4: the dispute tables."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHANGES: list[str] = []


def upgrade() -> None:
    steps.new_tables(4)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 4)
