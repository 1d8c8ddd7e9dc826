"""Schema 7: the supervision sweep's steps."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHANGES: list[str] = []


def upgrade() -> None:
    steps.new_tables(7)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 7)
