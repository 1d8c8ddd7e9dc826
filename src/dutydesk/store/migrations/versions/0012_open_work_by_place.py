"""Schema 12: a place's open work newest first (a street's or community's 待我处理 page)."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The first revision PostgreSQL desks take too (they began at 0011): said in SQL both speak.
_OPEN = ("WHERE state IN ('accepted', 'dispatched', 'filed', 'in_progress', 'new', 'replied', "
         "'verified')")
CHANGES: list[str] = [
    "CREATE INDEX IF NOT EXISTS ix_case_open_street_created ON case_ (street_id, created_at, "
    f"id) {_OPEN}",
    "CREATE INDEX IF NOT EXISTS ix_case_open_community_created ON case_ (community_id, "
    f"created_at, id) {_OPEN}",
]


def upgrade() -> None:
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES)
