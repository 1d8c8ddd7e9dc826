"""Schema 13: a place's open work counted from the index alone for the duty chief too — the
extension requests the chief decides are in the index (the chief's 待我处理 count at a million
cases 22 -> 4 ms): these replace the _due indexes of 0012."""

from __future__ import annotations

from dutydesk.store.migrations import steps

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_OPEN = ("WHERE state IN ('accepted', 'dispatched', 'filed', 'in_progress', 'new', 'replied', "
         "'verified')")  # (as revision 0012 says it: a revision's SQL never changes)
CHANGES: list[str] = [
    "CREATE INDEX IF NOT EXISTS ix_case_open_street_work ON case_ (street_id, state, due_at, "
    f"ack_due_at, extension_due_at) {_OPEN}",
    "CREATE INDEX IF NOT EXISTS ix_case_open_community_work ON case_ (community_id, state, "
    f"due_at, ack_due_at, extension_due_at) {_OPEN}",
]
REPLACED = {  # what the _work indexes replace (their columns' first four)
    "ix_case_open_street_due": f"ON case_ (street_id, state, due_at, ack_due_at) {_OPEN}",
    "ix_case_open_community_due": f"ON case_ (community_id, state, due_at, ack_due_at) {_OPEN}",
}


def upgrade() -> None:
    steps.replace_indexes(CHANGES, REPLACED)


def downgrade() -> None:
    steps.restore_indexes(CHANGES, REPLACED)
