"""Schema 6: the roster and the handover sheets."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CHANGES: list[str] = []


def upgrade() -> None:
    steps.new_tables(6)
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES, 6)
