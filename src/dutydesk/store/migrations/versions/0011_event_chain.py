"""Schema 11: the event log's hash chain."""

from __future__ import annotations

from alembic import op

from dutydesk.store.migrations import steps
from dutydesk.store import chain

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CHANGES: list[str] = [
    "ALTER TABLE event ADD COLUMN hash VARCHAR",
    "CREATE INDEX IF NOT EXISTS ix_revisit_day ON revisit (due_on, id)",
]


def upgrade() -> None:
    steps.change(CHANGES)
    chain.rechain(op.get_bind().connection.driver_connection)


def downgrade() -> None:
    steps.undo(CHANGES)
