"""Schema 5: the revisit tables."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANGES: list[str] = []


def upgrade() -> None:
    steps.new_tables(5)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 5)
