"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""

from dutydesk.store.migrations import steps

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None

CHANGES: list[str] = []


def upgrade() -> None:
    steps.change(CHANGES)


def downgrade() -> None:
    steps.undo(CHANGES)
