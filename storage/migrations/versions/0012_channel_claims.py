"""channel claims: one dispatcher posts to a channel at a time, a second apart

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_claim",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_until", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "channel_id"),
    )
    op.create_index(
        "ix_reminder_channel", "reminder", ["team_id", "channel_id", "due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reminder_channel", table_name="reminder")
    op.drop_table("channel_claim")
