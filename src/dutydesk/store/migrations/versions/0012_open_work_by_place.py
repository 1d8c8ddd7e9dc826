"""Schema 12: a place's open work newest first (a street's or community's 待我处理 page), and
counted from the index alone (its deadlines in it, for 超期): these replace the (place, state)
indexes."""

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
    "CREATE INDEX IF NOT EXISTS ix_case_open_street_due ON case_ (street_id, state, due_at, "
    f"ack_due_at) {_OPEN}",
    "CREATE INDEX IF NOT EXISTS ix_case_open_community_due ON case_ (community_id, state, "
    f"due_at, ack_due_at) {_OPEN}",
]
REPLACED = {  # what the _due indexes replace (their columns' first two)
    "ix_case_open_street": f"ON case_ (street_id, state) {_OPEN}",
    "ix_case_open_community": f"ON case_ (community_id, state) {_OPEN}",
}


def upgrade() -> None:
    steps.replace_indexes(CHANGES, REPLACED)


def downgrade() -> None:
    steps.restore_indexes(CHANGES, REPLACED)
